"""Security checks: blind labelling, who may write what, pages by role, login tokens,
deactivated accounts, passwords kept out of output and exports, XSRF protection on.

The app runs through AppTest on a fresh SQLite file (tests/ui_helpers.py); the CLI through
click's CliRunner; the XSRF check against a real ``annotator serve``.
"""

from __future__ import annotations

import hashlib
import logging
import os
import re
import secrets
import sys
import tomllib
import urllib.error
import urllib.request
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result
from sqlalchemy.engine import Engine
from sqlmodel import Session, SQLModel, select
from streamlit.testing.v1 import AppTest

from annotator.cli import cli
from annotator.domain.errors import AuthenticationError
from annotator.store import users
from annotator.store.annotate_reads import own_labels
from annotator.store.engine import create_tables, make_engine
from annotator.store.models import Label, LabelHistory, LoginSession, Role, User, utcnow
from annotator.ui.common import IDENTITY, TOKEN_PARAM
from annotator.ui.text import md_literal
from tests.browser_helpers import served_app
from tests.helpers import add_small_article, add_user, label
from tests.ui_helpers import APP, app_as, app_engine, has_panel, panel, save

ROOT = Path(__file__).resolve().parents[1]
PAGES_DIR = ROOT / "annotator" / "ui" / "app_pages"
NOT_AVAILABLE = "This page is not available to your account."
NOT_FOUND = "Could not find a navigation page"

# What alice writes must never reach bob: ASCII, so it shows as-is in protobuf text.
SECRET_NOTE = "ALICE-PRIVATE-NOTE-7f3a"
SECRET_SOURCE = "Alices Secret Informant"


@pytest.fixture
def engine(file_db_url: str, monkeypatch: pytest.MonkeyPatch) -> Engine:
    """The app's store: a fresh SQLite file (and a PostgreSQL schema when ANNOTATOR_TEST_PG_URL is set)."""
    engine = app_engine(file_db_url, monkeypatch)
    add_small_article(engine)
    return engine


def _everything_shown(at: AppTest) -> str:
    """Every element the run drew (its full protobuf, hidden fields included; the labelling
    panel's data decoded) and all session state."""
    drawn = "\n".join(str(node.proto) for node in at if getattr(node, "proto", None) is not None)
    decoded = repr(panel(at)) if has_panel(at) else ""
    return drawn + "\n" + decoded + "\n" + repr(at.session_state.to_dict())


def _logged_in(at: AppTest) -> bool:
    return at.session_state.get("user_id") is not None


def _shows_login_form(at: AppTest) -> bool:
    return [t.label for t in at.text_input] == ["User name", "Password"]


def _rows(engine: Engine, model: type[SQLModel]) -> dict[int, dict[str, Any]]:
    with Session(engine) as session:
        return {row.id: row.model_dump() for row in session.exec(select(model)).all()}  # type: ignore[attr-defined]


def _app_with_token(token: str) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=30)
    at.query_params[TOKEN_PARAM] = token
    at.run()
    return at


def _open_token(engine: Engine, user_id: int) -> str:
    with Session(engine) as session:
        return users.open_login_session(session=session, user_id=user_id)


# --- blind labelling ------------------------------------------------------------------


def test_annotate_page_never_shows_another_annotators_label(engine: Engine) -> None:
    """Bob, on the sentence alice labelled, sees nothing of her label: not in any drawn element
    (hidden protobuf fields included), not in his session state, before or after moving around."""
    alice, bob = add_user(engine, "alice"), add_user(engine, "bob")
    label(
        engine,
        alice,
        0,
        is_claim=True,
        source="other",
        source_other=SECRET_SOURCE,
        confidence=5,
        note=SECRET_NOTE,
    )
    label(engine, alice, 1, is_claim=True, source="beta", confidence=2, note=SECRET_NOTE, flagged=True)

    at = app_as(bob)
    shown = _everything_shown(at)
    assert SECRET_NOTE not in shown and SECRET_SOURCE not in shown
    assert panel(at)["labels"] == {}
    # The panel moves in the browser: it has the whole article already, and nothing of alice's.
    save(at, 2, is_claim=False)
    shown = _everything_shown(at)
    assert SECRET_NOTE not in shown and SECRET_SOURCE not in shown

    # Control: the same search finds alice's note on her own page, so its absence above means something.
    own = app_as(alice)
    assert SECRET_NOTE in _everything_shown(own) and SECRET_SOURCE in _everything_shown(own)


