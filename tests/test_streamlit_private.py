"""Streamlit's private API that this project uses still exists in the installed Streamlit.

When one of these fails after a Streamlit upgrade, the message says what moved; fix
tests/streamlit_private.py (and annotator/ui/server.py for the middleware) before moving the
pin in pyproject.toml (README: "Moving the Streamlit pin").
"""

from __future__ import annotations

import inspect
import re
import tomllib
from importlib import metadata
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from tests import streamlit_private

ROOT = Path(__file__).resolve().parents[1]
MOVED = "Streamlit {version} changed private API the project relies on ({what}): update {where}"


def _version() -> str:
    return metadata.version("streamlit")


def test_installed_streamlit_is_inside_the_pinned_range() -> None:
    dependencies = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"][
        "dependencies"
    ]
    [pin] = [d for d in dependencies if d.startswith("streamlit")]
    low, high = re.fullmatch(r"streamlit>=([\d.]+),<([\d.]+)", pin).groups()  # type: ignore[union-attr]
    assert _minor(low) <= _minor(_version()) < _minor(high), (
        f"Streamlit {_version()} is outside the tested range {pin}: run the tests, then move the pin"
    )


def _minor(version: str) -> tuple[int, ...]:
    return tuple(int(part) for part in version.split(".")[:2])


def test_component_trigger_ids_are_made_as_the_adapter_expects() -> None:
    where = "tests/streamlit_private.py trigger_id"
    made = streamlit_private.trigger_id("element-1", "events")
    parameters = list(inspect.signature(streamlit_private._make_trigger_id).parameters)
    if len(parameters) != 2 or not made or "element-1" not in made:
        pytest.fail(MOVED.format(version=_version(), what="_make_trigger_id(element_id, event)", where=where))


def test_apptest_reruns_with_given_widget_states() -> None:
    """A one-button script: widget states taken from a run and sent back rerun the script."""
    at = AppTest.from_string("import streamlit as st\nst.button('Go', key='go')\n").run()
    try:
        states = streamlit_private.widget_states(at)
        after = streamlit_private.run_with(at, states)
    except (AttributeError, TypeError) as error:
        pytest.fail(
            MOVED.format(
                version=_version(),
                what=f"AppTest._tree / AppTest._run: {error}",
                where="tests/streamlit_private.py",
            )
        )
    assert [b.key for b in after.button] == ["go"]


def test_the_server_middleware_hook_exists() -> None:
    from streamlit.web.server.starlette import starlette_app

    hook = getattr(starlette_app, "create_streamlit_middleware", None)
    if hook is None or inspect.signature(hook).parameters:
        pytest.fail(
            MOVED.format(
                version=_version(),
                what="starlette_app.create_streamlit_middleware()",
                where="annotator/ui/server.py (the security headers)",
            )
        )


def test_the_server_route_hook_exists() -> None:
    from streamlit.web.server.starlette import starlette_app

    hook = getattr(starlette_app, "create_streamlit_routes", None)
    if hook is None or list(inspect.signature(hook).parameters) != ["runtime"]:
        pytest.fail(
            MOVED.format(
                version=_version(),
                what="starlette_app.create_streamlit_routes(runtime)",
                where="annotator/ui/server.py (the labelling panel's save route)",
            )
        )
