"""An article as read from a file, before it is stored."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class SourceSpec:
    """One source an article may attribute claims to."""

    key: str
    label: str
    aliases: tuple[str, ...] = ()


@dataclass(frozen=True)
class SentenceSpan:
    """A sentence as a slice of its document's text: ``text[start:end]``."""

    start: int
    end: int
    paragraph: int


@dataclass(frozen=True)
class DroppedBlock:
    """A block of page furniture left out of the sentences, shown to the lead."""

    text: str
    reason: str


@dataclass(frozen=True)
class ArticleDraft:
    """Everything needed to store one article: text as stored and sentence offsets into it."""

    id: str
    title: str
    text: str
    sentences: tuple[SentenceSpan, ...]
    sources: tuple[SourceSpec, ...] = ()
    dropped: tuple[DroppedBlock, ...] = field(default=())
    url: str | None = None
    published: str | None = None
    origin: str = ""

    def sentence_texts(self) -> list[str]:
        return [self.text[s.start : s.end] for s in self.sentences]