def test_the_annotate_reads_return_only_the_requesting_annotators_labels(engine: Engine) -> None:
    """The store query behind the annotate page filters by annotator: blindness is not left to the page."""
    alice, bob = add_user(engine, "alice"), add_user(engine, "bob")
    label(engine, alice, 0, is_claim=True, source="alpha", confidence=5, note=SECRET_NOTE)
    label(engine, alice, 2, is_claim=False)
    label(engine, bob, 1, is_claim=True, source="beta", confidence=3)
    with Session(engine) as session:
        mine = own_labels(session=session, document_id="doc", user_id=bob)
        other = own_labels(session=session, document_id="doc", user_id=add_user(engine, "carol"))
    assert [value.source for value in mine.values()] == ["beta"]  # alice's labels are not there
    assert SECRET_NOTE not in repr(mine)
    assert other == {}


# --- writes go to the logged-in annotator only ------------------------------------------------


def test_saving_through_the_page_writes_only_the_logged_in_annotators_rows(engine: Engine) -> None:
    """Bob labels (and relabels) the sentence alice labelled: alice's label and history rows stay
    byte-for-byte the same, and every new row carries bob's id."""
    alice, bob = add_user(engine, "alice"), add_user(engine, "bob")
    label(engine, alice, 0, is_claim=True, source="beta", confidence=5, note=SECRET_NOTE)
    labels_before, history_before = _rows(engine, Label), _rows(engine, LabelHistory)

    at = app_as(bob)
    save(at, 0, source="alpha", confidence=3)  # saves sentence 0 for bob
    save(at, 0, source="author", confidence=2)  # changes bob's label: an update and a second history row
    assert not at.exception

    labels_after, history_after = _rows(engine, Label), _rows(engine, LabelHistory)
    assert {i: labels_after[i] for i in labels_before} == labels_before
    assert {i: history_after[i] for i in history_before} == history_before
    new_labels = [row for i, row in labels_after.items() if i not in labels_before]
    new_history = [row for i, row in history_after.items() if i not in history_before]
    assert [(row["user_id"], row["source"], row["version"]) for row in new_labels] == [(bob, "author", 2)]
    assert {row["user_id"] for row in new_history} == {bob} and len(new_history) == 2
    assert all(row["user_id"] == alice for row in labels_before.values())


# --- pages by role ----------------------------------------------------------------------------

RESTRICTED = {
    Role.annotator: ("agreement", "review", "exports", "users", "articles"),
    Role.reviewer: ("users", "articles"),
}


@pytest.mark.parametrize(
    ("role", "page"), [(role, page) for role, pages in RESTRICTED.items() for page in pages]
)
def test_navigation_does_not_register_pages_above_the_role(engine: Engine, role: Role, page: str) -> None:
    """Pages outside a role's navigation do not exist in its session: switching to one fails."""
    at = app_as(add_user(engine, "someone", role))
    assert not at.exception
    with pytest.raises(ValueError, match=NOT_FOUND):
        at.switch_page(f"app_pages/{page}.py")


@pytest.mark.parametrize(
    ("role", "page"),
    [(role, page) for role, pages in RESTRICTED.items() for page in pages]
    + [(None, page) for page in ("annotate", "agreement", "review", "exports", "users", "articles")],
)
def test_page_files_refuse_to_render_for_the_wrong_role(engine: Engine, role: Role | None, page: str) -> None:
    """Run a page file on its own, bypassing the navigation, with the identity the entry file
    would have checked: the page checks the role itself, shows only the refusal and draws none
    of its content (no tables, inputs, buttons or user names)."""
    add_user(engine, "root", Role.admin)
    add_user(engine, "rita", Role.reviewer)
    at = AppTest.from_file(str(PAGES_DIR / f"{page}.py"), default_timeout=30)
    if role is not None:
        someone = add_user(engine, "someone", role)
        at.session_state["user_id"], at.session_state[IDENTITY] = someone, (someone, "someone", role)
    at.run()
    assert not at.exception
    assert [e.value for e in at.error] == [NOT_AVAILABLE]
    assert not at.title and not at.dataframe and not at.button and not at.text_input and not at.selectbox
    assert "root" not in _everything_shown(at) and "rita" not in _everything_shown(at)


