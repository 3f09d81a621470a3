"""Log in; the form's callback checks the password (argon2) and slows down repeated failures."""

from __future__ import annotations

import streamlit as st

from annotator.ui.common import log_in
from annotator.ui.text import md_literal

st.title("who says so?")
st.caption("Fact-attribution annotation. Log in with the account your lead gave you.")

with st.form("login"):
    st.text_input("User name", key="login_name", autocomplete="username")
    st.text_input("Password", type="password", key="login_password", autocomplete="current-password")
    st.form_submit_button(
        "Log in",
        type="primary",
        on_click=lambda: log_in(st.session_state["login_name"], st.session_state["login_password"]),
    )
if st.session_state.get("login_error"):
    st.error(md_literal(st.session_state["login_error"]))
