"""How suggestions compare with reference labels (gold, an annotator, a labels file).

Pure: the caller pairs each suggestion with the reference label of the same sentence.
Spans are compared by document offsets: *exact* when both are the same span (or both
absent), and by character-overlap precision, recall and F1 (micro-averaged over the
sentences where either side has a span).  Accuracy and Cohen's kappa for ``is_claim``
and ``source`` come with percentile bootstrap intervals over sentences.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from annotator.domain.agreement import Coefficient, Interval, JsonValue, cohen_kappa
from annotator.domain.article import SourceSpec
from annotator.domain.label import TextSpan
from annotator.domain.suggestions.engine import OTHER, Suggestion

NOT_A_CLAIM = "(not a claim)"


@dataclass(frozen=True)
class ReferenceLabel:
    """The reference answer for one sentence.  ``spans_known`` is false when the reference
    says nothing about cue and mention (store labels do not record them)."""

    is_claim: bool
    source: str | None
    source_other: str | None
    cue: TextSpan | None = None
    source_mention: TextSpan | None = None
    spans_known: bool = False


@dataclass(frozen=True)
class SpanScores:
    """Exact match over the sentences whose reference has a span; overlap over all."""

    with_span: int
    exact: int
    precision: float | None
    recall: float | None
    f1: float | None

    @property
    def exact_share(self) -> float | None:
        return self.exact / self.with_span if self.with_span else None

    def to_json(self) -> JsonValue:
        return {
            "with_span": self.with_span,
            "exact": self.exact,
            "exact_share": self.exact_share,
            "precision": self.precision,
            "recall": self.recall,
            "f1": self.f1,
        }


@dataclass(frozen=True)
class FieldScores:
    units: int
    correct: int
    kappa: Coefficient
    accuracy_interval: Interval
    kappa_interval: Interval

    @property
    def accuracy(self) -> float | None:
        return self.correct / self.units if self.units else None

    def to_json(self) -> JsonValue:
        return {
            "units": self.units,
            "correct": self.correct,
            "accuracy": self.accuracy,
            "accuracy_interval": self.accuracy_interval.to_json(),
            "kappa": self.kappa.to_json(),
            "kappa_interval": self.kappa_interval.to_json(),
        }


@dataclass(frozen=True)
class SuggestionScores:
    is_claim: FieldScores
    source: FieldScores
    cue: SpanScores
    mention: SpanScores
    per_source: dict[str, tuple[int, int]]  # reference source -> (suggested right, sentences)

    def to_json(self) -> JsonValue:
        return {
            "sentences": self.is_claim.units,
            "is_claim": self.is_claim.to_json(),
            "source": self.source.to_json(),
            "cue": self.cue.to_json(),
            "source_mention": self.mention.to_json(),
            "per_source": {
                k: {"correct": c, "sentences": n, "accuracy": c / n} for k, (c, n) in self.per_source.items()
            },
        }


def source_answer(is_claim: bool, source: str | None, source_other: str | None) -> str:
    """One category per answer: not a claim, or a claim with this source (for ``other``,
    with this name, case and spacing ignored)."""
    if not is_claim:
        return NOT_A_CLAIM
    if source == OTHER:
        return f"{OTHER}:{' '.join((source_other or '').lower().split())}"
    return source or ""


def same_source(suggestion: Suggestion, reference: ReferenceLabel) -> bool:
    return source_answer(suggestion.is_claim, suggestion.source, suggestion.source_other) == source_answer(
        reference.is_claim, reference.source, reference.source_other
    )


def evaluate_suggestions(
    pairs: Sequence[tuple[Suggestion, ReferenceLabel]], *, resamples: int = 1000, seed: int = 1
) -> SuggestionScores:
    """Scores of the suggestions against their reference labels."""
    rng = np.random.default_rng(seed)
    claims = [(s.is_claim, r.is_claim) for s, r in pairs]
    sources = [
        (
            source_answer(s.is_claim, s.source, s.source_other),
            source_answer(r.is_claim, r.source, r.source_other),
        )
        for s, r in pairs
    ]
    per_source: dict[str, tuple[int, int]] = {}
    for suggested, reference in sources:
        right, total = per_source.get(reference, (0, 0))
        per_source[reference] = (right + (suggested == reference), total + 1)
    with_spans = [(s, r) for s, r in pairs if r.spans_known]
    return SuggestionScores(
        is_claim=_field_scores(claims, rng, resamples),
        source=_field_scores(sources, rng, resamples),
        cue=_span_scores([(s.cue, r.cue) for s, r in with_spans]),
        mention=_span_scores([(s.source_mention, r.source_mention) for s, r in with_spans]),
        per_source=dict(sorted(per_source.items())),
    )


def _field_scores(
    answers: Sequence[tuple[object, object]], rng: np.random.Generator, resamples: int
) -> FieldScores:
    categories = {
        value: code for code, value in enumerate(dict.fromkeys(v for pair in answers for v in pair))
    }
    codes = np.array([[categories[a], categories[b]] for a, b in answers], dtype=np.int64).reshape(-1, 2)
    n_categories = max(len(categories), 1)
    kappa = cohen_kappa(codes[:, 0], codes[:, 1], n_categories)
    correct = int((codes[:, 0] == codes[:, 1]).sum())
    accuracy_draws: list[float] = []
    kappa_draws: list[float] = []
    n = len(codes)
    for _ in range(resamples if n else 0):
        sample = codes[rng.integers(0, n, n)]
        accuracy_draws.append(float((sample[:, 0] == sample[:, 1]).mean()))
        value = cohen_kappa(sample[:, 0], sample[:, 1], n_categories).value
        if value is not None:
            kappa_draws.append(value)
    return FieldScores(
        units=n,
        correct=correct,
        kappa=kappa,
        accuracy_interval=_interval(accuracy_draws, resamples),
        kappa_interval=_interval(kappa_draws, resamples),
    )


def _interval(draws: Sequence[float], resamples: int, level: float = 0.95) -> Interval:
    if not resamples or len(draws) < 0.9 * resamples:
        return Interval(
            None,
            None,
            level,
            resamples,
            len(draws),
            reason="undefined, because too few resamples gave a value (too few sentences)",
        )
    tail = (1 - level) / 2
    low, high = np.quantile(np.asarray(draws), [tail, 1 - tail])
    return Interval(float(low), float(high), level, resamples, len(draws))


def _span_scores(spans: Sequence[tuple[TextSpan | None, TextSpan | None]]) -> SpanScores:
    with_span = exact = overlap = suggested_chars = reference_chars = 0
    for suggested, reference in spans:
        if reference is not None:
            with_span += 1
            exact += suggested is not None and (suggested.start, suggested.end) == (
                reference.start,
                reference.end,
            )
            reference_chars += reference.end - reference.start
        if suggested is not None:
            suggested_chars += suggested.end - suggested.start
            if reference is not None:
                overlap += max(0, min(suggested.end, reference.end) - max(suggested.start, reference.start))
    precision = overlap / suggested_chars if suggested_chars else None
    recall = overlap / reference_chars if reference_chars else None
    f1 = 2 * precision * recall / (precision + recall) if precision and recall else None
    return SpanScores(with_span, exact, precision, recall, f1)


def locate(text: str, start: int, end: int, phrase: str | None) -> TextSpan | None:
    """The first whole-word, case-sensitive occurrence of ``phrase`` in ``text[start:end]``,
    in document offsets, or None (a reference span given as words of its sentence)."""
    if not phrase:
        return None
    match = re.compile(r"(?<!\w)" + re.escape(phrase) + r"(?!\w)").search(text, start, end)
    if match is None:
        return None
    return TextSpan(match.start(), match.end(), phrase)


@dataclass(frozen=True)
class SourceListScores:
    """Proposed source lists against the lists written by hand: how many listed sources
    some proposal names (``found``), and how many proposals name a listed source (``real``).
    A proposal names a source when one of its label and aliases is one of the source's
    (case, spacing and a leading article ignored)."""

    listed: int
    found: int
    proposed: int
    real: int

    @property
    def recall(self) -> float | None:
        return self.found / self.listed if self.listed else None

    @property
    def precision(self) -> float | None:
        return self.real / self.proposed if self.proposed else None


def _surfaces(source: SourceSpec) -> set[str]:
    return {
        re.sub(r"^(?:a|an|the)\s+", "", " ".join(s.lower().split())) for s in (source.label, *source.aliases)
    }


def score_source_lists(
    articles: Sequence[tuple[Sequence[SourceSpec], Sequence[SourceSpec]]],
) -> SourceListScores:
    """Scores over ``(proposed, listed)`` source lists, one pair per article."""
    listed = found = proposed = real = 0
    for proposals, sources in articles:
        proposal_surfaces = [_surfaces(p) for p in proposals]
        source_surfaces = [_surfaces(s) for s in sources]
        listed += len(sources)
        found += sum(any(s & p for p in proposal_surfaces) for s in source_surfaces)
        proposed += len(proposals)
        real += sum(any(p & s for s in source_surfaces) for p in proposal_surfaces)
    return SourceListScores(listed, found, proposed, real)
