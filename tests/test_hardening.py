"""Inputs checked where they enter, writes that never hang, files that stay private, and errors
instead of tracebacks (issue 14, items 5–13 and 15).

Faults are real: another process holds the write lock; a full disk is a file-size limit
(RLIMIT_FSIZE) on the process that writes; the server's headers come from `annotator serve`.
"""

from __future__ import annotations

import fcntl
import os
import resource
import sqlite3
import stat
import subprocess
import sys
import threading
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import orjson
import pytest
from click.testing import CliRunner, Result
from sqlalchemy import text
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from annotator.cli import cli
from annotator.domain.article import ArticleDraft, SentenceSpan
from annotator.domain.errors import InputError, StoreBusyError
from annotator.domain.label import LabelValue
from annotator.domain.names import MAX_OTHER_SOURCE_NAME, check_user_name, printable
from annotator.exchange.import_labels import read_label_records
from annotator.exchange.schemas import load_label_schema
from annotator.store import documents, labels, users
from annotator.store import engine as store_engine
from annotator.store.engine import create_tables, make_engine
from annotator.store.migrate import prepare_schema
from annotator.store.models import Document, Role, Sentence
from tests.browser_helpers import ADMIN_PASSWORD, served_app
from tests.helpers import add_small_article, add_user

ROOT = Path(__file__).resolve().parents[1]
SAMPLE_LABELS = ROOT / "annotator/data/sample/france24-sessions-kislyak.labels.jsonl"


def _cli(db_url: str, *args: str, env: dict[str, str] | None = None) -> Result:
    return CliRunner().invoke(cli, ["--db", db_url, *args], env=env)


def _refused(result: Result, *words: str) -> None:
    """A one-line 'Error: …' naming ``words``, exit code 1, and no traceback."""
    assert result.exit_code == 1, result.output
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    assert "Traceback" not in result.output
    assert "Error: " in result.output
    for word in words:
        assert word in result.output, (word, result.output)


def _label_line(**changes: object) -> bytes:
    record: dict[str, object] = {
        "document_id": "doc",
        "sentence_index": 0,
        "text": "Alpha said one thing.",
        "char_start": 0,
        "char_end": 21,
        "annotator": "ana",
        "is_claim": True,
        "source": "alpha",
        "source_other": None,
        "confidence": 4,
        "note": "",
        "flagged": False,
        "created_at": "2026-11-20T09:06:00.000000Z",
        "updated_at": "2026-11-20T09:06:00.000000Z",
    }
    record.update(changes)
    return orjson.dumps(record) + b"\n"


def _read(data: bytes) -> None:
    read_label_records(data, file="labels.jsonl", schema=load_label_schema())


# --- item 5: a stalled writer makes writes fail after a bounded wait -----------------------------


@pytest.fixture
def sqlite_file_store(tmp_path: Path) -> Iterator[Engine]:
    engine = make_engine(f"sqlite:///{tmp_path / 'store.db'}")
    create_tables(engine)
    add_small_article(engine)
    yield engine
    engine.dispose()


@pytest.fixture
def stalled_writer(tmp_path: Path) -> Iterator[subprocess.Popen[bytes]]:
    """Another process holding the store's write lock, as a stopped `import-labels` would."""
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import fcntl, os, sys, time\n"
            f"fd = os.open({str(tmp_path / 'store.db.writelock')!r}, os.O_RDWR | os.O_CREAT)\n"
            "fcntl.flock(fd, fcntl.LOCK_EX)\nprint('held', flush=True)\ntime.sleep(120)\n",
        ],
        stdout=subprocess.PIPE,
    )
    assert holder.stdout is not None and holder.stdout.readline() == b"held\n"
    yield holder
    holder.kill()
    holder.wait()


