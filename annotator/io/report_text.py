"""The agreement report as plain-text tables for the terminal."""

from __future__ import annotations

from collections.abc import Sequence

from annotator.domain.agreement.result import Coefficient, Interval
from annotator.domain.agreement_report import AgreementReport, alpha_reading
from annotator.io.agreement import Disagreement


def _number(coefficient: Coefficient) -> str:
    return "undefined" if coefficient.value is None else f"{coefficient.value:.3f}"


def _interval(interval: Interval | None) -> str:
    if interval is None or interval.low is None or interval.high is None:
        return ""
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
            lines.append(f"  {label:<34} {_number(coefficient):>9}  {_interval(interval)}")
        main_alpha = next(iter(field.alpha.values()))
        lines.append(f"  reading: {alpha_reading(main_alpha.value)}")
        if main_alpha.reason:
            lines.append(f"  ({main_alpha.reason})")
        for pair, kappa in field.cohen_kappa.items():
            extra = ""
            if field.weighted_kappa_linear is not None and field.weighted_kappa_quadratic is not None:
                extra = (
                    f"  linear {_number(field.weighted_kappa_linear[pair])}"
                    f"  quadratic {_number(field.weighted_kappa_quadratic[pair])}"
                )
            lines.append(f"  Cohen's kappa {pair:<28} {_number(kappa):>9}{extra}")
        lines.append("")
    source = report.fields["source"]
    lines.append("== per source (one-vs-rest)")
    for key, agreement in source.per_category.items():
        lines.append(
            f"  {key:<34} alpha {_number(agreement.alpha):>9}  "
            f"specific agreement {_number(agreement.specific_agreement):>9}  ({agreement.values} labels)"
        )
    lines.append("")
    lines.append("== does stated confidence predict agreement on the source?")
    for row in report.calibration:
        share = "—" if row["source_agreement"] is None else f"{row['source_agreement']:.0%}"
        lines.append(f"  confidence {row['confidence']}: others agreed {share:>5} of {row['pairs']} times")
    if disagreements:
        lines.append("")
        lines.append("== most disputed sentences (source)")
        for d in disagreements:
            lines.append(
                f"  {d.document_id} #{d.sentence_index}  {d.disagreement:.0%} of label pairs differ"
                f"  — {d.text[:70]}"
            )
    return "\n".join(lines)
