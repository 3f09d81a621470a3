"""Evidence in the labelling panel (#12): the words naming the source, the cue and the chain of
sources it cites, marked from the keyboard at full speed or with the mouse, sent with the label
in document offsets."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import orjson
import pytest
from playwright.sync_api import expect
from sqlalchemy.engine import Engine
from sqlmodel import Session

from annotator.domain import keys
from annotator.domain.label import LabelValue, TextSpan
from annotator.store import annotate_reads, documents, users
from annotator.store.engine import create_tables, make_engine
from annotator.store.models import Role, UserCreate
from tests.browser_helpers import StreamlitPage, chromium, new_page, served_app

SAMPLE = "france24-sessions-kislyak"
# The sample's nested sentence, as the article has it (its "Postcited" is the source's typo).
POST_SENTENCE = "The Washington Postcited an unnamed US official"
POST_INDEX = 3


def test_evidence_keys_are_never_source_keys() -> None:
    fixed = {
        keys.NOT_A_CLAIM_KEY,
        keys.SAME_AS_PREVIOUS_KEY,
        keys.NEXT_NEEDED_KEY,
        keys.FLAG_KEY,
        keys.UNDO_KEY,
        keys.GO_TO_KEY,
    }
    evidence = set(keys.EVIDENCE_KEYS.values())
    assert evidence == {"M", "C", "V"} and not evidence & fixed
    many = [f"source-{i}" for i in range(40)]
    taken = {b.key for b in keys.source_shortcuts(many, list(keys.SPECIAL_KEYS))}
    assert len(taken) > 20 and not taken & (evidence | fixed)


@pytest.fixture(scope="module")
def app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Engine]]:
    workdir = tmp_path_factory.mktemp("evidence")
    db_url = f"sqlite:///{workdir / 'annotator.db'}"
    with served_app(db_url, workdir) as base:
        engine = make_engine(db_url)
        create_tables(engine)
        yield base, engine
        engine.dispose()


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    with chromium() as browser:
        yield browser


class Sent:
    """The labels the page sends to the server, read off the wire: its posts to the save route
    and its websocket (Streamlit's own protobuf messages, for labels that go with a request):
    what the browser sends, whatever the server makes of it."""

    def __init__(self, page: StreamlitPage) -> None:
        from streamlit.proto.BackMsg_pb2 import BackMsg

        self.labels: list[dict[str, Any]] = []

        def on_sent(payload: bytes | str) -> None:
            message = BackMsg()
            if not isinstance(payload, bytes):
                return
            try:
                message.ParseFromString(payload)
            except Exception:  # noqa: BLE001 - not a BackMsg
                return
            if message.WhichOneof("type") != "rerun_script":
                return
            for widget in message.rerun_script.widget_states.widgets:
                if widget.WhichOneof("value") == "json_trigger_value":
                    # The component's triggers: [{"event": "action", "value": {seq, labels, request}}]
                    for trigger in orjson.loads(widget.json_trigger_value):
                        if trigger.get("event") == "action":
                            self.labels.extend(trigger["value"].get("labels", []))

        def on_request(request: Any) -> None:
            if request.method == "POST" and request.url.endswith("/annotator-api/labels"):
                self.labels.extend(request.post_data_json.get("labels", []))

        page.page.on("websocket", lambda ws: ws.on("framesent", on_sent))
        page.page.on("request", on_request)

    def last_for(self, sentence_id: int) -> dict[str, Any]:
        found = [item for item in self.labels if item["sentence_id"] == sentence_id]
        assert found, f"no label sent for sentence {sentence_id}"
        return found[-1]["value"]  # type: ignore[no-any-return]


def _annotator(engine: Engine, base: str, browser: Any, name: str) -> tuple[StreamlitPage, Sent]:
    with Session(engine) as session:
        users.create_user(
            session=session, user_in=UserCreate(name=name, role=Role.annotator, password=f"{name}-pass-1")
        )
    page = new_page(browser)
    sent = Sent(page)
    page.goto(base)
    page.log_in(name, f"{name}-pass-1")
    page.caption()
    page.focus_page()
    return page, sent


def _sentence(engine: Engine, index: int) -> tuple[int, int, str]:
    """(id, start, text) of a sentence of the sample."""
    with Session(engine) as session:
        sentence = documents.get_sentence(session=session, document_id=SAMPLE, index=index)
        assert sentence is not None and sentence.id is not None
        return sentence.id, sentence.char_start, sentence.text


def _stored(engine: Engine, name: str) -> dict[int, LabelValue]:
    """What the store kept of an annotator's labels on the sample, by sentence id."""
    with Session(engine) as session:
        user = users.get_user_by_name(session=session, name=name)
        assert user is not None and user.id is not None
        return annotate_reads.own_labels(session=session, document_id=SAMPLE, user_id=user.id)


def _drag(page: StreamlitPage, index: int, text: str, words: str) -> None:
    """Drag the mouse from inside the first letter of ``words`` to inside its last."""
    holder = page.page.locator(f'[data-sentence-index="{index}"] .sent-text')
    first, last = text.index(words) + 1, text.index(words) + len(words) - 2
    points = page.page.evaluate(
        """([node, first, last]) => {
          const walker = document.createTreeWalker(node, NodeFilter.SHOW_TEXT);
          const at = (i) => {
            for (let t = walker.currentNode = node, n = walker.nextNode(); n; n = walker.nextNode()) {
              if (i < n.length) { const r = document.createRange(); r.setStart(n, i); r.setEnd(n, i + 1);
                const b = r.getBoundingClientRect(); return [b.x + b.width / 2, b.y + b.height / 2]; }
              i -= n.length;
            }
          };
          return [at(first), at(last)];
        }""",
        [holder.element_handle(), first, last],
    )
    page.page.mouse.move(*points[0])
    page.page.mouse.down()
    page.page.mouse.move(*points[1], steps=5)
    page.page.mouse.up()


def _text_span(span: dict[str, Any]) -> TextSpan:
    return TextSpan(span["char_start"], span["char_end"], span["text"])


def _shortcut(page: StreamlitPage, source: str) -> str:
    return str(page.page.locator(f'[data-key="src_{source}"] kbd').inner_text())


def _span(start: int, text: str, words: str, *, within: str | None = None) -> dict[str, Any]:
    at = text.index(within or words) + (within.index(words) if within else 0)
    return {"char_start": start + at, "char_end": start + at + len(words), "text": words}


@pytest.mark.browser
def test_the_nested_sentence_gets_its_mention_cue_and_chain_at_full_speed(
    app: tuple[str, Engine], browser: Any
) -> None:
    base, engine = app
    page, sent = _annotator(engine, base, browser, "nora")
    sentence_id, start, text = _sentence(engine, POST_INDEX)
    assert text.startswith(POST_SENTENCE)
    page.keys("G", str(POST_INDEX + 1), "Enter")
    post, official, intercepts = (
        _shortcut(page, s) for s in ("washington-post", "us-official", "intercepts")
    )
    # Source; the mention over three words, then back five letters ("Postcited" is one word in
    # the text) at 0 ms between keys; the cue, which starts where the mention ends, and the
    # chain at 30 ms.
    page.keys(post, "M", "ArrowRight", "ArrowRight", *["Control+ArrowLeft"] * 5, "Enter")
    page.keys("C", "Enter", "V", official, intercepts, "Enter", gap_ms=30)
    current = page.page.locator('[data-testid="reading-column"] [aria-current="true"]')
    assert current.locator("mark.ev-mention").inner_text() == "The Washington Post"
    assert current.locator("mark.ev-cue").inner_text() == "cited"
    chain = page.page.locator('[data-testid="evidence-via"]')
    assert chain.inner_text() == "The Washington Post ← Unnamed US official ← US intelligence intercepts"
    page.keys("5", "N")  # the confidence saves; the next sentence is not a claim
    assert page.current_index() == POST_INDEX + 2
    page.wait_saved()
    value = sent.last_for(sentence_id)
    assert (value["is_claim"], value["source"], value["confidence"]) == (True, "washington-post", 5)
    assert value["source_mention"] == _span(start, text, "The Washington Post")
    assert value["cue"] == _span(start, text, "cited", within="Postcited")
    assert value["via"] == ["us-official", "intercepts"]
    stored = _stored(engine, "nora")[sentence_id]
    assert (stored.source, stored.confidence, stored.via) == (
        "washington-post",
        5,
        ("us-official", "intercepts"),
    )
    assert stored.source_mention == _text_span(value["source_mention"])
    assert stored.cue == _text_span(value["cue"])
    following = sent.last_for(_sentence(engine, POST_INDEX + 1)[0])
    assert (following["is_claim"], following["cue"], following["source_mention"], following["via"]) == (
        False,
        None,
        None,
        [],
    )
    # After a reload the server's copy is shown: marks in the text, the chain in words.
    page.reload()
    page.keys("G", str(POST_INDEX + 1), "Enter")
    assert current.locator("mark.ev-mention").inner_text() == "The Washington Post"
    assert current.locator("mark.ev-cue").inner_text() == "cited"
    expect(chain).to_have_text("The Washington Post ← Unnamed US official ← US intelligence intercepts")
    assert "citing Unnamed US official ← US intelligence intercepts" in page.caption()


@pytest.mark.browser
def test_spans_move_by_words_clear_and_follow_a_drag(app: tuple[str, Engine], browser: Any) -> None:
    base, engine = app
    page, sent = _annotator(engine, base, browser, "omar")
    sentence_id, start, text = _sentence(engine, POST_INDEX)
    page.keys("G", str(POST_INDEX + 1), "Enter")
    official, intercepts, sessions = (_shortcut(page, s) for s in ("us-official", "intercepts", "sessions"))
    mention = page.page.locator('[data-testid="evidence-mention"]')
    # M starts on the first word; Shift+→ on one word walks it on; → widens; Shift+← widens back.
    page.keys(official, "M", "Shift+ArrowRight", "Shift+ArrowRight", "Shift+ArrowRight", "Shift+ArrowRight")
    expect(mention).to_have_text("unnamed")
    page.keys("ArrowRight", "ArrowRight", "Shift+ArrowLeft")
    expect(mention).to_have_text("an unnamed US official")
    page.keys("Backspace", "Enter")
    expect(mention).to_have_count(0)
    # A drag over "US official" (mid-word to mid-word) marks the mention, snapped to the words.
    _drag(page, POST_INDEX, text, "US official")
    expect(mention).to_have_text("US official")
    assert page.current_index() == POST_INDEX  # the drag did not move to another sentence
    # V with Backspace: the last source of the chain goes; O names one that is not on the list.
    page.keys("Escape", "V", intercepts, sessions, "Backspace", "O")
    page.page.keyboard.type("Kremlin aides")
    page.keys("Enter", "Enter", "4")
    page.wait_saved()
    value = sent.last_for(sentence_id)
    assert value["source"] == "us-official" and value["confidence"] == 4
    assert value["source_mention"] == _span(start, text, "US official")
    assert value["cue"] is None
    assert value["via"] == ["intercepts", "other:Kremlin aides"]
    stored = _stored(engine, "omar")[sentence_id]
    assert stored.source_mention == _text_span(value["source_mention"]) and stored.cue is None
    assert stored.via == ("intercepts", "other:Kremlin aides")


@pytest.mark.browser
def test_a_carried_over_mention_lies_in_an_earlier_sentence(app: tuple[str, Engine], browser: Any) -> None:
    base, engine = app
    page, sent = _annotator(engine, base, browser, "quinn")
    _, start, text = _sentence(engine, POST_INDEX)
    sentence_id = _sentence(engine, POST_INDEX + 1)[0]
    page.keys("G", str(POST_INDEX + 2), "Enter")
    official = _shortcut(page, "us-official")
    mention = page.page.locator('[data-testid="evidence"]')
    # Run before the suggestions exist (the last test makes them): nothing is pre-marked here.
    # From the sentence's first word, Shift+← goes on to the last word of the one before.
    page.keys(official, "M", "Shift+ArrowLeft")
    expect(mention).to_have_text(f"Source mention: evidence (sentence {POST_INDEX + 1})")
    page.keys("Backspace", "Enter")
    # A drag over words of an earlier sentence marks the mention there, and moves nowhere.
    _drag(page, POST_INDEX, text, "US official")
    expect(mention).to_have_text(f"Source mention: US official (sentence {POST_INDEX + 1})")
    earlier = page.page.locator(f'[data-sentence-index="{POST_INDEX}"] mark.ev-mention')
    assert earlier.inner_text() == "US official" and page.current_index() == POST_INDEX + 1
    page.keys("Enter", "3")
    page.wait_saved()
    value = sent.last_for(sentence_id)
    assert value["source_mention"] == _span(start, text, "US official") and value["cue"] is None
    assert _stored(engine, "quinn")[sentence_id].source_mention == _text_span(value["source_mention"])


@pytest.mark.browser
def test_an_accepted_suggestion_keeps_its_marked_evidence(app: tuple[str, Engine], browser: Any) -> None:
    from annotator.exchange.suggest import suggest_documents
    from annotator.store import suggestions

    base, engine = app
    with Session(engine) as session:
        suggestions.set_audit_share(session=session, share=0.0)
    suggest_documents(engine, document_ids=[SAMPLE])
    page, sent = _annotator(engine, base, browser, "pia")
    sentence_id, start, text = _sentence(engine, 0)
    current = page.page.locator('[data-testid="reading-column"] [aria-current="true"]')
    expect(current.locator("mark.suggested-cue")).to_have_text("according to")
    page.keys("Enter")
    page.wait_saved()
    value = sent.last_for(sentence_id)
    assert value["source"] == "intercepts"
    assert value["cue"] == _span(start, text, "according to")
    assert value["source_mention"] == _span(start, text, "US intelligence intercepts")
    stored = _stored(engine, "pia")[sentence_id]
    assert (stored.cue, stored.source_mention) == (
        _text_span(value["cue"]),
        _text_span(value["source_mention"]),
    )
