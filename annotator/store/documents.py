"""Documents, their sentences and their source lists."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import delete, func, insert
from sqlalchemy import select as sa_select
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from annotator.domain.article import ArticleDraft, SourceSpec
from annotator.domain.errors import AnnotatorError, InputError, NotFoundError
from annotator.domain.label import SOURCE_KEY
from annotator.domain.names import MAX_OTHER_SOURCE_NAME, check_free_text, check_identifier
from annotator.domain.source_keys import RESERVED_KEYS
from annotator.store import driver
from annotator.store.engine import run_write
from annotator.store.models import (
    ArticleAssignment,
    Assignment,
    Document,
    GoldLabel,
    Label,
    Sentence,
    Source,
    SourceOrigin,
    as_utc,
    utcnow,
)

DECIDED_ORIGINS = frozenset({SourceOrigin.article, SourceOrigin.imported})
"""Source origins that need no decision; any other (proposed, suggested) waits for a lead."""


def awaits_decision(source: Source) -> bool:
    """True for a source annotators proposed that a lead has not accepted, merged or rejected."""
    return source.origin not in DECIDED_ORIGINS


def add_articles(
    *, session: Session, drafts: Sequence[ArticleDraft], suggested_sources: frozenset[str] = frozenset()
) -> list[str]:
    """Store articles in one transaction; return the ids stored.

    The sources of the articles whose ids are in ``suggested_sources`` were proposed by the
    suggester from the text and are stored with origin ``suggested`` for the lead to review.

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
        for index, spec in enumerate(draft.sources):
            check_source_spec(spec, field=f"sources[{index}]", file=where)
    try:
        return run_write(session, lambda: _store_new_articles(session, drafts, suggested_sources))
    except IntegrityError:
        # PostgreSQL: another import inserted one of these ids after this one looked; look again.
        return run_write(session, lambda: _store_new_articles(session, drafts, suggested_sources))


def _store_new_articles(
    session: Session, drafts: Sequence[ArticleDraft], suggested_sources: frozenset[str]
) -> list[str]:
    """One attempt, committed, or rolled back (``run_write`` may run it again)."""
    try:
        new = _articles_not_stored(session, drafts)
        if new:
            _insert_articles(session, new, suggested_sources)
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


def _insert_articles(
    session: Session, new: Sequence[ArticleDraft], suggested_sources: frozenset[str]
) -> None:
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
            "origin": SourceOrigin.suggested if d.id in suggested_sources else SourceOrigin.article,
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
    return [row[0] for row in driver.run(session.connection(), driver.DOCUMENT_IDS)]


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


def check_source_spec(spec: SourceSpec, *, field: str = "source", file: str | None = None) -> None:
    """The store's rules for a source on an article's list, whichever path adds or renames it.

    The key has the one key syntax (``SOURCE_KEY``, as labels and exports carry it) and is not
    a special source's (``RESERVED_KEYS``). The name
    is what a rejected proposal leaves in its labels' ``source_other`` and ``via`` (``other:NAME``),
    so it obeys their rules: not empty, at most ``MAX_OTHER_SOURCE_NAME`` characters, no
    control characters. Aliases are free text.
    """
    if not SOURCE_KEY.fullmatch(spec.key):
        raise InputError(
            f"source key {spec.key!r} is not allowed",
            file=file,
            field=f"{field}.key",
            hint="use 1-64 lower-case letters, digits, '-' or '_', starting with a letter or digit",
        )
    if spec.key in RESERVED_KEYS:
        raise InputError(
            f"source key {spec.key!r} is a special source of the label schema",
            file=file,
            field=f"{field}.key",
            hint=f"give it another key: {', '.join(sorted(RESERVED_KEYS))} are kept for the specials",
        )
    check_source_name(spec.label, field=f"{field}.label", file=file)
    for index, alias in enumerate(spec.aliases):
        check_free_text(alias, field=f"{field}.aliases[{index}]", limit=MAX_OTHER_SOURCE_NAME, file=file)


def check_source_name(name: str, *, field: str = "name", file: str | None = None) -> None:
    """A source's name: see ``check_source_spec``."""
    if not name.strip():
        raise InputError("the source has no name", file=file, field=field, hint="type the source's name")
    check_free_text(name, field=field, limit=MAX_OTHER_SOURCE_NAME, file=file)


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
    """Add a source to one article's list; its key must be new there (``check_source_spec``)."""
    check_source_spec(spec)
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
    """Rename a source and replace its aliases; its key stays (labels name it)."""
    source = session.get(Source, source_id)
    if source is None:
        raise NotFoundError(f"no source with id {source_id}")
    check_source_spec(SourceSpec(source.key, label, tuple(aliases)))
    source.label = label
    source.aliases = list(aliases)
    session.add(source)
    session.commit()
    return source


def document_titles(*, session: Session) -> list[tuple[str, str]]:
    """(id, title) of every article in import order: for pickers that show titles, not ids.

    A plain driver statement like ``list_document_ids`` (no article text is read). Use:
    ``titles = dict(document_titles(session=s))`` and
    ``st.selectbox("Article", list(titles), format_func=titles.__getitem__)``.
    """
    return [(row[0], row[1]) for row in driver.run(session.connection(), driver.DOCUMENT_TITLES)]


