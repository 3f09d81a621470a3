"""The learnt model: it learns what the team does differently from the rules, and a stored
model is plain data that is checked before use."""

from __future__ import annotations

import math

import orjson
import pytest

from annotator.domain.suggestions import suggest_labels
from annotator.domain.suggestions.learnt import (
    LearntModel,
    ModelFormatError,
    answer_of,
    suggest_with_model,
)
from annotator.domain.suggestions.training import TrainingArticle, train_model
from tests.devset import devset_articles


def _team_says_author_for_carried_over_sentences() -> list[TrainingArticle]:
    """Labels that differ from the rules in one systematic way: a team that wants every
    pronoun or title carry-over ("She added") labelled as the outlet's own voice."""
    out = []
    for article in devset_articles():
        rules = suggest_labels(article.text, article.sentences, article.sources)
        answers = {
            i: [(True, "author", None) if s.carried_from is not None and s.cue is not None else answer_of(s)]
            for i, s in enumerate(rules)
        }
        out.append(TrainingArticle(article.text, article.sentences, article.sources, answers))
    return out


def test_the_model_learns_the_teams_habit_and_beats_the_rules_on_held_out_articles() -> None:
    articles = _team_says_author_for_carried_over_sentences()
    result = train_model(articles, folds=3)
    assert result.folds == 3
    assert result.model.accuracy is not None and result.rules.accuracy is not None
    assert result.model.accuracy > result.rules.accuracy
    model = LearntModel.from_parameters(orjson.loads(orjson.dumps(result.parameters)), version=7)
    article = articles[0]
    learnt = suggest_with_model(model, article.text, article.sentences, article.sources)
    changed = [s for s in learnt if s.source == "author" and s.sentence_index in _carried(article)]
    assert changed and all(s.model == "learnt-7" for s in learnt)
    assert all(0.0 <= s.score <= 1.0 for s in learnt)


def _carried(article: TrainingArticle) -> set[int]:
    rules = suggest_labels(article.text, article.sentences, article.sources)
    return {s.sentence_index for s in rules if s.carried_from is not None and s.cue is not None}


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"format_version": 2}, "format version 2"),
        ({"format": "sklearn-pickle"}, "not a suggestion model"),
        ({"coefficients": "0.1"}, "one number per feature"),
        ({"features": [1, 2]}, "list of strings"),
        ({"intercept": math.inf}, "finite numbers"),
        ({"intercept": True}, "finite numbers"),
    ],
)
def test_malformed_parameters_are_refused_with_what_is_wrong(change: dict[str, object], message: str) -> None:
    good = {
        "format": "annotator-suggestion-model",
        "format_version": 1,
        "features": ["k=rules", "k=author"],
        "coefficients": [1.0, -1.0],
        "intercept": 0.5,
    }
    LearntModel.from_parameters(good, version=1)
    with pytest.raises(ModelFormatError, match=message):
        LearntModel.from_parameters({**good, **change}, version=1)