def test_users_page_file_does_render_for_an_admin(engine: Engine) -> None:
    """Control for the refusals above: the same direct run shows the user list to an admin."""
    add_user(engine, "rita", Role.reviewer)
    at = AppTest.from_file(str(PAGES_DIR / "users.py"), default_timeout=30)
    root = add_user(engine, "root", Role.admin)
    at.session_state["user_id"], at.session_state[IDENTITY] = root, (root, "root", Role.admin)
    at.run()
    assert not at.exception and not at.error
    assert list(at.dataframe[0].value["name"]) == ["rita", "root"]


def test_admin_pages_refuse_an_admin_deactivated_mid_session(engine: Engine) -> None:
    """The entry file reads the account on every run: an admin deactivated since logging in is
    logged out at the next click, before any page runs."""
    admin = add_user(engine, "root", Role.admin)
    at = app_as(admin, "app_pages/users.py")
    assert at.dataframe  # control: shown while the account is active
    with Session(engine) as session:
        users.set_active(session=session, user_id=admin, active=False)
    at.run()
    assert not at.dataframe and not _logged_in(at) and at.session_state[IDENTITY] is None
    assert _shows_login_form(at)


# --- login tokens in the URL ------------------------------------------------------------------


def test_valid_token_logs_in_exactly_its_owner(engine: Engine) -> None:
    """Each login token opens its owner's account and no one else's."""
    owners = {name: add_user(engine, name) for name in ("alice", "bob")}
    for name, user_id in owners.items():
        at = _app_with_token(_open_token(engine, user_id))
        assert at.session_state["user_id"] == user_id
        assert f"Log out {md_literal(name)}" in at.sidebar.button(key="logout").label
        assert not _shows_login_form(at)


def _forged(token: str) -> dict[str, str]:
    flipped = token[:-1] + ("A" if token[-1] != "A" else "B")
    return {
        "random": secrets.token_urlsafe(32),
        "last character changed": flipped,
        "truncated": token[:-1],
        "extended": token + "x",
        "upper-cased": token.upper() if token.upper() != token else token.lower(),
        "the stored hash": hashlib.sha256(token.encode()).hexdigest(),
        "empty": "",
    }


@pytest.mark.parametrize("how", list(_forged("x" * 43)))
def test_forged_or_edited_token_logs_nobody_in(engine: Engine, how: str) -> None:
    """A made-up token, an edited valid one, or the SHA-256 the database keeps: the login form."""
    token = _open_token(engine, add_user(engine, "alice"))
    at = _app_with_token(_forged(token)[how])
    assert not _logged_in(at) and "login_token" not in at.session_state
    assert _shows_login_form(at)
    assert not has_panel(at)


@pytest.mark.parametrize("how", ["deactivated by an admin", "inactive flag set in the database"])
def test_token_of_a_deactivated_user_logs_nobody_in(engine: Engine, how: str) -> None:
    """Deactivating removes the user's logins; even a login row that survives does not count."""
    alice = add_user(engine, "alice")
    token = _open_token(engine, alice)
    assert _logged_in(_app_with_token(token))  # control: the token works while alice is active
    with Session(engine) as session:
        if how == "deactivated by an admin":
            users.set_active(session=session, user_id=alice, active=False)
            assert session.get(LoginSession, hashlib.sha256(token.encode()).hexdigest()) is None
        else:
            user = session.get(User, alice)
            assert user is not None
            user.active = False
            session.add(user)
            session.commit()
    at = _app_with_token(token)
    assert not _logged_in(at) and _shows_login_form(at)


def test_expired_token_logs_nobody_in(engine: Engine) -> None:
    """A login older than its expiry time is refused even though its row is still there."""
    alice = add_user(engine, "alice")
    token = _open_token(engine, alice)
    assert _logged_in(_app_with_token(token))
    with Session(engine) as session:
        login = session.get(LoginSession, hashlib.sha256(token.encode()).hexdigest())
        assert login is not None
        login.expires_at = utcnow() - timedelta(seconds=1)
        session.add(login)
        session.commit()
    at = _app_with_token(token)
    assert not _logged_in(at) and _shows_login_form(at)


