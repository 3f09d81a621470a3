"""My account: everyone changes their own password here (the current one is asked first)."""

from __future__ import annotations

import streamlit as st

from annotator.store.models import Role
from annotator.ui import users_actions as actions
from annotator.ui.common import require_role

_, name, role = require_role(Role.annotator, Role.reviewer, Role.admin)
st.title("My account")
st.text(f"{name} ({role.value})")
if message := st.session_state.get(actions.ACCOUNT_MESSAGE):
    getattr(st, message[0])(message[1])
with st.form("change_password", clear_on_submit=True):
    st.subheader("Change my password", anchor=False)
    st.text_input("Current password", type="password", key="own_current")
    st.text_input("New password", type="password", key="own_new", help="At least 8 characters.")
    st.text_input("New password again", type="password", key="own_repeat")
    st.form_submit_button("Change password", on_click=actions.change_own_password)
