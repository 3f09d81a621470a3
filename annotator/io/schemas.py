"""The files in ``schemas/``: the label schema and a JSON Schema per JSONL record type."""

from __future__ import annotations

from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

import orjson
from jsonschema import Draft202012Validator

from annotator.domain.label_schema import LabelSchema, schema_from_dict

RECORD_KINDS = ("labels", "sentences", "documents", "gold", "suggestions")


def schemas_dir() -> Path:
    """``schemas/`` of a source checkout, or the copy a wheel installs inside the package."""
    checkout = Path(__file__).resolve().parents[2] / "schemas"
    if (checkout / "label-schema.json").is_file():
        return checkout
    return Path(str(resources.files("annotator") / "_schemas"))


@cache
def load_label_schema(path: Path | None = None) -> LabelSchema:
    file = path or schemas_dir() / "label-schema.json"
    return schema_from_dict(orjson.loads(file.read_bytes()))


@cache
def record_json_schema(kind: str) -> dict[str, Any]:
    """The JSON Schema of one JSONL record kind (``labels``, ``sentences``, ``documents``, ``gold``)."""
    data: dict[str, Any] = orjson.loads((schemas_dir() / f"{kind}.schema.json").read_bytes())
    return data


@cache
def record_validator(kind: str) -> Draft202012Validator:
    return Draft202012Validator(record_json_schema(kind))
