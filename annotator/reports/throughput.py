"""Annotator throughput for reviewers and leads: from the label history to a table and a chart."""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd
from sqlalchemy.engine import Engine
from sqlmodel import Session

from annotator.domain.throughput import ALL_ARTICLES, Throughput, throughput
from annotator.store.stats import label_saves

COLUMNS = ["annotator", "article", "labels saved", "timed", "labels per hour", "median s per sentence"]


def store_throughput(
    engine: Engine, *, document_id: str | None = None, annotators: Sequence[str] | None = None
) -> list[Throughput]:
    with Session(engine) as session:
        saves = label_saves(session=session, document_id=document_id, annotators=annotators)
    return throughput(saves)


def throughput_frame(rows: Sequence[Throughput]) -> pd.DataFrame:
    """One row per annotator and article, then "all articles"; an undefined rate says why."""
    return pd.DataFrame(
        [
            {
                "annotator": row.annotator,
                "article": row.article,
                "labels saved": row.saves,
                "timed": row.timed_saves,
                "labels per hour": (
                    f"{row.labels_per_hour:.1f}"
                    if row.labels_per_hour is not None
                    else f"undefined: {row.why_undefined}"
                ),
                "median s per sentence": (
                    f"{row.median_seconds:.0f}"
                    if row.median_seconds is not None
                    else f"undefined: {row.why_undefined}"
                ),
            }
            for row in rows
        ],
        columns=COLUMNS,
    )


def throughput_chart_frame(rows: Sequence[Throughput]) -> pd.DataFrame:
    """The defined rates per annotator and article (the "all articles" totals left out)."""
    return pd.DataFrame(
        [
            {
                "annotator": row.annotator,
                "article": row.article,
                "labels per hour": row.labels_per_hour,
                "median seconds per sentence": row.median_seconds,
            }
            for row in rows
            if row.article != ALL_ARTICLES and row.labels_per_hour is not None
        ],
        columns=["annotator", "article", "labels per hour", "median seconds per sentence"],
    )
