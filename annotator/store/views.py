"""What the annotate page shows, read in a handful of indexed queries.

Every query here is bounded by one article or one annotator, so the page does not slow
down as the database grows.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlmodel import Session

from annotator.store import documents, labels
from annotator.store.models import Label, Sentence, Source


@dataclass(frozen=True)
class AnnotateView:
    document_id: str
    title: str
    sentences: list[Sentence]
    sources: list[Source]
    my_labels: dict[int, Label]
    article_progress: labels.Progress
    overall_progress: labels.Progress


def annotate_view(*, session: Session, document_id: str, user_id: int) -> AnnotateView:
    """Only the annotator's own labels: blind labelling is enforced here, not in the page."""
    document = documents.require_document(session=session, document_id=document_id)
    sentences = documents.list_sentences(session=session, document_id=document_id)
    mine = labels.labels_by_index(session=session, document_id=document_id, user_id=user_id)
    return AnnotateView(
        document_id=document_id,
        title=document.title,
        sentences=sentences,
        sources=documents.list_sources(session=session, document_id=document_id),
        my_labels=mine,
        article_progress=labels.Progress(done=len(mine), total=len(sentences)),
        overall_progress=labels.overall_progress(session=session, user_id=user_id),
    )
