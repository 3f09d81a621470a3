"""The agreement report for a store: load labels, compute, and describe disagreements."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy.engine import Engine
from sqlmodel import Session

from annotator.domain.agreement import GoldAgreement
from annotator.domain.agreement_report import AgreementReport, agreement_report, quality_against_gold
from annotator.io.schemas import load_label_schema
from annotator.store.agreement import load_label_table
from annotator.store.documents import require_document, sentences_by_id
from annotator.store.gold import gold_answers


@dataclass(frozen=True)
class Disagreement:
    sentence_id: int
    document_id: str
    sentence_index: int
    text: str
    disagreement: float
    labels: int


def store_agreement(
    engine: Engine,
    *,
    document_id: str | None = None,
    annotators: Sequence[str] | None = None,
    bootstrap: int = 0,
    seed: int | None = None,
) -> AgreementReport:
    """Agreement over the current labels of the store (one article or all; some annotators or all)."""
    if document_id is not None:
        with Session(engine) as session:
            require_document(session=session, document_id=document_id)
    with engine.connect() as connection:
        table = load_label_table(connection, document_id=document_id, annotators=annotators)
    scale = [v.value for v in load_label_schema().confidence]
    return agreement_report(table, scale=scale, bootstrap=bootstrap, seed=seed)


def describe_disagreements(engine: Engine, report: AgreementReport, *, limit: int = 50) -> list[Disagreement]:
    """The most disputed sentences with their article, position and text."""
    top = report.disagreements[:limit]
    with Session(engine) as session:
        sentences = sentences_by_id(session=session, sentence_ids=[s for s, _, _ in top])
    return [
        Disagreement(sid, sentences[sid].document_id, sentences[sid].index, sentences[sid].text, share, n)
        for sid, share, n in top
        if sid in sentences
    ]


def store_gold_quality(engine: Engine, *, document_id: str | None = None) -> dict[str, GoldAgreement]:
    """Per annotator: Cohen's kappa and accuracy against gold on the sentences both have."""
    with engine.connect() as connection:
        table = load_label_table(connection, document_id=document_id)
    with Session(engine) as session:
        gold = gold_answers(session=session, document_id=document_id)
    return quality_against_gold(table, gold)
