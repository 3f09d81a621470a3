"""How many records an export will write: the length of the CLI's progress bar.

Counted with the scope of the export's own query (one article, some annotators), so the
bar ends where the export does.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import func
from sqlalchemy import select as sa_select
from sqlmodel import Session, col

from annotator.store.models import GoldLabel, Label, Sentence, User


def count_export_rows(
    *, session: Session, what: str, document_id: str | None = None, annotators: Sequence[str] | None = None
) -> int | None:
    """Rows of a labels, sentences or gold export; None for the small kinds (documents,
    suggestions), which need no progress bar."""
    if what == "labels":
        query = (
            sa_select(func.count())
            .select_from(Label)
            .join(Sentence, col(Sentence.id) == col(Label.sentence_id))
            .join(User, col(User.id) == col(Label.user_id))
        )
        if annotators is not None:
            query = query.where(col(User.name).in_(sorted(set(annotators))))
    elif what == "gold":
        query = (
            sa_select(func.count())
            .select_from(GoldLabel)
            .join(Sentence, col(Sentence.id) == col(GoldLabel.sentence_id))
        )
    elif what == "sentences":
        query = sa_select(func.count()).select_from(Sentence)
    else:
        return None
    if document_id is not None:
        query = query.where(col(Sentence.document_id) == document_id)
    return int(session.execute(query).scalar_one())
