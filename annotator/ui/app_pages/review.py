"""Review (reviewers, admins): settle agreeing labels, adjudicate the rest from the keyboard, export gold."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from annotator.io.agreement import store_gold_quality
from annotator.io.export import export_bytes
from annotator.store import documents, gold
from annotator.store.models import Role
from annotator.ui import review_state as r
from annotator.ui.common import db_session, engine, require_role, schema
from annotator.ui.sentence_view import show_sentence_labels
from annotator.ui.text import md_literal, show_message, show_table

reviewer_id, _, _ = require_role(Role.reviewer, Role.admin)
st.title("Review")
state = st.session_state

with db_session() as session:
    doc_ids = documents.list_document_ids(session=session)
with st.sidebar:
    scope = st.selectbox("Article", ["all articles", *doc_ids], key="rev_doc")
    hide_names = st.toggle("Hide annotator names", key="rev_hide", help="Judge the labels, not the people.")
document_id = None if scope == "all articles" else scope

with db_session() as session:
    queue = gold.review_queue(session=session, document_id=document_id)
    settled, labelled = gold.review_progress(session=session, document_id=document_id)
queue_ids = [item.sentence_id for item in queue]
st.progress(
    settled / labelled if labelled else 1.0, text=f"Gold on {settled} of {labelled} labelled sentences"
)

with st.expander("Settle automatically", expanded=settled == 0):
    left, right = st.columns(2)
    left.number_input("Minimum annotators per sentence", min_value=1, value=2, key="rev_min")
    right.radio(
        "Policy",
        ["majority", "unanimous"],
        horizontal=True,
        key="rev_policy",
        help="majority: more than half agree (a tie goes to review); unanimous: everyone agrees.",
    )
    st.button(
        "Settle agreeing sentences", key="rev_settle", on_click=r.settle, args=(reviewer_id, document_id)
    )
    st.caption(
        "Settled confidence: the lower median of the agreeing annotators' confidences. "
        "Existing gold is never changed."
    )

if message := state.pop(r.TOAST, None):
    st.toast(message)
show_message(state.get(r.MESSAGE))

sentence_id = r.current(queue_ids)
if sentence_id is None:
    st.success("Nothing to review: every labelled sentence has gold.")
else:
    item = queue[queue_ids.index(sentence_id)]
    position = queue_ids.index(sentence_id) + 1
    status = " · re-opened: an annotator changed a label" if item.reopened else ""
    status += " · flagged" if item.flagged else ""
    st.caption(f"Item {position} of {len(queue)} · {item.disagreement:.0%} of label pairs differ{status}")
    show_sentence_labels(sentence_id, hide_names=hide_names)
    with db_session() as session:
        voters = [v.annotator for v in gold.votes_by_sentence_id(session=session, sentence_id=sentence_id)]
        sources = documents.list_sources(session=session, document_id=item.document_id)
    st.text_input("Rationale (optional)", key="rev_rationale")
    with st.container(horizontal=True, key="accept_buttons"):
        for number, name in enumerate(voters[:9], start=1):
            label = f"annotator {number}" if hide_names else md_literal(name)
            st.button(
                f"Accept {label}",
                key=f"accept_{number}",
                shortcut=str(number),
                on_click=r.accept,
                args=(reviewer_id, queue_ids, sentence_id, name),
            )
    with st.expander("Or decide yourself"):
        names = (
            {r.NOT_A_CLAIM: "Not a claim"}
            | {s.key: s.label for s in sources}
            | {s.key: s.label for s in schema().special_sources}
        )
        st.selectbox("Source", list(names), format_func=names.__getitem__, index=None, key="rev_source")
        st.text_input("Other source's name", key="rev_other")
        st.selectbox(
            "Confidence",
            [v.value for v in schema().confidence],
            index=None,
            key="rev_confidence",
            format_func=lambda v: f"{v} · {schema().confidence[v - schema().confidence_min].label}",
        )
        st.button(
            "Save my decision",
            key="rev_own",
            type="primary",
            on_click=r.decide_own,
            args=(reviewer_id, queue_ids, sentence_id),
        )
    with st.container(horizontal=True, key="review_nav"):
        st.button("Previous", key="rev_prev", shortcut="Left", on_click=r.step, args=(queue_ids, -1))
        st.button("Next", key="rev_next", shortcut="Right", on_click=r.step, args=(queue_ids, +1))
    st.caption("Keys: 1–9 accept that annotator's label and move on · ←/→ previous/next.")

st.subheader("Annotators against gold", anchor=False)
quality = store_gold_quality(engine(), document_id=document_id)
show_table(
    pd.DataFrame(
        [
            {
                "annotator": name,
                "kappa vs gold": q.kappa.value,
                "accuracy": q.accuracy.value,
                "sentences": q.units,
            }
            for name, q in quality.items()
        ]
    ),
    hide_index=True,
    column_config={
        "accuracy": st.column_config.ProgressColumn(min_value=0.0, max_value=1.0, format="percent")
    },
)
if st.button("Prepare gold export", key="rev_prepare"):
    state["rev_export"] = export_bytes(engine(), what="gold", document_id=document_id)
if data := state.get("rev_export"):
    st.download_button(
        f"Download gold.jsonl ({len(data):,} bytes)",
        data,
        file_name="gold.jsonl",
        mime="application/jsonl",
        key="rev_download",
        on_click="ignore",
    )