# --- deactivated accounts -------------------------------------------------------------------


def test_deactivated_user_cannot_authenticate(engine: Engine) -> None:
    """The store refuses the right password of a deactivated account."""
    alice = add_user(engine, "alice")
    with Session(engine) as session:
        users.set_active(session=session, user_id=alice, active=False)
        with pytest.raises(AuthenticationError, match="deactivated"):
            users.authenticate(session=session, name="alice", password="password-1")


def test_deactivated_user_cannot_log_in_through_the_form(engine: Engine) -> None:
    """The login form shows the refusal, opens no login and puts no token in the URL."""
    alice = add_user(engine, "alice")
    with Session(engine) as session:
        users.set_active(session=session, user_id=alice, active=False)
    at = app_as(None)
    at.text_input(key="login_name").input("alice")
    at.text_input(key="login_password").input("password-1")
    at.button[0].click().run()
    assert "deactivated" in at.error[0].value
    assert not _logged_in(at) and TOKEN_PARAM not in at.query_params
    assert _login_count(engine) == 0


def _login_count(engine: Engine) -> int:
    with Session(engine) as session:
        return len(session.exec(select(LoginSession)).all())


# --- passwords stay out of output, logs and exports -----------------------------------------

KNOWN_PASSWORD = "correct-horse-battery-9"


