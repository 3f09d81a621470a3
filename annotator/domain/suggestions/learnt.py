"""A suggestion model learnt from the team's labels, applied on top of the rules.

For each sentence the rules propose an answer; the model scores a few candidate answers
(the rules' one, the outlet's own voice, the previous sentence's source, not a claim)
with a logistic regression over features of the sentence, its neighbours and the rules'
output, and the best-scoring candidate is suggested.  The model is plain data -
a vocabulary of feature names and one coefficient each - so storing and loading it
cannot run code; :meth:`LearntModel.from_parameters` refuses anything malformed.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

from annotator.domain.article import SentenceSpan, SourceSpec
from annotator.domain.suggestions.engine import AUTHOR, OTHER, Suggestion, suggest_labels

MODEL_FORMAT = "annotator-suggestion-model"
FORMAT_VERSION = 1

_TOKEN = re.compile(r"[a-z']+")
_QUOTES = re.compile('["“”«»]')

Answer = tuple[bool, str | None, str | None]


class ModelFormatError(ValueError):
    """A stored model that cannot be used: wrong format or version, or damaged data."""


@dataclass(frozen=True)
class Candidate:
    kind: str
    answer: Answer


@dataclass(frozen=True)
class LearntModel:
    version: int
    vocabulary: Mapping[str, int]
    coefficients: Sequence[float]
    intercept: float

    @property
    def name(self) -> str:
        return f"learnt-{self.version}"

    @classmethod
    def from_parameters(cls, parameters: Mapping[str, Any], *, version: int) -> LearntModel:
        """Check stored parameters field by field; raise :class:`ModelFormatError` saying what
        is wrong (the caller then falls back on the rules)."""
        if parameters.get("format") != MODEL_FORMAT:
            raise ModelFormatError(f"not a suggestion model (format {parameters.get('format')!r})")
        if parameters.get("format_version") != FORMAT_VERSION:
            raise ModelFormatError(
                f"format version {parameters.get('format_version')!r}, this program reads {FORMAT_VERSION}: "
                "retrain with 'annotator suggest train'"
            )
        features, coefficients, intercept = (
            parameters.get("features"),
            parameters.get("coefficients"),
            parameters.get("intercept"),
        )
        if not isinstance(features, list) or not all(isinstance(f, str) for f in features):
            raise ModelFormatError("'features' must be a list of strings")
        if not isinstance(coefficients, list) or len(coefficients) != len(features):
            raise ModelFormatError("'coefficients' must be a list with one number per feature")
        numbers = [*coefficients, intercept]
        if not all(
            isinstance(c, int | float) and not isinstance(c, bool) and math.isfinite(c) for c in numbers
        ):
            raise ModelFormatError("coefficients and intercept must be finite numbers")
        vocabulary = {f: i for i, f in enumerate(features)}
        return cls(version, vocabulary, [float(c) for c in coefficients], float(numbers[-1]))

    def probability(self, features: Sequence[str]) -> float:
        total = self.intercept
        for feature in features:
            index = self.vocabulary.get(feature)
            if index is not None:
                total += self.coefficients[index]
        return 1.0 / (1.0 + math.exp(-max(-30.0, min(30.0, total))))


def answer_of(suggestion: Suggestion) -> Answer:
    if not suggestion.is_claim:
        return (False, None, None)
    return (True, suggestion.source, suggestion.source_other if suggestion.source == OTHER else None)


def candidates(rules: Sequence[Suggestion], index: int) -> list[Candidate]:
    """The answers the model chooses between for sentence ``index``, without repeats."""
    answers = [
        ("rules", answer_of(rules[index])),
        ("author", (True, AUTHOR, None)),
        ("previous", answer_of(rules[index - 1]) if index > 0 else None),
        ("none", (False, None, None)),
    ]
    seen: set[Answer] = set()
    out: list[Candidate] = []
    for kind, answer in answers:
        if answer is not None and answer not in seen:
            seen.add(answer)
            out.append(Candidate(kind, answer))
    return out


def _rule_path(suggestion: Suggestion) -> str:
    if not suggestion.is_claim:
        return "not-claim"
    if suggestion.source == AUTHOR:
        return "author-refusal" if "refusal" in suggestion.reason else "author"
    if suggestion.cue is None:
        return "carried" if suggestion.carried_from is not None else "no-cue"
    if suggestion.carried_from is not None:
        return "cue-carried"
    return "cue-other" if suggestion.source == OTHER else "cue"


def sentence_features(
    text: str, sentences: Sequence[SentenceSpan], rules: Sequence[Suggestion], index: int
) -> list[str]:
    """What every candidate of a sentence shares: the rules' path and score, the sentence's
    words and shape, and where paragraphs break around it."""
    span = sentences[index]
    sentence = text[span.start : span.end]
    suggestion = rules[index]
    out = [
        "",
        f"path={_rule_path(suggestion)}",
        f"score={round(suggestion.score, 1)}",
        f"len={min(len(sentence) // 40, 6)}",
    ]
    if _QUOTES.search(sentence):
        out.append("quote")
    if sentence.rstrip().endswith("?"):
        out.append("question")
    for offset, name in ((-1, "prev"), (1, "next")):
        other = index + offset
        if 0 <= other < len(rules) and sentences[other].paragraph != span.paragraph:
            out.append(f"{name}_new_paragraph")
    out.extend(f"w={word}" for word in sorted(set(_TOKEN.findall(sentence.lower()))))
    return out


def candidate_features(
    shared: Sequence[str], rules: Sequence[Suggestion], index: int, candidate: Candidate
) -> list[str]:
    """Feature names of one candidate answer: its kind crossed with the sentence's features
    and with whether the neighbours' rule answers are the same as it."""
    prefix = f"k={candidate.kind}"
    out = [f"{prefix}|{feature}" if feature else prefix for feature in shared]
    for offset, name in ((-1, "prev"), (1, "next")):
        other = index + offset
        if 0 <= other < len(rules):
            out.append(f"{prefix}|{name}_same={answer_of(rules[other]) == candidate.answer}")
    return out


def suggest_with_model(
    model: LearntModel, text: str, sentences: Sequence[SentenceSpan], sources: Sequence[SourceSpec]
) -> list[Suggestion]:
    """The rules' suggestions, each replaced by the model's best candidate answer."""
    rules = suggest_labels(text, sentences, sources)
    return [_choose(model, text, sentences, rules, index) for index in range(len(rules))]


def _choose(
    model: LearntModel, text: str, sentences: Sequence[SentenceSpan], rules: Sequence[Suggestion], index: int
) -> Suggestion:
    shared = sentence_features(text, sentences, rules, index)
    scored = [
        (model.probability(candidate_features(shared, rules, index, c)), c) for c in candidates(rules, index)
    ]
    probability, best = max(scored, key=lambda pair: pair[0])
    suggestion = rules[index]
    if best.kind == "rules":
        return replace(suggestion, score=round(probability, 3), model=model.name)
    is_claim, source, source_other = best.answer
    same_source = source == suggestion.source and is_claim
    return Suggestion(
        sentence_index=index,
        is_claim=is_claim,
        source=source,
        source_other=source_other,
        score=round(probability, 3),
        cue=suggestion.cue if same_source else None,
        source_mention=suggestion.source_mention if same_source else None,
        carried_from=index - 1 if best.kind == "previous" else None,
        reason=f"{model.name} prefers '{best.kind}' (p={probability:.2f}) to the rules' answer "
        f"({suggestion.reason})",
        model=model.name,
    )
