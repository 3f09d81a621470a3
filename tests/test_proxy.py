"""`annotator serve --processes 2` behind nginx with deploy/nginx-annotator.conf, on PostgreSQL.

nginx is started by the test (tests/proxy_helpers.py); skipped without /usr/sbin/nginx or
without ANNOTATOR_TEST_PG_URL (several server processes need a store they can share).
"""

from __future__ import annotations

import json
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session

from annotator.store import labels, users
from annotator.store.engine import make_engine
from annotator.store.models import Role, UserCreate
from annotator.ui import save_route
from tests.browser_helpers import chromium, new_page, run_cli
from tests.conftest import drop_pg_schema, pg_schema_url
from tests.proxy_helpers import (
    ROUTE_COOKIE,
    nginx_proxy,
    require_nginx,
    routes_to_each,
    served,
    upstream_for,
)

sys.path.insert(0, str(Path(__file__).resolve().parent / "bench"))
import wsload  # noqa: E402

pytestmark = pytest.mark.postgres


def upstream_of_post(base: str, route: str) -> str:
    """The process that answered a post to the save route (with an unknown login: 401)."""
    request = urllib.request.Request(
        f"{base}/{save_route.PATH}",
        data=json.dumps({"token": "no-such-login", "labels": [], "document": None}).encode(),
        headers={"Content-Type": "application/json", "Cookie": f"{ROUTE_COOKIE}={route}"},
        method="POST",
    )
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(request, timeout=10)
    assert refused.value.code == 401
    return refused.value.headers["X-Annotator-Upstream"]


@pytest.fixture
def team_store(pg_admin: Engine) -> Iterator[str]:
    require_nginx()
    schema, url = pg_schema_url(pg_admin)
    try:
        yield url
    finally:
        drop_pg_schema(pg_admin, schema)


def test_proxy_health_sticky_routes_and_websocket_labels(team_store: str, tmp_path: Path) -> None:
    people = wsload.prepare_store(team_store, annotators=2, sentences=30)
    with served(team_store, tmp_path, processes=2) as servers, nginx_proxy(servers.ports, tmp_path) as base:
        with urllib.request.urlopen(f"{base}/_stcore/health", timeout=10) as answer:
            assert (answer.status, answer.read()) == (200, b"ok")
        # A first visit gets a route cookie; with it, every request goes to the same process.
        first, route = upstream_for(base, None)
        assert route
        assert {upstream_for(base, route)[0] for _ in range(5)} == {first}
        # Different browsers are spread over both processes.
        route_of = routes_to_each(base, servers.ports)
        for port, key in route_of.items():
            assert {upstream_for(base, key)[0] for _ in range(3)} == {f"127.0.0.1:{port}"}
        # Labels go to the least busy process whatever the route cookie says: posted one after
        # the other (so neither process is busier), they take turns.
        assert {upstream_of_post(base, route) for _ in range(6)} == {f"127.0.0.1:{p}" for p in servers.ports}
        # One headless annotator on each process, through the proxy's websocket.
        for who, key in zip(people, route_of.values(), strict=True):
            who["cookie"] = f"{ROUTE_COOKIE}={key}"
        start = time.time()
        results = wsload.run_annotators(
            base.replace("http://", "ws://") + "/_stcore/stream",
            people,
            start_at=start,
            stop_at=start + 6,
            pace_s=0.5,
            ramp_s=0,
            processes=1,
        )
    assert [r.errors for r in results] == [[], []]
    assert all(len(r.latencies) >= 3 for r in results)
    check = wsload.check_store(team_store, results)
    assert (check.right, check.unexpected) == (check.total, 0) and check.total >= 6


@pytest.mark.browser
def test_two_annotators_in_browsers_on_two_servers_behind_the_proxy(team_store: str, tmp_path: Path) -> None:
    """Log in, load the Annotate page and save one label (the N key) per annotator, each browser
    held by its route cookie on a different server process."""
    run_cli(team_store, tmp_path, "init")
    engine = make_engine(team_store)
    with Session(engine) as session:
        for name in ("alice", "bob"):
            users.create_user(
                session=session,
                user_in=UserCreate(name=name, role=Role.annotator, password=f"{name}-password"),
            )
    with (
        served(team_store, tmp_path, processes=2) as servers,
        nginx_proxy(servers.ports, tmp_path) as base,
        chromium() as browser,
    ):
        route_of = routes_to_each(base, servers.ports)
        servers_at = {f"127.0.0.1:{port}" for port in servers.ports}
        pages = {}
        saved_by: dict[str, list[str]] = {}
        for name, key in zip(("alice", "bob"), route_of.values(), strict=True):
            page = new_page(browser)
            page.page.context.add_cookies([{"name": ROUTE_COOKIE, "value": key, "url": base}])
            upstreams: list[str] = []
            saved_by[name] = upstreams
            page.page.on(
                "response",
                lambda response, upstreams=upstreams: (
                    upstreams.append(response.headers.get("x-annotator-upstream", "?"))
                    if response.url.endswith(save_route.PATH)
                    else None
                ),
            )
            page.goto(base)
            page.log_in(name, f"{name}-password")
            assert page.caption().startswith("Sentence 1 of 17")
            page.focus_page()
            page.keys("N")
            page.wait_saved()
            assert page.caption().startswith("Sentence 2 of 17")
            pages[name] = page
        # Each browser's page went to the process its route cookie names; its label was posted
        # through the proxy to one of the processes (labels go to the least busy one).
        for (name, page), port in zip(pages.items(), route_of, strict=True):
            answer = page.page.request.get(f"{base}/_stcore/health")
            assert answer.headers["x-annotator-upstream"] == f"127.0.0.1:{port}", name
            assert len(saved_by[name]) == 1 and saved_by[name][0] in servers_at, name
    with Session(engine) as session:
        done = {}
        for name in ("alice", "bob"):
            user = users.get_user_by_name(session=session, name=name)
            assert user is not None and user.id is not None
            done[name] = labels.overall_progress(session=session, user_id=user.id).done
    assert done == {"alice": 1, "bob": 1}
    engine.dispose()
