"""Pure rules behind the reviewer's pages: blind order, field disagreements, throughput, tile readings."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import numpy as np
import pytest

from annotator.domain.agreement import field_agreement
from annotator.domain.agreement.report import alpha_reading, field_reading
from annotator.domain.label import LabelValue
from annotator.domain.review import blind_order, field_disagreement
from annotator.domain.settling import Vote
from annotator.domain.throughput import ALL_ARTICLES, NO_TIMED_SAVE, Save, throughput

NAMES = ["ana", "ben", "chloe"]


def test_blind_order_is_stable_per_reviewer_and_sentence_and_varies_across_sentences() -> None:
    orders = [tuple(blind_order(NAMES, reviewer_id=7, sentence_id=s)) for s in range(40)]
    assert all(sorted(order) == NAMES for order in orders)
    assert orders == [tuple(blind_order(NAMES[::-1], reviewer_id=7, sentence_id=s)) for s in range(40)]
    # "annotator 1" is not always the same person, for this reviewer or another one
    assert len({order[0] for order in orders}) == 3
    assert len(set(orders)) >= 4
    other_reviewer = [tuple(blind_order(NAMES, reviewer_id=8, sentence_id=s)) for s in range(40)]
    assert other_reviewer != orders


def test_field_disagreement_names_each_field_that_differs() -> None:
    votes = [
        Vote("a", LabelValue(True, "police", confidence=5)),
        Vote("b", LabelValue(True, "police", confidence=3)),
        Vote("c", LabelValue(False)),
    ]
    assert field_disagreement(votes) == pytest.approx({"is_claim": 2 / 3, "confidence": 1.0})
    votes[1] = Vote("b", LabelValue(True, "mayor", confidence=5))
    assert field_disagreement(votes) == pytest.approx({"is_claim": 2 / 3, "source": 1.0})
    assert field_disagreement(votes[:1]) == {}
    other = [
        Vote("a", LabelValue(True, "other", "The Mayor")),
        Vote("b", LabelValue(True, "other", " the mayor ")),
    ]
    assert field_disagreement(other) == {}


def _at(minute: float) -> datetime:
    return datetime(2026, 11, 20, 9, 0, tzinfo=UTC) + timedelta(minutes=minute)


def test_throughput_skips_breaks_and_gives_time_to_the_article_of_the_save() -> None:
    saves = [Save("ana", "a", _at(m)) for m in (0, 2, 4, 6)]  # three timed saves of 2 min
    saves += [Save("ana", "b", _at(m)) for m in (40, 41, 42)]  # a 34-minute break, then 1 min each
    saves += [Save("ben", "a", _at(5))]  # one save: nothing to time
    rows = {(r.annotator, r.article): r for r in throughput(saves)}
    a, b, total = rows["ana", "a"], rows["ana", "b"], rows["ana", ALL_ARTICLES]
    assert (a.saves, a.timed_saves, a.median_seconds, a.labels_per_hour) == (4, 3, 120.0, 30.0)
    assert (b.saves, b.timed_saves, b.median_seconds, b.labels_per_hour) == (3, 2, 60.0, 60.0)
    assert (total.saves, total.timed_saves, total.working_seconds) == (7, 5, 480.0)
    assert total.labels_per_hour == 5 * 3600 / 480 and total.median_seconds == 120.0
    ben = rows["ben", "a"]
    assert (ben.labels_per_hour, ben.median_seconds, ben.why_undefined) == (None, None, NO_TIMED_SAVE)


def test_a_gap_of_exactly_ten_minutes_is_work_and_longer_is_a_break() -> None:
    rows = throughput([Save("ana", "a", _at(m)) for m in (0, 10, 20.5)])
    assert (rows[0].timed_saves, rows[0].working_seconds) == (1, 600.0)


def _claim_field(pairs: list[tuple[int, int]]):  # type: ignore[no-untyped-def]
    return field_agreement(np.array(pairs), level="nominal", annotators=["x", "y"], categories=["no", "yes"])


def test_tile_reading_explains_the_prevalence_paradox() -> None:
    # 18 sentences both call a claim, one each the other way: 90 % agreement, α below zero.
    field = _claim_field([(1, 1)] * 18 + [(1, 0), (0, 1)])
    alpha = field.alpha["nominal"].value
    assert alpha is not None and alpha < 0
    assert field.gwet_ac1.value is not None and field.gwet_ac1.value > 0.8
    reading = field_reading(field)
    assert reading.startswith("one category dominates: 95% of labels are “yes”")
    assert "agree on 90% of label pairs" in reading and "before revising the guidelines" in reading
    assert "http" not in reading and "\n" not in reading


def test_tile_reading_is_the_alpha_reading_without_the_paradox_and_says_why_when_undefined() -> None:
    balanced = _claim_field([(1, 1)] * 5 + [(0, 0)] * 4 + [(1, 0)])
    assert field_reading(balanced) == alpha_reading(balanced.alpha["nominal"].value)
    everyone_yes = _claim_field([(1, 1)] * 5)
    assert field_reading(everyone_yes) == "α is undefined, because only one category occurs"
