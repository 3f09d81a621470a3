"""One-click export downloads: the file is read from the store when the button is clicked."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import UTC, datetime

import streamlit as st

from annotator.exchange.export import ExportKind, export_bytes, export_file_name
from annotator.ui.common import engine


def export_button(
    kind: ExportKind,
    *,
    document_id: str | None,
    annotators: Sequence[str] | None = None,
    key: str,
    label: str | None = None,
) -> None:
    """A download button for one export in exactly this scope.

    The data is a callable, so Streamlit runs it at the click: a label changed after the page
    was drawn is in the file, and nothing is prepared in advance. Streamlit fixes the file
    name when the button is drawn, so its UTC time is the page's (every action redraws it).
    """
    chosen = None if annotators is None else tuple(annotators)
    name = export_file_name(kind, document_id=document_id, annotators=chosen, at=datetime.now(UTC))
    st.download_button(
        label or f"Download {name}",
        data=_reader(kind, document_id, chosen),
        file_name=name,
        mime="application/jsonl",
        key=key,
        on_click="ignore",
    )


def _reader(
    kind: ExportKind, document_id: str | None, annotators: Sequence[str] | None
) -> Callable[[], bytes]:
    def read() -> bytes:
        return export_bytes(engine(), what=kind, document_id=document_id, annotators=annotators)

    return read
