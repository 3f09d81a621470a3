"""Keyboard layout of the annotate page: which key picks which source or confidence.

The common case takes two key presses: a source key, then a confidence digit (which saves
and moves on); "not a claim" takes one.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

NOT_A_CLAIM_KEY = "N"
SAME_AS_PREVIOUS_KEY = "S"
NEXT_NEEDED_KEY = "J"
FLAG_KEY = "F"
UNDO_KEY = "U"
GO_TO_KEY = "G"
SPECIAL_KEYS = {"author": "A", "other": "O"}
# Evidence: mark the words naming the source, mark the cue, list the sources it cites (via).
# Streamlit's own C (clear caches) is off: the app runs with client.toolbarMode "minimal"
# (annotator/ui/options.py).
MENTION_KEY = "M"
CUE_KEY = "C"
VIA_KEY = "V"
EVIDENCE_KEYS = {"mention": MENTION_KEY, "cue": CUE_KEY, "via": VIA_KEY}

# The letters above are taken by fixed actions; Streamlit reruns the page on R.
_EXTRA_SOURCE_KEYS = "QWETYIPDHKLZXB"


@dataclass(frozen=True)
class KeyBinding:
    key: str
    source: str


def source_shortcuts(article_sources: Sequence[str], special_sources: Sequence[str]) -> list[KeyBinding]:
    """Digits 1–9 then 0 for the article's sources in order, then spare letters; fixed letters
    for the schema's special sources, so they are the same on every article.

    >>> [b.key for b in source_shortcuts(["a", "b"], ["author", "other"])]
    ['1', '2', 'A', 'O']
    """
    pool = [*"1234567890", *_EXTRA_SOURCE_KEYS]
    bindings = [KeyBinding(key, source) for key, source in zip(pool, article_sources, strict=False)]
    # More sources than keys: the rest are reachable with the mouse.
    bindings += [KeyBinding(SPECIAL_KEYS[s], s) for s in special_sources if s in SPECIAL_KEYS]
    return bindings
