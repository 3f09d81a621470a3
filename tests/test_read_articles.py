"""Reading article files (.txt, .html, .json, .jsonl) into drafts, and every bad-input error."""

from __future__ import annotations

import re
import shutil
import time
from pathlib import Path
from typing import Any

import orjson
import pytest

from annotator.domain.article import ArticleDraft, SourceSpec
from annotator.domain.errors import InputError
from annotator.exchange.articles import (
    MAX_LINE_CHARS,
    article_from_html,
    article_from_text,
    load_sample_article,
    read_articles,
    read_records,
    read_sources_file,
    read_upload,
)
from tests.test_segmentation import GOLD

SAMPLE = Path(__file__).parent.parent / "annotator/data/sample/france24-sessions-kislyak.txt"
HEADLINE = "US attorney general discussed Trump campaign with Russian ambassador, says report"
FURNITURE = ["Read more", "©", "Text by", "Latest update", "Date created", "•", "#TECH", "Don't miss"]
SAMPLE_KEYS = [
    "intercepts",
    "us-official",
    "doj-spokeswoman",
    "trump-nyt",
    "sessions",
    "washington-post",
    "kislyak",
    "us-officials",
]

BODY = (
    "Jeff Sessions discussed Donald Trump's White House bid with the Russian ambassador. "
    "The Justice Department declined to comment."
)
WAPO = SourceSpec("washington-post", "The Washington Post", ("Washington Post",))

PAGE = """<!DOCTYPE html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <title>Sessions discussed campaign with Kislyak | Example News</title>
  <meta property="og:title" content="Sessions discussed campaign with Kislyak, says report">
  <meta property="og:url" content="https://news.example.com/2017/07/22/sessions-kislyak">
  <meta property="article:published_time" content="2017-07-22T10:00:00Z">
  <script>var tracking = "Read this script text";</script>
</head>
<body>
  <header><nav><ul>
    <li><a href="/">Home</a></li>
    <li><a href="/world">World news</a></li>
    <li><a href="/subscribe">Subscribe to our newsletter</a></li>
  </ul></nav></header>
  <main>
    <article>
      <h1>Sessions discussed campaign with Kislyak, says report</h1>
      <p class="byline">By Jane Doe</p>
      <p>Jeff Sessions discussed Donald Trump's White House bid with the Russian ambassador,
         according to US intelligence intercepts cited in the Washington Post on Friday.</p>
      <p>Sergey Kislyak told his superiors in Moscow that he discussed campaign-related matters
         with Sessions. The Justice Department declined to comment on the report.</p>
      <p>Sessions has said that the meetings were not about the campaign. He recused himself
         from the Russia probe in March.</p>
    </article>
    <aside class="related">
      <h2>Related stories</h2>
      <ul>
        <li><a href="/a">Trump names Jeff Sessions attorney general</a></li>
        <li><a href="/b">US Senate confirms Sessions after bitter battle</a></li>
      </ul>
    </aside>
  </main>
  <footer>
    <p>© 2017 Example News. All rights reserved.</p>
    <a href="/privacy">Privacy policy</a>
  </footer>
</body>
</html>
"""


def record(**fields: Any) -> dict[str, Any]:
    """A valid record, with fields replaced (a value of ... removes the field)."""
    base: dict[str, Any] = {
        "id": "a1",
        "title": "Sessions and Kislyak",
        "text": BODY,
        "sources": [{"key": "washington-post", "label": "The Washington Post"}],
    }
    base.update(fields)
    return {key: value for key, value in base.items() if value is not ...}


def write_jsonl(path: Path, *records: Any) -> Path:
    lines = [r if isinstance(r, str) else orjson.dumps(r).decode() for r in records]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def raises_input_error(paths: list[Path]) -> InputError:
    with pytest.raises(InputError) as caught:
        read_articles(paths)
    return caught.value


# ------------------------------------------------------------------- plain text


@pytest.fixture
def sample_copy(tmp_path: Path) -> Path:
    return Path(shutil.copy(SAMPLE, tmp_path / "france24.txt"))


