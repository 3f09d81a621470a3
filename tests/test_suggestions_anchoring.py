"""The anchoring audit: which sentences are shown without a suggestion, and the intervals
of the report, checked against Newcombe's published worked examples."""

from __future__ import annotations

import pytest

from annotator.domain.suggestions.anchoring import (
    ShownRecord,
    anchoring_report,
    hidden_for_audit,
    newcombe_difference,
    wilson,
)


def test_wilson_interval_matches_newcombe_1998a() -> None:
    # Newcombe (1998), "Two-sided confidence intervals for the single proportion",
    # Statistics in Medicine 17:857-872, table I: 81/263 -> 0.2553 to 0.3662 (method 3).
    got = wilson(81, 263)
    assert got.low == pytest.approx(0.2553, abs=5e-5) and got.high == pytest.approx(0.3662, abs=5e-5)
    # ... and 0/20 -> 0 to 0.1611.
    zero = wilson(0, 20)
    assert zero.low == pytest.approx(0.0, abs=1e-12) and zero.high == pytest.approx(0.1611, abs=5e-5)


def test_difference_interval_matches_newcombe_1998b() -> None:
    # Newcombe (1998), "Interval estimation for the difference between independent
    # proportions", Statistics in Medicine 17:873-890, table II, method 10:
    # 56/70 - 48/80 -> 0.0524 to 0.3339.
    got = newcombe_difference(wilson(56, 70), wilson(48, 80))
    assert got.value == pytest.approx(0.2)
    assert got.low == pytest.approx(0.0524, abs=5e-5) and got.high == pytest.approx(0.3339, abs=5e-5)


def test_the_audit_hides_about_the_share_asked_and_is_the_same_on_every_call() -> None:
    hidden = [
        hidden_for_audit(user_id=u, sentence_id=s, share=0.1, salt="x") for u in range(20) for s in range(500)
    ]
    assert 0.09 < sum(hidden) / len(hidden) < 0.11
    again = [
        hidden_for_audit(user_id=u, sentence_id=s, share=0.1, salt="x") for u in range(20) for s in range(500)
    ]
    assert hidden == again
    # Per annotator, not per sentence: two annotators do not miss the same sentences.
    first = {s for s in range(500) if hidden_for_audit(user_id=1, sentence_id=s, share=0.1, salt="x")}
    second = {s for s in range(500) if hidden_for_audit(user_id=2, sentence_id=s, share=0.1, salt="x")}
    assert first != second
    assert not any(hidden_for_audit(user_id=1, sentence_id=s, share=0.0, salt="x") for s in range(100))


def test_report_splits_shown_and_hidden_per_annotator() -> None:
    records = (
        [ShownRecord("ana", True, True)] * 9
        + [ShownRecord("ana", True, False)]
        + [ShownRecord("ana", False, True)] * 1
        + [ShownRecord("ana", False, False)] * 1
        + [ShownRecord("ben", True, True)] * 4
    )
    report = anchoring_report(records)
    assert (report.shown.count, report.shown.total) == (13, 14)
    assert (report.hidden.count, report.hidden.total) == (1, 2)
    assert report.acceptance["ana"].value == pytest.approx(0.9)
    assert report.hidden_agreement["ben"].total == 0 and report.hidden_agreement["ben"].value is None
    assert report.pull.value == pytest.approx(13 / 14 - 0.5)
    assert report.pull.low is not None and report.pull.high is not None
    assert report.pull.low < report.pull.value < report.pull.high
