"""Fitting the suggestion model on labelled sentences, with cross-validated agreement.

scikit-learn's logistic regression does the fitting; what is kept is plain data (feature
names and coefficients, see ``learnt``).  Agreement with the labels is measured on
held-out articles (grouped k-fold: a model is never scored on an article it saw), for
the model and, on the same sentences, for the rules alone.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
from scipy.sparse import csr_matrix
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
    articles: Sequence[TrainingArticle], *, folds: int = 5, min_count: int = 2, max_features: int = 50_000
) -> TrainingResult:
    """Fit the model on every labelled sentence and report held-out agreement."""
    features: list[list[str]] = []
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
            for candidate in options:
                features.append(candidate_features(article.text, article.sentences, rules, index, candidate))
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
    vocabulary = _vocabulary(features, min_count, max_features)
    matrix = _matrix(features, vocabulary)
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
        "features": list(vocabulary),
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


def _vocabulary(features: Sequence[Sequence[str]], min_count: int, max_features: int) -> dict[str, int]:
    counts = Counter(f for row in features for f in row)
    kept = [f for f, n in counts.most_common(max_features) if n >= min_count]
    return {f: i for i, f in enumerate(sorted(kept))}


def _matrix(features: Sequence[Sequence[str]], vocabulary: Mapping[str, int]) -> csr_matrix:
    indptr = [0]
    indices: list[int] = []
    for row in features:
        indices.extend(vocabulary[f] for f in row if f in vocabulary)
        indptr.append(len(indices))
    data = np.ones(len(indices), dtype=np.float64)
    return csr_matrix((data, indices, indptr), shape=(len(features), max(len(vocabulary), 1)))


def _fit(
    matrix: csr_matrix, target: npt.NDArray[np.float64], weight: npt.NDArray[np.float64]
) -> LogisticRegression:
    # Soft targets as two weighted rows each: "yes" with the agreeing share, "no" with the rest.
    stacked = _stack(matrix)
    labels = np.concatenate([np.ones(len(target)), np.zeros(len(target))])
    sample_weight = np.concatenate([weight * target, weight * (1 - target)])
    keep = sample_weight > 0
    fitted = LogisticRegression(C=1.0, solver="liblinear", max_iter=200)
    if len(set(labels[keep].tolist())) < 2:
        raise InputError(
            "the labels give only one kind of answer", hint="learning needs claims and non-claims"
        )
    fitted.fit(stacked[keep], labels[keep], sample_weight=sample_weight[keep])
    return fitted


def _stack(matrix: csr_matrix) -> csr_matrix:
    from scipy.sparse import vstack

    return vstack([matrix, matrix], format="csr")


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
