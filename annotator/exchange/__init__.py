"""Files in and out: article readers, labels import and export (JSONL and the exchange formats),
JSON Schemas, and first-run setup."""
