"""Exports: the JSONL datasets as downloads, for reviewers and admins."""

from __future__ import annotations

import streamlit as st

from annotator.io.export import EXPORT_KINDS, export_bytes
from annotator.store.documents import list_document_ids
from annotator.store.models import Role
from annotator.ui.common import db_session, engine, require_role

require_role(Role.reviewer, Role.admin)
st.title("Exports")
st.caption(
    "One JSON object per line; load with `pandas.read_json(path, lines=True)`. "
    "The formats are described in the README and in `schemas/`."
)
with db_session() as session:
    doc_ids = list_document_ids(session=session)
scope = st.selectbox("Articles", ["all articles", *doc_ids], key="export_scope")
document_id = None if scope == "all articles" else scope
for kind in EXPORT_KINDS:
    if st.button(f"Prepare {kind}", key=f"prepare_{kind}"):
        with st.spinner(f"Exporting {kind}…"):
            st.session_state[f"export_{kind}"] = export_bytes(engine(), what=kind, document_id=document_id)
    if data := st.session_state.get(f"export_{kind}"):
        st.download_button(
            f"Download {kind}.jsonl ({len(data):,} bytes)",
            data,
            file_name=f"{kind}{'-' + document_id if document_id else ''}.jsonl",
            mime="application/jsonl",
            key=f"download_{kind}",
            on_click="ignore",
        )
