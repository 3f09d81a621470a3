"""Boilerplate classification of plain text: body paragraphs kept, page furniture dropped."""

from __future__ import annotations

from pathlib import Path

import orjson
import pytest

from annotator.domain.boilerplate import (
    Block,
    classify_blocks,
    furniture_reason,
    guess_title,
    split_blocks,
)
from annotator.exchange.articles import read_articles

SAMPLE = Path(__file__).parent.parent / "annotator/data/sample/france24-sessions-kislyak.txt"
HEADLINE = "US attorney general discussed Trump campaign with Russian ambassador, says report"

BODY = (
    "Jeff Sessions discussed Donald Trump's White House bid with the Russian ambassador, "
    "according to US intelligence intercepts cited in the Washington Post on Friday."
)
BODY_2 = (
    "Sergey Kislyak told his superiors in Moscow that he discussed campaign-related matters "
    "with Sessions during the 2016 presidential race, according to current and former officials."
)
BODY_3 = (
    "Sessions later said that the meetings were not about the campaign and then, in March, "
    "recused himself from the Russian probe when he came under pressure."
)


def texts(text: str, blocks: list[Block], *, kept: bool) -> list[str]:
    return [text[b.start : b.end] for b in blocks if b.kept is kept]


def reason_of(text: str, blocks: list[Block], content: str) -> str:
    return next(b.reason for b in blocks if text[b.start : b.end] == content)


@pytest.fixture(scope="module")
def sample() -> str:
    return SAMPLE.read_text(encoding="utf-8")


# ------------------------------------------------------------------- the sample


def test_sample_keeps_exactly_the_ten_body_paragraphs(sample: str) -> None:
    blocks = classify_blocks(sample)

    kept = texts(sample, blocks, kept=True)

    assert len(kept) == 10
    assert kept[0].startswith("Jeff Sessions discussed Donald Trump's White House bid")
    assert kept[5].startswith("After initially failing to disclose")
    assert kept[-1].startswith("The intelligence intercepts came just after Sean Spicer")
    body = sample[sample.index(kept[0]) : sample.index(kept[-1]) + len(kept[-1])]
    assert kept == [paragraph for paragraph in body.split("\n") if paragraph.strip()]


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        ("Don't miss", "navigation link"),
        ("Read more", "navigation link"),
        ("© Zach Gibson / AFP | Jeff Sessions in Washingoton, D.C., on November 29, 2016.", "photo credit"),
        ("Text by FRANCE 24", "byline"),
        ("Latest update : 2017-07-22", "update date"),
        ("Date created : 2017-07-22", "publication date"),
        ("• USA", "list bullet or tag"),
        ("#TECH 24", "section header"),
        ("#THE 51%", "section header"),
        ("Backstage at the Moulin Rouge", "too short, no sentence"),
        (HEADLINE, "headline or link text, no sentence"),
    ],
)
def test_sample_furniture_is_dropped_with_a_reason(sample: str, content: str, reason: str) -> None:
    blocks = classify_blocks(sample)

    assert reason_of(sample, blocks, content) == reason
    assert content not in texts(sample, blocks, kept=True)


def test_every_dropped_block_has_a_reason(sample: str) -> None:
    blocks = classify_blocks(sample)

    dropped = [b for b in blocks if not b.kept]
    assert len(dropped) == 35  # 25 blocks above the body, 10 below
    assert all(b.reason for b in dropped)
    assert all(b.kind != "body" for b in dropped)


def test_block_offsets_are_exact_ordered_and_stripped(sample: str) -> None:
    blocks = classify_blocks(sample)

    previous_end = 0
    for block in blocks:
        content = sample[block.start : block.end]
        assert content and content == content.strip()
        assert block.start >= previous_end
        previous_end = block.end
    # Everything outside the blocks is whitespace.
    covered = "".join(sample[b.start : b.end] for b in blocks)
    assert "".join(sample.split()) == "".join(covered.split())


def test_sample_headline(sample: str) -> None:
    assert guess_title(sample, classify_blocks(sample)) == HEADLINE


# ---------------------------------------------------------------- block splitting


def test_blocks_are_paragraphs_separated_by_blank_lines() -> None:
    text = f"{BODY}\n\n\n{BODY_2}\n   \n{BODY_3}\n"

    assert [text[s:e] for s, e in split_blocks(text)] == [BODY, BODY_2, BODY_3]