def test_sample_text_file_gives_the_17_gold_sentences(sample_copy: Path) -> None:
    [draft] = read_articles([sample_copy], sources=[WAPO])

    assert draft.sentence_texts() == GOLD
    assert draft.text == sample_copy.read_text(encoding="utf-8")  # stored unchanged
    for span, sentence in zip(draft.sentences, GOLD, strict=True):
        assert draft.text[span.start : span.end] == sentence
    assert [s.paragraph for s in draft.sentences] == [0, 1, 2, 3, 4, 5, 5, 6, 6, 6, 6, 7, 7, 7, 8, 8, 9]
    assert draft.id == "france24"
    assert draft.title == HEADLINE
    assert draft.sources == (WAPO,)
    assert draft.published == "2017-07-22"
    assert draft.origin == str(sample_copy)


def test_sample_sentences_hold_no_page_furniture(sample_copy: Path) -> None:
    [draft] = read_articles([sample_copy])

    for sentence in draft.sentence_texts():
        for furniture in FURNITURE:
            assert furniture not in sentence
        assert HEADLINE not in sentence


def test_sample_dropped_blocks_are_listed_with_reasons(sample_copy: Path) -> None:
    [draft] = read_articles([sample_copy])

    reasons = {block.text: block.reason for block in draft.dropped}
    assert reasons["Read more"] == "navigation link"
    assert reasons[HEADLINE] == "headline (used as the title)"
    assert reasons["Text by FRANCE 24"] == "byline"
    assert reasons["Date created : 2017-07-22"] == "publication date"
    assert all(block.reason for block in draft.dropped)


def test_packaged_sample_has_its_sources_id_and_title() -> None:
    draft = load_sample_article()

    assert draft.id == "france24-sessions-kislyak"
    assert draft.title == HEADLINE
    assert draft.sentence_texts() == GOLD
    assert [s.key for s in draft.sources] == SAMPLE_KEYS
    by_key = {s.key: s for s in draft.sources}
    assert by_key["intercepts"].label == "US intelligence intercepts"
    assert by_key["us-official"].label == "Unnamed US official"
    assert by_key["doj-spokeswoman"].label == "DoJ spokeswoman Sarah Isgur Flores"
    assert "Sarah Isgur Flores" in by_key["doj-spokeswoman"].aliases
    assert "justice department" in by_key["doj-spokeswoman"].aliases
    assert by_key["trump-nyt"].label == "Trump's New York Times interview"
    assert by_key["us-officials"].label == "Current and former US intelligence officials"


def test_text_without_headline_takes_the_file_stem_as_title(tmp_path: Path) -> None:
    path = tmp_path / "plain-article.txt"
    path.write_text(BODY + "\n", encoding="utf-8")

    [draft] = read_articles([path])

    assert draft.title == "plain-article"
    assert draft.sentence_texts() == [
        "Jeff Sessions discussed Donald Trump's White House bid with the Russian ambassador.",
        "The Justice Department declined to comment.",
    ]


def test_byte_order_mark_is_not_part_of_the_text(tmp_path: Path) -> None:
    path = tmp_path / "bom.txt"
    path.write_bytes(b"\xef\xbb\xbf" + BODY.encode())

    [draft] = read_articles([path])

    assert draft.text == BODY


def test_article_from_text_for_uploads_matches_the_file_reader(sample_copy: Path) -> None:
    text = sample_copy.read_text(encoding="utf-8")

    draft = article_from_text(text, id="upload", sources=[WAPO], origin="upload.txt")

    assert draft.sentence_texts() == GOLD
    assert (draft.id, draft.title, draft.sources) == ("upload", HEADLINE, (WAPO,))
    assert article_from_text(text, id="x", title="Given title").title == "Given title"


def test_read_upload_reads_bytes_by_extension(sample_copy: Path) -> None:
    [draft] = read_upload("france24.txt", sample_copy.read_bytes())

    assert draft.id == "france24"
    assert len(draft.sentences) == 17


# ------------------------------------------------------------------------- HTML


