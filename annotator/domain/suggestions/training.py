"""Fitting the suggestion model on labelled sentences, with cross-validated agreement.

scikit-learn's logistic regression does the fitting; what is kept is plain data (feature
names and coefficients, see ``learnt``).  Agreement with the labels is measured on
held-out articles (grouped k-fold: a model is never scored on an article it saw), for
the model and, on the same sentences, for the rules alone.
"""

from __future__ import annotations

from array import array
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
from scipy.sparse import csr_matrix, vstack
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GroupKFold

from annotator.domain.agreement import Coefficient, cohen_kappa
from annotator.domain.article import SentenceSpan, SourceSpec
from annotator.domain.errors import InputError
from annotator.domain.suggestions.engine import suggest_labels
from annotator.domain.suggestions.learnt import (
    FORMAT_VERSION,
    MODEL_FORMAT,
    Answer,
    candidate_features,
    candidates,
    sentence_features,
)


@dataclass(frozen=True)
class TrainingArticle:
    text: str
    sentences: Sequence[SentenceSpan]
    sources: Sequence[SourceSpec]
    answers: Mapping[int, Sequence[Answer]]  # sentence index -> the labels' answers


@dataclass(frozen=True)
class Agreement:
    accuracy: float | None
    kappa: Coefficient

    def to_json(self) -> dict[str, Any]:
        return {"accuracy": self.accuracy, "kappa": self.kappa.to_json()}


@dataclass(frozen=True)
class TrainingResult:
    parameters: dict[str, Any]
    sentences: int
    labels: int
    folds: int
    model: Agreement
    rules: Agreement

    def evaluation(self) -> dict[str, Any]:
        return {
            "sentences": self.sentences,
            "labels": self.labels,
            "folds": self.folds,
            "model": self.model.to_json(),
            "rules": self.rules.to_json(),
        }


@dataclass
class _Sentence:
    group: int
    rows: range  # this sentence's candidate rows in the feature table
    answers: Sequence[Answer]
    candidate_answers: list[Answer]


def train_model(
    articles: Sequence[TrainingArticle], *, folds: int = 3, min_count: int = 2, max_features: int = 50_000
) -> TrainingResult:
    """Fit the model on every labelled sentence and report held-out agreement."""
    features = _FeatureTable()
    targets: list[float] = []
    weights: list[float] = []
    sentences: list[_Sentence] = []
    for group, article in enumerate(articles):
        rules = suggest_labels(article.text, article.sentences, article.sources)
        for index, answers in sorted(article.answers.items()):
            if not answers or not 0 <= index < len(rules):
                continue
            start = len(features)
            options = candidates(rules, index)
            shared = sentence_features(article.text, article.sentences, rules, index)
            for candidate in options:
                features.add(candidate_features(shared, rules, index, candidate))
                # One row per candidate, weighted by how many labels say yes (target 1) or no.
                agreeing = sum(answer == candidate.answer for answer in answers)
                targets.append(agreeing / len(answers))
                weights.append(float(len(answers)))
            sentences.append(
                _Sentence(group, range(start, len(features)), answers, [c.answer for c in options])
            )
    if not sentences:
        raise InputError(
            "no labelled sentences to learn from", hint="label some sentences, or settle gold first"
        )
    vocabulary, matrix = features.matrix(min_count, max_features)
    target = np.asarray(targets)
    weight = np.asarray(weights)
    groups = np.asarray([s.group for s in sentences])
    n_folds = min(folds, len(set(groups.tolist())))
    model_picks: list[int] = []
    rules_picks: list[int] = []
    scored: list[_Sentence] = []
    if n_folds >= 2:
        for train, test in GroupKFold(n_splits=n_folds).split(np.zeros(len(sentences)), groups=groups):
            rows = np.concatenate([np.arange(sentences[i].rows.start, sentences[i].rows.stop) for i in train])
            fitted = _fit(matrix[rows], target[rows], weight[rows])
            probabilities = _decision(fitted, matrix)
            for i in test:
                sentence = sentences[i]
                picked = int(np.argmax(probabilities[sentence.rows.start : sentence.rows.stop]))
                model_picks.append(picked)
                rules_picks.append(0)
                scored.append(sentence)
    final = _fit(matrix, target, weight)
    coefficients = final.coef_[0]
    parameters = {
        "format": MODEL_FORMAT,
        "format_version": FORMAT_VERSION,
        "features": vocabulary,
        "coefficients": [round(float(c), 6) for c in coefficients],
        "intercept": round(float(final.intercept_[0]), 6),
    }
    return TrainingResult(
        parameters=parameters,
        sentences=len(sentences),
        labels=sum(len(s.answers) for s in sentences),
        folds=n_folds if n_folds >= 2 else 0,
        model=_agreement(scored, model_picks),
        rules=_agreement(scored, rules_picks),
    )