def test_a_stalled_writer_makes_a_save_fail_within_the_timeout(
    sqlite_file_store: Engine, stalled_writer: subprocess.Popen[bytes], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Before: the save waited on the flock for ever. Now: StoreBusyError with a message, in time."""
    monkeypatch.setattr(store_engine, "WRITE_LOCK_TIMEOUT_S", 0.5)
    alice = add_user(sqlite_file_store, "alice")  # (users are added without the write lock)
    outcome: list[BaseException | None] = []

    def save() -> None:
        try:
            with Session(sqlite_file_store) as session:
                labels.save_label(
                    session=session, sentence_id=1, user_id=alice, value=LabelValue(is_claim=False)
                )
            outcome.append(None)
        except BaseException as error:  # noqa: BLE001 - the test reports what came out
            outcome.append(error)

    started = time.monotonic()
    worker = threading.Thread(target=save, daemon=True)
    worker.start()
    worker.join(timeout=10)
    waited = time.monotonic() - started
    stalled_writer.kill()  # frees a save still stuck on the old code
    worker.join(timeout=10)
    assert waited < 5, "the save waited for the stalled writer without limit"
    assert len(outcome) == 1 and isinstance(outcome[0], StoreBusyError)
    assert "busy" in str(outcome[0]) and "try again" in str(outcome[0])


def test_a_save_after_the_stalled_writer_goes_on(
    sqlite_file_store: Engine, stalled_writer: subprocess.Popen[bytes], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Control: once the other writer is gone, the same save succeeds (the lock was the cause)."""
    monkeypatch.setattr(store_engine, "WRITE_LOCK_TIMEOUT_S", 0.5)
    alice = add_user(sqlite_file_store, "alice")
    stalled_writer.kill()
    stalled_writer.wait()
    with Session(sqlite_file_store) as session:
        saved = labels.save_label(
            session=session, sentence_id=1, user_id=alice, value=LabelValue(is_claim=False)
        )
    assert saved.version == 1


def test_cli_import_while_the_store_is_busy_says_so(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(store_engine, "WRITE_LOCK_TIMEOUT_S", 0.5)
    db = f"sqlite:///{tmp_path / 'store.db'}"
    assert _cli(db, "init", env={"ANNOTATOR_ADMIN_PASSWORD": ADMIN_PASSWORD}).exit_code == 0
    # An open file of its own: flock locks conflict between open files, even in one process.
    lock_file = os.open(tmp_path / "store.db.writelock", os.O_RDWR)
    try:
        fcntl.flock(lock_file, fcntl.LOCK_EX)
        _refused(_cli(db, "import-labels", str(SAMPLE_LABELS)), "busy", "try again")
    finally:
        os.close(lock_file)


# --- item 6 and 15: names that break displays or pass for others ------------------------------


@pytest.mark.parametrize(
    "name",
    [
        "ana|ben",
        "admin\u200b",  # zero-width space
        "\u202enimda",  # right-to-left override
        "\u0430dmin",  # Cyrillic а with Latin dmin
        "ａｄｍｉｎ",  # full-width letters
        "![t](http://host/track.png)",
        "a\x1b[2Jb",
        "ana\x00",
    ],
)
def test_misleading_names_are_refused_where_they_enter(tmp_path: Path, name: str) -> None:
    db = f"sqlite:///{tmp_path / 's.db'}"
    _refused(_cli(db, "users", "add", name), "name")
    labels_file = tmp_path / "labels.jsonl"
    labels_file.write_bytes(_label_line(annotator=name))
    _refused(_cli(db, "import-labels", str(labels_file)), "labels.jsonl:1", "annotator")


@pytest.mark.parametrize("name", ["ana", "Ana-María O'Neil", "Ζωή", "Наталья", "李雷", "j.doe@example.org"])
def test_real_names_are_accepted(name: str) -> None:
    """Control: names in any one script, with the punctuation of real names and logins."""
    assert check_user_name(f" {name} ") == name


# --- item 9: ids that would escape the export folder -------------------------------------------


@pytest.mark.parametrize(
    "bad_id", ["../../../../outside/x", "a\x00b", "a\x1b]0;title\x07", ".hidden", "a\\b"]
)
def test_article_ids_that_name_other_files_are_refused(tmp_path: Path, bad_id: str) -> None:
    db = f"sqlite:///{tmp_path / 's.db'}"
    article = tmp_path / "a.jsonl"
    article.write_bytes(orjson.dumps({"id": bad_id, "title": "T", "text": "One sentence here."}) + b"\n")
    _refused(_cli(db, "import-articles", str(article)), "a.jsonl:1", "'id'")
    labels_file = tmp_path / "labels.jsonl"
    labels_file.write_bytes(_label_line(document_id=bad_id))
    _refused(_cli(db, "import-labels", str(labels_file)), "labels.jsonl:1", "document_id")


def test_export_of_a_stored_traversal_id_stays_in_the_export_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A store filled before the checks may hold such an id: the export file stays in exports/."""
    monkeypatch.chdir(tmp_path)
    (tmp_path / "work").mkdir()
    monkeypatch.chdir(tmp_path / "work")
    db = f"sqlite:///{tmp_path / 'work' / 's.db'}"
    engine = make_engine(db)
    prepare_schema(engine)
    with engine.begin() as connection:  # as an older version stored it, unchecked
        connection.execute(
            text("INSERT INTO document (id, title, text, created_at) VALUES (:id, 't', 'x', '2026-01-01')"),
            {"id": "../../outside/x"},
        )
    engine.dispose()
    result = _cli(db, "export", "--what", "sentences", "--document", "../../outside/x")
    assert result.exit_code == 0, result.output
    written = list((tmp_path / "work" / "exports").iterdir())
    assert len(written) == 1 and written[0].name.startswith("sentences-outside_x-")
    assert not (tmp_path / "outside").exists()


# --- item 10: stored strings never drive the terminal ------------------------------------------


def test_cli_listings_show_escape_codes_as_text(tmp_path: Path) -> None:
    db = f"sqlite:///{tmp_path / 's.db'}"
    engine = make_engine(db)
    prepare_schema(engine)
    hostile = "Title\x1b[2J\x1b]0;pwned\x07\u202e\x9b31m"
    with Session(engine) as session:  # stored before the entry checks existed
        session.add(Document(id="doc\x1b[1m", title=hostile, text="x"))
        session.commit()
    engine.dispose()
    result = _cli(db, "documents")
    assert result.exit_code == 0
    for code in ("\x1b", "\x07", "\u202e", "\x9b"):
        assert code not in result.output
    assert "Title\\x1b[2J\\x1b]0;pwned\\x07\\u202e\\x9b31m" in result.output
    assert printable("plain title") == "plain title"  # control: ordinary text is unchanged


def test_agreement_json_escapes_invisible_characters_and_stays_json(tmp_path: Path) -> None:
    db = f"sqlite:///{tmp_path / 's.db'}"
    assert _cli(db, "import-labels", str(SAMPLE_LABELS)).exit_code == 0
    engine = make_engine(db)
    with engine.begin() as connection:  # a name stored by an older version
        connection.execute(text("""UPDATE "user" SET name = 'ana\u202e\x9b' WHERE name = 'ana'"""))
    engine.dispose()
    result = _cli(db, "agreement", "--json", "--bootstrap", "0")
    assert result.exit_code == 0, result.output
    assert "\u202e" not in result.output and "\x9b" not in result.output
    assert "ana\\u202e\\u009b" in result.output
    assert "ana\u202e\x9b" in orjson.dumps(orjson.loads(result.output)).decode()  # same JSON value


# --- item 11 and 15: full disks ----------------------------------------------------------------


def _with_file_size_limit(limit: int) -> None:
    """In the child: files may not grow past ``limit`` bytes (writes fail as on a full disk)."""
    resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))


def _cli_process(
    db: str, cwd: Path, *args: str, limit: int | None = None
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "annotator.cli", "--db", db, *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        env={**os.environ, "ANNOTATOR_ADMIN_PASSWORD": ADMIN_PASSWORD},
        preexec_fn=None if limit is None else (lambda: _with_file_size_limit(limit)),
        timeout=120,
    )


def _says_full_without_traceback(done: subprocess.CompletedProcess[str]) -> None:
    assert done.returncode == 1, (done.stdout, done.stderr)
    assert "Traceback" not in done.stderr, done.stderr
    assert "Error:" in done.stderr and ("space" in done.stderr or "full" in done.stderr), done.stderr


@pytest.fixture
def filled_store(tmp_path: Path) -> str:
    """A store of some 200 kB, its WAL checkpointed: what the fault-injected commands start from."""
    db = f"sqlite:///{tmp_path / 's.db'}"
    assert _cli_process(db, tmp_path, "init").returncode == 0
    more = tmp_path / "more.jsonl"
    more.write_bytes(b"".join(_bulky_line(i, "ana") for i in range(300)))
    assert _cli_process(db, tmp_path, "import-labels", str(more)).returncode == 0
    with sqlite3.connect(tmp_path / "s.db") as connection:
        connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    return db


def _bulky_line(number: int, annotator: str) -> bytes:
    return _label_line(
        document_id=f"d{number}", annotator=annotator, source=None, text="x" * 300, char_end=300
    )


FILE_LIMIT = 40_000
"""Over SQLite's 32 kB shared-memory file, so that opening the store still works."""


def test_backup_on_a_full_disk_leaves_no_file_and_the_rerun_works(filled_store: str, tmp_path: Path) -> None:
    target = tmp_path / "backups" / "copy.db"
    (tmp_path / "backups").mkdir()
    done = _cli_process(filled_store, tmp_path, "backup", str(target), limit=FILE_LIMIT)
    _says_full_without_traceback(done)
    assert list((tmp_path / "backups").iterdir()) == []  # no broken file, no leftover part
    again = _cli_process(filled_store, tmp_path, "backup", str(target))
    assert again.returncode == 0, again.stderr
    assert stat.S_IMODE(target.stat().st_mode) == 0o600


def test_export_on_a_full_disk_says_so_and_leaves_no_file(filled_store: str, tmp_path: Path) -> None:
    out = tmp_path / "out"
    out.mkdir()
    done = _cli_process(
        filled_store, tmp_path, "export", "--what", "labels", "-o", str(out / "l.jsonl"), limit=FILE_LIMIT
    )
    _says_full_without_traceback(done)
    assert list(out.iterdir()) == []


def test_import_on_a_full_disk_says_so(filled_store: str, tmp_path: Path) -> None:
    """The database's write-ahead log cannot grow (writes go there first): the import stops with a
    message and stores nothing."""
    many = tmp_path / "many.jsonl"
    many.write_bytes(b"".join(_bulky_line(i, "zed") for i in range(300)))
    done = _cli_process(filled_store, tmp_path, "import-labels", str(many), limit=FILE_LIMIT)
    _says_full_without_traceback(done)
    with sqlite3.connect(tmp_path / "s.db") as connection:
        assert connection.execute("""SELECT count(*) FROM "user" WHERE name = 'zed'""").fetchone() == (0,)


SAVE_UNTIL_FULL = """
import sys
from sqlmodel import Session
from annotator.domain.errors import AnnotatorError
from annotator.store import labels
from annotator.store.engine import make_engine
from annotator.domain.label import LabelValue

engine = make_engine(sys.argv[1])
with Session(engine) as session:
    try:
        for version in range(100_000):  # each save appends a history row: the log grows
            labels.save_label(session=session, sentence_id=1, user_id=1,
                              value=LabelValue(is_claim=True, note=str(version) * 50))
    except AnnotatorError as error:
        print(type(error).__name__, error)
"""


def test_a_save_on_a_full_disk_is_a_message_for_the_annotator(filled_store: str, tmp_path: Path) -> None:
    """What the Annotate panel gets when the disk fills: StoreFullError (an AnnotatorError, which
    the panel shows as a message), not a raw OperationalError."""
    done = subprocess.run(
        [sys.executable, "-c", SAVE_UNTIL_FULL, filled_store],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        preexec_fn=lambda: _with_file_size_limit(FILE_LIMIT),
        timeout=300,
    )
    assert "Traceback" not in done.stderr, done.stderr
    assert done.stdout.startswith("StoreFullError "), done.stdout


# --- item 12 and 13: NUL characters and "other" names of any length -------------------------------


def test_nul_characters_are_refused_cleanly(engine: Engine) -> None:
    """On SQLite NUL was stored; on PostgreSQL it was a raw DataError. Now an InputError on both."""
    add_small_article(engine)
    alice = add_user(engine, "alice")
    with Session(engine) as session, pytest.raises(InputError, match="note"):
        labels.save_label(
            session=session, sentence_id=1, user_id=alice, value=LabelValue(is_claim=False, note="a\x00b")
        )
    for field in ("text", "note", "source_other"):
        changes: dict[str, object] = {field: "Alpha said one\x00thing."}
        if field == "source_other":
            changes["source"] = "other"
        with pytest.raises(InputError, match=f"field '{field}'.*character"):
            _read(_label_line(**changes))
    with Session(engine) as session, pytest.raises(InputError, match="text"):
        documents.add_articles(
            session=session,
            drafts=[ArticleDraft(id="nul", title="t", text="One.\x00", sentences=(SentenceSpan(0, 4, 0),))],
        )


def test_other_source_names_have_a_length_limit_in_the_store(engine: Engine) -> None:
    add_small_article(engine)
    alice = add_user(engine, "alice")
    huge = "x" * 5_000_000
    with Session(engine) as session, pytest.raises(InputError, match="source_other"):
        labels.save_label(  # no schema given: the store checks anyway
            session=session,
            sentence_id=1,
            user_id=alice,
            value=LabelValue(is_claim=True, source="other", source_other=huge, confidence=3),
        )
    with pytest.raises(InputError, match="source_other"):
        _read(_label_line(source="other", source_other="x" * (MAX_OTHER_SOURCE_NAME + 1)))
    with Session(engine) as session:  # control: a name at the limit is stored
        labels.save_label(
            session=session,
            sentence_id=1,
            user_id=alice,
            value=LabelValue(
                is_claim=True, source="other", source_other="x" * MAX_OTHER_SOURCE_NAME, confidence=3
            ),
        )


# --- item 15: parallel imports and upgrades --------------------------------------------------------


def test_parallel_imports_of_one_file_both_succeed(file_db_url: str) -> None:
    engine = make_engine(file_db_url)
    prepare_schema(engine)
    failures: list[BaseException] = []
    stored: list[list[str]] = []
    for round_number in range(8):
        draft = ArticleDraft(
            id=f"same-{round_number}", title="t", text="One. Two.", sentences=(SentenceSpan(0, 4, 0),)
        )
        start = threading.Barrier(2)

        def importer(draft: ArticleDraft = draft, start: threading.Barrier = start) -> None:
            start.wait()
            try:
                with Session(engine) as session:
                    stored.append(documents.add_articles(session=session, drafts=[draft]))
            except BaseException as error:  # noqa: BLE001 - collected for the assertion
                failures.append(error)

        threads = [threading.Thread(target=importer) for _ in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    assert failures == []
    assert sorted(len(ids) for ids in stored) == [0, 1] * 8 or sum(len(ids) for ids in stored) == 8
    with Session(engine) as session:
        assert len(session.exec(select(Document)).all()) == 8
        assert len(session.exec(select(Sentence)).all()) == 8
    engine.dispose()


def test_two_schema_preparations_at_once_both_succeed(pg_admin: Engine) -> None:
    """Two `db upgrade` (or two servers starting) on an empty PostgreSQL database."""
    from tests.conftest import drop_pg_schema, pg_schema_url

    schema, url = pg_schema_url(pg_admin)
    try:
        errors: list[BaseException] = []
        start = threading.Barrier(2)

        def upgrade() -> None:
            engine = make_engine(url)
            start.wait()
            try:
                prepare_schema(engine)
            except BaseException as error:  # noqa: BLE001 - collected for the assertion
                errors.append(error)
            finally:
                engine.dispose()

        threads = [threading.Thread(target=upgrade) for _ in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert errors == []
    finally:
        drop_pg_schema(pg_admin, schema)


# --- item 15: first run, admin password, notes ------------------------------------------------------


def test_generated_admin_password_goes_to_a_private_file_not_to_output(tmp_path: Path) -> None:
    db = f"sqlite:///{tmp_path / 's.db'}"
    done = subprocess.run(
        [sys.executable, "-m", "annotator.cli", "--db", db, "init"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        env={k: v for k, v in os.environ.items() if k != "ANNOTATOR_ADMIN_PASSWORD"},
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    secret_file = tmp_path / "s.db.admin-password"
    password = secret_file.read_text().strip()
    assert stat.S_IMODE(secret_file.stat().st_mode) == 0o600
    assert password not in done.stdout and password not in done.stderr
    assert str(secret_file) in done.stderr
    engine = make_engine(db)
    with Session(engine) as session:
        assert users.authenticate(session=session, name="admin", password=password).role == Role.admin
    engine.dispose()


def test_admin_password_setting_ignored_once_users_exist_says_so(tmp_path: Path) -> None:
    db = f"sqlite:///{tmp_path / 's.db'}"
    first = _cli(db, "init", env={"ANNOTATOR_ADMIN_PASSWORD": ADMIN_PASSWORD})
    assert first.exit_code == 0 and "ignored" not in first.output and "not used" not in first.output
    again = _cli(db, "init", env={"ANNOTATOR_ADMIN_PASSWORD": "another-password-9"})
    assert again.exit_code == 0
    assert "ANNOTATOR_ADMIN_PASSWORD is set but was not used" in again.output


def test_import_labels_into_a_new_store_says_it_has_no_admin(tmp_path: Path) -> None:
    db = f"sqlite:///{tmp_path / 's.db'}"
    result = _cli(db, "import-labels", str(SAMPLE_LABELS))
    assert result.exit_code == 0
    assert "no admin account" in result.output and "annotator init" in result.output
    assert "no admin account" not in _cli(db, "import-labels", str(SAMPLE_LABELS)).output


# --- item 15: duplicate keys, times in the future ----------------------------------------------------


def test_repeated_json_keys_are_refused(tmp_path: Path) -> None:
    line = _label_line().replace(b'"confidence":4', b'"confidence":4,"confidence":1')
    with pytest.raises(InputError, match="labels.jsonl:1: field 'confidence': appears twice"):
        _read(line)
    # A field name quoted inside a value is not a repeated key (the quick check's false alarm).
    _read(_label_line(note='she wrote "confidence" twice: "confidence"'))
    db = f"sqlite:///{tmp_path / 's.db'}"
    article = tmp_path / "a.json"
    article.write_text('{"id": "a", "title": "T", "text": "One sentence.", "title": "Other"}')
    _refused(_cli(db, "import-articles", str(article)), "'title' appears twice")


@pytest.mark.parametrize("field", ["updated_at", "created_at"])
def test_times_in_the_future_are_refused(field: str) -> None:
    with pytest.raises(InputError, match=f"field '{field}': is in the future"):
        _read(_label_line(**{field: "9999-12-31T23:59:59.000000Z"}))
    with pytest.raises(InputError, match=f"field '{field}': is in the future"):
        _read(_label_line(**{field: "9999-01-01T00:00:00+01:00"}))
    _read(_label_line(**{field: "2026-11-20T09:06:00.000000Z"}))  # control


# --- item 15: response headers and private files --------------------------------------------------


def test_server_sends_referrer_policy_and_frame_options(tmp_path: Path) -> None:
    with served_app(f"sqlite:///{tmp_path / 'served.db'}", tmp_path) as base:
        for path in ("/", "/_stcore/health", "/?s=some-token"):
            with urllib.request.urlopen(base + path, timeout=10) as response:
                assert response.headers["Referrer-Policy"] == "no-referrer", path
                assert response.headers["X-Frame-Options"] == "SAMEORIGIN", path
                assert response.headers["X-Content-Type-Options"] == "nosniff", path


def test_database_lock_and_backup_files_are_private(tmp_path: Path) -> None:
    os.umask(0o022)
    db = f"sqlite:///{tmp_path / 's.db'}"
    assert _cli(db, "init", env={"ANNOTATOR_ADMIN_PASSWORD": ADMIN_PASSWORD}).exit_code == 0
    assert _cli(db, "import-labels", str(SAMPLE_LABELS)).exit_code == 0
    assert _cli(db, "backup", str(tmp_path / "b.db")).exit_code == 0
    files = [p for p in tmp_path.iterdir() if p.name.startswith(("s.db", "b.db"))]
    assert {p.name for p in files} >= {"s.db", "s.db.writelock", "b.db"}
    for path in files:
        assert stat.S_IMODE(path.stat().st_mode) == 0o600, path
