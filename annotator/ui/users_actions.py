"""Callbacks of the Users page: each calls one store function and leaves a message."""

from __future__ import annotations

import streamlit as st

from annotator.domain.errors import AnnotatorError
from annotator.domain.passwords import generate_password
from annotator.store import users
from annotator.store.models import Role, UserCreate
from annotator.ui.common import db_session
from annotator.ui.text import md_literal

MESSAGE = "users_message"


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
    state[MESSAGE] = (
        "success",
        f"Added {state['new_user_role']} {md_literal(state['new_user_name'])}. "
        f"Password (shown once): {md_literal(password)}",
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
    st.session_state[MESSAGE] = (
        "success",
        f"New password for {md_literal(user.name)} (shown once): {md_literal(password)}. "
        "Their open logins have ended.",
    )


def set_active(user_id: int, active: bool) -> None:
    with db_session() as session:
        user = users.set_active(session=session, user_id=user_id, active=active)
    st.session_state[MESSAGE] = (
        "success",
        f"{md_literal(user.name)} is now {'active' if active else 'deactivated'}.",
    )
