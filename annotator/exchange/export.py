"""JSONL exports: labels, sentences, documents, gold, suggestions — streamed, written atomically."""

from __future__ import annotations

import errno
import io
import os
import re
import sys
import tempfile
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Any, Literal

import orjson
from sqlalchemy.engine import Engine
from sqlmodel import Session

from annotator.domain.errors import AnnotatorError, InputError, StoreFullError
from annotator.exchange.schemas import load_label_schema
from annotator.exchange.suggest import suggestion_records
from annotator.store import documents as documents_store
from annotator.store.exports import iter_gold_records, iter_label_records, iter_sentence_rows

ExportKind = Literal["labels", "sentences", "documents", "gold", "suggestions"]
EXPORT_KINDS: tuple[ExportKind, ...] = ("labels", "sentences", "documents", "gold", "suggestions")

Progress = Callable[[int], None]


@dataclass(frozen=True)
class ExportResult:
    records: int
    path: Path | None


def default_export_path(exports_dir: Path, what: str, document_id: str | None = None) -> Path:
    """A timestamped file directly in ``exports_dir``, whatever the document id holds.

    >>> default_export_path(Path("exports"), "labels", "../../x").parent
    PosixPath('exports')
    """
    return exports_dir / export_file_name(what, document_id=document_id, at=datetime.now(UTC))


