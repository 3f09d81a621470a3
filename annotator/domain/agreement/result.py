"""Result objects: a coefficient is either a finite value or the reason why there is none.

A coefficient that cannot be computed on the data (one category only, fewer than two
annotators, no unit with two values...) is not an error of the caller and not 0 or NaN:
it is a ``Coefficient`` with ``value=None`` and a ``reason`` that the CLI and the app show
as it is. The computing code raises ``UndefinedStatisticError`` and the public functions
turn it into such a result with :func:`guarded`; :meth:`Coefficient.require` turns it back
into the exception for callers that prefer one.

JSON shape (``to_json``): a defined coefficient is a plain number; an undefined one is
``{"value": null, "undefined": "because only one category occurs"}``. Numbers stay numbers
in the common case, and a consumer tells the two apart with a type check.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeAlias

from annotator.domain.errors import UndefinedStatisticError

JsonValue: TypeAlias = "float | int | str | bool | None | list[JsonValue] | dict[str, JsonValue]"

FEWER_THAN_TWO_ANNOTATORS = "undefined, because there are fewer than two annotators"
NO_PAIRABLE_UNIT = "undefined, because no unit has two or more values"
ONE_CATEGORY = "undefined, because only one category occurs"
FEWER_THAN_TWO_CATEGORIES = "undefined, because fewer than two categories are defined"
NO_SHARED_UNIT = "undefined, because the two annotators labelled no unit in common"
NO_PARTNER = "undefined, because the annotator shares no unit with another annotator"
NO_GOLD_UNIT = "undefined, because the annotator labelled no unit that has a gold value"
CATEGORY_ABSENT = "undefined, because the category does not occur on any unit with two or more values"

_PREFIX = "undefined, "


def json_reason(reason: str) -> str:
    """The reason as written in JSON, under the key "undefined": without the leading word."""
    return reason[len(_PREFIX) :] if reason.startswith(_PREFIX) else reason


@dataclass(frozen=True, slots=True)
class Coefficient:
    """An agreement coefficient: ``value`` when defined, else ``reason`` says why not.

    >>> Coefficient.of(0.5).to_json()
    0.5
    >>> Coefficient.undefined(ONE_CATEGORY).to_json()
    {'value': None, 'undefined': 'because only one category occurs'}
    """

    value: float | None
    reason: str | None = None

    def __post_init__(self) -> None:
        if (self.value is None) == (self.reason is None):
            raise ValueError("a Coefficient has either a value or a reason, not both or neither")
        if self.value is not None and not math.isfinite(self.value):
            # NaN or inf here is a bug in the caller: the reason must be given instead.
            raise ValueError(f"a coefficient value must be finite, got {self.value!r}")

    @classmethod
    def of(cls, value: float) -> Coefficient:
        """A defined coefficient (converted to a plain float, never a numpy scalar)."""
        return cls(float(value), None)

    @classmethod
    def undefined(cls, reason: str) -> Coefficient:
        """A coefficient that cannot be computed; ``reason`` starts with "undefined, because"."""
        return cls(None, reason)

    @property
    def defined(self) -> bool:
        return self.value is not None

    def require(self) -> float:
        """The value, or ``UndefinedStatisticError`` with the reason."""
        if self.value is None:
            raise UndefinedStatisticError(self.reason or "undefined")
        return self.value

    def to_json(self) -> JsonValue:
        if self.value is not None:
            return self.value
        return {"value": None, "undefined": json_reason(self.reason or "")}


def guarded(compute: Callable[[], float]) -> Coefficient:
    """Run ``compute``; an ``UndefinedStatisticError`` becomes an undefined coefficient."""
    try:
        return Coefficient.of(compute())
    except UndefinedStatisticError as undefined:
        return Coefficient.undefined(str(undefined))


@dataclass(frozen=True, slots=True)
class Interval:
    """A bootstrap percentile confidence interval, or the reason why there is none.

    ``defined_resamples`` counts the resamples on which the coefficient had a value; the
    interval is taken over those.
    """

    low: float | None
    high: float | None
    level: float
    resamples: int
    defined_resamples: int
    reason: str | None = None

    @property
    def defined(self) -> bool:
        return self.reason is None

    def contains(self, value: float) -> bool:
        return self.low is not None and self.high is not None and self.low <= value <= self.high

    def to_json(self) -> JsonValue:
        out: dict[str, JsonValue] = {
            "low": self.low,
            "high": self.high,
            "level": self.level,
            "resamples": self.resamples,
            "defined_resamples": self.defined_resamples,
        }
        if self.reason is not None:
            out["undefined"] = json_reason(self.reason)
        return out
