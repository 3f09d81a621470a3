"""What every user may do to their own account, whatever their role."""

from __future__ import annotations

from sqlmodel import Session

from annotator.domain.errors import AuthenticationError, InputError
from annotator.store import users
from annotator.store.models import User


def change_own_password(*, session: Session, user_id: int, current_password: str, new_password: str) -> User:
    """Set a new password after checking the current one.

    The check goes through the login check, so wrong guesses here slow down like failed
    logins; the new password is stored by ``users.set_password``, the one way passwords change.
    """
    user = users.require_user(session=session, user_id=user_id)
    try:
        users.authenticate(session=session, name=user.name, password=current_password)
    except AuthenticationError as error:
        message = str(error).replace("wrong user name or password", "the current password is wrong")
        raise AuthenticationError(message) from None
    if new_password == current_password:
        raise InputError("the new password is the current one", field="password", hint="choose another")
    assert user.id is not None
    return users.set_password(session=session, user_id=user.id, password=new_password)
