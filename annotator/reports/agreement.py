"""The agreement report for a store: load labels, compute, and describe disagreements."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy.engine import Engine
from sqlmodel import Session

from annotator.domain.agreement import GoldAgreement
from annotator.domain.agreement.field import CategoryRule
from annotator.domain.agreement.report import (
    REPORT_STEPS,
    AgreementReport,
    ProgressCallback,
    agreement_report,
    quality_against_gold,
)
from annotator.exchange.schemas import load_label_schema
from annotator.store.agreement_reads import load_label_table, offered_source_keys
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
    categories: CategoryRule = "observed",
    on_progress: ProgressCallback | None = None,
) -> AgreementReport:
    """Agreement over the current labels of the store (one article or all; some annotators or all).

    ``categories``: what Gwet's AC1 counts as the categories of a field — those ``observed`` in
    the labels (as Gwet's published figures do), or all those ``offered`` to the annotators
    (the labelled articles' sources, the special sources, not-a-claim; the whole scale).
    ``on_progress`` is called with (steps done, steps in all): reading the labels is the first
    step, then each step of the report.
    """
    total = REPORT_STEPS + 1

    def progress(done: int, _steps: int) -> None:
        if on_progress is not None:
            on_progress(1 + done, total)

    if document_id is not None:
        with Session(engine) as session:
            require_document(session=session, document_id=document_id)
    schema = load_label_schema()
    with engine.connect() as connection:
        table = load_label_table(connection, document_id=document_id, annotators=annotators)
        offered = None
        if categories == "offered":
            article_keys = offered_source_keys(connection, document_id=document_id)
            offered = [*article_keys, *schema.special_keys]
    progress(0, REPORT_STEPS)
    scale = [v.value for v in schema.confidence]
    return agreement_report(
        table, scale=scale, bootstrap=bootstrap, seed=seed, offered_sources=offered, on_progress=progress
    )


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
