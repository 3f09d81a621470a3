"""Annotate: the whole article in the labelling panel; source then confidence, from the keyboard."""

import streamlit as st

from annotator.store.models import Role
from annotator.ui import annotate_actions as s
from annotator.ui import annotate_dialogs as dialogs
from annotator.ui.common import require_role
from annotator.ui.labeller import show_labeller

user_id, _, _ = require_role(Role.annotator, Role.reviewer, Role.admin)
if not s.init_state(user_id):
    st.info("No articles yet. An admin can import some on the Articles page.")
    st.stop()


# A fragment: the panel's exchanges rerun only this, not the entry file, the navigation and the
# sidebar (about a sixth of a label's server CPU, tests/bench/bench_batch.py).
@st.fragment
def panel() -> None:
    if st.session_state.pop(s.LOGIN_ENDED, False):
        st.rerun(scope="app")  # the entry file checks the login and shows the form
    show_labeller(s.panel_data(user_id), on_action=lambda: s.handle_action(user_id))
    match st.session_state.get(s.DIALOG):
        case "choose_article":
            dialogs.choose_article(user_id, st.session_state[s.DOC])
        case "propose_source":
            dialogs.propose_source(user_id)
        case "guidelines":
            dialogs.guidelines()


panel()
