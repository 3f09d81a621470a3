"""The labelling panel's save route on a real ``annotator serve``: labels posted with the login's
token land on their sentences and are acknowledged by client id, a resend changes nothing, an
ended login saves nothing, and bad bodies are refused with a reason. (The panel's own use of it,
at expert typing speed, is in test_browser_outbox.py and test_browser_evidence.py.)"""

from __future__ import annotations

import contextlib
import http.client
import json
import urllib.error
import urllib.request
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlsplit

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session

from annotator.store import annotate_reads, labels, users
from annotator.store.engine import create_tables, make_engine
from annotator.ui import save_route
from tests.browser_helpers import served_app
from tests.helpers import add_small_article, add_user, label

URL_PATH = f"/{save_route.PATH}"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Engine]]:
    workdir = tmp_path_factory.mktemp("save-route")
    db_url = f"sqlite:///{workdir / 'annotator.db'}"
    engine = make_engine(db_url)
    create_tables(engine)
    add_small_article(engine)
    with served_app(db_url, workdir) as base:
        yield base, engine
    engine.dispose()


def _token(engine: Engine, name: str) -> tuple[int, str]:
    user_id = add_user(engine, name)
    with Session(engine) as session:
        return user_id, users.open_login_session(session=session, user_id=user_id)


def _sentence(engine: Engine, index: int) -> tuple[int, str]:
    with Session(engine) as session:
        article = annotate_reads.read_article(session=session, document_id="doc")
    sentence = article.sentences[index]
    return sentence.id, sentence.revision


def _label(engine: Engine, index: int, client_id: str, source: str | None = "alpha") -> dict[str, Any]:
    sentence_id, revision = _sentence(engine, index)
    value = {"is_claim": source is not None, "source": source, "confidence": 4 if source else None}
    return {"client_id": client_id, "sentence_id": sentence_id, "revision": revision, "value": value}


def _post(
    base: str, body: bytes, *, headers: dict[str, str] | None = None
) -> tuple[int, dict[str, Any], Any]:
    request = urllib.request.Request(
        base + URL_PATH,
        data=body,
        method="POST",
        headers={"Content-Type": "application/json", **(headers or {})},
    )
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, json.loads(response.read()), response.headers
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read()), error.headers


def _stored(engine: Engine, user_id: int) -> dict[int, tuple[bool, str | None, int | None]]:
    with Session(engine) as session:
        mine = labels.labels_by_index(session=session, document_id="doc", user_id=user_id)
    return {i: (lab.is_claim, lab.source, lab.confidence) for i, lab in mine.items()}


def test_posted_labels_land_on_their_sentences_and_are_acknowledged(server: tuple[str, Engine]) -> None:
    base, engine = server
    user_id, token = _token(engine, "poster")
    sent = [_label(engine, 0, "c-0"), _label(engine, 1, "c-1", source=None)]
    status, answer, headers = _post(
        base, json.dumps({"token": token, "labels": sent, "document": "doc"}).encode()
    )
    assert status == 200
    assert answer["acks"] == {
        "c-0": [sent[0]["sentence_id"], "saved", None],
        "c-1": [sent[1]["sentence_id"], "saved", None],
    }
    assert "error" not in answer
    with Session(engine) as session:
        stamps = annotate_reads.panel_stamps(session=session, document_id="doc")
    assert answer["article"] == [stamps.signature, stamps.suggestions]
    assert _stored(engine, user_id) == {0: (True, "alpha", 4), 1: (False, None, None)}
    # The app's security headers apply to the route too.
    assert headers["X-Frame-Options"] == "SAMEORIGIN"
    assert headers["Cache-Control"] == "no-store"


def test_a_resend_is_answered_from_its_receipt_and_applied_once(server: tuple[str, Engine]) -> None:
    base, engine = server
    user_id, token = _token(engine, "resender")
    body = json.dumps({"token": token, "labels": [_label(engine, 2, "r-1")]}).encode()
    first = _post(base, body)[1]["acks"]["r-1"]
    label(engine, user_id, 2, is_claim=False)
    again = _post(base, body)[1]["acks"]["r-1"]
    assert first[1] == "saved" and again[1] == first[1]
    # The resend did not write the old value over the label saved since.
    assert _stored(engine, user_id) == {2: (False, None, None)}


def test_an_ended_login_saves_nothing(server: tuple[str, Engine]) -> None:
    base, engine = server
    user_id, token = _token(engine, "leaver")
    with Session(engine) as session:
        users.close_login_session(session=session, token=token)
    status, answer, _ = _post(base, json.dumps({"token": token, "labels": [_label(engine, 0, "x")]}).encode())
    assert status == 401
    assert "log in again" in answer["error"]
    status, _, _ = _post(base, json.dumps({"token": "not-a-token", "labels": []}).encode())
    assert status == 401
    assert _stored(engine, user_id) == {}


def test_unreadable_labels_are_named_and_the_readable_ones_saved(server: tuple[str, Engine]) -> None:
    base, engine = server
    user_id, token = _token(engine, "sloppy")
    good = _label(engine, 0, "g")
    bad = {**_label(engine, 1, "b"), "value": {"is_claim": "yes"}}
    status, answer, _ = _post(base, json.dumps({"token": token, "labels": [good, bad]}).encode())
    assert status == 200
    assert answer["error"] == save_route.UNREADABLE
    assert set(answer["acks"]) == {"g"}
    assert _stored(engine, user_id) == {0: (True, "alpha", 4)}


@pytest.mark.parametrize(
    "body",
    [b"not json", b"[]", b'{"labels": []}', b'{"token": "t", "labels": {}}'],
    ids=["not-json", "not-an-object", "no-token", "labels-not-a-list"],
)
def test_a_body_that_is_not_an_outbox_is_refused(server: tuple[str, Engine], body: bytes) -> None:
    status, answer, _ = _post(server[0], body)
    assert status == 400
    assert answer["error"] == save_route.UNREADABLE


def test_too_many_labels_or_bytes_are_refused(server: tuple[str, Engine]) -> None:
    base, engine = server
    _, token = _token(engine, "flooder")
    many = [_label(engine, 0, f"m-{i}") for i in range(101)]
    assert _post(base, json.dumps({"token": token, "labels": many}).encode())[0] == 400
    # Refused as the bytes arrive: the answer comes while the client is still sending, so it
    # is read after the body is sent in one piece with http.client, which tolerates that.
    huge = json.dumps({"token": token, "labels": [], "pad": "x" * save_route.MAX_BODY_BYTES}).encode()
    connection = http.client.HTTPConnection(urlsplit(base).netloc, timeout=30)
    try:
        connection.putrequest("POST", URL_PATH)
        connection.putheader("Content-Type", "application/json")
        connection.putheader("Transfer-Encoding", "chunked")  # no length to check up front
        connection.endheaders()
        with contextlib.suppress(OSError):  # the server may close before the last chunk
            for start in range(0, len(huge), 65536):
                chunk = huge[start : start + 65536]
                connection.send(b"%x\r\n%s\r\n" % (len(chunk), chunk))
            connection.send(b"0\r\n\r\n")
        answer = connection.getresponse()
        assert answer.status == 413
        assert json.loads(answer.read())["error"] == save_route.UNREADABLE
    finally:
        connection.close()


def test_the_panel_is_told_where_to_post_only_when_the_route_is_served() -> None:
    # In this test process nothing serves the route (AppTest, a bare `streamlit run`): the
    # panel then sends its labels as its component value.
    assert save_route.save_target("", "token") is None
    assert save_route.route_path("") == URL_PATH
    assert save_route.route_path("/team/") == f"/team{URL_PATH}"
