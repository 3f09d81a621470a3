"""The agreement report as plain-text tables for the terminal.

An undefined figure never prints as a bare blank, ``None`` or ``NaN``: it says why.
"""

from __future__ import annotations

from collections.abc import Sequence

from annotator.domain.agreement.evidence import SPAN_MEASURE, VIA_MEASURE
from annotator.domain.agreement.report import NO_CALIBRATION_PAIR, AgreementReport, field_reading
from annotator.domain.agreement.result import Coefficient, Interval, json_reason
from annotator.reports.agreement import Disagreement


def _number(coefficient: Coefficient) -> str:
    return "undefined" if coefficient.value is None else f"{coefficient.value:.3f}"


def _why(coefficient: Coefficient) -> str:
    """The reason after an undefined figure (nothing after a defined one)."""
    return "" if coefficient.reason is None else f"  ({json_reason(coefficient.reason)})"


def _interval(interval: Interval | None) -> str:
    if interval is None:
        return ""  # no bootstrap asked for (--bootstrap 0), or none for this figure
    if interval.low is None or interval.high is None:
        return f"no interval: {json_reason(interval.reason or 'undefined')}"
    return f"[{interval.low:.3f}, {interval.high:.3f}]"


def agreement_text(report: AgreementReport, disagreements: Sequence[Disagreement]) -> str:
    lines: list[str] = []
    for name, field in report.fields.items():
        lines.append(
            f"== {name} ({field.level}) — {field.units} sentences, "
            f"{len(field.annotators)} annotators, {field.values} labels"
        )
        rows: list[tuple[str, Coefficient, Interval | None]] = [
            ("percent agreement", field.percent_agreement, None)
        ]
        rows += [
            (f"Krippendorff's alpha ({metric})", c, field.intervals.get(f"alpha_{metric}"))
            for metric, c in field.alpha.items()
        ]
        rows += [
            ("Fleiss' kappa", field.fleiss_kappa, field.intervals.get("fleiss_kappa")),
            (f"Gwet's AC1 (q = {field.ac1_categories.q}, {field.ac1_categories.rule})", field.gwet_ac1, None),
        ]
        for label, coefficient, interval in rows:
            lines.append(
                f"  {label:<34} {_number(coefficient):>9}  {_interval(interval)}{_why(coefficient)}".rstrip()
            )
        lines.append(f"  reading: {field_reading(field)}")
        for pair, kappa in field.cohen_kappa.items():
            extra = ""
            if field.weighted_kappa_linear is not None and field.weighted_kappa_quadratic is not None:
                extra = (
                    f"  linear {_number(field.weighted_kappa_linear[pair])}"
                    f"  quadratic {_number(field.weighted_kappa_quadratic[pair])}"
                )
            lines.append(f"  Cohen's kappa {pair:<28} {_number(kappa):>9}{extra}{_why(kappa)}")
        lines.append("")
    source = report.fields["source"]
    lines.append("== per source (one-vs-rest)")
    for key, agreement in source.per_category.items():
        lines.append(
            f"  {key:<34} alpha {_number(agreement.alpha):>9}  "
            f"specific agreement {_number(agreement.specific_agreement):>9}  ({agreement.values} labels)"
            f"{_why(agreement.alpha)}"
        )
    lines.append("")
    lines += _evidence_lines(report)
    lines.append("")
    lines.append("== does stated confidence predict agreement on the source?")
    for row in report.calibration:
        if row["source_agreement"] is None:
            share = f"undefined ({json_reason(NO_CALIBRATION_PAIR)})"
            lines.append(f"  confidence {row['confidence']}: {share}")
            continue
        lines.append(
            f"  confidence {row['confidence']}: others agreed {row['source_agreement']:>4.0%} "
            f"of {row['pairs']} times"
        )
    if disagreements:
        lines.append("")
        lines.append("== most disputed sentences (source)")
        for d in disagreements:
            lines.append(
                f"  {d.document_id}, sentence {d.sentence_index + 1}: "
                f"{d.disagreement:.0%} of label pairs differ  — {d.text[:70]}"
            )
    return "\n".join(lines)


def _evidence_lines(report: AgreementReport) -> list[str]:
    lines = [f"== evidence spans: {SPAN_MEASURE}"]
    for name, span in report.spans.items():
        lines.append(
            f"  {name.replace('_', ' '):<34} {_number(span.f1):>9}  "
            f"({span.labels_with_span} labels with a span, {span.shared_claims} sentences compared)"
            f"{_why(span.f1)}"
        )
        if span.labels_with_span:
            for pair, f1 in span.pairs.items():
                lines.append(f"    F1 {pair:<31} {_number(f1):>9}{_why(f1)}")
    via = report.via
    lines.append(f"== via: {VIA_MEASURE}")
    lines.append(
        f"  {'percent agreement':<34} {_number(via.percent_agreement):>9}  "
        f"({via.units} sentence-source pairs compared, {via.labels_with_chain} labels with a chain)"
        f"{_why(via.percent_agreement)}"
    )
    alpha_label = "Krippendorff's alpha (nominal)"
    lines.append(f"  {alpha_label:<34} {_number(via.alpha):>9}{_why(via.alpha)}")
    return lines