def test_short_lines_of_one_paragraph_are_separate_blocks() -> None:
    text = "Home\nWorld\nPolitics\nSport\n\n" + BODY

    assert [text[s:e] for s, e in split_blocks(text)] == ["Home", "World", "Politics", "Sport", BODY]


def test_hard_wrapped_paragraph_stays_one_block() -> None:
    wrapped = (
        "Jeff Sessions discussed Donald Trump's White House bid with the\n"
        "Russian ambassador, according to US intelligence intercepts cited\n"
        "in the Washington Post on Friday."
    )
    text = f"{wrapped}\n\n{BODY_2}"

    assert [text[s:e] for s, e in split_blocks(text)] == [wrapped, BODY_2]
    assert texts(text, classify_blocks(text), kept=True) == [wrapped, BODY_2]


def test_list_lines_are_separate_blocks_even_when_long() -> None:
    text = f"- {BODY}\n- {BODY_2}"

    assert [text[s:e] for s, e in split_blocks(text)] == [f"- {BODY}", f"- {BODY_2}"]


def test_windows_line_endings_keep_exact_offsets() -> None:
    text = f"Read more\r\n\r\n{BODY}\r\n\r\n{BODY_2}\r\n"
    blocks = classify_blocks(text)

    assert texts(text, blocks, kept=True) == [BODY, BODY_2]
    assert texts(text, blocks, kept=False) == ["Read more"]


# ------------------------------------------------------------------------ context


def test_short_paragraph_between_body_paragraphs_is_body() -> None:
    text = f"{BODY}\n\nHe declined.\n\n{BODY_2}"

    assert texts(text, classify_blocks(text), kept=True) == [BODY, "He declined.", BODY_2]


def test_short_block_between_furniture_is_furniture() -> None:
    text = f"Read more\n\nA short teaser line\n\nRead more\n\n{BODY}\n\n{BODY_2}"
    blocks = classify_blocks(text)

    assert reason_of(text, blocks, "A short teaser line") == "too short, no sentence"
    assert texts(text, blocks, kept=True) == [BODY, BODY_2]


def test_short_last_sentence_before_a_date_line_is_kept() -> None:
    text = f"{BODY}\n\n{BODY_2}\n\nHe declined to comment.\n\nDate created : 2017-07-22"
    blocks = classify_blocks(text)

    assert texts(text, blocks, kept=True) == [BODY, BODY_2, "He declined to comment."]


def test_short_question_headline_before_the_body_is_dropped() -> None:
    text = f"Is Sessions on his way out?\n\n{BODY}\n\n{BODY_2}"
    blocks = classify_blocks(text)

    assert texts(text, blocks, kept=True) == [BODY, BODY_2]
    assert guess_title(text, blocks) == "Is Sessions on his way out?"


def test_long_line_without_function_words_is_not_body() -> None:
    line = "Trump Sessions Kislyak Putin Comey Mueller Flynn Manafort Kushner Pence Spicer Scaramucci."
    text = f"{BODY}\n\n{line}\n\nRead more"

    assert reason_of(text, classify_blocks(text), line) == "few function words: not running text"


def test_text_without_furniture_is_all_body() -> None:
    text = f"{BODY}\n\n{BODY_2}\n\n{BODY_3}"
    blocks = classify_blocks(text)

    assert texts(text, blocks, kept=True) == [BODY, BODY_2, BODY_3]
    assert guess_title(text, blocks) is None


def test_single_paragraph_full_of_names_is_kept() -> None:
    # Few function words and no context: kept rather than losing the whole article.
    text = "Jeff Sessions met Sergey Kislyak. Donald Trump, Sean Spicer and Anthony Scaramucci declined.\n"
    blocks = classify_blocks(text)

    assert texts(text, blocks, kept=True) == [text.strip()]


def test_one_short_sentence_is_kept_but_furniture_is_not() -> None:
    text = "Read more\n\nSessions met Kislyak.\n\nShare"
    blocks = classify_blocks(text)

    assert texts(text, blocks, kept=True) == ["Sessions met Kislyak."]
    assert reason_of(text, blocks, "Sessions met Kislyak.") == "sentence (no clear body text around)"


