"""Users: accounts, roles, login with a slow-down after failed tries."""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from sqlmodel import Session, col, select

from annotator.domain import passwords
from annotator.domain.errors import AuthenticationError, InputError, NotFoundError
from annotator.store.engine import fetch_rows
from annotator.store.models import LoginSession, Role, User, UserCreate, as_utc, utcnow

MIN_PASSWORD_LENGTH = 8


def _check_password(password: str) -> None:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise InputError(
            f"password is too short ({len(password)} characters)",
            field="password",
            hint=f"use at least {MIN_PASSWORD_LENGTH} characters",
        )


def create_user(*, session: Session, user_in: UserCreate) -> User:
    """Add a user; the name must be free."""
    name = user_in.name.strip()
    if not name:
        raise InputError("the user name is empty", field="name", hint="give a name")
    if get_user_by_name(session=session, name=name) is not None:
        raise InputError(f"user {name!r} exists already", field="name", hint="choose another name")
    _check_password(user_in.password)
    user = User(
        name=name,
        role=Role(user_in.role),
        active=user_in.active,
        password_hash=passwords.hash_password(user_in.password),
    )
    session.add(user)
    session.commit()
    session.refresh(user)
    return user


def get_user_by_name(*, session: Session, name: str) -> User | None:
    return session.exec(select(User).where(User.name == name)).first()


def active_identity(*, session: Session, user_id: int) -> tuple[int, str, Role] | None:
    """(id, name, role) of an active account: every page checks it on every rerun, so it is
    one plain driver statement rather than an ORM load."""
    rows = fetch_rows(session, 'SELECT id, name, role FROM "user" WHERE id = ? AND active', user_id)
    return (int(rows[0][0]), str(rows[0][1]), Role(rows[0][2])) if rows else None


def require_user(*, session: Session, user_id: int) -> User:
    user = session.get(User, user_id)
    if user is None:
        raise NotFoundError(f"no user with id {user_id}")
    return user


def list_users(*, session: Session) -> list[User]:
    return list(session.exec(select(User).order_by(col(User.name))).all())


def count_users(*, session: Session) -> int:
    return len(session.exec(select(User.id)).all())


def set_role(*, session: Session, user_id: int, role: Role) -> User:
    user = require_user(session=session, user_id=user_id)
    user.role = role
    session.add(user)
    session.commit()
    return user


def set_active(*, session: Session, user_id: int, active: bool) -> User:
    user = require_user(session=session, user_id=user_id)
    user.active = active
    session.add(user)
    if not active:
        for login in session.exec(select(LoginSession).where(LoginSession.user_id == user_id)):
            session.delete(login)
    session.commit()
    return user


def set_password(*, session: Session, user_id: int, password: str) -> User:
    _check_password(password)
    user = require_user(session=session, user_id=user_id)
    user.password_hash = passwords.hash_password(password)
    user.failed_logins = 0
    user.locked_until = None
    session.add(user)
    session.commit()
    return user


def authenticate(*, session: Session, name: str, password: str) -> User:
    """Return the active user with this name and password, or raise AuthenticationError.

    After a few failed tries in a row the account refuses logins for a growing while,
    so that guessing passwords is slow; a correct login resets the count.
    """
    user = get_user_by_name(session=session, name=name.strip())
    refused = AuthenticationError("wrong user name or password")
    if user is None:
        # Hash anyway so that a missing user takes as long as a wrong password.
        passwords.verify_password(_DUMMY_HASH, password)
        raise refused
    now = utcnow()
    locked_until = None if user.locked_until is None else as_utc(user.locked_until)
    if locked_until is not None and locked_until > now:
        wait = int((locked_until - now).total_seconds()) + 1
        raise AuthenticationError(f"too many failed logins: try again in {wait} s")
    if not passwords.verify_password(user.password_hash, password):
        user.failed_logins += 1
        delay = passwords.lockout_after(user.failed_logins)
        user.locked_until = now + delay if delay else None
        session.add(user)
        session.commit()
        raise refused
    if not user.active:
        raise AuthenticationError(f"account {user.name!r} is deactivated: ask an admin")
    if user.failed_logins:
        user.failed_logins = 0
        user.locked_until = None
        session.add(user)
        session.commit()
    return user


LOGIN_DAYS = 7


def open_login_session(*, session: Session, user_id: int) -> str:
    """A random token for the browser; only its SHA-256 is stored."""
    token = secrets.token_urlsafe(32)
    session.add(
        LoginSession(
            token_hash=_token_hash(token), user_id=user_id, expires_at=utcnow() + timedelta(days=LOGIN_DAYS)
        )
    )
    session.commit()
    return token


def user_for_token(*, session: Session, token: str) -> User | None:
    """The active user a login token belongs to, or None when it is unknown or expired."""
    login = session.get(LoginSession, _token_hash(token))
    if login is None or as_utc(login.expires_at) < utcnow():
        return None
    user = session.get(User, login.user_id)
    return user if user is not None and user.active else None


def close_login_session(*, session: Session, token: str) -> None:
    login = session.get(LoginSession, _token_hash(token))
    if login is not None:
        session.delete(login)
        session.commit()


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


_DUMMY_HASH = passwords.hash_password("not a real password")
