"""The agreement report as pandas frames, ready for charts and tables."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import pandas as pd

from annotator.domain.agreement import GoldAgreement
from annotator.domain.agreement.evidence import SPAN_MEASURE, VIA_MEASURE
from annotator.domain.agreement.report import AgreementReport, field_reading
from annotator.domain.agreement.result import Coefficient, Interval, json_reason
from annotator.reports.agreement import Disagreement

FIELD_TITLES = {"is_claim": "Is it a claim?", "source": "Who says so? (source)", "confidence": "Confidence"}


def headline_rows(report: AgreementReport) -> list[dict[str, Any]]:
    """One row per field: its main alpha, the interval and a plain-words reading."""
    rows: list[dict[str, Any]] = []
    for name, field in report.fields.items():
        metric, alpha = next(iter(field.alpha.items()))
        interval = field.intervals.get(f"alpha_{metric}")
        defined_interval = interval is not None and interval.low is not None and interval.high is not None
        rows.append(
            {
                "field": name,
                "title": FIELD_TITLES[name],
                "alpha_text": "undefined" if alpha.value is None else f"{alpha.value:.3f}",
                "interval_text": f"95% CI {interval.low:.2f} to {interval.high:.2f}"  # type: ignore[union-attr]
                if defined_interval
                else None,
                "alpha": alpha.value,
                "metric": metric,
                "low": None if interval is None else interval.low,
                "high": None if interval is None else interval.high,
                "fleiss_kappa": field.fleiss_kappa.value,
                "gwet_ac1": field.gwet_ac1.value,
                "percent_agreement": field.percent_agreement.value,
                "units": field.units,
                "labels": field.values,
                "reading": field_reading(field),
                "why_undefined": alpha.reason,
            }
        )
    return rows


EVIDENCE_TITLES = {"source_mention": "Words naming the source", "cue": "Cue"}
NO_DATA = "no data"


def evidence_rows(report: AgreementReport) -> list[dict[str, Any]]:
    """One tile per evidence field: span F1 for the mention and the cue, exact agreement on
    ``via``. A figure without data reads "no data", with the reason as its help."""
    rows: list[dict[str, Any]] = []
    for name, span in report.spans.items():
        rows.append(
            {
                "field": name,
                "title": f"{EVIDENCE_TITLES[name]}: token F1",
                "value_text": NO_DATA if span.f1.value is None else f"{span.f1.value:.3f}",
                "help": json_reason(span.f1.reason) if span.f1.reason else SPAN_MEASURE,
                "caption": f"{span.labels_with_span} labels mark it; {span.shared_claims} sentences "
                "called a claim by two annotators or more",
            }
        )
    via = report.via
    rows.append(
        {
            "field": "via",
            "title": "Chain (via): exact agreement",
            "value_text": NO_DATA
            if via.percent_agreement.value is None
            else f"{via.percent_agreement.value:.0%}",
            "help": json_reason(via.percent_agreement.reason)
            if via.percent_agreement.reason
            else VIA_MEASURE,
            "caption": f"α (nominal) {coefficient_text(via.alpha)}; {via.units} sentences where two "
            "annotators or more chose the same source",
        }
    )
    return rows


NO_BOOTSTRAP = "not computed (no bootstrap)"


def coefficients_table(report: AgreementReport) -> pd.DataFrame:
    """Every headline figure of every field as text, for reading rather than plotting: an
    undefined figure or interval says why instead of showing an empty cell, None or NaN."""
    rows = []
    for name, field in report.fields.items():
        for metric, alpha in field.alpha.items():
            rows.append(
                {
                    "field": FIELD_TITLES[name],
                    "α": f"{coefficient_text(alpha)} ({metric})",
                    "95% interval of α": interval_text(field.intervals.get(f"alpha_{metric}")),
                    "Fleiss' κ": coefficient_text(field.fleiss_kappa),
                    "Gwet's AC1": coefficient_text(field.gwet_ac1),
                    "percent agreement": coefficient_text(field.percent_agreement, percent=True),
                    "sentences": field.units,
                    "labels": field.values,
                }
            )
    return pd.DataFrame(rows)


def interval_text(interval: Interval | None) -> str:
    if interval is None:
        return NO_BOOTSTRAP
    if interval.low is None or interval.high is None:
        return f"undefined: {json_reason(interval.reason or 'undefined')}"
    return f"{interval.low:.3f} to {interval.high:.3f}"


def kappa_frame(report: AgreementReport, field: str = "source") -> pd.DataFrame:
    """Cohen's kappa for every ordered annotator pair (both directions, for a symmetric heatmap)."""
    rows = []
    for pair, kappa in report.fields[field].cohen_kappa.items():
        first, second = pair.split("|")
        for a, b in ((first, second), (second, first)):
            rows.append({"annotator": a, "other": b, "kappa": kappa.value, "why_undefined": kappa.reason})
    return pd.DataFrame(rows, columns=["annotator", "other", "kappa", "why_undefined"])


