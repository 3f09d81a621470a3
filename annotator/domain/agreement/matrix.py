"""Ratings matrices: validation, and the reduction of units to distinct profiles.

A ratings matrix has one row per unit (sentence) and one column per annotator; each cell is
a category code ``0..q-1`` or ``-1`` (missing). Every unit-level coefficient (percent
agreement, Krippendorff's alpha, Fleiss' kappa, Gwet's AC1) depends on a unit only through
its *profile*: the multiset of its values, regardless of who gave which. Units with the
same profile are interchangeable, so the ratings are reduced once to the distinct profiles
and their frequencies (:class:`UnitProfiles`). With few annotators and categories there
are only a few hundred profiles however many units there are, which makes everything after
the reduction (and the bootstrap) independent of the number of units.
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from functools import cached_property

import numpy as np
import numpy.typing as npt

from annotator.domain.errors import InputError

MISSING = -1

IntArray = npt.NDArray[np.int64]
IndexArray = npt.NDArray[np.intp]
FloatArray = npt.NDArray[np.float64]

# Largest key space counted with a dense np.bincount (32 MiB of int64 counters).
_BINCOUNT_KEYS = 1 << 22
# Keys of the sorted-codes encoding must stay below this to fit in int64.
_INT64_KEYS = 1 << 62
# Up to this many annotators, units are sorted with a min/max network instead of np.sort.
_NETWORK_MAX = 16


def as_ratings(ratings: npt.ArrayLike, n_categories: int, n_annotators: int | None = None) -> IntArray:
    """Validate a units × annotators matrix of codes ``-1..n_categories-1`` and return it.

    An empty input (``[]``) is read as zero units of ``n_annotators`` annotators.
    Raises ``InputError`` for a wrong shape, non-integer codes or codes out of range.
    """
    if n_categories < 0:
        raise InputError(f"the number of categories must not be negative, got {n_categories}")
    array = np.asarray(ratings)
    if array.size == 0 and array.ndim != 2:
        return np.empty((0, n_annotators or 0), dtype=np.int64)
    if array.ndim != 2:
        raise InputError(
            f"ratings must be a units × annotators matrix, got {array.ndim} dimension(s)",
            hint="one row per unit, one column per annotator",
        )
    if array.dtype.kind not in "iu" and array.size:
        raise InputError(
            f"rating codes must be integers, got {array.dtype}",
            hint="use the category's index, and -1 for a missing rating",
        )
    if n_annotators is not None and array.shape[1] != n_annotators:
        raise InputError(
            f"the ratings have {array.shape[1]} annotator column(s) but {n_annotators} "
            "annotator name(s) were given"
        )
    if array.size == 0:
        return np.empty(array.shape, dtype=np.int64)
    _check_codes(array, n_categories)
    return array.astype(np.int64, copy=False)


def as_codes(codes: npt.ArrayLike, n_categories: int, name: str) -> IntArray:
    """Validate one annotator's (or the gold) vector of codes ``-1..n_categories-1``."""
    array = np.asarray(codes)
    if array.size == 0:
        return np.empty(0, dtype=np.int64)
    if array.ndim != 1:
        raise InputError(f"{name} must be a vector of codes, got {array.ndim} dimension(s)")
    if array.dtype.kind not in "iu":
        raise InputError(f"{name} codes must be integers, got {array.dtype}")
    _check_codes(array, n_categories)
    return array.astype(np.int64, copy=False)


def _check_codes(array: npt.NDArray[np.integer], n_categories: int) -> None:
    low, high = int(array.min()), int(array.max())
    if low < MISSING or high >= n_categories:
        bad = low if low < MISSING else high
        raise InputError(
            f"rating code {bad} is outside -1..{n_categories - 1}",
            hint="codes index the category list; -1 marks a missing rating",
        )


def check_names(names: Sequence[str], what: str, *, pair_keys: bool = False) -> tuple[str, ...]:
    """Names must be unique; names that key pairs as "A|B" must not contain "|"."""
    out = tuple(names)
    if len(set(out)) != len(out):
        raise InputError(f"{what} names must be unique, got {list(out)}")
    if pair_keys and any("|" in n for n in out):
        raise InputError(f"{what} names must not contain '|' (it separates pair names)")
    return out


def missing_as_last(ratings: IntArray, n_categories: int) -> IndexArray:
    """Annotator-major copy (annotators × units) with missing coded as ``n_categories``.

    One row per annotator keeps each annotator's codes contiguous for the pairwise
    bincounts, and a non-negative code for "missing" lets them count without masking.
    """
    codes = ratings.T.astype(np.intp, order="C")
    np.putmask(codes, codes < 0, n_categories)
    return codes


