"""Source lists proposed from an article's text alone: the issue's targets on the dev set,
and the merging rules on small invented texts."""

from __future__ import annotations

import re

from annotator.domain.article import SourceSpec
from annotator.domain.segmentation import split_sentences
from annotator.domain.suggestions.evaluation import score_source_lists
from annotator.domain.suggestions.source_lists import propose_sources
from tests.devset import devset_articles


def _propose(text: str) -> list[SourceSpec]:
    paragraphs = [(m.start(), m.end()) for m in re.finditer(r"[^\n]+", text)]
    return propose_sources(text, split_sentences(text, paragraphs))


def test_devset_targets_of_the_issue() -> None:
    articles = devset_articles()
    scores = score_source_lists([(propose_sources(a.text, a.sentences), a.sources) for a in articles])
    assert scores.listed == 37
    assert scores.recall is not None and scores.recall >= 0.85
    assert scores.precision is not None and scores.precision >= 0.80


def test_a_person_is_one_source_with_name_surname_and_title() -> None:
    got = _propose(
        "Finance Minister Odile Marchetti said the budget was balanced.\n"
        "Marchetti said taxes would not rise.\n"
        "The minister added that spending would fall.\n"
    )
    assert [(s.key, s.label) for s in got] == [("odile-marchetti", "Odile Marchetti")]
    assert {"Finance Minister Odile Marchetti", "Marchetti", "The minister"} <= set(got[0].aliases)


def test_two_officials_stay_apart_and_the_definite_title_goes_to_the_nearest() -> None:
    got = _propose(
        "A senior official in the interior ministry said the border would reopen.\n"
        "A senior official in the transport ministry said trains would run.\n"
        "The transport ministry official said tickets would cost more.\n"
    )
    assert [s.label for s in got] == [
        "Senior official in the interior ministry",
        "Senior official in the transport ministry",
    ]
    assert "The transport ministry official" in got[1].aliases


def test_a_company_and_the_company_and_a_document() -> None:
    got = _propose(
        "Dellow Foods, which makes biscuits, said sales fell. The company said prices would rise.\n"
        "Court filings showed the plant lost money, according to documents seen by the Gazette.\n"
    )
    labels = {s.label: s for s in got}
    assert "The company" in labels["Dellow Foods"].aliases
    assert "documents" in {s.label.lower() for s in got}


def test_a_passer_by_quoted_once_is_not_listed() -> None:
    got = _propose(
        "Neighbour Dev Arlen, 34, said he heard bangs.\n"
        "Police Chief Rosa Quint said the fire was an accident. She said no one was hurt.\n"
    )
    assert [s.label for s in got] == ["Rosa Quint"]


def test_keys_are_unique_and_never_reserved() -> None:
    got = _propose(
        "The author said one thing. An author said another. Dana Other said a third. Other said a fourth.\n"
    )
    keys = [s.key for s in got]
    assert len(keys) == len(set(keys))
    assert not {"author", "other"} & set(keys)
