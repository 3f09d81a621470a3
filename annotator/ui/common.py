"""What every page shares: the engine, the logged-in user, the label schema."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import streamlit as st
from sqlalchemy.engine import Engine
from sqlmodel import Session

from annotator.domain.errors import AuthenticationError
from annotator.domain.label_schema import LabelSchema
from annotator.exchange.schemas import load_label_schema
from annotator.settings import get_settings
from annotator.store import users
from annotator.store.engine import make_engine
from annotator.store.migrate import prepare_schema
from annotator.store.models import Role

TOKEN_PARAM = "s"


# No spinner: the panel's save route (ui/save_route.py) calls it outside any script run, where
# a spinner has nowhere to go and Streamlit would warn of a missing ScriptRunContext.
@st.cache_resource(show_spinner=False)
def engine() -> Engine:
    db = make_engine(get_settings().db_url)
    prepare_schema(db)
    return db


@contextmanager
def db_session() -> Iterator[Session]:
    with Session(engine(), expire_on_commit=False) as session:
        yield session


def schema() -> LabelSchema:
    return load_label_schema()


IDENTITY = "identity"


def current_user() -> tuple[int, str, Role] | None:
    """(id, name, role) of the logged-in user, checked against the database on every run.

    The entry file calls it once per run, before any page; pages read the result through
    ``require_role``. The login token is checked each time, so a logout elsewhere, a new
    password, a deactivation or the token's expiry takes effect at the next click, and a
    changed role too. The token in the URL survives a reload but cannot be forged.
    """
    identity = _check_login()
    st.session_state[IDENTITY] = identity
    return identity


def _check_login() -> tuple[int, str, Role] | None:
    state = st.session_state
    token = state.get("login_token") or st.query_params.get(TOKEN_PARAM)
    identity = None
    if token:
        with db_session() as session:
            identity = users.login_identity(session=session, token=token)
    if identity is None:
        for key in ("user_id", "login_token"):
            state.pop(key, None)
        return None
    state["user_id"], state["login_token"] = identity[0], token
    if st.query_params.get(TOKEN_PARAM) != token:
        st.query_params[TOKEN_PARAM] = token
    return identity


def log_in(name: str, password: str) -> None:
    """Callback of the login form: errors land in session state for the page to show."""
    with db_session() as session:
        try:
            user = users.authenticate(
                session=session, name=name, password=password, client=st.context.ip_address or ""
            )
        except AuthenticationError as error:
            st.session_state["login_error"] = str(error)
            return
        assert user.id is not None
        token = users.open_login_session(session=session, user_id=user.id)
    st.session_state.update(user_id=user.id, login_token=token, login_error=None)
    st.query_params[TOKEN_PARAM] = token


def log_out() -> None:
    """End every login of this account (its other tabs too) and forget this tab's."""
    token = st.session_state.get("login_token")
    if token:
        with db_session() as session:
            users.close_login_session(session=session, token=token)
    st.session_state.clear()
    st.query_params.clear()


def require_role(*roles: Role) -> tuple[int, str, Role]:
    """Stop the page unless the user has one of ``roles`` (pages are also hidden by navigation)."""
    user = st.session_state.get(IDENTITY)
    if user is None or user[2] not in roles:
        st.error("This page is not available to your account.")
        st.stop()
    assert user is not None
    return user
