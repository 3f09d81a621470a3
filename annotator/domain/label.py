"""One label's values, as every layer passes them around, and the sentence revision a label
is typed against."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class LabelValue:
    """What an annotator says about one sentence.

    >>> LabelValue(is_claim=False).source is None
    True
    """

    is_claim: bool
    source: str | None = None
    source_other: str | None = None
    confidence: int | None = None
    note: str = ""
    flagged: bool = False

    def as_tuple(self) -> tuple[bool, str | None, str | None, int | None, str, bool]:
        """In the order of ``LABEL_FIELDS``: what the store's driver statements bind."""
        return (self.is_claim, self.source, self.source_other, self.confidence, self.note, self.flagged)


LABEL_FIELDS = ("is_claim", "source", "source_other", "confidence", "note", "flagged")


def sentence_revision(char_start: int, char_end: int) -> str:
    """What a label is typed against: the sentence's span of the document's text.

    Merging or splitting a sentence changes its span (the text itself never changes), so a
    label typed on the old span is refused instead of landing on words the annotator never read.

    >>> sentence_revision(10, 42)
    '10-42'
    """
    return f"{char_start}-{char_end}"
