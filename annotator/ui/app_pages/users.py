"""Users (admins): add, change role, reset password, deactivate."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from annotator.store.models import Role
from annotator.store.users import list_users
from annotator.ui import users_actions as actions
from annotator.ui.common import db_session, require_role
from annotator.ui.text import show_message, show_table

me, _, _ = require_role(Role.admin)
st.title("Users")
if shown := st.session_state.get(actions.SHOWN_PASSWORD):
    with st.container(border=True):
        st.success(shown)
        st.button(
            "I have noted it: hide the password", on_click=actions.dismiss_password, key="hide_password"
        )
show_message(st.session_state.get(actions.MESSAGE))

with db_session() as session:
    people = list_users(session=session)
show_table(
    pd.DataFrame(
        {
            "name": [u.name for u in people],
            "role": [u.role.value for u in people],
            "active": [u.active for u in people],
            # Wrong passwords since the last good login: a high count is someone guessing.
            "failed logins": [u.failed_logins for u in people],
            "created": [u.created_at for u in people],
        }
    ),
    hide_index=True,
)

with st.form("add_user", clear_on_submit=False):
    st.subheader("Add a user", anchor=False)
    st.text_input("Name", key="new_user_name")
    st.selectbox("Role", [r.value for r in Role], key="new_user_role")
    st.form_submit_button("Add user", on_click=actions.add_user)

st.subheader("Change a user", anchor=False)
names = {u.name: u for u in people}
chosen = names[st.selectbox("User", list(names), key="edit_user")]
assert chosen.id is not None
left, middle, right = st.columns(3)
left.selectbox("Role", [r.value for r in Role], index=list(Role).index(chosen.role), key="edit_role")
left.button("Change role", on_click=actions.change_role, args=(chosen.id,), disabled=chosen.id == me)
middle.button("Reset password", on_click=actions.reset_password, args=(chosen.id,))
if chosen.active:
    right.button(
        "Deactivate",
        on_click=actions.set_active,
        args=(chosen.id, False),
        disabled=chosen.id == me,
        help="A deactivated user cannot log in; their labels stay.",
    )
else:
    right.button("Activate", on_click=actions.set_active, args=(chosen.id, True))