def _cli(db_url: str, *args: str, stdin: str | None = None) -> Result:
    result = CliRunner().invoke(cli, ["--db", db_url, *args], input=stdin, catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return result


def _everything_the_cli_wrote(db_url: str, folder: Path) -> str:
    """users list, documents, and every export: to files and to standard output."""
    outputs = [_cli(db_url, "users", "list").output, _cli(db_url, "documents").output]
    for what in ("labels", "sentences", "documents"):
        path = folder / f"{what}.jsonl"
        outputs.append(_cli(db_url, "export", "--what", what, "-o", str(path)).output)
        outputs.append(path.read_text(encoding="utf-8"))
        outputs.append(_cli(db_url, "export", "--what", what, "-o", "-").output)
    return "\n".join(outputs)


@pytest.fixture
def cli_db(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture) -> str:
    monkeypatch.chdir(tmp_path)  # default export folder and .env lookups stay in the test folder
    caplog.set_level(logging.DEBUG)  # everything any logger emits, at the most verbose level
    return f"sqlite:///{tmp_path / 'cli.db'}"


def _password_hash(db_url: str, name: str) -> str:
    engine = make_engine(db_url)
    try:
        with Session(engine) as session:
            user = users.get_user_by_name(session=session, name=name)
            assert user is not None
            return user.password_hash
    finally:
        engine.dispose()


def _add_labels(db_url: str, name: str) -> None:
    engine = make_engine(db_url)
    try:
        create_tables(engine)
        add_small_article(engine)
        with Session(engine) as session:
            user = users.get_user_by_name(session=session, name=name)
            assert user is not None and user.id is not None
            user_id = user.id
        label(engine, user_id, 0, is_claim=True, source="alpha", confidence=5, note="a note")
    finally:
        engine.dispose()


def test_chosen_password_is_never_printed_logged_or_exported(
    cli_db: str, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """`users add --password-stdin`, labels, then every listing and export: neither the password
    nor its argon2 hash shows up in CLI output, export files or log records (DEBUG, echo off)."""
    added = _cli(cli_db, "users", "add", "alice", "--password-stdin", stdin=KNOWN_PASSWORD + "\n")
    _add_labels(cli_db, "alice")
    written = added.output + _everything_the_cli_wrote(cli_db, tmp_path)
    password_hash = _password_hash(cli_db, "alice")
    assert password_hash.startswith("$argon2id$")
    assert '"annotator":"alice"' in written  # control: the exports did run and hold alice's label
    for secret in (KNOWN_PASSWORD, password_hash, password_hash.rsplit("$", 1)[-1]):
        assert secret not in written
        assert secret not in caplog.text
        assert all(secret not in str(record.args) for record in caplog.records)
    # SQL echo stays off even with logging at DEBUG: statements and their parameters are not logged.
    assert not make_engine(cli_db).echo
    assert not logging.getLogger("sqlalchemy.engine.Engine").isEnabledFor(logging.INFO)


def test_generated_password_is_printed_exactly_once(
    cli_db: str, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """Without --password-stdin the new password is printed once, on purpose, and never again."""
    added = _cli(cli_db, "users", "add", "bob", "--role", "reviewer")
    printed = re.findall(r"Password: (\S+)", added.output)
    assert len(printed) == 1
    password = printed[0]
    assert added.output.count(password) == 1
    engine = make_engine(cli_db)
    try:
        with Session(engine) as session:
            assert users.authenticate(session=session, name="bob", password=password).role == Role.reviewer
    finally:
        engine.dispose()
    _add_labels(cli_db, "bob")
    assert password not in _everything_the_cli_wrote(cli_db, tmp_path)
    assert password not in caplog.text


# --- XSRF protection --------------------------------------------------------------------------


def test_serve_runs_streamlit_with_xsrf_protection_on(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`annotator serve` execs Streamlit with --server.enableXsrfProtection true (os.execve is
    captured instead of replacing the test process) and nothing in the repository turns it off."""
    execs: list[tuple[str, list[str], dict[str, str]]] = []
    monkeypatch.setattr(os, "execve", lambda path, argv, env: execs.append((path, list(argv), dict(env))))
    monkeypatch.setenv("ANNOTATOR_ADMIN_PASSWORD", "admin-pass-for-tests")
    monkeypatch.chdir(tmp_path)
    db_url = f"sqlite:///{tmp_path / 'serve.db'}"
    _cli(db_url, "serve", "--port", "8599")

    [(path, argv, env)] = execs
    assert path == sys.executable
    assert argv[1:3] == ["-m", "annotator.ui.launch"]  # which runs ui/app.py with the security headers
    flags = argv[3:]
    options = dict(zip(flags[::2], flags[1::2], strict=True))
    assert flags.count("--server.enableXsrfProtection") == 1
    assert options["--server.enableXsrfProtection"] == "true"
    assert options.get("--server.enableCORS") != "false"
    assert env["ANNOTATOR_DB_URL"] == db_url

    for config in ROOT.rglob(".streamlit/*.toml"):
        server = tomllib.loads(config.read_text(encoding="utf-8")).get("server", {})
        assert server.get("enableXsrfProtection", True) is True, config


def _status(url: str, method: str, headers: dict[str, str]) -> int:
    request = urllib.request.Request(
        url, data=b"" if method == "PUT" else None, method=method, headers=headers
    )
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return int(response.status)
    except urllib.error.HTTPError as error:
        return error.code


def test_running_server_rejects_uploads_without_the_xsrf_token(tmp_path: Path) -> None:
    """A real `annotator serve` hands out an XSRF cookie and answers 403 to file uploads (PUT) and
    deletions that lack it; with the cookie and the matching header the same request gets past it."""
    with served_app(f"sqlite:///{tmp_path / 'served.db'}", tmp_path) as base:
        with urllib.request.urlopen(f"{base}/_stcore/health", timeout=10) as response:
            cookies = response.headers.get_all("Set-Cookie") or []
        xsrf = [
            c.split(";", 1)[0].split("=", 1)[1].strip('"')
            for c in cookies
            if c.startswith("_streamlit_xsrf=")
        ]
        assert len(xsrf) == 1, cookies  # the server only sets it when XSRF protection is on
        upload = f"{base}/_stcore/upload_file/{secrets.token_hex(8)}/{secrets.token_hex(8)}"
        with_token = {"Cookie": f"_streamlit_xsrf={xsrf[0]}", "X-Xsrftoken": xsrf[0]}
        for method in ("PUT", "DELETE"):
            assert _status(upload, method, {}) == 403, method
            assert _status(upload, method, {"Cookie": f"_streamlit_xsrf={xsrf[0]}"}) == 403, method
            assert _status(upload, method, {"X-Xsrftoken": xsrf[0]}) == 403, method
            # Past the XSRF check: PUT then fails on the made-up session (400), DELETE is a no-op (204).
            assert _status(upload, method, with_token) in (204, 400), method
