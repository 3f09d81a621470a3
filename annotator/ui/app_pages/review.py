"""Review (reviewers, admins): settle agreeing labels, adjudicate the rest from the keyboard,
read every flag and note, export gold."""

from __future__ import annotations

import streamlit as st

from annotator.domain.review import blind_order
from annotator.reports.agreement import store_gold_quality
from annotator.reports.agreement_frames import gold_quality_frame
from annotator.store import documents, gold
from annotator.store.models import Role
from annotator.ui import review_actions as r
from annotator.ui.common import db_session, engine, require_role, schema
from annotator.ui.downloads import export_button
from annotator.ui.escape_key import escape_leaves_text_boxes
from annotator.ui.review_flags import show_flags_and_notes
from annotator.ui.sentence_view import show_sentence_labels
from annotator.ui.text import md_literal, show_message, show_table

reviewer_id, _, _ = require_role(Role.reviewer, Role.admin)
st.title("Review")
state = st.session_state

with db_session() as session:
    doc_ids = documents.list_document_ids(session=session)
with st.sidebar:
    scope = st.selectbox("Article", ["all articles", *doc_ids], key="rev_doc")
    hide_names = st.toggle(
        "Hide annotator names",
        key="rev_hide",
        help="Judge the labels, not the people: names are hidden everywhere on this page, and "
        "the annotators come in a different order on every sentence. Who was who is shown "
        "after you decide.",
    )
    include_single = st.toggle(
        "Include sentences only one annotator labelled",
        key="rev_single",
        help="Without this, a sentence one annotator labelled is only a review item when flagged.",
    )
document_id = None if scope == "all articles" else scope
escape_leaves_text_boxes("rev_escape")

with db_session() as session:
    queue = gold.review_queue(session=session, document_id=document_id, include_single=include_single)
    settled, labelled = gold.review_progress(session=session, document_id=document_id)
queue_ids = [item.sentence_id for item in queue]
st.progress(
    settled / labelled if labelled else 1.0, text=f"Gold on {settled} of {labelled} labelled sentences"
)
tab_queue, tab_flags = st.tabs(["Review queue", "Flags and notes"])

with tab_queue:
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
    if reveal := state.get(r.REVEAL):
        st.info(md_literal(reveal), icon=":material/visibility:")

    sentence_id = r.current(queue_ids)
    if sentence_id is None:
        st.success("Nothing to review: every sentence two annotators labelled, or one flagged, has gold.")
    else:
        item = queue[queue_ids.index(sentence_id)]
        st.caption(r.item_caption(item, queue_ids.index(sentence_id) + 1, len(queue)))
        with db_session() as session:
            votes = gold.votes_by_sentence_id(session=session, sentence_id=sentence_id)
            voters = [vote.annotator for vote in votes]
            sources = documents.list_sources(session=session, document_id=item.document_id)
        order = (
            blind_order(voters, reviewer_id=reviewer_id, sentence_id=sentence_id) if hide_names else voters
        )
        hidden_order = order if hide_names else []
        show_sentence_labels(sentence_id, order=order, hide_names=hide_names)
        st.text_input("Rationale (optional)", key=r.form_key("rationale", sentence_id))
        with st.container(horizontal=True, key="accept_buttons"):
            for number, name in enumerate(order[:9], start=1):
                st.button(
                    f"Accept annotator {number}" if hide_names else f"Accept {md_literal(name)}",
                    key=f"accept_{number}",
                    shortcut=str(number),
                    on_click=r.accept,
                    args=(reviewer_id, queue_ids, sentence_id, name, hidden_order),
                )
        with st.expander("Or decide yourself"):
            names = (
                {r.NOT_A_CLAIM: "Not a claim"}
                | {s.key: s.label for s in sources}
                | {s.key: s.label for s in schema().special_sources}
            )
            st.selectbox(
                "Source",
                list(names),
                format_func=names.__getitem__,
                index=None,
                key=r.form_key("source", sentence_id),
            )
            st.text_input("Other source's name", key=r.form_key("other", sentence_id))
            st.selectbox(
                "Confidence",
                [v.value for v in schema().confidence],
                index=None,
                key=r.form_key("confidence", sentence_id),
                format_func=lambda v: f"{v} · {schema().confidence[v - schema().confidence_min].label}",
            )
            st.button(
                "Save my decision",
                key="rev_own",
                type="primary",
                on_click=r.decide_own,
                args=(reviewer_id, queue_ids, sentence_id, hidden_order),
            )
        with st.container(horizontal=True, key="review_nav"):
            st.button("Previous", key="rev_prev", shortcut="Left", on_click=r.step, args=(queue_ids, -1))
            st.button("Next", key="rev_next", shortcut="Right", on_click=r.step, args=(queue_ids, +1))
        st.caption(
            "Keys: 1–9 accept that annotator's label and move on · ←/→ previous/next · Esc leaves a text box."
        )

    st.subheader("Annotators against gold", anchor=False)
    if hide_names:
        st.caption("Hidden while annotator names are hidden.")
    else:
        quality = store_gold_quality(engine(), document_id=document_id)
        show_table(gold_quality_frame(quality), hide_index=True)
    export_button("gold", document_id=document_id, key="rev_download")

with tab_flags:
    show_flags_and_notes(document_id, hide_names=hide_names)
