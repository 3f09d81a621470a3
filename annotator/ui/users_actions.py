"""Callbacks of the Users page: each calls one store function and leaves a message."""

from __future__ import annotations

import streamlit as st

from annotator.domain.errors import AnnotatorError
from annotator.domain.passwords import generate_password
from annotator.store import accounts, users
from annotator.store.models import Role, UserCreate
from annotator.ui.common import TOKEN_PARAM, db_session
from annotator.ui.text import md_literal

MESSAGE = "users_message"
ACCOUNT_MESSAGE = "account_message"
SHOWN_PASSWORD = "users_shown_password"
"""A new password, on screen until the admin dismisses it (other actions do not hide it)."""


def add_user() -> None:
    state = st.session_state
    password = generate_password()
    with db_session() as session:
        try:
            users.create_user(
                session=session,
                user_in=UserCreate(
                    name=state["new_user_name"], role=Role(state["new_user_role"]), password=password
                ),
            )
        except AnnotatorError as error:
            state[MESSAGE] = ("error", md_literal(str(error)))
            return
    state[MESSAGE] = None
    state[SHOWN_PASSWORD] = (
        f"Added {state['new_user_role']} {md_literal(state['new_user_name'])}. "
        f"Password (shown once): {md_literal(password)}"
    )
    state["new_user_name"] = ""


def change_role(user_id: int) -> None:
    with db_session() as session:
        users.set_role(session=session, user_id=user_id, role=Role(st.session_state["edit_role"]))
    st.session_state[MESSAGE] = ("success", "Role changed.")


def reset_password(user_id: int) -> None:
    password = generate_password()
    with db_session() as session:
        user = users.set_password(session=session, user_id=user_id, password=password)
    st.session_state[MESSAGE] = None
    st.session_state[SHOWN_PASSWORD] = (
        f"New password for {md_literal(user.name)} (shown once): {md_literal(password)}. "
        "Their open logins have ended."
    )


def dismiss_password() -> None:
    st.session_state[SHOWN_PASSWORD] = None


def change_own_password() -> None:
    state = st.session_state
    new = state.get("own_new", "")
    if new != state.get("own_repeat", ""):
        state[ACCOUNT_MESSAGE] = ("error", "The two new passwords differ: nothing was changed.")
        return
    with db_session() as session:
        try:
            accounts.change_own_password(
                session=session,
                user_id=state["user_id"],
                current_password=state.get("own_current", ""),
                new_password=new,
            )
        except AnnotatorError as error:
            state[ACCOUNT_MESSAGE] = ("error", f"Nothing was changed: {error}")
            return
        # A new password ends every login of the account, this tab's too: give it a new one.
        token = users.open_login_session(session=session, user_id=state["user_id"])
    state["login_token"] = token
    st.query_params[TOKEN_PARAM] = token
    state[ACCOUNT_MESSAGE] = (
        "success",
        "Password changed. Your logins in other tabs and browsers have ended; this one goes on.",
    )


def set_active(user_id: int, active: bool) -> None:
    with db_session() as session:
        user = users.set_active(session=session, user_id=user_id, active=active)
    st.session_state[MESSAGE] = (
        "success",
        f"{md_literal(user.name)} is now {'active' if active else 'deactivated'}.",
    )