def test_html_page_keeps_body_sentences_and_drops_navigation(tmp_path: Path) -> None:
    path = tmp_path / "page.html"
    path.write_text(PAGE, encoding="utf-8")

    [draft] = read_articles([path], sources=[WAPO])

    assert draft.sentence_texts() == [
        # trafilatura normalises the whitespace inside a paragraph.
        "Jeff Sessions discussed Donald Trump's White House bid with the Russian ambassador, "
        "according to US intelligence intercepts cited in the Washington Post on Friday.",
        "Sergey Kislyak told his superiors in Moscow that he discussed campaign-related matters "
        "with Sessions.",
        "The Justice Department declined to comment on the report.",
        "Sessions has said that the meetings were not about the campaign.",
        "He recused himself from the Russia probe in March.",
    ]
    for span in draft.sentences:
        assert draft.text[span.start : span.end].strip() == draft.text[span.start : span.end]
    assert draft.id == "page"
    assert draft.title == "Sessions discussed campaign with Kislyak, says report"
    assert draft.url == "https://news.example.com/2017/07/22/sessions-kislyak"
    assert draft.published == "2017-07-22"
    assert draft.sources == (WAPO,)

    dropped = {block.text: block.reason for block in draft.dropped}
    for navigation in ("Home", "World news", "Subscribe to our newsletter", "Related stories"):
        assert navigation in dropped
    assert "Trump names Jeff Sessions attorney general" in dropped
    assert "Privacy policy" in dropped
    assert dropped["© 2017 Example News. All rights reserved."] == "copyright notice"
    assert dropped["Sessions discussed campaign with Kislyak, says report"] == "headline (used as the title)"
    assert not any("script text" in text for text in dropped)
    for sentence in draft.sentence_texts():
        assert "Home" not in sentence and "Related" not in sentence and "©" not in sentence


def test_html_without_article_text_is_an_empty_article(tmp_path: Path) -> None:
    path = tmp_path / "nav.htm"
    path.write_text("<html><body><nav><a href='/'>Home</a></nav></body></html>", encoding="utf-8")

    error = raises_input_error([path])

    assert "empty article: no sentences found in" in error.message
    assert error.file == str(path)


def test_article_from_html_for_uploads() -> None:
    draft = article_from_html(PAGE, id="up", origin="up.html")

    assert draft.id == "up"
    assert len(draft.sentences) == 5


# ---------------------------------------------------------------------- records


def test_jsonl_records(tmp_path: Path) -> None:
    path = write_jsonl(
        tmp_path / "a.jsonl",
        record(url="https://example.com/a1", published="2017-07-22"),
        "",
        record(id="a2", text="First line here.\nRead more\n\nSecond paragraph. Two sentences."),
    )

    first, second = read_articles([path])

    assert first.id == "a1" and first.title == "Sessions and Kislyak"
    assert first.url == "https://example.com/a1" and first.published == "2017-07-22"
    assert first.sources == (SourceSpec("washington-post", "The Washington Post"),)
    assert first.origin == f"{path}:1"
    # The text of a record is trusted: "Read more" stays, each line is a paragraph.
    assert second.sentence_texts() == ["First line here.", "Read more", "Second paragraph.", "Two sentences."]
    assert [s.paragraph for s in second.sentences] == [0, 1, 2, 2]
    assert second.dropped == ()
    assert second.origin == f"{path}:3"


def test_json_single_record_and_list(tmp_path: Path) -> None:
    single = tmp_path / "one.json"
    single.write_bytes(orjson.dumps(record(sources=[{"key": "k", "label": "K", "aliases": ["kay"]}])))
    listed = tmp_path / "many.json"
    listed.write_bytes(orjson.dumps([record(id="b1"), record(id="b2")]))

    drafts = read_articles([single, listed])

    assert [d.id for d in drafts] == ["a1", "b1", "b2"]
    assert drafts[0].sources == (SourceSpec("k", "K", ("kay",)),)


def test_record_without_sources_gets_the_given_sources(tmp_path: Path) -> None:
    path = write_jsonl(tmp_path / "a.jsonl", record(sources=...))

    [draft] = read_articles([path], sources=[WAPO])

    assert draft.sources == (WAPO,)


def test_read_records_from_bytes() -> None:
    data = orjson.dumps(record()) + b"\n" + orjson.dumps(record(id="a2"))

    drafts = read_records(data, name="upload.jsonl")

    assert [d.id for d in drafts] == ["a1", "a2"]


# ------------------------------------------------------------------ bad records


def test_invalid_json_in_jsonl_names_file_and_line(tmp_path: Path) -> None:
    path = write_jsonl(tmp_path / "bad.jsonl", record(), '{"id": "a2", "title": oops}')

    error = raises_input_error([path])

    assert (error.file, error.line) == (str(path), 2)
    assert "not valid JSON" in error.message
    assert str(error).startswith(f"{path}:2: not valid JSON")


