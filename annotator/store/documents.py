"""Documents, their sentences and their source lists."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import func
from sqlmodel import Session, col, select

from annotator.domain.article import ArticleDraft, SourceSpec
from annotator.domain.errors import InputError, NotFoundError
from annotator.store.models import Document, Sentence, Source, SourceOrigin


def add_articles(*, session: Session, drafts: Sequence[ArticleDraft]) -> list[str]:
    """Store articles in one transaction; return the ids stored.

    An article whose id exists with the same text is skipped (importing twice is harmless);
    one with the same id and another text is an error and nothing is stored.
    """
    stored: list[str] = []
    for draft in drafts:
        existing = session.get(Document, draft.id)
        if existing is not None:
            if existing.text == draft.text:
                continue
            raise InputError(
                f"document {draft.id!r} exists already with another text",
                file=draft.origin or None,
                field="id",
                hint="give the new article another id (file name or record id)",
            )
        _add_article(session=session, draft=draft)
        stored.append(draft.id)
    session.commit()
    return stored


def _add_article(*, session: Session, draft: ArticleDraft) -> None:
    session.add(
        Document(id=draft.id, title=draft.title, text=draft.text, url=draft.url, published=draft.published)
    )
    session.flush()
    session.add_all(
        Sentence(
            document_id=draft.id,
            index=i,
            char_start=s.start,
            char_end=s.end,
            text=draft.text[s.start : s.end],
            paragraph=s.paragraph,
        )
        for i, s in enumerate(draft.sentences)
    )
    session.add_all(
        Source(document_id=draft.id, key=s.key, label=s.label, aliases=list(s.aliases)) for s in draft.sources
    )


def list_documents(*, session: Session) -> list[Document]:
    return list(session.exec(select(Document).order_by(col(Document.created_at), col(Document.id))).all())


def get_document(*, session: Session, document_id: str) -> Document | None:
    return session.get(Document, document_id)


def require_document(*, session: Session, document_id: str) -> Document:
    document = session.get(Document, document_id)
    if document is None:
        raise NotFoundError(f"no document {document_id!r}: 'annotator export --what documents' lists the ids")
    return document


def list_sentences(*, session: Session, document_id: str) -> list[Sentence]:
    return list(
        session.exec(
            select(Sentence).where(Sentence.document_id == document_id).order_by(col(Sentence.index))
        ).all()
    )


def get_sentence(*, session: Session, document_id: str, index: int) -> Sentence | None:
    return session.exec(
        select(Sentence).where(Sentence.document_id == document_id, Sentence.index == index)
    ).first()


def sentences_by_id(*, session: Session, sentence_ids: Sequence[int]) -> dict[int, Sentence]:
    if not sentence_ids:
        return {}
    rows = session.exec(select(Sentence).where(col(Sentence.id).in_(list(sentence_ids)))).all()
    return {row.id: row for row in rows if row.id is not None}


def count_sentences(*, session: Session, document_id: str | None = None) -> int:
    query = select(func.count()).select_from(Sentence)
    if document_id is not None:
        query = query.where(Sentence.document_id == document_id)
    return int(session.exec(query).one())


def list_sources(*, session: Session, document_id: str) -> list[Source]:
    return list(
        session.exec(select(Source).where(Source.document_id == document_id).order_by(col(Source.id))).all()
    )


def add_source(
    *,
    session: Session,
    document_id: str,
    spec: SourceSpec,
    origin: SourceOrigin = SourceOrigin.article,
    proposed_by_id: int | None = None,
) -> Source:
    """Add a source to one article's list; its key must be new there."""
    require_document(session=session, document_id=document_id)
    existing = session.exec(
        select(Source).where(Source.document_id == document_id, Source.key == spec.key)
    ).first()
    if existing is not None:
        raise InputError(
            f"source key {spec.key!r} is already in this article's list",
            field="key",
            hint="choose another key, or use the existing source",
        )
    source = Source(
        document_id=document_id,
        key=spec.key,
        label=spec.label,
        aliases=list(spec.aliases),
        origin=origin,
        proposed_by_id=proposed_by_id,
    )
    session.add(source)
    session.commit()
    session.refresh(source)
    return source


def update_source(*, session: Session, source_id: int, label: str, aliases: Sequence[str]) -> Source:
    source = session.get(Source, source_id)
    if source is None:
        raise NotFoundError(f"no source with id {source_id}")
    source.label = label
    source.aliases = list(aliases)
    session.add(source)
    session.commit()
    return source
