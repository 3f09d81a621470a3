"""The files in ``schemas/``: the label schema (read at run time) and a JSON Schema per JSONL
record type (the documentation of the formats; tests validate every export against them)."""

from __future__ import annotations

from functools import cache
from importlib import resources
from pathlib import Path

import orjson

from annotator.domain.label_schema import LabelSchema, schema_from_dict


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