def test_invalid_json_file_names_the_line(tmp_path: Path) -> None:
    path = tmp_path / "bad.json"
    path.write_text('[\n  {"id": "a1",\n   "title": }\n]\n', encoding="utf-8")

    error = raises_input_error([path])

    assert (error.file, error.line) == (str(path), 3)
    assert "not valid JSON" in error.message


def test_missing_field_names_file_line_and_field(tmp_path: Path) -> None:
    path = write_jsonl(tmp_path / "a.jsonl", record(), record(id="a2"), record(id="a3", text=...))

    error = raises_input_error([path])

    assert (error.file, error.line, error.field) == (str(path), 3, "text")
    assert error.message == "missing required field"
    assert str(error).startswith(f"{path}:3: field 'text': missing required field")


def test_mistyped_field_names_file_line_and_field(tmp_path: Path) -> None:
    path = write_jsonl(tmp_path / "a.jsonl", record(title=5))

    error = raises_input_error([path])

    assert (error.file, error.line, error.field) == (str(path), 1, "title")
    assert error.message == "must be a string, not a number"


def test_mistyped_field_in_a_json_list_names_the_record(tmp_path: Path) -> None:
    path = tmp_path / "a.json"
    path.write_bytes(orjson.dumps([record(), record(id="a2", url=["x"])]))

    error = raises_input_error([path])

    assert (error.file, error.field) == (str(path), "[1].url")
    assert "must be a string or null, not a list" in error.message


def test_unknown_field_is_reported(tmp_path: Path) -> None:
    path = write_jsonl(tmp_path / "a.jsonl", record(titel="typo"))

    error = raises_input_error([path])

    assert (error.line, error.field, error.message) == (1, "titel", "unknown field")
    assert error.hint is not None and "title" in error.hint


def test_record_that_is_not_an_object(tmp_path: Path) -> None:
    path = write_jsonl(tmp_path / "a.jsonl", record(), [1, 2])

    error = raises_input_error([path])

    assert (error.line, error.message) == (2, "expected a record object, not a list")


def test_empty_text_is_an_error(tmp_path: Path) -> None:
    path = write_jsonl(tmp_path / "a.jsonl", record(text="  \n "))

    error = raises_input_error([path])

    assert (error.file, error.line, error.field, error.message) == (str(path), 1, "text", "empty text")


@pytest.mark.parametrize("key", ["Washington Post", "-post", "", "a" * 65, "wapo!", "WaPo"])
def test_bad_source_key_names_the_source(tmp_path: Path, key: str) -> None:
    path = write_jsonl(
        tmp_path / "a.jsonl",
        record(sources=[{"key": "ok", "label": "OK"}, {"key": key, "label": "Bad"}]),
    )

    error = raises_input_error([path])

    assert (error.file, error.line, error.field) == (str(path), 1, "sources[1].key")
    assert "source key" in error.message or error.message == "empty key"


def test_duplicate_source_keys(tmp_path: Path) -> None:
    path = write_jsonl(
        tmp_path / "a.jsonl",
        record(sources=[{"key": "wapo", "label": "A"}, {"key": "wapo", "label": "B"}]),
    )

    error = raises_input_error([path])

    assert (error.line, error.field, error.message) == (1, "sources[1].key", "duplicate source key 'wapo'")


@pytest.mark.parametrize(
    ("sources", "field", "message"),
    [
        ("wapo", "sources", "must be a list of sources, not a string"),
        (["wapo"], "sources[0]", "a source must be an object, not a string"),
        ([{"key": "wapo"}], "sources[0].label", "missing required field"),
        (
            [{"key": "wapo", "label": "W", "aliases": "Post"}],
            "sources[0].aliases",
            "must be a list of strings",
        ),
        ([{"key": "wapo", "label": "W", "url": "x"}], "sources[0].url", "unknown field"),
    ],
)
def test_mistyped_sources(tmp_path: Path, sources: Any, field: str, message: str) -> None:
    path = write_jsonl(tmp_path / "a.jsonl", record(sources=sources))

    error = raises_input_error([path])

    assert (error.line, error.field, error.message) == (1, field, message)


