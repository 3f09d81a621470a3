"""Documents, their sentences and their source lists."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import func, insert
from sqlalchemy import select as sa_select
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from annotator.domain.article import ArticleDraft, SourceSpec
from annotator.domain.errors import InputError, NotFoundError
from annotator.domain.names import check_free_text, check_identifier
from annotator.store.engine import run_write
from annotator.store.models import Document, Sentence, Source, SourceOrigin, utcnow


def add_articles(*, session: Session, drafts: Sequence[ArticleDraft]) -> list[str]:
    """Store articles in one transaction; return the ids stored.

    An article whose id exists with the same text is skipped (importing twice is harmless);
    one with the same id and another text is an error and nothing is stored. Rows go in as
    bulk inserts: ingest is measured against the segmenter's own speed. Two imports of the same
    file at once both succeed: one stores the articles, the other finds them there.
    """
    for draft in drafts:
        where = draft.origin or None
        check_identifier(draft.id, field="id", file=where)
        check_free_text(draft.title, field="title", file=where)
        check_free_text(draft.text, field="text", file=where)
    try:
        return run_write(session, lambda: _store_new_articles(session, drafts))
    except IntegrityError:
        # PostgreSQL: another import inserted one of these ids after this one looked; look again.
        return run_write(session, lambda: _store_new_articles(session, drafts))


def _store_new_articles(session: Session, drafts: Sequence[ArticleDraft]) -> list[str]:
    """One attempt, committed, or rolled back (``run_write`` may run it again)."""
    try:
        new = _articles_not_stored(session, drafts)
        if new:
            _insert_articles(session, new)
        session.commit()
    except BaseException:
        session.rollback()
        raise
    return [d.id for d in new]


def _articles_not_stored(session: Session, drafts: Sequence[ArticleDraft]) -> list[ArticleDraft]:
    ids = [d.id for d in drafts]
    existing: dict[str, str] = {}
    for start in range(0, len(ids), 900):  # under SQLite's bound-parameter limit
        chunk = ids[start : start + 900]
        query = sa_select(col(Document.id), col(Document.text)).where(col(Document.id).in_(chunk))
        existing.update({doc_id: text for doc_id, text in session.execute(query).all()})
    new: list[ArticleDraft] = []
    for draft in drafts:
        if draft.id not in existing:
            new.append(draft)
        elif existing[draft.id] != draft.text:
            raise InputError(
                f"document {draft.id!r} exists already with another text",
                file=draft.origin or None,
                field="id",
                hint="give the new article another id (file name or record id)",
            )
    return new


def _insert_articles(session: Session, new: Sequence[ArticleDraft]) -> None:
    now = utcnow()
    session.execute(
        insert(Document),
        [
            {
                "id": d.id,
                "title": d.title,
                "text": d.text,
                "url": d.url,
                "published": d.published,
                "created_at": now,
            }
            for d in new
        ],
    )
    session.execute(
        insert(Sentence),
        [
            {
                "document_id": d.id,
                "index": i,
                "char_start": s.start,
                "char_end": s.end,
                "text": d.text[s.start : s.end],
                "paragraph": s.paragraph,
            }
            for d in new
            for i, s in enumerate(d.sentences)
        ],
    )
    sources = [
        {
            "document_id": d.id,
            "key": s.key,
            "label": s.label,
            "aliases": list(s.aliases),
            "origin": SourceOrigin.article,
            "proposed_by_id": None,
        }
        for d in new
        for s in d.sources
    ]
    if sources:
        session.execute(insert(Source), sources)


def list_documents(*, session: Session) -> list[Document]:
    return list(session.exec(select(Document).order_by(col(Document.created_at), col(Document.id))).all())


def list_document_ids(*, session: Session) -> list[str]:
    """Ids only, in import order: pickers must not load every article's text.

    A plain driver statement: the annotate page's picker reads it on every key press.
    """
    connection = session.connection()
    sql = "SELECT id FROM document ORDER BY created_at, id"
    return [row[0] for row in connection.exec_driver_sql(sql)]


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
