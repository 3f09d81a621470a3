"""Every use of Streamlit's private API by this project, in one place.

AppTest has no handle for custom components (st.components.v2), so the tests send a component's
events the way Streamlit itself does: a trigger value under the id Streamlit gives it, added to
the widget states of the next run. ``annotator serve`` adds response headers through the
middleware list of Streamlit's Starlette server, and the panel's save route through its route
list (annotator/ui/server.py). None of these names is
public; tests/test_streamlit_private.py fails with a clear message when an upgrade moves one.
"""

from __future__ import annotations

from typing import Any

from streamlit.components.v2.bidi_component.main import _make_trigger_id
from streamlit.testing.v1 import AppTest

PRIVATE_NAMES = (
    "streamlit.components.v2.bidi_component.main._make_trigger_id(element_id, event_name)",
    "streamlit.testing.v1.AppTest._tree.get_widget_states()",
    "streamlit.testing.v1.AppTest._run(widget_state)",
    "streamlit.web.server.starlette.starlette_app.create_streamlit_middleware()",
    "streamlit.web.server.starlette.starlette_app.create_streamlit_routes(runtime)",
)


def widget_states(at: AppTest) -> Any:
    """The widget states the next run of ``at`` would send (a WidgetStates protobuf)."""
    return at._tree.get_widget_states()


def trigger_id(element_id: str, event: str) -> str:
    """The widget id under which a custom component's ``event`` trigger value travels."""
    return str(_make_trigger_id(element_id, event))


def run_with(at: AppTest, states: Any) -> AppTest:
    """Rerun ``at`` with these widget states, as a browser event would."""
    return at._run(states)
