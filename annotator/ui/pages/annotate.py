"""Annotate: one sentence at a time, source then confidence, from the keyboard."""

from __future__ import annotations

import streamlit as st

from annotator.domain import keys
from annotator.store.documents import list_document_ids
from annotator.store.models import Role
from annotator.store.views import annotate_view
from annotator.ui import annotate_state as s
from annotator.ui.common import db_session, require_role, schema
from annotator.ui.text import md_escape

user_id, _, _ = require_role(Role.annotator, Role.reviewer, Role.admin)
if not s.init_state(user_id):
    st.info("No articles yet. An admin can import some on the Articles page.")
    st.stop()

state = st.session_state
with db_session() as session:
    view = annotate_view(session=session, document_id=state[s.DOC], user_id=user_id)
    doc_ids = list_document_ids(session=session)
label_schema = schema()
total = len(view.sentences)
index = min(state[s.INDEX], total - 1)
current = view.sentences[index]
saved = view.my_labels.get(index)
source_names = {src.key: md_escape(src.label) for src in view.sources}
source_names.update({sp.key: md_escape(sp.label) for sp in label_schema.special_sources})

with st.sidebar:
    st.selectbox("Article", doc_ids, key="ann_doc_select", on_change=s.choose_document, args=(user_id,))
    st.progress(
        view.article_progress.fraction,
        text=f"This article: {view.article_progress.done} of {view.article_progress.total}",
    )
    st.progress(
        view.overall_progress.fraction,
        text=f"Overall: {view.overall_progress.done} of {view.overall_progress.total}",
    )
    with st.expander("Guidelines"):
        st.markdown(label_schema.guidelines)

st.subheader(md_escape(view.title), anchor=False)
st.caption(f"Sentence {index + 1} of {total}" + (" · labelled" if saved else " · not labelled yet"))
st.html(s.reading_column_html(view.sentences, index))

if message := state.pop(s.TOAST, None):
    st.toast(message)
if message := state.get(s.MESSAGE):
    getattr(st, message[0])(message[1])

stage = state[s.STAGE]
chosen = state.get(s.SOURCE)
if stage == "source":
    st.markdown(
        "**Who says so?** Pick the source (its key shows on the button), or **N** if it is not a claim."
    )
else:
    st.markdown(
        f"**How sure are you** that it is *{source_names.get(chosen or '', chosen)}*? "
        "A digit saves and moves on; **Esc** goes back."
    )

bindings = keys.source_shortcuts(
    [src.key for src in view.sources], [sp.key for sp in label_schema.special_sources]
)
with st.container(horizontal=True, key="source_buttons"):
    for binding in bindings:
        st.button(
            f"{source_names[binding.source]}",
            key=f"src_{binding.source}",
            type="primary" if binding.source == chosen else "secondary",
            shortcut=binding.key if stage == "source" else None,
            on_click=s.pick_source,
            args=(binding.source,),
        )
    st.button(
        "Not a claim",
        key="not_claim",
        shortcut=keys.NOT_A_CLAIM_KEY,
        type="primary" if saved is not None and not saved.is_claim else "secondary",
        on_click=s.not_a_claim,
        args=(user_id, total),
    )
    st.button(
        "Same source as previous",
        key="same_prev",
        shortcut=keys.SAME_AS_PREVIOUS_KEY,
        on_click=s.same_as_previous,
        args=(user_id,),
    )

with st.container(horizontal=True, key="confidence_buttons"):
    for value in label_schema.confidence:
        st.button(
            f"{value.value} · {value.label}",
            key=f"conf_{value.value}",
            help=value.description,
            type="primary" if state.get(s.CONFIDENCE) == value.value else "secondary",
            shortcut=str(value.value) if stage == "confidence" else None,
            on_click=s.pick_confidence,
            args=(user_id, total, value.value),
        )
    if stage == "confidence":
        st.button("Back to source", key="cancel", shortcut=keys.CANCEL_KEY, on_click=s.cancel)

with st.container(horizontal=True, key="nav_buttons"):
    st.button(
        "Previous",
        key="prev",
        shortcut=keys.BACK_KEY,
        disabled=index == 0,
        on_click=s.go,
        args=(user_id, total, -1),
    )
    st.button(
        "Save & next",
        key="save_next",
        shortcut=keys.SAVE_KEY,
        type="primary",
        on_click=s.save_and_next,
        args=(user_id, total, saved is not None),
    )
    st.button(
        "Next",
        key="next",
        shortcut=keys.FORWARD_KEY,
        disabled=index >= total - 1,
        on_click=s.go,
        args=(user_id, total, +1),
    )
    st.button(
        "Next that needs me",
        key="next_needed",
        shortcut=keys.NEXT_NEEDED_KEY,
        on_click=s.next_needed,
        args=(user_id,),
    )

col_note, col_other = st.columns(2)
col_note.text_area("Note (optional)", key=s.NOTE, height=68)
col_other.text_input("Other source: name it, then pick Other", key=s.OTHER)
col_other.toggle("Flag for review", key=s.FLAGGED)

with st.expander("Propose a new source for this article"):
    st.text_input("Name", key="prop_label", placeholder="e.g. White House press office")
    st.text_input("Key", key="prop_key", placeholder="e.g. white-house")
    st.text_input("Aliases, comma-separated (optional)", key="prop_aliases")
    st.button("Add source", key="prop_add", on_click=s.propose_source, args=(user_id,))

with st.expander("Keys"):
    lines = [f"- **{b.key}** {source_names[b.source]}" for b in bindings]
    lines += [
        "- **1–5** after a source: confidence, saves and moves on",
        f"- **{keys.NOT_A_CLAIM_KEY}** not a claim (saves)",
        f"- **{keys.SAME_AS_PREVIOUS_KEY}** same source as the previous sentence",
        "- **Enter** save & next · **←/→** previous/next · **Esc** back to source",
        f"- **{keys.NEXT_NEEDED_KEY}** next sentence that needs you, across articles",
    ]
    st.markdown("\n".join(lines))
