"""The floor of a rerun: a minimal Streamlit app that only redraws one tiny custom component.

tests/bench/bench_batch.py serves it with the same options as ``annotator serve``
(``APP_OPTIONS`` and ``PRODUCTION_OPTIONS``) and drives it through the same websocket protocol
as the labelling panel (tests/bench/wsload.py): each exchange is a component event that reruns
this script. What the server spends on it is Streamlit's own machinery per rerun (a script
thread, the session's messages, hashing and sending the delta), with no app work at all.
"""

import streamlit as st

_mount = st.components.v2.component(
    "floor_panel",
    html="<div></div>",
    js="export default function () {}",
    isolate_styles=False,
)


def _on_action() -> None:
    """The panel's callback does the app's work; here there is none."""


_mount(data=b'{"acks": {}}', key="floor", on_action_change=_on_action)
