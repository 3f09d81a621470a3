"""From stored labels to the agreement report reviewers read: three fields, sources, calibration.

Units are sentences; each annotator's current label is their value. The three fields:

* ``is_claim`` (nominal): ``"no"`` / ``"yes"``;
* ``source`` (nominal): the source key; a label with ``is_claim = false`` counts as
  ``NOT_A_CLAIM`` and a claim with no source as ``UNATTRIBUTED``;
* ``confidence`` (ordinal, also reported as interval): the schema's scale; a label
  without confidence is missing.

and the evidence (``agreement.evidence``): span agreement on the source mention and the cue,
exact agreement on ``via``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from annotator.domain.agreement import (
    MISSING,
    FieldAgreement,
    GoldAgreement,
    Level,
    Seed,
    field_agreement,
    gold_agreement,
    pair_confusion,
    pair_key,
    pooled_confusion,
    rank_disagreements,
)
from annotator.domain.agreement.evidence import (
    SPAN_FIELDS,
    EvidenceColumns,
    SpanAgreement,
    TokenIndex,
    ViaAgreement,
    span_agreement,
    via_agreement,
)
from annotator.domain.agreement.result import Coefficient, JsonValue

NOT_A_CLAIM = "(not a claim)"
UNATTRIBUTED = "(unattributed)"
CLAIM_CATEGORIES = ("no", "yes")

IntArray = npt.NDArray[np.int64]
ProgressCallback = Callable[[int, int], None]
"""Called with (steps done, steps in all) as a long computation goes."""


@dataclass(frozen=True)
class LabelTable:
    """Labels in long form, one entry per (sentence, annotator), as read from the store.

    ``unit`` and ``annotator`` index ``unit_ids`` and ``annotators``; ``source`` indexes
    ``source_keys`` with ``-1`` for no source; ``confidence`` is the raw value or ``-1``;
    ``evidence`` holds each entry's spans and chain (``None``: no label has any).
    """

    unit_ids: IntArray
    annotators: tuple[str, ...]
    source_keys: tuple[str, ...]
    unit: IntArray
    annotator: IntArray
    is_claim: IntArray
    source: IntArray
    confidence: IntArray
    evidence: EvidenceColumns | None = None


@dataclass(frozen=True)
class FieldMatrices:
    """Units × annotators code matrices (``-1`` missing) and their category names."""

    is_claim: IntArray
    source: IntArray
    source_categories: tuple[str, ...]
    confidence: IntArray
    confidence_categories: tuple[str, ...]


def to_matrices(table: LabelTable, scale: Sequence[int]) -> FieldMatrices:
    """Spread the long table into the three ratings matrices."""
    shape = (len(table.unit_ids), len(table.annotators))
    where = (table.unit, table.annotator)
    claim = np.full(shape, MISSING, dtype=np.int64)
    claim[where] = table.is_claim
    # Two pseudo-categories first, then the source keys in the table's order.
    source = np.full(shape, MISSING, dtype=np.int64)
    source[where] = np.where(table.is_claim == 0, 0, np.where(table.source < 0, 1, table.source + 2))
    low = min(scale)
    confidence = np.full(shape, MISSING, dtype=np.int64)
    valid = (table.confidence >= low) & (table.confidence <= max(scale))
    confidence[table.unit[valid], table.annotator[valid]] = table.confidence[valid] - low
    return FieldMatrices(
        is_claim=claim,
        source=source,
        source_categories=(NOT_A_CLAIM, UNATTRIBUTED, *table.source_keys),
        confidence=confidence,
        confidence_categories=tuple(str(v) for v in range(low, max(scale) + 1)),
    )


@dataclass(frozen=True)
class AgreementReport:
    annotators: tuple[str, ...]
    fields: dict[str, FieldAgreement]
    source_confusion_pooled: IntArray
    source_confusion_pairs: dict[str, IntArray]
    source_categories: tuple[str, ...]
    calibration: list[dict[str, Any]]
    disagreements: list[tuple[int, float, int]]
    """(sentence id, share of label pairs that differ, number of labels), most disagreeing first;
    sentences where everyone agrees are left out."""
    spans: dict[str, SpanAgreement]
    """Keyed ``source_mention`` and ``cue``."""
    via: ViaAgreement

    def to_dict(self) -> dict[str, JsonValue]:
        """The JSON of ``annotator agreement --json``: one block per field, then ``evidence``."""
        result: dict[str, JsonValue] = {n: _field_block(n, field) for n, field in self.fields.items()}
        result["evidence"] = {
            **{name: span.to_json() for name, span in self.spans.items()},
            "via": self.via.to_json(),
        }
        result["source_confusion"] = {
            "categories": list(self.source_categories),
            "pooled": self.source_confusion_pooled.tolist(),
            "pairs": {k: v.tolist() for k, v in self.source_confusion_pairs.items()},
        }
        result["calibration"] = [
            {**row, "source_agreement": _share_json(row["source_agreement"])} for row in self.calibration
        ]
        result["disagreements"] = [
            {"sentence_id": s, "disagreement": round(d, 6), "labels": n} for s, d, n in self.disagreements
        ]
        return result


NO_CALIBRATION_PAIR = "undefined, because no label with this confidence shares a sentence with another label"


def _share_json(share: float | None) -> JsonValue:
    if share is None:
        return Coefficient.undefined(NO_CALIBRATION_PAIR).to_json()
    return share


def _field_block(name: str, field: FieldAgreement) -> dict[str, JsonValue]:
    """One field's figures. Figures that do not apply to the field are left out rather than
    written as null: weighted kappas are for the ordered confidence field, per-source
    agreement for the source field. Undefined figures carry their reason."""
    full = field.to_dict()
    alpha = full.pop("alpha")
    assert isinstance(alpha, dict)
    block: dict[str, JsonValue] = {
        "level": full["level"],
        "units": full["units"],
        "pairable_units": full["pairable_units"],
        "annotators": len(field.annotators),
        "annotator_names": list(field.annotators),
        "values": full["values"],
        "percent_agreement": full["percent_agreement"],
    }
    if name == "confidence":
        block["krippendorff_alpha_ordinal"] = alpha["ordinal"]
        block["krippendorff_alpha_interval"] = alpha["interval"]
    else:
        block["krippendorff_alpha"] = alpha["nominal"]
    block |= {
        "fleiss_kappa": full["fleiss_kappa"],
        "gwet_ac1": full["gwet_ac1"],
        "gwet_ac1_categories": full["gwet_ac1_categories"],
        "cohen_kappa": full["cohen_kappa"],
    }
    if field.weighted_kappa_linear is not None:
        block["weighted_kappa_linear"] = full["weighted_kappa_linear"]
        block["weighted_kappa_quadratic"] = full["weighted_kappa_quadratic"]
    if name == "source":
        block["per_source"] = full["per_category"]
    block |= {
        "per_category": full["per_category"],
        "per_annotator": full["per_annotator"],
        "intervals": full["intervals"],
        "reading": field_reading(field),
    }
    return block


REPORT_STEPS = 7
"""Steps ``agreement_report`` reports: three fields, two kinds of span, via, the rest."""


def agreement_report(
    table: LabelTable,
    *,
    scale: Sequence[int],
    bootstrap: int = 0,
    seed: Seed = None,
    disagreement_limit: int = 200,
    offered_sources: Sequence[str] | None = None,
    on_progress: ProgressCallback | None = None,
) -> AgreementReport:
    """Every agreement figure of the three fields, plus confusion, calibration and the
    sentences annotators disagree on most (by source, the field that matters most).

    AC1 counts the categories observed in each field, unless ``offered_sources`` (the source
    keys annotators could pick: the articles' sources and the special sources) is given: then
    every category offered counts — both answers for is_claim, the whole confidence scale, and
    for the source "not a claim", the offered keys and any key used besides.

    ``on_progress`` is called with (steps done, ``REPORT_STEPS``) after each field, each kind
    of evidence and the disagreements, for a progress bar on large stores.
    """
    done = 0

    def step() -> None:
        nonlocal done
        done += 1
        if on_progress is not None:
            on_progress(done, REPORT_STEPS)

    matrices = to_matrices(table, scale)
    names = table.annotators
    plan: dict[str, tuple[IntArray, Level, Sequence[str]]] = {
        "is_claim": (matrices.is_claim, "nominal", CLAIM_CATEGORIES),
        "source": (matrices.source, "nominal", matrices.source_categories),
        "confidence": (matrices.confidence, "ordinal", matrices.confidence_categories),
    }
    offered: dict[str, int | None] = dict.fromkeys(plan)
    if offered_sources is not None:
        used_keys = set(matrices.source_categories[2:])
        unattributed_used = bool((matrices.source == 1).any())  # a claim with no source
        offered = {
            "is_claim": len(CLAIM_CATEGORIES),
            "source": len({NOT_A_CLAIM, *offered_sources, *used_keys}) + unattributed_used,
            "confidence": len(matrices.confidence_categories),
        }
    fields: dict[str, FieldAgreement] = {}
    for name, (ratings, level, categories) in plan.items():
        fields[name] = field_agreement(
            ratings,
            level=level,
            annotators=names,
            categories=categories,
            bootstrap=bootstrap,
            seed=seed,
            offered_categories=offered[name],
        )
        step()
    evidence = table.evidence if table.evidence is not None else EvidenceColumns.empty(len(table.unit))
    spans: dict[str, SpanAgreement] = {}
    tokens = TokenIndex.of(evidence.texts)
    for name in SPAN_FIELDS:
        spans[name] = span_agreement(
            name,
            unit=table.unit,
            annotator=table.annotator,
            is_claim=table.is_claim,
            evidence=evidence,
            annotators=names,
            n_units=len(table.unit_ids),
            tokens=tokens,
        )
        step()
    via = via_agreement(
        unit=table.unit,
        annotator=table.annotator,
        is_claim=table.is_claim,
        source=table.source,
        evidence=evidence,
        n_annotators=len(names),
    )
    step()
    q = len(matrices.source_categories)
    by_name = sorted(range(len(names)), key=lambda i: names[i])
    pairs = {
        pair_key(names[a], names[b]): pair_confusion(matrices.source[:, a], matrices.source[:, b], q)
        for i, a in enumerate(by_name)
        for b in by_name[i + 1 :]
    }
    ranked = rank_disagreements(matrices.source, q, limit=disagreement_limit)
    labelled = (matrices.source != MISSING).sum(axis=1)
    agree_share = _unit_disagreement(matrices.source, ranked)
    report = AgreementReport(
        annotators=names,
        fields=fields,
        source_confusion_pooled=pooled_confusion(matrices.source, q),
        source_confusion_pairs=pairs,
        source_categories=matrices.source_categories,
        calibration=calibration(matrices, scale),
        disagreements=[
            (int(table.unit_ids[u]), float(d), int(labelled[u]))
            for u, d in zip(ranked, agree_share, strict=True)
            if d > 0
        ],
        spans=spans,
        via=via,
    )
    step()
    return report


def _unit_disagreement(source: IntArray, units: npt.NDArray[np.intp]) -> list[float]:
    """Share of a unit's value pairs that differ."""
    shares = []
    for row in source[units]:
        values = row[row != MISSING]
        n = len(values)
        same = sum(int(c) * (int(c) - 1) for c in np.bincount(values))
        shares.append(1.0 - same / (n * (n - 1)) if n > 1 else 0.0)
    return shares


def calibration(matrices: FieldMatrices, scale: Sequence[int]) -> list[dict[str, Any]]:
    """For each confidence value: how often the other annotators of the same sentence chose
    the same source as the annotator who stated that confidence.

    Does stated confidence predict agreement? Each (label, other annotator's label) pair on a
    sentence counts once; labels without confidence or without another annotator are left out.
    """
    source, confidence = matrices.source, matrices.confidence
    m = source.shape[1]
    agree = np.zeros(len(matrices.confidence_categories), dtype=np.int64)
    total = np.zeros_like(agree)
    for j in range(m):
        has_conf = confidence[:, j] != MISSING
        for k in range(m):
            if k == j:
                continue
            both = has_conf & (source[:, j] != MISSING) & (source[:, k] != MISSING)
            codes = confidence[both, j]
            total += np.bincount(codes, minlength=len(agree))
            agree += np.bincount(codes[source[both, j] == source[both, k]], minlength=len(agree))
    low = min(scale)
    return [
        {
            "confidence": low + i,
            "pairs": int(total[i]),
            "source_agreement": (float(agree[i] / total[i]) if total[i] else None),
        }
        for i in range(len(agree))
    ]


def alpha_reading(value: float | None) -> str:
    """Krippendorff's (2004) guidance in plain words."""
    if value is None:
        return "undefined on these labels"
    if value >= 0.8:
        return "reliable: α ≥ 0.800, good enough to draw conclusions"
    if value >= 0.667:
        return "tentative: 0.667 ≤ α < 0.800, only for tentative conclusions"
    return "unreliable: α < 0.667, the labels should not be relied on; revise the guidelines"


HIGH_RAW_AGREEMENT = 0.8
"""Percent agreement and AC1 at or above this, with α below 0.667: the prevalence paradox."""


def field_reading(field: FieldAgreement) -> str:
    """What a field's figures say together, in one line without links.

    α alone misleads when one category dominates: chance agreement is then high, so α (and
    κ) fall although annotators agree on almost every sentence, while percent agreement and
    Gwet's AC1 stay high (Feinstein & Cicchetti 1990, the "prevalence paradox"; Gwet 2014).
    Then the line says which category dominates and what the low α does mean: the
    annotators disagree on the rare categories, which is where to look.
    """
    alpha = next(iter(field.alpha.values()))
    if alpha.value is None:
        return f"α is {alpha.reason}"
    agreement, ac1 = field.percent_agreement.value, field.gwet_ac1.value
    paradox = (
        alpha.value < 0.667
        and agreement is not None
        and ac1 is not None
        and min(agreement, ac1) >= HIGH_RAW_AGREEMENT
        and field.values > 0
    )
    if not paradox:
        return alpha_reading(alpha.value)
    assert agreement is not None and ac1 is not None
    common, share = dominant_category(field)
    return (
        f"one category dominates: {share:.0%} of labels are “{common}”. Annotators agree on "
        f"{agreement:.0%} of label pairs (AC1 {ac1:.2f}), but with one answer this common, "
        f"chance agreement is high and α ({alpha.value:.2f}) only measures the rare answers: "
        "check the sentences where they differ before revising the guidelines."
    )


def dominant_category(field: FieldAgreement) -> tuple[str, float]:
    """The most frequent category of a field and its share of the labels."""
    name, category = max(field.per_category.items(), key=lambda item: item[1].values)
    return name, category.values / field.values if field.values else 0.0


def quality_against_gold(
    table: LabelTable, gold: Mapping[int, tuple[bool, str | None]]
) -> dict[str, GoldAgreement]:
    """Each annotator's Cohen's kappa and accuracy against gold on the source answer
    (not a claim / unattributed / source key), on the sentences they labelled that have gold."""
    keys = sorted(set(table.source_keys) | {s for claim, s in gold.values() if claim and s})
    categories = (NOT_A_CLAIM, UNATTRIBUTED, *keys)
    position = {key: i + 2 for i, key in enumerate(keys)}
    remap = np.array([position[k] for k in table.source_keys], dtype=np.int64)
    ratings = np.full((len(table.unit_ids), len(table.annotators)), MISSING, dtype=np.int64)
    claim_codes = np.where(table.source < 0, 1, remap[np.maximum(table.source, 0)] if len(remap) else 1)
    ratings[table.unit, table.annotator] = np.where(table.is_claim == 0, 0, claim_codes)
    truth = np.full(len(table.unit_ids), MISSING, dtype=np.int64)
    for row, unit_id in enumerate(table.unit_ids.tolist()):
        if unit_id in gold:
            claim, source = gold[unit_id]
            truth[row] = 0 if not claim else 1 if source is None else position[source]
    return gold_agreement(ratings, truth, table.annotators, len(categories))