@dataclass(frozen=True, eq=False)
class UnitProfiles:
    """Distinct units, each as its sorted tuple of codes, and how many units have it.

    ``codes[p]`` holds the codes of profile ``p`` in ascending order, padded with
    ``n_categories`` (missing sorts last), so a unit's values are a prefix of its row;
    ``weights[p]`` is how many units have profile ``p``. Only units with at least one value
    are kept; ``n_units`` counts all units. A row has one cell per annotator whatever the
    number of categories, so memory does not grow with the category list (source keys of
    a whole corpus can number in the thousands).
    """

    codes: IntArray
    weights: IntArray
    n_units: int
    n_categories: int

    @property
    def n_annotators(self) -> int:
        return int(self.codes.shape[1])

    @cached_property
    def sizes(self) -> IntArray:
        """Number of values of each profile."""
        return np.asarray((self.codes < self.n_categories).sum(axis=1), dtype=np.int64)

    def select(self, keep: npt.NDArray[np.bool_]) -> UnitProfiles:
        return UnitProfiles(self.codes[keep], self.weights[keep], self.n_units, self.n_categories)

    @cached_property
    def pairable(self) -> UnitProfiles:
        """The profiles of units with two or more values (the only ones that can agree)."""
        return self.select(self.sizes >= 2)

    @property
    def n_values(self) -> int:
        return int(self.weights @ self.sizes)

    @property
    def n_rated_units(self) -> int:
        """Units with at least one value (the units that the profiles stand for)."""
        return int(self.weights.sum())

    def column_sums(self, weights: FloatArray) -> FloatArray:
        """``sum_p weights[p] * (number of values of category k in profile p)``, per ``k``."""
        q = self.n_categories
        total = np.zeros(q + 1, dtype=np.float64)
        for column in self.codes.T:
            total += np.bincount(column, weights=weights, minlength=q + 1)
        return total[:q]

    @cached_property
    def category_totals(self) -> IntArray:
        """How many values fall in each category, over the units of these profiles."""
        totals = self.column_sums(self.weights.astype(np.float64))
        return np.rint(totals).astype(np.int64)

    def value_pairs(self) -> Iterator[tuple[IntArray, IntArray, npt.NDArray[np.bool_]]]:
        """For each pair of columns ``i < j``: both codes and where both are values.

        Rows are sorted with missing last, so ``codes[:, j]`` being a value implies that
        ``codes[:, i]`` is one too, and ``code_i <= code_j``.
        """
        m, q = self.n_annotators, self.n_categories
        for i in range(m):
            for j in range(i + 1, m):
                second = self.codes[:, j]
                yield self.codes[:, i], second, second < q

    @cached_property
    def agreement_shares(self) -> FloatArray:
        """Share of agreeing ordered value pairs of each profile (0 below two values)."""
        sizes = self.sizes.astype(np.float64)
        pairs = sizes * (sizes - 1.0)
        shares = 2.0 * self.agreeing_pairs / np.where(pairs > 0, pairs, 1.0)
        return np.asarray(np.where(pairs > 0, shares, 0.0), dtype=np.float64)

    @cached_property
    def category_shares(self) -> FloatArray:
        """Mean over units of the share of their values in each category (Gwet's ``pi_k``)."""
        weights = self.weights.astype(np.float64)
        shares = self.column_sums(weights / np.maximum(self.sizes, 1)) / max(weights.sum(), 1.0)
        return np.asarray(shares, dtype=np.float64)

    @cached_property
    def agreeing_pairs(self) -> IntArray:
        """Unordered pairs of equal values in each profile."""
        total = np.zeros(self.codes.shape[0], dtype=np.int64)
        for first, second, both in self.value_pairs():
            total += (first == second) & both
        return total


def unit_profiles(codes: IndexArray, n_categories: int) -> UnitProfiles:
    """Reduce annotator-major codes (missing = ``n_categories``) to distinct unit profiles.

    Picks the cheapest exact encoding of a unit's multiset of codes as one integer key:

    * additive: ``sum((m+1) ** code)``, counted with bincount, when ``(m+1)**q`` is small
      (no sorting needed);
    * else the combinatorial rank of the sorted codes, counted with bincount or
      ``np.unique`` (``C(q+m, m)`` possible keys);
    * otherwise (keys beyond int64) the sorted rows themselves, one profile per unit.
    """
    n_annotators, n_units = codes.shape
    q = n_categories
    if n_annotators == 0 or n_units == 0 or q == 0:
        return UnitProfiles(np.zeros((0, n_annotators), np.int64), np.zeros(0, np.int64), n_units, q)
    if (n_annotators + 1) ** q <= _BINCOUNT_KEYS:
        rows, weights = _additive_profiles(codes, q)
    elif math.comb(q + n_annotators, n_annotators) < _INT64_KEYS:
        rows, weights = _sorted_profiles(codes, q)
    else:
        rows = np.stack(_sort_rows(codes), axis=1).astype(np.int64)
        weights = np.ones(n_units, dtype=np.int64)
    rated = rows[:, 0] < q
    return UnitProfiles(rows[rated], weights[rated], n_units, q)


