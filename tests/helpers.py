"""Small builders shared by tests: a three-sentence article, annotators with labels, and the
JSON Schema validators of the export records."""

from __future__ import annotations

from functools import cache

import orjson
from jsonschema import Draft202012Validator
from sqlalchemy import func
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from annotator.domain.article import ArticleDraft, SentenceSpan, SourceSpec
from annotator.domain.label import LabelValue, TextSpan
from annotator.exchange.schemas import schemas_dir
from annotator.store import documents, labels, users
from annotator.store.engine import create_tables, make_engine
from annotator.store.models import Label, LabelHistory, Role, Sentence, UserCreate

TEXT = "Alpha said one thing. Beta said another. Gamma was silent."
SPANS = (SentenceSpan(0, 21, 0), SentenceSpan(22, 40, 0), SentenceSpan(41, 58, 0))


def add_small_article(engine: Engine, doc_id: str = "doc") -> None:
    draft = ArticleDraft(
        id=doc_id,
        title="Doc",
        text=TEXT,
        sentences=SPANS,
        sources=(SourceSpec("alpha", "Alpha", ("A.",)), SourceSpec("beta", "Beta")),
    )
    with Session(engine) as session:
        documents.add_articles(session=session, drafts=[draft])


def add_user(engine: Engine, name: str, role: Role = Role.annotator) -> int:
    with Session(engine) as session:
        user = users.create_user(
            session=session, user_in=UserCreate(name=name, role=role, password="password-1")
        )
        assert user.id is not None
        return user.id


def label(engine: Engine, user_id: int, index: int, doc_id: str = "doc", **values: object) -> None:
    with Session(engine) as session:
        sentence = session.exec(
            select(Sentence).where(Sentence.document_id == doc_id, Sentence.index == index)
        ).one()
        assert sentence.id is not None
        labels.save_label(
            session=session, sentence_id=sentence.id, user_id=user_id, value=LabelValue(**values)
        )  # type: ignore[arg-type]


def count_rows(engine: Engine) -> tuple[int, int]:
    with Session(engine) as session:
        return (
            session.exec(select(func.count()).select_from(Label)).one(),
            session.exec(select(func.count()).select_from(LabelHistory)).one(),
        )


@cache
def record_validator(kind: str) -> Draft202012Validator:
    """The JSON Schema of one JSONL record kind (``labels``, ``sentences``, ``documents``,
    ``gold``): the app does not validate against them at run time (msgspec and the import checks
    do the work, a million lines at a time), so jsonschema is a test dependency."""
    return Draft202012Validator(orjson.loads((schemas_dir() / f"{kind}.schema.json").read_bytes()))


def fresh_engine() -> Engine:
    """An empty in-memory store."""
    engine = make_engine("sqlite://")
    create_tables(engine)
    return engine


def labelled_with_evidence(engine: Engine | None = None) -> Engine:
    """The small article labelled by two annotators, with every field an exchange format carries:
    evidence and a chain, an `other` source, a note over two lines, a flag, a non-claim, and
    sentences ben left unlabelled."""
    engine = engine or fresh_engine()
    add_small_article(engine)
    ana, ben = add_user(engine, "ana"), add_user(engine, "ben")
    label(
        engine,
        ana,
        0,
        is_claim=True,
        source="alpha",
        confidence=5,
        note="first\nline",
        flagged=True,
        cue=TextSpan(6, 10, "said"),
        source_mention=TextSpan(0, 5, "Alpha"),
        via=("beta", "other:A neighbour"),
    )
    label(engine, ana, 1, is_claim=True, source="other", source_other="A neighbour", confidence=2)
    label(engine, ana, 2, is_claim=False)
    label(engine, ben, 1, is_claim=True, source=None, confidence=None)  # ben left 0 and 2 unlabelled
    return engine
