"""The labelling panel of the Annotate page: one custom component (``st.components.v2``).

Its HTML, CSS and JavaScript live beside this file. The panel receives the whole article and
does all moving and labelling in the browser; its only message back is its outbox of
finished labels (and, now and then, a request such as a dialog), so no key waits for the server.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import streamlit as st
from streamlit.errors import StreamlitAPIException

KEY = "labeller"
NAME = "annotator.labeller"
"""``<project>.<component>``: how Streamlit finds the asset directory that pyproject.toml's
``[[tool.streamlit.component.components]]`` declares for it."""
_ASSETS = Path(__file__).with_name("labeller")
_logger = logging.getLogger(__name__)


@functools.cache
def _mount() -> Callable[..., Any]:
    """The panel's component, registered once per process on the first page that draws it.

    Its JavaScript (55 KB) and CSS (7 KB) are files Streamlit serves under
    ``/_stcore/bidi-components/annotator.labeller/``, which the browser fetches once and caches:
    given inline, they would travel in every exchange of the panel. Streamlit knows the asset
    directory only from an installed distribution (``pip install -e .``) and only inside a running
    app (not at import), hence here. Without it (a source tree run without installing), the
    assets go inline: 62 KB more in every exchange, but the panel works.
    """
    html = (_ASSETS / "labeller.html").read_text(encoding="utf-8")
    # In the page's own DOM (no shadow root): it takes the app's font, and a document-wide
    # key listener sees the same targets as Streamlit's own shortcuts.
    try:
        return st.components.v2.component(
            NAME, html=html, css="labeller.css", js="labeller.js", isolate_styles=False
        )
    except StreamlitAPIException as error:  # no asset directory: annotator is not installed
        _logger.warning("%s: %s Its assets go inline in every exchange.", NAME, error)
        return st.components.v2.component(
            NAME,
            html=html,
            css=(_ASSETS / "labeller.css").read_text(encoding="utf-8"),
            js=(_ASSETS / "labeller.js").read_text(encoding="utf-8"),
            isolate_styles=False,
        )


def show_labeller(data: bytes, on_action: Callable[[], None]) -> None:
    # JSON bytes, which Streamlit forwards untouched: given a dict, it would look for
    # dataframes in it and serialise it again on every exchange.
    _mount()(data=data, key=KEY, on_action_change=on_action)


def last_action() -> Mapping[str, Any] | None:
    """The action the browser sent with this rerun (inside the ``on_action`` callback)."""
    result = st.session_state.get(KEY)
    action = result.get("action") if result is not None else None
    return action if isinstance(action, Mapping) else None
