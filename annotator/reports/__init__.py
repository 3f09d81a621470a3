"""Reports for people: agreement, throughput and suggestion figures as tables and text."""
