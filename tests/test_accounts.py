"""Accounts: everyone changes their own password with the current one; new passwords stay on screen."""

from __future__ import annotations

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session

from annotator.domain.errors import AuthenticationError, InputError
from annotator.store import accounts, users
from annotator.store.models import Role
from tests.helpers import add_small_article, add_user
from tests.ui_helpers import app_as, app_engine


def test_a_password_changes_only_with_the_current_one(engine: Engine) -> None:
    ana = add_user(engine, "ana")  # password-1
    with Session(engine) as session:
        with pytest.raises(AuthenticationError, match="the current password is wrong"):
            accounts.change_own_password(
                session=session, user_id=ana, current_password="guess", new_password="new-password-2"
            )
        with pytest.raises(InputError, match="too short"):
            accounts.change_own_password(
                session=session, user_id=ana, current_password="password-1", new_password="short"
            )
        accounts.change_own_password(
            session=session, user_id=ana, current_password="password-1", new_password="new-password-2"
        )
        assert users.authenticate(session=session, name="ana", password="new-password-2").id == ana
        with pytest.raises(AuthenticationError):
            users.authenticate(session=session, name="ana", password="password-1")


@pytest.fixture
def app_store(file_db_url: str, monkeypatch: pytest.MonkeyPatch) -> Engine:
    engine = app_engine(file_db_url, monkeypatch)
    add_small_article(engine)
    return engine


def test_an_annotator_changes_their_own_password_on_my_account(app_store: Engine) -> None:
    ana = add_user(app_store, "ana")
    at = app_as(ana, "app_pages/account.py")
    assert not at.exception
    at.text_input(key="own_current").input("wrong-one")
    at.text_input(key="own_new").input("brand-new-pass")
    at.text_input(key="own_repeat").input("brand-new-pass")
    at.button[0].click().run()
    assert "current password is wrong" in at.error[0].value
    at.text_input(key="own_current").input("password-1")
    at.text_input(key="own_new").input("brand-new-pass")
    at.text_input(key="own_repeat").input("brand-new-pass")
    at.button[0].click().run()
    assert "Password changed" in at.success[0].value
    with Session(app_store) as session:
        assert users.authenticate(session=session, name="ana", password="brand-new-pass").id == ana


def test_a_new_password_stays_on_screen_until_dismissed(app_store: Engine) -> None:
    admin = add_user(app_store, "root", Role.admin)
    add_user(app_store, "ben")
    at = app_as(admin, "app_pages/users.py")
    at.text_input(key="new_user_name").input("dora")
    next(b for b in at.button if b.label == "Add user").click().run()
    shown = at.success[0].value
    assert "Password (shown once)" in shown
    at.selectbox(key="edit_user").select("ben").run()
    at.selectbox(key="edit_role").select("reviewer").run()
    next(b for b in at.button if b.label == "Change role").click().run()
    assert shown in [s.value for s in at.success]  # another action does not hide it
    at.button(key="hide_password").click().run()
    assert all("Password" not in s.value for s in at.success)