@dataclass(frozen=True)
class ArticleOverview:
    """One row of the lead's table of articles."""

    document_id: str
    title: str
    sentences: int
    sources: int
    labels: int
    annotators: int
    gold: int
    proposed_sources: int
    """Sources annotators proposed that wait for a lead's decision."""
    imported_at: datetime

    @property
    def gold_fraction(self) -> float:
        """Share of the sentences with a settled label."""
        return self.gold / self.sentences if self.sentences else 0.0


def article_overview(*, session: Session) -> list[ArticleOverview]:
    """Every article with its counts, in import order: a handful of grouped queries, not one per article."""

    def per_document(*columns: Any, rows_of: Any = None) -> dict[str, tuple[Any, ...]]:
        # Driven from the counted table (gold: a few rows; labels: each row once), joined to
        # its sentence for the article id.
        query = sa_select(col(Sentence.document_id), *columns)
        if rows_of is not None:
            query = query.select_from(rows_of).join(Sentence, col(Sentence.id) == rows_of.sentence_id)
        rows = session.execute(query.group_by(col(Sentence.document_id))).all()
        return {row[0]: tuple(row[1:]) for row in rows}

    sentences = per_document(func.count())
    labelled = per_document(func.count(), func.count(func.distinct(col(Label.user_id))), rows_of=Label)
    gold = per_document(func.count(), rows_of=GoldLabel)
    sources = dict(
        session.execute(
            sa_select(col(Source.document_id), func.count()).group_by(col(Source.document_id))
        ).all()
    )
    proposed = dict(
        session.execute(
            sa_select(col(Source.document_id), func.count())
            .where(col(Source.origin).not_in(list(DECIDED_ORIGINS)))
            .group_by(col(Source.document_id))
        ).all()
    )
    documents = session.execute(
        sa_select(col(Document.id), col(Document.title), col(Document.created_at)).order_by(
            col(Document.created_at), col(Document.id)
        )
    ).all()
    return [
        ArticleOverview(
            document_id=doc_id,
            title=title,
            sentences=int(sentences.get(doc_id, (0,))[0]),
            sources=int(sources.get(doc_id, 0)),
            labels=int(labelled.get(doc_id, (0, 0))[0]),
            annotators=int(labelled.get(doc_id, (0, 0))[1]),
            gold=int(gold.get(doc_id, (0,))[0]),
            proposed_sources=int(proposed.get(doc_id, 0)),
            imported_at=as_utc(created_at),
        )
        for doc_id, title, created_at in documents
    ]


def rename_document(*, session: Session, document_id: str, title: str) -> Document:
    """Give an article a new title; its id, text and labels stay as they are."""
    cleaned = " ".join(title.split())
    if not cleaned:
        raise InputError("the title is empty", field="title", hint="type the article's new title")
    document = require_document(session=session, document_id=document_id)
    document.title = cleaned
    session.add(document)
    session.commit()
    return document


class ArticleHasLabelsError(AnnotatorError):
    """An article with labels was to be deleted without the labels being saved first."""


def count_labels(*, session: Session, document_id: str) -> int:
    query = (
        sa_select(func.count())
        .select_from(Label)
        .join(Sentence, col(Sentence.id) == col(Label.sentence_id))
        .where(col(Sentence.document_id) == document_id)
    )
    return int(session.execute(query).scalar_one())


def delete_document(*, session: Session, document_id: str, labels_saved_to: Path | None) -> int:
    """Delete an article with its sentences, sources, labels, gold and claims; return the labels deleted.

    An article with labels is refused unless ``labels_saved_to`` is the labels export of the
    article written just before (one line per label it has now; io.export.delete_article
    writes it). Label history rows stay: they are the record of what was said.
    """
    require_document(session=session, document_id=document_id)

    def write() -> int:
        labelled = count_labels(session=session, document_id=document_id)
        if labelled and _lines(labels_saved_to) != labelled:
            session.rollback()
            raise ArticleHasLabelsError(
                f"article {document_id!r} has {labelled} label(s) and they are not in a labels export: "
                "nothing was deleted (confirm the deletion; the labels are exported to exports/ first)"
            )
        sentence_ids = sa_select(col(Sentence.id)).where(col(Sentence.document_id) == document_id)
        # Children first, explicitly: SQLite enforces ON DELETE CASCADE only with its pragma on.
        for table in (Label, GoldLabel, Assignment):
            session.execute(delete(table).where(col(table.sentence_id).in_(sentence_ids)))
        session.execute(delete(Sentence).where(col(Sentence.document_id) == document_id))
        session.execute(delete(Source).where(col(Source.document_id) == document_id))
        session.execute(delete(ArticleAssignment).where(col(ArticleAssignment.document_id) == document_id))
        session.execute(delete(Document).where(col(Document.id) == document_id))
        session.commit()
        return labelled

    return run_write(session, write)


def _lines(path: Path | None) -> int:
    if path is None or not path.is_file():
        return 0
    with path.open("rb") as stream:
        return sum(1 for line in stream if line.strip())