def test_duplicate_ids_in_one_file(tmp_path: Path) -> None:
    path = write_jsonl(tmp_path / "a.jsonl", record(), record(id="a2"), record())

    error = raises_input_error([path])

    assert (error.file, error.line, error.field) == (str(path), 3, "id")
    assert error.message == "duplicate id 'a1'"
    assert error.hint is not None and f"{path}:1" in error.hint


def test_duplicate_ids_across_files(tmp_path: Path) -> None:
    text_file = tmp_path / "a1.txt"
    text_file.write_text(BODY, encoding="utf-8")
    records = write_jsonl(tmp_path / "more.jsonl", record(id="zz"), record(id="a1"))

    error = raises_input_error([text_file, records])

    assert (error.file, error.line, error.field) == (str(records), 2, "id")
    assert error.hint is not None and str(text_file) in error.hint


def test_no_records(tmp_path: Path) -> None:
    path = tmp_path / "empty.jsonl"
    path.write_text("\n\n", encoding="utf-8")

    error = raises_input_error([path])

    assert (error.file, error.message) == (str(path), "no records found")


# ------------------------------------------------------------------- bad files


def test_non_utf8_file_names_byte_and_line(tmp_path: Path) -> None:
    path = tmp_path / "latin1.txt"
    path.write_bytes(BODY.encode() + b"\n\nSecond line\nCaf\xe9 au lait.\n")

    error = raises_input_error([path])

    offset = len(BODY.encode()) + len(b"\n\nSecond line\nCaf")
    assert (error.file, error.line) == (str(path), 4)
    assert error.message == f"not valid UTF-8 at byte {offset}"
    assert error.hint == "save the file as UTF-8"


def test_non_utf8_jsonl_names_the_line(tmp_path: Path) -> None:
    path = tmp_path / "latin1.jsonl"
    path.write_bytes(orjson.dumps(record()) + b'\n{"id": "\xe9"}\n')

    error = raises_input_error([path])

    assert (error.file, error.line) == (str(path), 2)
    assert "not valid UTF-8" in error.message


def test_text_of_only_furniture_is_an_empty_article(tmp_path: Path) -> None:
    path = tmp_path / "furniture.txt"
    path.write_text("Don't miss\n\nRead more\n\n#TECH 24\n\nShare\n", encoding="utf-8")

    error = raises_input_error([path])

    assert error.file == str(path)
    assert error.message == f"empty article: no sentences found in {path}"


def test_blank_text_file_is_an_empty_article(tmp_path: Path) -> None:
    path = tmp_path / "blank.txt"
    path.write_text("\n  \n", encoding="utf-8")

    error = raises_input_error([path])

    assert error.message.startswith("empty article: no sentences found in")


@pytest.mark.parametrize("suffix", [".txt", ".jsonl"])
def test_ten_megabyte_single_line_is_a_clean_error(tmp_path: Path, suffix: str) -> None:
    path = tmp_path / f"huge{suffix}"
    line = ("word " * 2_000_000).strip()
    if suffix == ".jsonl":
        line = orjson.dumps(record(text=line)).decode()
    path.write_text(line, encoding="utf-8")
    assert path.stat().st_size > 9_900_000

    started = time.perf_counter()
    error = raises_input_error([path])
    elapsed = time.perf_counter() - started

    assert elapsed < 5
    assert (error.file, error.line) == (str(path), 1)
    assert re.match(r"line too long: \d{1,2},\d{3},\d{3} characters", error.message)
    assert f"the limit is {MAX_LINE_CHARS:,} per line" in error.message


def test_ten_megabyte_paragraph_in_a_web_page_is_a_clean_error(tmp_path: Path) -> None:
    path = tmp_path / "huge.html"
    words = ("word " * 2_000_000).strip()
    path.write_text(f"<html><body><article><p>{words}</p></article></body></html>", encoding="utf-8")

    started = time.perf_counter()
    with pytest.raises(InputError) as caught:
        read_upload("huge.html", path.read_bytes())
    elapsed = time.perf_counter() - started

    assert elapsed < 10
    assert caught.value.file == "huge.html"
    assert "file too large" in caught.value.message or "too long" in caught.value.message


