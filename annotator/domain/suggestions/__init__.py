"""Attribution suggestions: the rules' label for each sentence with its evidence, how they
compare with reference labels, and source lists proposed from an article's text.

Pure Python: no storage, no UI.  Start with :func:`suggest_labels`.
"""

from __future__ import annotations

from annotator.domain.label import TextSpan
from annotator.domain.suggestions.engine import (
    AUTHOR,
    OTHER,
    RULES_MODEL,
    Suggestion,
    suggest_labels,
)
from annotator.domain.suggestions.evaluation import (
    ReferenceLabel,
    SpanScores,
    SuggestionScores,
    evaluate_suggestions,
    locate,
)

__all__ = [
    "AUTHOR",
    "OTHER",
    "RULES_MODEL",
    "ReferenceLabel",
    "SpanScores",
    "Suggestion",
    "SuggestionScores",
    "TextSpan",
    "evaluate_suggestions",
    "locate",
    "suggest_labels",
]