class _FeatureTable:
    """Rows of feature names kept as integer ids in one flat array (50,000 sentences give
    millions of features: strings per row would cost gigabytes)."""

    def __init__(self) -> None:
        self.ids: dict[str, int] = {}
        self.flat = array("q")
        self.indptr = array("q", [0])

    def __len__(self) -> int:
        return len(self.indptr) - 1

    def add(self, names: Sequence[str]) -> None:
        ids = self.ids
        self.flat.extend(ids.setdefault(name, len(ids)) for name in names)
        self.indptr.append(len(self.flat))

    def matrix(self, min_count: int, max_features: int) -> tuple[list[str], csr_matrix]:
        """The kept feature names (seen ``min_count`` times, the ``max_features`` most
        frequent) and the rows over them."""
        flat = np.frombuffer(self.flat, dtype=np.int64) if len(self.flat) else np.zeros(0, np.int64)
        counts = np.bincount(flat, minlength=len(self.ids))
        order = np.argsort(-counts, kind="stable")[:max_features]
        kept = np.sort(order[counts[order] >= min_count])
        names = list(self.ids)
        column = np.full(len(self.ids), -1, dtype=np.int64)
        column[kept] = np.arange(len(kept))
        mapped = column[flat]
        bounds: npt.NDArray[np.int64] = np.asarray(self.indptr, dtype=np.int64)
        lengths = bounds[1:] - bounds[:-1]
        row_of = np.repeat(np.arange(len(self)), lengths)
        present = mapped >= 0
        matrix = csr_matrix(
            (np.ones(int(present.sum())), (row_of[present], mapped[present])),
            shape=(len(self), max(len(kept), 1)),
        )
        return [names[i] for i in kept.tolist()], matrix


def _fit(
    matrix: csr_matrix, target: npt.NDArray[np.float64], weight: npt.NDArray[np.float64]
) -> LogisticRegression:
    # A candidate some labels accept and others reject is two weighted rows ("yes" with the
    # agreeing share, "no" with the rest); the others are one row each.
    soft = (target > 0) & (target < 1)
    stacked = vstack([matrix[~soft], matrix[soft], matrix[soft]], format="csr")
    labels = np.concatenate([target[~soft], np.ones(int(soft.sum())), np.zeros(int(soft.sum()))])
    sample_weight = np.concatenate([weight[~soft], (weight * target)[soft], (weight * (1 - target))[soft]])
    if len(set(labels.tolist())) < 2:
        raise InputError(
            "the labels give only one kind of answer", hint="learning needs claims and non-claims"
        )
    fitted = LogisticRegression(C=1.0, solver="liblinear", max_iter=200)
    fitted.fit(stacked, labels, sample_weight=sample_weight)
    return fitted


def _decision(fitted: LogisticRegression, matrix: csr_matrix) -> npt.NDArray[np.float64]:
    return np.asarray(fitted.decision_function(matrix), dtype=np.float64)


def _agreement(sentences: Sequence[_Sentence], picks: Sequence[int]) -> Agreement:
    """Accuracy and Cohen's kappa of the picked answers against every label they are scored on."""
    pairs = [
        (str(s.candidate_answers[p]), str(answer))
        for s, p in zip(sentences, picks, strict=True)
        for answer in s.answers
    ]
    if not pairs:
        return Agreement(
            None, Coefficient.undefined("undefined, because there are fewer than two labelled articles")
        )
    codes = {value: i for i, value in enumerate(sorted({v for pair in pairs for v in pair}))}
    suggested = np.array([codes[a] for a, _ in pairs])
    labelled = np.array([codes[b] for _, b in pairs])
    return Agreement(float((suggested == labelled).mean()), cohen_kappa(suggested, labelled, len(codes)))