def test_long_paragraph_in_a_small_web_page_is_a_clean_error() -> None:
    words = "word " * (MAX_LINE_CHARS // 5 + 1)
    page = f"<html><body><article><p>{words}</p></article></body></html>"

    with pytest.raises(InputError) as caught:
        article_from_html(page, id="p", origin="p.html")

    assert caught.value.file == "p.html"
    assert caught.value.message.startswith("a paragraph of the page is too long")


def test_long_line_in_a_record_text_names_the_field(tmp_path: Path) -> None:
    # In .json (not .jsonl) the file's own lines are not capped, the record's text is.
    path = tmp_path / "a.json"
    long_text = "Intro.\n" + "x" * (MAX_LINE_CHARS + 1)
    path.write_bytes(orjson.dumps([record(), record(id="a2", text=long_text)]))

    error = raises_input_error([path])

    assert (error.file, error.line, error.field) == (str(path), None, "[1].text")
    assert error.message.startswith("line 2 of the text is too long")


@pytest.mark.parametrize("name", ["article.docx", "article.pdf", "README"])
def test_unknown_extension_lists_the_accepted_ones(tmp_path: Path, name: str) -> None:
    path = tmp_path / name
    path.write_text(BODY, encoding="utf-8")

    error = raises_input_error([path])

    assert error.file == str(path)
    assert error.message.startswith("unsupported file type")
    assert error.hint is not None
    for extension in (".txt", ".html", ".htm", ".json", ".jsonl"):
        assert extension in error.hint


def test_missing_file(tmp_path: Path) -> None:
    error = raises_input_error([tmp_path / "nope.txt"])

    assert (error.file, error.message) == (str(tmp_path / "nope.txt"), "file not found")


def test_reading_is_all_or_nothing(tmp_path: Path, sample_copy: Path) -> None:
    good = write_jsonl(tmp_path / "good.jsonl", record())
    bad = write_jsonl(tmp_path / "bad.jsonl", record(id="b1"), record(id="b2", title=None))
    result: list[ArticleDraft] | None = None

    with pytest.raises(InputError) as caught:
        result = read_articles([sample_copy, good, bad])

    assert result is None
    assert (caught.value.file, caught.value.line, caught.value.field) == (str(bad), 2, "title")


# ---------------------------------------------------------------- sources files


def test_sources_file_json_and_yaml(tmp_path: Path) -> None:
    as_json = tmp_path / "sources.json"
    as_json.write_text(
        '[{"key": "wapo", "label": "The Washington Post", "aliases": ["the Post"]}]', encoding="utf-8"
    )
    as_yaml = tmp_path / "sources.yaml"
    as_yaml.write_text(
        "- key: wapo\n  label: The Washington Post\n  aliases: [the Post]\n- key: nyt\n  label: NYT\n",
        encoding="utf-8",
    )

    assert read_sources_file(as_json) == [SourceSpec("wapo", "The Washington Post", ("the Post",))]
    assert read_sources_file(as_yaml) == [
        SourceSpec("wapo", "The Washington Post", ("the Post",)),
        SourceSpec("nyt", "NYT"),
    ]


def test_sources_file_may_be_an_object_with_sources() -> None:
    path = SAMPLE.with_name("france24-sessions-kislyak.sources.json")

    assert [s.key for s in read_sources_file(path)] == SAMPLE_KEYS


def test_sources_file_errors(tmp_path: Path) -> None:
    bad_key = tmp_path / "bad.yml"
    bad_key.write_text("- key: Washington Post\n  label: WaPo\n", encoding="utf-8")
    bad_yaml = tmp_path / "broken.yaml"
    bad_yaml.write_text("- key: wapo\n  label: [unclosed\n", encoding="utf-8")
    wrong_type = tmp_path / "sources.csv"
    wrong_type.write_text("key,label\n", encoding="utf-8")

    with pytest.raises(InputError) as caught:
        read_sources_file(bad_key)
    assert (caught.value.file, caught.value.field) == (str(bad_key), "sources[0].key")

    with pytest.raises(InputError) as caught:
        read_sources_file(bad_yaml)
    assert caught.value.file == str(bad_yaml)
    assert caught.value.line is not None and "not valid YAML" in caught.value.message

    with pytest.raises(InputError, match="unsupported sources file type"):
        read_sources_file(wrong_type)
