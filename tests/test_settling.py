"""Settling rules on hand-made cases: unanimity, majorities, ties, missing annotators, confidence."""

from __future__ import annotations

import pytest

from annotator.domain.settling import Vote, disagreement_share, settle


def claim(name: str, source: str | None, confidence: int | None = None, other: str | None = None) -> Vote:
    return Vote(name, True, source, other, confidence)


def no_claim(name: str, confidence: int | None = None) -> Vote:
    return Vote(name, False, None, None, confidence)


def test_unanimous_with_lower_median_confidence() -> None:
    settled = settle([claim("a", "x", 5), claim("b", "x", 2), claim("c", "x", 4), claim("d", "x", 3)])
    assert settled is not None
    assert (settled.provenance, settled.source, settled.agreement) == ("unanimous", "x", 4)
    assert settled.confidence == 3  # median_low of 2, 3, 4, 5
    assert set(settled.votes) == {"a", "b", "c", "d"}


def test_majority_needs_more_than_half() -> None:
    two_of_three = settle([claim("a", "x", 5), claim("b", "x", 4), claim("c", "y", 1)])
    assert two_of_three is not None and two_of_three.provenance == "majority"
    assert (two_of_three.source, two_of_three.agreement, two_of_three.confidence) == ("x", 2, 4)
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
    assert settled is not None and (settled.is_claim, settled.source, settled.confidence) == (
        False,
        None,
        None,
    )


def test_other_sources_agree_on_the_name_typed() -> None:
    same = settle([claim("a", "other", 4, " The Kremlin"), claim("b", "other", 5, "the kremlin")])
    assert same is not None and (same.source, same.source_other) == ("other", " The Kremlin")
    assert settle([claim("a", "other", 4, "Kremlin"), claim("b", "other", 5, "Pentagon")]) is None


def test_unknown_policy_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown policy"):
        settle([claim("a", "x")], policy="plurality")  # type: ignore[arg-type]


def test_disagreement_share() -> None:
    assert disagreement_share([claim("a", "x"), claim("b", "x")]) == 0.0
    assert disagreement_share([claim("a", "x"), claim("b", "y"), claim("c", "z")]) == 1.0
    assert disagreement_share([claim("a", "x"), claim("b", "x"), no_claim("c")]) == pytest.approx(2 / 3)
    assert disagreement_share([claim("a", "x")]) == 0.0
