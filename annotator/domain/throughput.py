"""Annotator throughput from label save times: labels per hour and seconds per sentence.

A save's duration is the time since the same annotator's previous save, whatever the article
(the time went into the sentence just saved, so it counts for that sentence's article). A gap
longer than the break limit (10 minutes) is a break, not work: that save gets no duration and
the break counts for nothing. Labels per hour is timed saves over the summed durations.
"""

from __future__ import annotations

import statistics
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

BREAK_AFTER = timedelta(minutes=10)
ALL_ARTICLES = "all articles"
NO_TIMED_SAVE = "no two saves within 10 minutes of each other, so no working time to measure"
NO_WORKING_TIME = "the timed saves have no time between them"


@dataclass(frozen=True)
class Save:
    annotator: str
    article: str
    at: datetime


@dataclass(frozen=True)
class Throughput:
    """One annotator on one article (or on ``ALL_ARTICLES``)."""

    annotator: str
    article: str
    saves: int
    timed_saves: int
    working_seconds: float
    median_seconds: float | None
    """Median seconds per sentence over the timed saves; None when there are none."""

    @property
    def labels_per_hour(self) -> float | None:
        if self.working_seconds <= 0:
            return None
        return self.timed_saves * 3600.0 / self.working_seconds

    @property
    def why_undefined(self) -> str | None:
        """Why there is no rate: said on screen instead of an empty cell."""
        if self.timed_saves == 0:
            return NO_TIMED_SAVE
        return NO_WORKING_TIME if self.working_seconds <= 0 else None


def throughput(saves: Iterable[Save], *, break_after: timedelta = BREAK_AFTER) -> list[Throughput]:
    """Per annotator and article, then per annotator over all articles; sorted by annotator.

    >>> from datetime import datetime as t
    >>> rows = throughput([Save("ana", "a", t(2026, 1, 1, 9, m)) for m in (0, 2, 4, 30, 31)])
    >>> [(r.article, r.saves, r.timed_saves, r.labels_per_hour, r.median_seconds) for r in rows]
    [('a', 5, 3, 36.0, 120.0), ('all articles', 5, 3, 36.0, 120.0)]
    """
    timelines: dict[str, list[Save]] = defaultdict(list)
    for save in saves:
        timelines[save.annotator].append(save)
    rows: list[Throughput] = []
    for annotator in sorted(timelines):
        timeline = sorted(timelines[annotator], key=lambda s: s.at)
        counts: dict[str, int] = defaultdict(int)
        durations: dict[str, list[float]] = defaultdict(list)
        for previous, save in zip([None, *timeline], timeline, strict=False):
            counts[save.article] += 1
            if previous is not None and (gap := save.at - previous.at) <= break_after:
                durations[save.article].append(gap.total_seconds())
        for article in sorted(counts):
            rows.append(_row(annotator, article, counts[article], durations[article]))
        everything = [d for ds in durations.values() for d in ds]
        rows.append(_row(annotator, ALL_ARTICLES, len(timeline), everything))
    return rows


def _row(annotator: str, article: str, saves: int, durations: list[float]) -> Throughput:
    return Throughput(
        annotator=annotator,
        article=article,
        saves=saves,
        timed_saves=len(durations),
        working_seconds=sum(durations),
        median_seconds=statistics.median(durations) if durations else None,
    )
