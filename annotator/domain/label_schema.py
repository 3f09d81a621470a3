"""The label schema (claim flag, confidence scale, special sources) and label validation."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from annotator.domain.errors import InputError
from annotator.domain.names import MAX_NOTE, MAX_OTHER_SOURCE_NAME, check_free_text


@dataclass(frozen=True)
class ConfidenceValue:
    value: int
    label: str
    description: str


@dataclass(frozen=True)
class SpecialSource:
    key: str
    label: str
    description: str
    needs_name: bool = False


@dataclass(frozen=True)
class LabelSchema:
    name: str
    version: int
    confidence: tuple[ConfidenceValue, ...]
    special_sources: tuple[SpecialSource, ...]
    source_key_pattern: str
    non_claim_source_forbidden: bool
    guidelines: str
    # The labelling panel will not save a claim without a confidence. Imported labels from
    # other tools may lack one, so this binds what annotators type, not what files bring.
    claim_confidence_required: bool = True

    @property
    def confidence_min(self) -> int:
        return self.confidence[0].value

    @property
    def confidence_max(self) -> int:
        return self.confidence[-1].value

    @property
    def special_keys(self) -> frozenset[str]:
        return frozenset(s.key for s in self.special_sources)

    def is_valid_source_key(self, key: str) -> bool:
        return re.fullmatch(self.source_key_pattern, key) is not None


def schema_from_dict(data: Mapping[str, Any]) -> LabelSchema:
    """Build a LabelSchema from the parsed ``schemas/label-schema.json``."""
    values = sorted(
        (
            ConfidenceValue(int(v["value"]), str(v["label"]), str(v["description"]))
            for v in data["confidence"]["values"]
        ),
        key=lambda v: v.value,
    )
    return LabelSchema(
        name=str(data["name"]),
        version=int(data["version"]),
        confidence=tuple(values),
        special_sources=tuple(
            SpecialSource(s["key"], s["label"], s.get("description", ""), bool(s.get("needs_name")))
            for s in data["special_sources"]
        ),
        source_key_pattern=str(data["source_key_pattern"]),
        non_claim_source_forbidden=data.get("rules", {}).get("non_claim_source") == "forbidden",
        guidelines=str(data.get("guidelines", "")),
        claim_confidence_required=data.get("rules", {}).get("claim_confidence", "required") == "required",
    )


def check_label(
    schema: LabelSchema,
    *,
    is_claim: bool,
    source: str | None,
    confidence: int | None,
    source_other: str | None = None,
    file: str | None = None,
    line: int | None = None,
) -> None:
    """Raise InputError naming the field when a label breaks the schema."""
    if confidence is not None and not (schema.confidence_min <= confidence <= schema.confidence_max):
        raise InputError(
            f"confidence {confidence} is outside the scale",
            file=file,
            line=line,
            field="confidence",
            hint=f"use an integer from {schema.confidence_min} to {schema.confidence_max}, or null",
        )
    if source is None:
        return
    if not schema.is_valid_source_key(source):
        raise InputError(
            f"source key {source!r} is not allowed",
            file=file,
            line=line,
            field="source",
            hint=f"keys match {schema.source_key_pattern}: lower-case letters, digits, '-' and '_'",
        )
    if not is_claim and schema.non_claim_source_forbidden:
        raise InputError(
            f"a sentence that is not a claim cannot have a source (got {source!r})",
            file=file,
            line=line,
            field="source",
            hint="set is_claim to true, or source to null",
        )
    needs_name = {s.key for s in schema.special_sources if s.needs_name}
    if source in needs_name and not (source_other or "").strip():
        raise InputError(
            f"source {source!r} needs the source's name",
            file=file,
            line=line,
            field="source_other",
            hint="type who says so",
        )


def check_label_text(
    *, note: str | None, source_other: str | None, file: str | None = None, line: int | None = None
) -> None:
    """The free-text fields of a label: a note is a remark and an "other" source a name, both
    bounded, neither holding control characters (NUL cannot even be stored on PostgreSQL)."""
    check_free_text(note, field="note", limit=MAX_NOTE, file=file, line=line)
    check_free_text(source_other, field="source_other", limit=MAX_OTHER_SOURCE_NAME, file=file, line=line)
