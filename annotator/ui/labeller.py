"""The labelling panel of the Annotate page: one custom component (``st.components.v2``).

Its HTML, CSS and JavaScript live beside this file. The panel receives the whole article and
does all moving and labelling in the browser; its only message back is its outbox of
finished labels (and, now and then, a request such as a dialog), so no key waits for the server.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import streamlit as st

KEY = "labeller"
_ASSETS = Path(__file__).with_name("labeller")

# Registered once per process (on import), not on every rerun: registration re-reads the
# assets and costs more than drawing the panel.
_mount = st.components.v2.component(
    "annotator_labeller",
    html=(_ASSETS / "labeller.html").read_text(encoding="utf-8"),
    css=(_ASSETS / "labeller.css").read_text(encoding="utf-8"),
    js=(_ASSETS / "labeller.js").read_text(encoding="utf-8"),
    # In the page's own DOM (no shadow root): it takes the app's font, and a document-wide
    # key listener sees the same targets as Streamlit's own shortcuts.
    isolate_styles=False,
)


def show_labeller(data: bytes, on_action: Callable[[], None]) -> None:
    # JSON bytes, which Streamlit forwards untouched: given a dict, it would look for
    # dataframes in it and serialise it again on every exchange.
    _mount(data=data, key=KEY, on_action_change=on_action)


def last_action() -> Mapping[str, Any] | None:
    """The action the browser sent with this rerun (inside the ``on_action`` callback)."""
    result = st.session_state.get(KEY)
    action = result.get("action") if result is not None else None
    return action if isinstance(action, Mapping) else None
