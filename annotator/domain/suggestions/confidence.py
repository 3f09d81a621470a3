"""The confidence a suggestion is pre-selected with, so that Enter alone accepts it.

A suggestion has a score, not a confidence. The guidelines' own scale gives one from the
evidence: a source named in the sentence with a cue (or the outlet's plain voice) is the
most certain; a source carried over from elsewhere, or shown by only a cue or only a
mention, less; a claim with neither, least.
"""

from __future__ import annotations

AUTHOR = "author"


def suggested_confidence(
    *, is_claim: bool, source: str | None, has_cue: bool, has_mention: bool, scale: tuple[int, int]
) -> int | None:
    """A confidence on ``scale`` (lowest, highest) for a suggested label; None for a non-claim.

    >>> suggested_confidence(is_claim=True, source="police", has_cue=True, has_mention=True, scale=(1, 5))
    5
    >>> suggested_confidence(is_claim=True, source="police", has_cue=True, has_mention=False, scale=(1, 5))
    4
    >>> suggested_confidence(is_claim=False, source=None, has_cue=False, has_mention=False, scale=(1, 5))
    """
    if not is_claim:
        return None
    low, high = scale
    if (has_cue and has_mention) or (source == AUTHOR and not has_cue):
        steps_down = 0
    elif has_cue or has_mention:
        steps_down = 1
    else:
        steps_down = 2
    return max(low, high - steps_down)
