"""Several `annotator serve` processes behind nginx, as deploy/nginx-annotator.conf sets them up.

Used by tests/test_proxy.py and the capacity bench. nginx runs as a child of the test, on a free
loopback port, with its configuration, logs and pid file in a temporary folder
(``nginx -p DIR -c nginx.conf -g 'daemon off;'``); the site configuration is the shipped file,
with only its ``listen`` line and its upstream ``server`` lines replaced.
"""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
NGINX = Path("/usr/sbin/nginx")
SITE_CONF = REPO / "deploy" / "nginx-annotator.conf"
ROUTE_COOKIE = "annotator_route"
UPSTREAM_HEADER = "X-Annotator-Upstream"


def require_nginx() -> None:
    if not NGINX.exists():
        pytest.skip(f"{NGINX} is missing: apt-get install -y nginx")


def free_port_pair() -> int:
    """A port P with P and P+1 both free on 127.0.0.1 (``serve --processes 2`` uses P, P+1)."""
    for _ in range(50):
        with socket.socket() as first:
            first.bind(("127.0.0.1", 0))
            port = int(first.getsockname()[1])
            with socket.socket() as second:
                try:
                    second.bind(("127.0.0.1", port + 1))
                except OSError:
                    continue
                return port
    raise RuntimeError("no two consecutive free ports on 127.0.0.1")


def site_config(*, listen: int, upstreams: list[int]) -> str:
    """The shipped site configuration, listening on ``127.0.0.1:listen`` in front of ``upstreams``."""
    text = SITE_CONF.read_text(encoding="utf-8")
    text, listens = re.subn(r"(?m)^(\s*)listen \d+;", rf"\1listen 127.0.0.1:{listen};", text)
    servers = "\n".join(f"    server 127.0.0.1:{p} max_fails=1 fail_timeout=10s;" for p in upstreams)
    text, upstream_lines = re.subn(r"(?m)^\s*server 127\.0\.0\.1:\d+ .*;\n", "", text)
    balancers = ("hash $annotator_route consistent;", "least_conn;")  # pages, then labels
    for balancing in balancers:
        text = text.replace(f"    {balancing}\n", f"    {balancing}\n{servers}\n")
    assert listens == 1 and upstream_lines >= 2 and all(f"    {b}\n" in text for b in balancers), (
        "deploy/nginx-annotator.conf no longer has the expected lines"
    )
    return text


def main_config(site: str, workdir: Path) -> str:
    """A whole nginx.conf around ``site``: everything nginx writes stays in ``workdir``."""
    temp = "\n".join(
        f"    {kind}_temp_path {workdir}/{kind};"
        for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
    )
    # As root, nginx's workers would run as "nobody", which cannot enter the test's folder.
    user = "user root;\n" if os.geteuid() == 0 else ""
    return (
        f"{user}worker_processes 1;\npid {workdir}/nginx.pid;\nerror_log {workdir}/error.log warn;\n"
        "events { worker_connections 4096; }\n"
        f"http {{\n    access_log {workdir}/access.log;\n{temp}\n{site}\n}}\n"
    )


def wait_for_health(base: str, process: subprocess.Popen[bytes], log: Path, timeout_s: float = 90) -> None:
    deadline = time.monotonic() + timeout_s
    while True:
        try:
            with urllib.request.urlopen(f"{base}/_stcore/health", timeout=2) as answer:
                if answer.status == 200:
                    return
        except OSError:
            pass
        if process.poll() is not None or time.monotonic() > deadline:
            raise RuntimeError(f"{base} did not become healthy:\n{log.read_text(errors='replace')[-3000:]}")
        time.sleep(0.2)


def stop(process: subprocess.Popen[bytes]) -> None:
    process.terminate()
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


@dataclass
class Servers:
    process: subprocess.Popen[bytes]
    """The ``annotator serve`` process (with ``--processes`` > 1, the parent of the servers)."""
    ports: list[int]

    @property
    def pid(self) -> int:
        return self.process.pid

    def server_pids(self) -> list[int]:
        """The processes that serve (one per port)."""
        if len(self.ports) == 1:
            return [self.pid]
        children = []
        for stat in Path("/proc").glob("[0-9]*/stat"):
            try:
                fields = stat.read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == self.pid:
                children.append(int(stat.parent.name))
        return sorted(children)


