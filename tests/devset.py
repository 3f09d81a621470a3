"""The shared dev set (six invented articles with gold labels), for the suggestion tests.

It lives beside the clone, in ``../shared/devset`` relative to the repository root (CI
checks it out there); without it the tests that need it are skipped, saying so.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from annotator.exchange.devset import DevsetArticle, read_devset

DEVSET = Path(__file__).resolve().parents[1].parent / "shared" / "devset"


def devset_articles() -> list[DevsetArticle]:
    if not (DEVSET / "articles").is_dir():
        pytest.skip(f"the dev set is not at {DEVSET} (clone shared/devset beside the repository)")
    return read_devset(DEVSET)


def devset_ids() -> list[tuple[str, int]]:
    """(article id, sentence index) of every gold sentence, read without parsing the gold,
    so that test collection works (and skips) without the dev set."""
    if not (DEVSET / "articles").is_dir():
        return []
    return [(a.id, i) for a in read_devset(DEVSET) for i in range(len(a.sentences))]