def export_file_name(
    what: str, *, document_id: str | None, at: datetime, annotators: Sequence[str] | None = None
) -> str:
    """``labels-harbour-ana+ben-20261130T091500Z.jsonl``: what, article, annotators and UTC time.

    Only what narrows the file appears in its name; names are reduced to safe file-name
    characters (the file's lines still carry the exact ids and names).
    """
    parts = [what]
    if document_id is not None:
        parts.append(_file_safe(document_id))
    if annotators is not None:
        parts.append("+".join(_file_safe(name) for name in sorted(annotators)) or "nobody")
    parts.append(at.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ"))
    return "-".join(parts) + ".jsonl"


def _file_safe(name: str) -> str:
    # Ids are checked where they enter, but a store made before those checks may hold any id.
    return re.sub(r"[^A-Za-z0-9._-]+", "_", name).strip("._") or "_"


def export_jsonl(
    engine: Engine,
    *,
    what: ExportKind,
    out: Path | IO[bytes],
    document_id: str | None = None,
    annotators: Sequence[str] | None = None,
    on_progress: Progress | None = None,
) -> ExportResult:
    """Write one JSONL record per line to ``out`` (a path, written atomically, or a binary stream).

    ``document_id`` keeps one article; ``annotators`` (names) keeps only their labels.
    """
    if what not in EXPORT_KINDS:
        raise InputError(
            f"unknown export kind {what!r}", field="what", hint=f"choose one of {', '.join(EXPORT_KINDS)}"
        )
    if document_id is not None:
        with Session(engine) as session:
            documents_store.require_document(session=session, document_id=document_id)
    if isinstance(out, Path):
        with atomic_writer(out) as stream:
            count = _write(engine, what, stream, document_id, annotators, on_progress)
        return ExportResult(records=count, path=out)
    count = _write(engine, what, out, document_id, annotators, on_progress)
    return ExportResult(records=count, path=None)


def export_bytes(
    engine: Engine,
    *,
    what: ExportKind,
    document_id: str | None = None,
    annotators: Sequence[str] | None = None,
) -> bytes:
    """The whole export in memory, read from the store now: for a download button."""
    buffer = io.BytesIO()
    export_jsonl(engine, what=what, out=buffer, document_id=document_id, annotators=annotators)
    return buffer.getvalue()


PROGRESS_EVERY = 20_000


def _write(
    engine: Engine,
    what: ExportKind,
    stream: IO[bytes],
    document_id: str | None,
    annotators: Sequence[str] | None,
    on_progress: Progress | None,
) -> int:
    # One record at a time into the buffered stream: holding a batch of encoded lines cost
    # ~8 KiB of fragmented heap each (350 MiB at 20k a batch), writing them costs nothing.
    write = stream.write
    count = 0
    for line in _encoded_lines(engine, what, document_id, annotators):
        write(line)
        count += 1
        if on_progress is not None and count % PROGRESS_EVERY == 0:
            on_progress(count)
    if on_progress is not None:
        on_progress(count)
    return count


def _encoded_lines(
    engine: Engine, what: ExportKind, document_id: str | None, annotators: Sequence[str] | None
) -> Iterator[bytes]:
    dumps, newline = orjson.dumps, orjson.OPT_APPEND_NEWLINE
    if what == "documents":
        for record in _document_records(engine, document_id):
            yield dumps(record, option=newline)
        return
    if what == "suggestions":
        for record in suggestion_records(engine, document_id):
            yield dumps(record, option=newline)
        return
    with engine.connect() as connection:
        if what == "sentences":
            for batch in iter_sentence_rows(connection, document_id=document_id):
                for d, i, t, cs, ce, p in batch:
                    yield dumps(
                        {
                            "document_id": d,
                            "sentence_index": i,
                            "text": t,
                            "char_start": cs,
                            "char_end": ce,
                            "paragraph": p,
                        },
                        option=newline,
                    )
            return
        if what == "gold":
            for batch in iter_gold_records(connection, document_id=document_id):
                for record in batch:
                    yield dumps(record, option=newline)
            return
        version = load_label_schema().version
        for batch in iter_label_records(
            connection, schema_version=version, document_id=document_id, annotators=annotators
        ):
            for record in batch:
                yield dumps(record, option=newline)


def _document_records(engine: Engine, document_id: str | None) -> list[dict[str, Any]]:
    with Session(engine) as session:
        docs = (
            [documents_store.require_document(session=session, document_id=document_id)]
            if document_id
            else documents_store.list_documents(session=session)
        )
        return [
            {
                "document_id": doc.id,
                "title": doc.title,
                "text": doc.text,
                "url": doc.url,
                "published": doc.published,
                "sources": [
                    {"key": s.key, "label": s.label, "aliases": list(s.aliases), "origin": s.origin.value}
                    for s in documents_store.list_sources(session=session, document_id=doc.id)
                ],
            }
            for doc in docs
        ]


@dataclass(frozen=True)
class DeletedArticle:
    labels: int
    labels_export: Path | None
    """Where the article's labels were written before it was deleted (None: it had none)."""


def delete_article(engine: Engine, *, document_id: str, exports_dir: Path, confirmed: bool) -> DeletedArticle:
    """Delete an article; if it has labels, only when ``confirmed``, and after exporting them.

    The export lands in ``exports_dir`` under the usual name (``labels-ID-TIME.jsonl``), so
    ``annotator import-labels`` brings the article and its labels back.
    """
    with Session(engine) as session:
        documents_store.require_document(session=session, document_id=document_id)
        labelled = documents_store.count_labels(session=session, document_id=document_id)
    if labelled and not confirmed:
        raise documents_store.ArticleHasLabelsError(
            f"article {document_id!r} has {labelled} label(s): tick the confirmation to delete it "
            "(its labels are exported to exports/ first)"
        )
    path = None
    if labelled:
        path = default_export_path(exports_dir, "labels", document_id)
        export_jsonl(engine, what="labels", out=path, document_id=document_id)
    with Session(engine) as session:
        deleted = documents_store.delete_document(
            session=session, document_id=document_id, labels_saved_to=path
        )
    return DeletedArticle(labels=deleted, labels_export=path)


@contextmanager
def atomic_writer(path: Path) -> Iterator[IO[bytes]]:
    """Write to a temporary file beside ``path`` and rename it into place only when complete.

    An interrupted export therefore never leaves a half file under the final name.
    """
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".part", dir=path.parent)
    except OSError as error:
        raise AnnotatorError(f"cannot write to {path.parent}: {error.strerror}") from None
    try:
        with os.fdopen(fd, "wb") as stream:
            yield stream
            stream.flush()
            os.fsync(stream.fileno())
        os.replace(tmp_name, path)
    except OSError as error:
        Path(tmp_name).unlink(missing_ok=True)
        if error.errno in (errno.ENOSPC, errno.EFBIG, errno.EDQUOT):
            raise StoreFullError(
                f"no space left for {path}: nothing was written — free some space or write elsewhere (-o)"
            ) from None
        raise AnnotatorError(f"could not write {path}: {error.strerror}") from None
    except BaseException:
        Path(tmp_name).unlink(missing_ok=True)
        raise


def stdout_binary() -> IO[bytes]:
    return sys.stdout.buffer
