"""The work queue: N annotators per sentence, claims that expire, and no over-assignment under races."""

from __future__ import annotations

import threading
from datetime import timedelta

from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from annotator.store import queue
from annotator.store.engine import create_tables, make_engine
from annotator.store.models import Assignment, utcnow
from tests.helpers import add_small_article, add_user, label


def _next(engine: Engine, user_id: int) -> tuple[str, int] | None:
    with Session(engine) as session:
        return queue.next_in_queue(session=session, user_id=user_id)


def test_everyone_labels_everything_by_default(engine: Engine) -> None:
    add_small_article(engine)
    alice, bob = add_user(engine, "alice"), add_user(engine, "bob")
    label(engine, alice, 0, is_claim=False)
    assert _next(engine, alice) == ("doc", 1)
    assert _next(engine, bob) == ("doc", 0)


def test_claims_count_towards_the_sentence(engine: Engine) -> None:
    add_small_article(engine)
    a, b, c, d = (add_user(engine, n) for n in "abcd")
    with Session(engine) as session:
        queue.set_annotators_per_sentence(session=session, value=2)
    assert _next(engine, a) == ("doc", 0)
    assert _next(engine, b) == ("doc", 0)
    assert _next(engine, c) == ("doc", 1)  # sentence 0 has its two annotators (claimed)
    assert _next(engine, a) == ("doc", 0)  # a still holds sentence 0
    label(engine, a, 0, is_claim=False)
    assert _next(engine, a) == ("doc", 1)  # with c, sentence 1 is full now
    assert _next(engine, d) == ("doc", 2)


def test_expired_claims_are_given_back(engine: Engine) -> None:
    add_small_article(engine)
    a, b = add_user(engine, "a"), add_user(engine, "b")
    with Session(engine) as session:
        queue.set_annotators_per_sentence(session=session, value=1)
    assert _next(engine, a) == ("doc", 0)
    assert _next(engine, b) == ("doc", 1)
    with Session(engine) as session:
        claim = session.exec(select(Assignment).where(Assignment.user_id == a)).one()
        claim.assigned_at = utcnow() - timedelta(minutes=queue.CLAIM_MINUTES + 1)
        session.add(claim)
        session.commit()
    assert _next(engine, b) == ("doc", 1)  # b keeps its own claim
    c = add_user(engine, "c")
    assert _next(engine, c) == ("doc", 0)


def test_racing_annotators_never_share_a_one_annotator_sentence(db_url: str, tmp_path: object) -> None:
    """Eight annotators ask at the same moment, each through its own connection (like separate servers)."""
    url = db_url if db_url != "sqlite://" else f"sqlite:///{tmp_path}/race.db"
    engine = make_engine(url)
    create_tables(engine)
    add_small_article(engine)
    for extra in range(2, 5):
        add_small_article(engine, f"doc{extra}")
    users = [add_user(engine, f"u{i}") for i in range(8)]
    with Session(engine) as session:
        queue.set_annotators_per_sentence(session=session, value=1)
    barrier = threading.Barrier(len(users))
    got: dict[int, tuple[str, int] | None] = {}
    errors: list[BaseException] = []

    def ask(user_id: int) -> None:
        own = make_engine(url)
        try:
            barrier.wait()
            got[user_id] = _next(own, user_id)
        except BaseException as error:  # noqa: BLE001 - reported below
            errors.append(error)
        finally:
            own.dispose()

    threads = [threading.Thread(target=ask, args=(u,)) for u in users]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert errors == []
    handed = [target for target in got.values() if target is not None]
    assert len(handed) == len(users)
    assert len(set(handed)) == len(handed), handed
    engine.dispose()
