"""Users: accounts, roles, login with a slow-down after failed tries, and login sessions."""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from sqlalchemy import update
from sqlmodel import Session, col, select

from annotator.domain import passwords
from annotator.domain.errors import AuthenticationError, InputError, NotFoundError
from annotator.domain.names import check_user_name
from annotator.store import driver
from annotator.store.driver import fetch_rows, stored_time
from annotator.store.models import LoginSession, Role, User, UserCreate, utcnow

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
    name = check_user_name(user_in.name)
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
        _end_logins(session, user_id)
    session.commit()
    return user


def set_password(*, session: Session, user_id: int, password: str) -> User:
    """A new password ends every login of the account: whoever had the old one is out."""
    _check_password(password)
    user = require_user(session=session, user_id=user_id)
    user.password_hash = passwords.hash_password(password)
    user.failed_logins = 0
    session.add(user)
    _end_logins(session, user_id)
    session.commit()
    return user


def _end_logins(session: Session, user_id: int) -> None:
    for login in session.exec(select(LoginSession).where(LoginSession.user_id == user_id)):
        session.delete(login)


LOGIN_THROTTLE = passwords.LoginThrottle()
"""Per app process: each server slows down the clients that guess on it."""


def authenticate(*, session: Session, name: str, password: str, client: str = "") -> User:
    """Return the active user with this name and password, or raise AuthenticationError.

    After a few failed tries in a row from one client (its address, ``client``) for one name,
    that client waits a growing while before its next try is even checked (``LoginThrottle``);
    the same holds for names that do not exist, and they cost the same argon2 check, so
    neither the answer nor its timing tells which names exist.
    """
    wait = LOGIN_THROTTLE.start(name, client)
    if wait > 0:
        raise AuthenticationError(f"too many failed logins: try again in {int(wait) + 1} s")
    succeeded = False
    try:
        user = _check_credentials(session, name, password)
        succeeded = True
    finally:
        LOGIN_THROTTLE.finish(name, client, succeeded=succeeded)
    if not user.active:
        raise AuthenticationError(f"account {user.name!r} is deactivated: ask an admin")
    return user


def _check_credentials(session: Session, name: str, password: str) -> User:
    user = get_user_by_name(session=session, name=name.strip())
    if user is None:
        # Hash anyway so that a missing user takes as long as a wrong password.
        passwords.verify_password(_DUMMY_HASH, password)
        raise AuthenticationError("wrong user name or password")
    if not passwords.verify_password(user.password_hash, password):
        # One statement, so that parallel failures all count (a read-modify-write lost them).
        session.execute(
            update(User).where(col(User.id) == user.id).values(failed_logins=col(User.failed_logins) + 1)
        )
        session.commit()
        raise AuthenticationError("wrong user name or password")
    if user.failed_logins:
        session.execute(update(User).where(col(User.id) == user.id).values(failed_logins=0))
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


def login_identity(*, session: Session, token: str) -> tuple[int, str, Role] | None:
    """(id, name, role) of the active account this login token belongs to, or None when the
    token is unknown, expired or ended (logout, password change, deactivation).

    Every page run and every action checks it, so one plain driver statement.
    """
    rows = fetch_rows(
        session,
        driver.LOGIN_IDENTITY,
        _token_hash(token),
        stored_time(session.get_bind().dialect.name, utcnow()),
    )
    return (int(rows[0][0]), str(rows[0][1]), Role(rows[0][2])) if rows else None


def close_login_session(*, session: Session, token: str) -> None:
    """Log out: ends every login of the token's account, so its other tabs and browsers are
    logged out at their next click too."""
    login = session.get(LoginSession, _token_hash(token))
    if login is not None:
        _end_logins(session, login.user_id)
        session.commit()


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


_DUMMY_HASH = passwords.hash_password("not a real password")
