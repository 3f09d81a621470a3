"""Exchange formats: labelled data to and from brat standoff, Label Studio, Prodigy-style JSONL
(Hugging Face datasets read our own JSONL exports as they are).

Each format converts between its files and the shape of :mod:`annotator.exchange.formats.records`;
imports then go through the library's article and label imports, exports read the labels
export. ``jsonl`` is our own labels JSONL (:mod:`annotator.exchange.export`,
:mod:`annotator.exchange.import_labels`).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import IO, TYPE_CHECKING, Literal

from sqlalchemy.engine import Engine

if TYPE_CHECKING:  # the CLI reads FORMATS at start-up; the import machinery loads when used
    from annotator.exchange.import_labels import ImportReport

Format = Literal["jsonl", "brat", "labelstudio", "prodigy"]
FORMATS: tuple[Format, ...] = ("jsonl", "brat", "labelstudio", "prodigy")
SUFFIXES: dict[Format, str] = {"jsonl": ".jsonl", "brat": "", "labelstudio": ".json", "prodigy": ".jsonl"}


def import_format(engine: Engine, path: Path, *, format: Format) -> ImportReport:
    """Import labels (and, for brat and Label Studio, the articles' text) from another format."""
    if format == "brat":
        from annotator.exchange.formats.brat import import_brat

        return import_brat(engine, path)
    if format == "labelstudio":
        from annotator.exchange.formats.labelstudio import import_labelstudio

        return import_labelstudio(engine, path)
    if format == "prodigy":
        from annotator.exchange.formats.prodigy import import_prodigy

        return import_prodigy(engine, path)
    from annotator.exchange.import_labels import import_labels_file

    return import_labels_file(engine, path)


def export_stream(
    engine: Engine,
    out: IO[bytes],
    *,
    format: Format,
    document_id: str | None = None,
    annotators: Sequence[str] | None = None,
) -> int:
    """Write labels as Label Studio tasks or Prodigy lines to a binary stream; the count written."""
    if format == "labelstudio":
        from annotator.exchange.formats.labelstudio import export_labelstudio

        return export_labelstudio(engine, out, document_id=document_id, annotators=annotators)
    if format == "prodigy":
        from annotator.exchange.formats.prodigy import export_prodigy

        return export_prodigy(engine, out, document_id=document_id, annotators=annotators)
    raise ValueError(f"{format} is not written to a stream")
