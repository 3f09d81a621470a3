"""AppTest set-up: the real app file on a fresh SQLite file per test."""

from __future__ import annotations

import os
import uuid
import weakref
from pathlib import Path
from typing import Any

import orjson
import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session
from streamlit.testing.v1 import AppTest

from annotator.store import users
from annotator.store.engine import create_tables, make_engine
from annotator.ui import common
from annotator.ui.labeller import KEY as LABELLER_KEY
from tests.streamlit_private import run_with, trigger_id, widget_states

APP = str(Path(__file__).resolve().parents[1] / "annotator" / "ui" / "app.py")


def app_engine(url: str, monkeypatch: pytest.MonkeyPatch) -> Engine:
    """The app's store at ``url`` (the ``file_db_url`` fixture: a SQLite file or a PostgreSQL schema)."""
    monkeypatch.setenv("ANNOTATOR_DB_URL", url)
    common.engine.clear()  # the engine is a cache_resource shared by every AppTest in this process
    engine = make_engine(url)
    create_tables(engine)
    return engine


def app_as(user_id: int | None, page: str | None = None) -> AppTest:
    """The app in a browser tab where ``user_id`` has logged in (a login token of theirs)."""
    at = AppTest.from_file(APP, default_timeout=30)
    if user_id is not None:
        at.session_state["login_token"] = login_token(user_id)
    at.run()
    if page is not None:
        at.switch_page(page)
        at.run()
    if has_panel(at):
        panel(at)  # keeps the article, as the panel does
    return at


def login_token(user_id: int) -> str:
    """A new login of the user, as the login form opens one, in the app's store."""
    engine = make_engine(os.environ["ANNOTATOR_DB_URL"])
    try:
        with Session(engine) as session:
            return users.open_login_session(session=session, user_id=user_id)
    finally:
        engine.dispose()


def _labeller(at: AppTest) -> Any:
    found = [node for node in at.main if getattr(node, "type", None) == "bidi_component"]
    assert len(found) == 1, "the page shows no labelling panel"
    assert found[0].key == LABELLER_KEY
    return found[0]


# The article each AppTest's panel was last sent whole, as the panel's JavaScript keeps it: the
# server sends it again only when it changed (or the panel asks), otherwise its signature.
_KEPT_ARTICLE: weakref.WeakKeyDictionary[AppTest, dict[str, Any]] = weakref.WeakKeyDictionary()


def panel(at: AppTest) -> dict[str, Any]:
    """What the labelling panel was given to draw in the last run, with the article it has:
    sent in this run, or kept from an earlier one when this run sent only its signature (it
    must then be the same article as it is now). Call it after each run that may send one."""
    data = dict(orjson.loads(_labeller(at).proto.bytes))
    if data["article"] is None:
        kept = _KEPT_ARTICLE.get(at)
        same = kept is not None and (kept["id"], kept["signature"]) == (data["document"], data["signature"])
        assert same, "the server sent no article, and the panel has none or an older one"
        data["article"] = kept
    else:
        _KEPT_ARTICLE[at] = data["article"]
    return data


def has_panel(at: AppTest) -> bool:
    """Whether the page shows the labelling panel (the Review page has a component of its own)."""
    return any(
        getattr(node, "type", None) == "bidi_component" and node.key == LABELLER_KEY for node in at.main
    )


def act(at: AppTest, action: dict[str, Any]) -> AppTest:
    """Send what the panel's JavaScript sends: a trigger value, then a rerun.

    AppTest has no handle for custom components, so the trigger is added to the widget states
    of the next run by hand, under the id Streamlit itself gives the component's trigger.
    """
    element = _labeller(at)
    states = widget_states(at)
    trigger = states.widgets.add()
    trigger.id = trigger_id(element.proto.id, "events")
    trigger.json_trigger_value = orjson.dumps([{"event": "action", "value": action}]).decode()
    return run_with(at, states)


def send(at: AppTest, *labels: dict[str, Any], request: str | None = None) -> AppTest:
    """One exchange of the panel: its outbox (labels made with ``typed``) and a request."""
    return act(at, {"seq": 1, "labels": list(labels), "request": request})


def typed(
    at: AppTest, index: int, *, action: str = "save", client_id: str | None = None, **value: Any
) -> dict[str, Any]:
    """A label as the panel puts it in its outbox: for sentence ``index`` as shown, with a fresh id."""
    sentence_id, _, revision, _ = panel(at)["article"]["sentences"][index]
    fields = {
        "is_claim": True,
        "source": None,
        "source_other": None,
        "confidence": None,
        "note": "",
        "flagged": False,
    }
    return {
        "client_id": client_id or uuid.uuid4().hex,
        "sentence_id": sentence_id,
        "revision": revision,
        "value": None if value.get("cleared") else {**fields, **value},
        "action": action,
    }


def save(at: AppTest, index: int, **value: Any) -> AppTest:
    """The label a finished key sequence sends (source + confidence digit, N, or Enter)."""
    return send(at, typed(at, index, **value))


def acks(at: AppTest) -> dict[str, list[Any]]:
    """The answer to the last exchange: {client_id: [sentence_id, outcome, reason]}."""
    return dict(orjson.loads(_labeller(at).proto.bytes)["acks"])
