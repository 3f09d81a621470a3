"""The anchoring audit in the store: the share setting, the per-annotator draw, and the
record of what was shown with each label, written in the label's own transaction."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from annotator.cli import cli
from annotator.domain.errors import InputError
from annotator.exchange.suggest import anchoring
from annotator.store import suggestions as store
from annotator.store.models import Sentence
from tests.helpers import add_small_article, add_user, label


def test_share_defaults_to_ten_percent_and_is_checked(engine: Engine) -> None:
    with Session(engine) as session:
        assert store.get_audit_share(session=session) == 0.10
        store.set_audit_share(session=session, share=0.25)
        assert store.get_audit_share(session=session) == 0.25
        with pytest.raises(InputError, match="between 0 and 1"):
            store.set_audit_share(session=session, share=1.5)


def test_the_draw_is_kept_and_follows_the_share(engine: Engine) -> None:
    with Session(engine) as session:
        store.set_audit_share(session=session, share=0.5)
        draws = [store.suggestion_hidden(session=session, user_id=1, sentence_id=s) for s in range(400)]
        salt = store.audit_salt(session=session)
    with Session(engine) as session:  # another server, same store: same salt, same draw
        assert store.audit_salt(session=session) == salt
        assert [
            store.suggestion_hidden(session=session, user_id=1, sentence_id=s) for s in range(400)
        ] == draws
    assert 150 < sum(draws) < 250


def test_shown_records_go_with_the_label_and_feed_the_report(engine: Engine) -> None:
    add_small_article(engine)
    ana, ben = add_user(engine, "ana"), add_user(engine, "ben")
    label(engine, ana, 0, is_claim=True, source="alpha", confidence=5)
    label(engine, ben, 0, is_claim=True, source="beta", confidence=5)
    label(engine, ana, 1, is_claim=True, source="beta", confidence=4)
    with Session(engine) as session:
        first, second = (s.id for s in session.exec(select(Sentence).order_by(col(Sentence.index))).all()[:2])
        assert first is not None and second is not None
        # (sentence, annotator, shown, label equals the suggestion)
        seen = [(first, ana, True, True), (first, ben, True, False), (second, ana, False, True)]

        def record_all() -> None:
            for sentence_id, user_id, shown, agrees in seen:
                store.record_shown(
                    session=session,
                    sentence_id=sentence_id,
                    user_id=user_id,
                    label_version=1,
                    model="rules-1",
                    shown=shown,
                    agrees=agrees,
                )

        record_all()
        session.rollback()  # the label's transaction failed: nothing is recorded
        assert store.shown_records(session=session) == []
        record_all()
        session.commit()
    share, report = anchoring(engine)
    assert share == 0.10
    assert (report.shown.count, report.shown.total) == (1, 2)
    assert (report.hidden.count, report.hidden.total) == (1, 1)
    assert report.acceptance["ana"].value == 1.0 and report.acceptance["ben"].value == 0.0
    assert report.hidden_agreement["ana"].total == 1 and report.hidden_agreement["ben"].total == 0


def test_cli_audit_sets_the_share_and_prints_the_report(tmp_path: Path) -> None:
    db = ["--db", f"sqlite:///{tmp_path / 'a.db'}"]
    result = CliRunner().invoke(cli, [*db, "suggest", "audit", "--share", "0.2"])
    assert result.exit_code == 0, result.output
    assert "20% of sentences" in result.output and "no labels" in result.output


def test_panel_suggestions_give_sentence_offsets_and_the_audit_draw(engine: Engine) -> None:
    from annotator.exchange.suggest import suggest_documents

    add_small_article(engine)  # "Alpha said one thing. Beta said another. Gamma was silent."
    ana = add_user(engine, "ana")
    suggest_documents(engine)
    with Session(engine) as session:
        store.set_audit_share(session=session, share=0.0)
        panel = store.panel_suggestions(session=session, document_id="doc", user_id=ana)
        sentences = {s.index: s.text for s in session.exec(select(Sentence)).all()}
        assert sorted(panel) == [0, 1, 2] and not any(p.hidden for p in panel.values())
        second = panel[1]
        assert (second.source, second.model) == ("beta", "rules-1")
        assert second.cue is not None and sentences[1][slice(*second.cue)] == "said"
        assert second.source_mention is not None and sentences[1][slice(*second.source_mention)] == "Beta"
        store.set_audit_share(session=session, share=1.0)
        assert all(
            p.hidden
            for p in store.panel_suggestions(session=session, document_id="doc", user_id=ana).values()
        )