def test_empty_text_has_no_blocks() -> None:
    assert classify_blocks("") == []
    assert classify_blocks(" \n\n \t\n") == []
    assert guess_title("", []) is None


# -------------------------------------------------------------------------- title


def test_title_is_the_line_right_above_the_body() -> None:
    text = f"Home\nWorld\n\nSessions met Kislyak, says report\n\n{BODY}\n\n{BODY_2}"

    assert guess_title(text, classify_blocks(text)) == "Sessions met Kislyak, says report"


def test_title_skips_credit_byline_and_dates() -> None:
    text = (
        "Sessions met Kislyak, says report\n\n© AFP\n\nBy Jane Doe\n\n"
        f"Published: 2017-07-22\n\n{BODY}\n\n{BODY_2}"
    )

    assert guess_title(text, classify_blocks(text)) == "Sessions met Kislyak, says report"


def test_related_link_followed_by_read_more_is_not_the_title() -> None:
    text = f"Backstage at the Moulin Rouge\n\nRead more\n\n{BODY}\n\n{BODY_2}"

    assert guess_title(text, classify_blocks(text)) is None


# ---------------------------------------------------------------- single lines


@pytest.mark.parametrize(
    ("line", "reason"),
    [
        ("© 2017 Example News. All rights reserved.", "copyright notice"),
        ("© Reuters / Jonathan Ernst", "photo credit"),
        ("By Jane Doe", "byline"),
        ("Share", "navigation link"),
        ("Don’t miss", "navigation link"),
        ("Related stories", "navigation link"),
        ("Updated: July 22, 2017", "update date"),
        ("  Read more  ", "navigation link"),
    ],
)
def test_furniture_reason_of_single_lines(line: str, reason: str) -> None:
    assert furniture_reason(line) == reason


@pytest.mark.parametrize("line", [BODY, "By Friday, the White House had said nothing.", "Sessions declined."])
def test_furniture_reason_is_none_for_body_text(line: str) -> None:
    assert furniture_reason(line) is None


# ------------------------------------------------------------------- the dev set

DEVSET = Path(__file__).parent / "data/devset"
DEVSET_IDS = sorted(path.stem for path in (DEVSET / "articles").glob("*.txt"))


def test_the_devset_is_here() -> None:
    assert len(DEVSET_IDS) == 6


@pytest.mark.parametrize("doc_id", DEVSET_IDS)
def test_devset_article_drops_exactly_its_page_furniture(doc_id: str) -> None:
    """Gold lists the dropped paragraphs (byline, date, photo credit, "Read more:", ...)."""
    gold = orjson.loads((DEVSET / "gold" / f"{doc_id}.json").read_bytes())
    (draft,) = read_articles([DEVSET / "articles" / f"{doc_id}.txt"])
    assert draft.title == gold["title"]
    assert [b.text for b in draft.dropped if b.text != draft.title] == gold["dropped"]
    assert draft.sentence_texts() == [s["text"] for s in gold["sentences"]]


@pytest.mark.parametrize(
    ("line", "reason"),
    [
        ("Photo: Lise Ambrose/Northgate Courier", "photo credit"),
        ("Photograph: Sean Smith/The Guardian", "photo credit"),
        ("Image source: Getty Images", "photo credit"),
        ("Picture credit: Reuters", "photo credit"),
        ("Read more: Council approves new cycle lanes on Fenwick Road", "navigation link"),
        ("Related: Why the bridge contract was never put out to tender", "navigation link"),
        ("READ MORE » Five things we learned from the budget", "navigation link"),
        ("Published 9 October 2024, 07:42 BST", "publication date"),
        ("Updated 10:42 a.m. ET", "publication date"),
    ],
)
def test_photo_credits_related_links_and_date_lines_are_furniture(line: str, reason: str) -> None:
    assert furniture_reason(line) == reason


@pytest.mark.parametrize(
    "line",
    [
        "More than 200 people were evacuated, police said.",
        "Photographs taken at the scene show the roof had collapsed, investigators said.",
        "Updated figures released on Monday show 14 buses were lost.",
        "Published in 2019, the report found that most depots lacked sprinklers.",
        "Watch officials have warned about the risk for years.",
        "Related costs rose by 9% in the third quarter, the company said.",
    ],
)
def test_news_sentences_that_start_like_furniture_are_kept(line: str) -> None:
    assert furniture_reason(line) is None