@contextmanager
def served(
    db_url: str, workdir: Path, *, processes: int, env: dict[str, str] | None = None
) -> Iterator[Servers]:
    """``annotator serve --processes N`` as a user runs it, on free consecutive ports."""
    port = free_ports_start(processes)
    log = workdir / f"serve-{port}.log"
    command = [
        sys.executable,
        "-m",
        "annotator.cli",
        "--db",
        db_url,
        "serve",
        "--port",
        str(port),
        "--processes",
        str(processes),
    ]
    with log.open("wb") as out:
        process = subprocess.Popen(
            command, cwd=workdir, env={**os.environ, **(env or {})}, stdout=out, stderr=subprocess.STDOUT
        )
        try:
            ports = list(range(port, port + processes))
            for p in ports:
                wait_for_health(f"http://127.0.0.1:{p}", process, log)
            yield Servers(process, ports)
        finally:
            stop(process)


def free_ports_start(count: int) -> int:
    """A port P with P … P+count-1 all free on 127.0.0.1."""
    if count == 1:
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            return int(s.getsockname()[1])
    for _ in range(50):
        start = free_port_pair()
        sockets = []
        try:
            for p in range(start, start + count):
                s = socket.socket()
                sockets.append(s)
                s.bind(("127.0.0.1", p))
            return start
        except OSError:
            continue
        finally:
            for s in sockets:
                s.close()
    raise RuntimeError(f"no {count} consecutive free ports on 127.0.0.1")


@contextmanager
def nginx_proxy(upstreams: list[int], workdir: Path) -> Iterator[str]:
    """nginx with the shipped site configuration in front of ``upstreams``; yield its base URL."""
    require_nginx()
    conf_dir = workdir / "nginx"
    conf_dir.mkdir(exist_ok=True)
    listen = free_ports_start(1)
    conf = conf_dir / "nginx.conf"
    conf.write_text(main_config(site_config(listen=listen, upstreams=upstreams), conf_dir), encoding="utf-8")
    log = conf_dir / "nginx.out"
    with log.open("wb") as out:
        process = subprocess.Popen(
            [str(NGINX), "-p", str(conf_dir), "-c", str(conf), "-g", "daemon off;"],
            stdout=out,
            stderr=subprocess.STDOUT,
        )
        base = f"http://127.0.0.1:{listen}"
        try:
            wait_for_health(base, process, log, timeout_s=30)
            yield base
        except RuntimeError as error:
            errors = (
                (conf_dir / "error.log").read_text(errors="replace")
                if (conf_dir / "error.log").exists()
                else ""
            )
            raise RuntimeError(f"{error}\n{errors[-3000:]}") from None
        finally:
            stop(process)


def upstream_for(base: str, route: str | None) -> tuple[str, str]:
    """(the process that answered ``GET /`` through the proxy, the route cookie it set)."""
    request = urllib.request.Request(f"{base}/")
    if route is not None:
        request.add_header("Cookie", f"{ROUTE_COOKIE}={route}")
    with urllib.request.urlopen(request, timeout=10) as answer:
        cookie = answer.headers.get("Set-Cookie", "")
        match = re.search(rf"{ROUTE_COOKIE}=([^;]+)", cookie)
        return answer.headers[UPSTREAM_HEADER], match.group(1) if match else ""


def routes_to_each(base: str, ports: list[int]) -> dict[int, str]:
    """A route cookie value that the proxy sends to each of ``ports`` (found by asking it)."""
    found: dict[int, str] = {}
    for i in range(200):
        upstream, _ = upstream_for(base, f"probe-{i}")
        found.setdefault(int(upstream.rsplit(":", 1)[1]), f"probe-{i}")
        if len(found) == len(ports):
            return found
    raise AssertionError(f"200 route keys all went to {sorted(found)}; the upstreams are {ports}")
