"""`annotator serve --processes 2`: two servers with the production options on one store, each
taking labels over the websocket (the load generator's client), stopped together."""

from __future__ import annotations

import os
import signal
import sys
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from annotator.cli import cli
from tests.proxy_helpers import served

sys.path.insert(0, str(Path(__file__).resolve().parent / "bench"))
import wsload  # noqa: E402


def _command_line(pid: int) -> list[str]:
    return Path(f"/proc/{pid}/cmdline").read_bytes().decode().rstrip("\0").split("\0")


def _environment(pid: int) -> dict[str, str]:
    entries = Path(f"/proc/{pid}/environ").read_bytes().decode().rstrip("\0").split("\0")
    return dict(entry.split("=", 1) for entry in entries)


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def test_two_processes_take_labels_with_production_options_and_stop_together(tmp_path: Path) -> None:
    db = f"sqlite:///{tmp_path / 'annotator.db'}"
    people = wsload.prepare_store(db, annotators=2, sentences=30)
    with served(db, tmp_path, processes=2) as servers:
        children = servers.server_pids()
        assert len(children) == 2
        for pid, port in zip(children, servers.ports, strict=True):
            args = _command_line(pid)
            assert args[1:3] == ["-m", "annotator.ui.launch"]
            options = dict(zip(args[3::2], args[4::2], strict=True))
            assert options["--server.port"] == str(port)
            assert options["--runner.postScriptGC"] == "false"
            assert options["--server.fileWatcherType"] == "none"
            assert _environment(pid)["MALLOC_ARENA_MAX"] == "2"
        # One headless annotator per process, labelling as the panel does (the bench's client:
        # this also fails when the panel's protocol changes and tests/bench/wsload.py does not).
        results = [
            wsload.run_annotators(
                f"ws://127.0.0.1:{port}/_stcore/stream",
                [who],
                start_at=time.time(),
                stop_at=time.time() + 5,
                pace_s=0.5,
                ramp_s=0,
                processes=1,
            )[0]
            for who, port in zip(people, servers.ports, strict=True)
        ]
        assert [r.errors for r in results] == [[], []]
        assert all(len(r.latencies) >= 3 for r in results)
        check = wsload.check_store(db, results)
        assert (check.right, check.unexpected) == (check.total, 0)
        # One of them dying takes the whole set down, so that a supervisor restarts it.
        os.kill(children[0], signal.SIGKILL)
        deadline = time.monotonic() + 30
        while any(_alive(pid) for pid in (servers.pid, children[1])) and time.monotonic() < deadline:
            time.sleep(0.2)
        assert not _alive(children[1]) and not _alive(servers.pid)
        assert servers.process.wait(timeout=5) == 128 + signal.SIGKILL


def test_stopping_serve_stops_every_server_process(tmp_path: Path) -> None:
    db = f"sqlite:///{tmp_path / 'annotator.db'}"
    with served(
        db, tmp_path, processes=2, env={"ANNOTATOR_ADMIN_PASSWORD": "admin-pass-for-tests"}
    ) as servers:
        children = servers.server_pids()
        servers.process.terminate()  # what systemd or Ctrl+C does
        assert servers.process.wait(timeout=30) == 0  # asked to stop: a clean exit
        assert not any(_alive(pid) for pid in children)


def test_serve_limits_malloc_arenas_unless_the_user_chose(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The server process starts with MALLOC_ARENA_MAX=2 (glibc reads it at start-up: see
    ui/options.PRODUCTION_ENVIRONMENT); a value in the user's environment is kept. os.execve is
    captured instead of replacing the test process."""
    execs: list[dict[str, str]] = []
    monkeypatch.setattr(os, "execve", lambda _path, _argv, env: execs.append(dict(env)))
    monkeypatch.setenv("ANNOTATOR_ADMIN_PASSWORD", "admin-pass-for-tests")
    monkeypatch.chdir(tmp_path)
    serve = ["--db", f"sqlite:///{tmp_path / 'serve.db'}", "serve", "--port", "8599"]

    monkeypatch.delenv("MALLOC_ARENA_MAX", raising=False)
    assert CliRunner().invoke(cli, serve, catch_exceptions=False).exit_code == 0
    monkeypatch.setenv("MALLOC_ARENA_MAX", "4")
    assert CliRunner().invoke(cli, serve, catch_exceptions=False).exit_code == 0

    assert [env.get("MALLOC_ARENA_MAX") for env in execs] == ["2", "4"]