def _additive_profiles(codes: IndexArray, q: int) -> tuple[IntArray, IntArray]:
    # A unit's key is sum over its values of base**code: the base-(m+1) digits of the key
    # are exactly its category counts (no count can reach m+1), and missing adds 0.
    m = codes.shape[0]
    base = m + 1
    place = np.zeros(q + 1, dtype=np.intp)
    place[:q] = base ** np.arange(q, dtype=np.intp)
    key = place[codes[0]]
    for row in codes[1:]:
        np.add(key, place[row], out=key)
    frequency = np.bincount(key, minlength=base**q)
    keys = np.flatnonzero(frequency).astype(np.int64)
    counts = (keys[:, None] // place[None, :q]) % base
    return _counts_to_rows(counts.astype(np.int64), m, q), frequency[keys].astype(np.int64)


def _counts_to_rows(counts: IntArray, m: int, q: int) -> IntArray:
    """Category counts (profiles × q) to sorted code rows (profiles × m), padded with q."""
    n_rows = counts.shape[0]
    sizes = counts.sum(axis=1)
    values = np.repeat(np.tile(np.arange(q, dtype=np.int64), n_rows), counts.ravel())
    row_of = np.repeat(np.arange(n_rows), sizes)
    starts = np.cumsum(sizes) - sizes
    column_of = np.arange(values.size) - np.repeat(starts, sizes)
    rows = np.full((n_rows, m), q, dtype=np.int64)
    rows[row_of, column_of] = values
    return rows


def _sort_rows(codes: IndexArray) -> list[IndexArray]:
    """Each unit's codes in ascending order, as one array per position (m × units).

    With few annotators an odd-even transposition network (elementwise min/max across the
    annotator rows) beats ``np.sort`` along the short axis.
    """
    m = codes.shape[0]
    if m > _NETWORK_MAX:
        return list(np.sort(codes, axis=0))
    rows = [row.copy() for row in codes]
    for step in range(m):
        for i in range(step % 2, m - 1, 2):
            low = np.minimum(rows[i], rows[i + 1])
            np.maximum(rows[i], rows[i + 1], out=rows[i + 1])
            rows[i] = low
    return rows


def _binomials(n: int, k: int) -> IntArray:
    """``table[j, t] = C(t, j)`` for ``j <= k``, ``t < n`` (exact, fits in int64 here)."""
    table = np.zeros((k + 1, n), dtype=np.int64)
    for j in range(k + 1):
        table[j] = [math.comb(t, j) for t in range(n)]
    return table


def _sorted_profiles(codes: IndexArray, q: int) -> tuple[IntArray, IntArray]:
    # A unit's sorted codes s_0 <= ... <= s_{m-1} (missing = q last) become the strictly
    # increasing t_j = s_j + j, whose combinatorial rank sum_j C(t_j, j + 1) numbers the
    # multisets densely: 0 .. C(q + m, m) - 1, the smallest exact key there is.
    m = codes.shape[0]
    span = q + m
    binomials = _binomials(span, m)
    key = np.zeros(codes.shape[1], dtype=np.int64)
    for j, row in enumerate(_sort_rows(codes)):
        key += binomials[j + 1][row + j]
    n_keys = math.comb(span, m)
    if n_keys <= _BINCOUNT_KEYS:
        frequency = np.bincount(key, minlength=n_keys)
        keys = np.flatnonzero(frequency).astype(np.int64)
        weights = frequency[keys].astype(np.int64)
    else:
        keys, weights = np.unique(key, return_counts=True)
    # Unrank, largest position first: t_j is the largest t with C(t, j + 1) <= rest.
    rows = np.empty((keys.size, m), dtype=np.int64)
    rest = keys.copy()
    for j in range(m - 1, -1, -1):
        t = np.searchsorted(binomials[j + 1], rest, side="right") - 1
        rest -= binomials[j + 1][t]
        rows[:, j] = t - j
    return rows, weights.astype(np.int64)


def sorted_unit_rows(ratings: IntArray, n_categories: int) -> IntArray:
    """Each unit's codes sorted ascending, missing (as ``n_categories``) last; units × m."""
    rows = np.where(ratings < 0, n_categories, ratings)
    rows.sort(axis=1)
    return np.asarray(rows, dtype=np.int64)


def profiles_of(ratings: npt.ArrayLike, n_categories: int) -> UnitProfiles:
    """Validate ``ratings`` and reduce them to unit profiles in one step."""
    matrix = as_ratings(ratings, n_categories)
    return unit_profiles(missing_as_last(matrix, n_categories), n_categories)
