"""Settling rules on hand-made cases: unanimity, majorities, ties, missing annotators, confidence."""

from __future__ import annotations

from typing import Any

import pytest

from annotator.domain.label import LabelValue, TextSpan
from annotator.domain.settling import Vote, disagreement_share, evidence_split, settle


def claim(name: str, source: str | None, confidence: int | None = None, other: str | None = None) -> Vote:
    return Vote(name, LabelValue(True, source, other, confidence))


def no_claim(name: str, confidence: int | None = None) -> Vote:
    return Vote(name, LabelValue(False, confidence=confidence))


def test_unanimous_with_lower_median_confidence() -> None:
    settled = settle([claim("a", "x", 5), claim("b", "x", 2), claim("c", "x", 4), claim("d", "x", 3)])
    assert settled is not None
    assert (settled.provenance, settled.value.source, settled.agreement) == ("unanimous", "x", 4)
    assert settled.value.confidence == 3  # median_low of 2, 3, 4, 5
    assert set(settled.votes) == {"a", "b", "c", "d"}


def test_majority_needs_more_than_half() -> None:
    two_of_three = settle([claim("a", "x", 5), claim("b", "x", 4), claim("c", "y", 1)])
    assert two_of_three is not None and two_of_three.provenance == "majority"
    assert (two_of_three.value.source, two_of_three.agreement, two_of_three.value.confidence) == ("x", 2, 4)
    assert settle([claim("a", "x"), claim("b", "x"), claim("c", "y"), claim("d", "y")]) is None  # a tie
    assert settle([claim("a", "x"), claim("b", "y"), claim("c", "z")]) is None


def test_unanimous_policy_sends_any_disagreement_to_review() -> None:
    votes = [claim("a", "x"), claim("b", "x"), claim("c", "y")]
    assert settle(votes, policy="unanimous") is None
    assert settle(votes[:2], policy="unanimous") is not None


def test_missing_annotators_wait_for_more_labels() -> None:
    assert settle([claim("a", "x")], min_annotators=2) is None
    assert settle([claim("a", "x"), claim("b", "x")], min_annotators=3) is None
    assert settle([claim("a", "x")], min_annotators=1) is not None


def test_not_a_claim_differs_from_an_unattributed_claim() -> None:
    assert settle([no_claim("a"), claim("b", None)], policy="majority") is None
    settled = settle([no_claim("a"), no_claim("b"), claim("c", None, 5)])
    assert settled is not None and (
        settled.value.is_claim,
        settled.value.source,
        settled.value.confidence,
    ) == (
        False,
        None,
        None,
    )


def test_other_sources_agree_on_the_name_typed() -> None:
    same = settle([claim("a", "other", 4, " The Kremlin"), claim("b", "other", 5, "the kremlin")])
    assert same is not None and (same.value.source, same.value.source_other) == ("other", " The Kremlin")
    assert settle([claim("a", "other", 4, "Kremlin"), claim("b", "other", 5, "Pentagon")]) is None


def test_unknown_policy_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown policy"):
        settle([claim("a", "x")], policy="plurality")  # type: ignore[arg-type]


def test_disagreement_share() -> None:
    assert disagreement_share([claim("a", "x"), claim("b", "x")]) == 0.0
    assert disagreement_share([claim("a", "x"), claim("b", "y"), claim("c", "z")]) == 1.0
    assert disagreement_share([claim("a", "x"), claim("b", "x"), no_claim("c")]) == pytest.approx(2 / 3)
    assert disagreement_share([claim("a", "x")]) == 0.0


# --- evidence (#12): each field settles among the agreeing annotators who marked it -------------

SAID, TOLD = TextSpan(6, 10, "said"), TextSpan(11, 15, "told")
POST, OFFICIAL = TextSpan(0, 8, "The Post"), TextSpan(20, 28, "official")


def marked(name: str, source: str = "x", **evidence: Any) -> Vote:
    return Vote(name, LabelValue(True, source, confidence=4, **evidence))


def test_evidence_settles_by_exact_majority_of_those_who_marked_it() -> None:
    settled = settle(
        [
            marked("a", cue=SAID, source_mention=POST, via=("y",)),
            marked("b", cue=SAID, via=("y",)),
            marked("c", cue=TOLD),  # outvoted on the cue; marked no mention, no chain
        ]
    )
    assert settled is not None and settled.provenance == "unanimous"
    assert (settled.value.cue, settled.value.source_mention, settled.value.via) == (SAID, POST, ("y",))
    assert settled.votes["a"]["cue"] == {"char_start": 6, "char_end": 10, "text": "said"}
    assert settled.votes["c"]["via"] == [] and settled.votes["b"]["source_mention"] is None


def test_nobody_marking_evidence_settles_to_none() -> None:
    settled = settle([marked("a"), marked("b")])
    assert settled is not None
    assert (settled.value.cue, settled.value.source_mention, settled.value.via) == (None, None, ())


def test_only_the_settled_answers_voters_choose_its_evidence() -> None:
    settled = settle(
        [
            marked("a", source_mention=POST),
            marked("b", source_mention=POST),
            marked("c", "z", source_mention=OFFICIAL),
            marked("d", "z", source_mention=OFFICIAL),
            marked("e", "z", source_mention=OFFICIAL),
        ]
    )
    assert settled is not None and settled.value.source == "z" and settled.value.source_mention == OFFICIAL


@pytest.mark.parametrize(
    ("votes", "split"),
    [
        ([marked("a", cue=SAID), marked("b", cue=TOLD)], ("cue",)),
        ([marked("a", source_mention=POST), marked("b", source_mention=OFFICIAL)], ("source_mention",)),
        ([marked("a", via=("y",)), marked("b", via=("y", "w"))], ("via",)),
        ([marked("a", cue=SAID, via=("y",)), marked("b", cue=TOLD, via=("w",)), marked("c")], ("cue", "via")),
    ],
)
def test_evidence_without_a_majority_sends_the_sentence_to_review(
    votes: list[Vote], split: tuple[str, ...]
) -> None:
    assert settle(votes) is None
    assert evidence_split(votes) == split


def test_evidence_split_is_empty_when_the_answer_itself_is_split_or_settles() -> None:
    assert evidence_split([marked("a", cue=SAID), marked("b", "z", cue=TOLD)]) == ()  # no answer majority
    assert evidence_split([marked("a", cue=SAID), marked("b", cue=SAID), marked("c", cue=TOLD)]) == ()
