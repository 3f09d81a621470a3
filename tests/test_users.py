"""Accounts: argon2 hashes, roles, deactivation and the slow-down after failed logins."""

from __future__ import annotations

import pytest
from sqlmodel import Session

from annotator.domain.errors import AuthenticationError, InputError
from annotator.store import users
from annotator.store.models import Role, UserCreate


def _add(session: Session, name: str = "alice", password: str = "correct-horse") -> int:
    user = users.create_user(
        session=session, user_in=UserCreate(name=name, role=Role.annotator, password=password)
    )
    assert user.id is not None
    return user.id


def test_password_is_hashed_with_argon2(session: Session) -> None:
    user_id = _add(session)
    user = users.require_user(session=session, user_id=user_id)
    assert user.password_hash.startswith("$argon2id$")
    assert "correct-horse" not in user.password_hash


def test_login(session: Session) -> None:
    _add(session)
    assert users.authenticate(session=session, name="alice", password="correct-horse").name == "alice"
    with pytest.raises(AuthenticationError, match="wrong user name or password"):
        users.authenticate(session=session, name="alice", password="wrong-password")
    with pytest.raises(AuthenticationError, match="wrong user name or password"):
        users.authenticate(session=session, name="nobody", password="correct-horse")


def test_failed_tries_slow_down_further_tries(session: Session) -> None:
    _add(session)
    for _ in range(3):
        with pytest.raises(AuthenticationError, match="wrong"):
            users.authenticate(session=session, name="alice", password="guess-guess")
    # Even the right password is refused while the account waits.
    with pytest.raises(AuthenticationError, match="too many failed logins"):
        users.authenticate(session=session, name="alice", password="correct-horse")


def test_deactivated_user_cannot_log_in(session: Session) -> None:
    user_id = _add(session)
    users.set_active(session=session, user_id=user_id, active=False)
    with pytest.raises(AuthenticationError, match="deactivated"):
        users.authenticate(session=session, name="alice", password="correct-horse")


def test_reset_password_and_role(session: Session) -> None:
    user_id = _add(session)
    users.set_password(session=session, user_id=user_id, password="another-one")
    users.set_role(session=session, user_id=user_id, role=Role.reviewer)
    user = users.authenticate(session=session, name="alice", password="another-one")
    assert user.role == Role.reviewer


def test_duplicate_name_and_short_password(session: Session) -> None:
    _add(session)
    with pytest.raises(InputError, match="exists already"):
        _add(session)
    with pytest.raises(InputError, match="too short"):
        _add(session, name="bob", password="short")
