"""Tables for the Agreement page's Suggestions tab: the suggester against gold and each
annotator, and the anchoring audit. Text only: an undefined figure says why, never None."""

from __future__ import annotations

import pandas as pd
from sqlalchemy.engine import Engine

from annotator.domain.agreement.result import Interval
from annotator.domain.errors import InputError
from annotator.domain.suggestions.anchoring import AnchoringReport, Difference, Proportion
from annotator.exchange.suggest import Evaluation, evaluate_stored


def suggester_evaluations(
    engine: Engine, *, document_id: str | None, resamples: int = 200
) -> tuple[list[Evaluation], list[str]]:
    """The suggester against gold and against each annotator; for a reference that has no
    labels yet, the reason instead (e.g. no gold settled)."""
    found, missing = [], []
    for against in ("gold", "labels"):
        try:
            found.append(
                evaluate_stored(engine, against=against, document_id=document_id, resamples=resamples)
            )
        except InputError as error:
            missing.append(str(error))
    return found, missing


def _share(value: float | None, interval: Interval | None = None) -> str:
    if value is None:
        return "no sentences"
    text = f"{value:.1%}"
    if interval is not None and interval.low is not None and interval.high is not None:
        text += f" [{interval.low:.1%}, {interval.high:.1%}]"
    return text


def _kappa(value: float | None, reason: str | None, interval: Interval) -> str:
    if value is None:
        return f"undefined: {reason}"
    text = f"{value:.3f}"
    if interval.low is not None and interval.high is not None:
        text += f" [{interval.low:.3f}, {interval.high:.3f}]"
    return text


def suggester_frame(*evaluations: Evaluation) -> pd.DataFrame:
    """One row per reference (gold, or an annotator): accuracy and κ with 95 % intervals."""
    rows = []
    for name, scores in (item for evaluation in evaluations for item in evaluation.scores.items()):
        rows.append(
            {
                "against": name,
                "sentences": scores.is_claim.units,
                "claim: accuracy": _share(scores.is_claim.accuracy, scores.is_claim.accuracy_interval),
                "claim: κ": _kappa(
                    scores.is_claim.kappa.value, scores.is_claim.kappa.reason, scores.is_claim.kappa_interval
                ),
                "source: accuracy": _share(scores.source.accuracy, scores.source.accuracy_interval),
                "source: κ": _kappa(
                    scores.source.kappa.value, scores.source.kappa.reason, scores.source.kappa_interval
                ),
            }
        )
    return pd.DataFrame(rows)


def _proportion(p: Proportion) -> str:
    if p.value is None or p.low is None or p.high is None:
        return "no labels yet"
    return f"{p.count} of {p.total} = {p.value:.1%} [{p.low:.1%}, {p.high:.1%}]"


def anchoring_frame(report: AnchoringReport) -> pd.DataFrame:
    """Per annotator: how often their label equals the suggestion when shown, and when hidden."""
    names = sorted(set(report.acceptance) | set(report.hidden_agreement))
    rows = [
        {
            "annotator": name,
            "accepted when shown": _proportion(report.acceptance[name]),
            "equal when hidden (audit)": _proportion(report.hidden_agreement[name]),
        }
        for name in names
    ]
    rows.append(
        {
            "annotator": "everyone",
            "accepted when shown": _proportion(report.shown),
            "equal when hidden (audit)": _proportion(report.hidden),
        }
    )
    return pd.DataFrame(rows)


def pull_text(difference: Difference) -> str:
    """What the gap between shown and hidden says about anchoring, in one line."""
    if difference.value is None or difference.low is None or difference.high is None:
        return "Not enough labels made with and without a suggestion to tell whether suggestions sway people."
    interval = f"{difference.value:+.1%} [{difference.low:+.1%}, {difference.high:+.1%}]"
    if difference.low > 0:
        return f"Seeing a suggestion moves labels towards it: {interval} (shown − hidden, 95 % interval)."
    return f"No sign that suggestions sway people: {interval} (shown − hidden; the interval includes 0)."