def confusion_frame(report: AgreementReport, pair: str | None = None) -> pd.DataFrame:
    """Source confusion counts (pooled over all pairs, or one pair ``"A|B"``), long form, non-zero cells."""
    matrix = report.source_confusion_pooled if pair is None else report.source_confusion_pairs[pair]
    names = report.source_categories
    return pd.DataFrame(
        [
            {"source": names[i], "other source": names[j], "count": int(matrix[i, j])}
            for i in range(len(names))
            for j in range(len(names))
            if matrix[i, j]
        ],
        columns=["source", "other source", "count"],
    )


def per_source_frame(report: AgreementReport) -> pd.DataFrame:
    rows = [
        {
            "source": key,
            "alpha": a.alpha.value,
            "specific_agreement": a.specific_agreement.value,
            "labels": a.values,
            "why_undefined": a.alpha.reason,
        }
        for key, a in report.fields["source"].per_category.items()
        if a.values
    ]
    return pd.DataFrame(rows, columns=["source", "alpha", "specific_agreement", "labels", "why_undefined"])


def calibration_frame(report: AgreementReport) -> pd.DataFrame:
    return pd.DataFrame(report.calibration, columns=["confidence", "pairs", "source_agreement"])


def annotator_frame(report: AgreementReport) -> pd.DataFrame:
    """Each annotator against the others on the source, as text (an undefined figure says why)."""
    rows = [
        {
            "annotator": name,
            "mean κ with the others": coefficient_text(a.mean_kappa),
            "percent agreement": coefficient_text(a.percent_agreement, percent=True),
            "shared sentences": a.shared_units,
        }
        for name, a in report.fields["source"].per_annotator.items()
    ]
    return pd.DataFrame(
        rows, columns=["annotator", "mean κ with the others", "percent agreement", "shared sentences"]
    )


def gold_quality_frame(quality: Mapping[str, GoldAgreement]) -> pd.DataFrame:
    """Each annotator against gold, as text: before gold exists the figures say why they are undefined."""
    return pd.DataFrame(
        [
            {
                "annotator": name,
                "kappa vs gold": coefficient_text(q.kappa),
                "accuracy": coefficient_text(q.accuracy, percent=True),
                "sentences": q.units,
            }
            for name, q in quality.items()
        ],
        columns=["annotator", "kappa vs gold", "accuracy", "sentences"],
    )


def disagreement_frame(disagreements: Sequence[Disagreement]) -> pd.DataFrame:
    return pd.DataFrame(
        [
            {
                "article": d.document_id,
                "sentence": d.sentence_index + 1,
                "pairs differing": d.disagreement,
                "labels": d.labels,
                "text": d.text,
                "sentence_id": d.sentence_id,
            }
            for d in disagreements
        ],
        columns=["article", "sentence", "pairs differing", "labels", "text", "sentence_id"],
    )


def coefficient_text(coefficient: Coefficient, *, percent: bool = False) -> str:
    """A figure as shown in tables: the number, or "undefined: because …"."""
    if coefficient.value is None:
        return f"undefined: {json_reason(coefficient.reason or 'undefined')}"
    return f"{coefficient.value:.0%}" if percent else f"{coefficient.value:.3f}"


def ac1_categories_note(report: AgreementReport) -> str:
    """Which ``q`` Gwet's AC1 used per field, in words (the figure depends on it)."""
    fields = report.fields.values()
    rule = next(iter(fields)).ac1_categories.rule
    counts = ", ".join(f"{name} q = {field.ac1_categories.q}" for name, field in report.fields.items())
    what = "the categories used in the labels" if rule == "observed" else "every category offered"
    return f"Gwet's AC1 counts {what}: {counts}."
