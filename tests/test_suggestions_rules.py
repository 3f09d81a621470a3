"""The attribution rules on small invented texts: each behaviour the issue lists, with
sources given only by label and aliases (nothing here is in the rules' word lists)."""

from __future__ import annotations

import re

from hypothesis import given, settings
from hypothesis import strategies as st

from annotator.domain.article import SourceSpec
from annotator.domain.segmentation import split_sentences
from annotator.domain.suggestions import Suggestion, suggest_labels


def _suggest(text: str, sources: list[SourceSpec] | None = None) -> list[Suggestion]:
    paragraphs = [(m.start(), m.end()) for m in re.finditer(r"[^\n]+", text)]
    spans = split_sentences(text, paragraphs)
    return suggest_labels(text, spans, sources or [])


def _brief(s: Suggestion) -> tuple[object, ...]:
    return (
        s.is_claim,
        s.source,
        s.source_other,
        s.cue and s.cue.text,
        s.source_mention and s.source_mention.text,
    )


MAYOR = SourceSpec("okon", "Ada Okon, mayor of Tarrow", ("Ada Okon", "Okon", "the mayor"))
UNION = SourceSpec("union", "Tarrow Drivers Union", ("Tarrow Drivers Union", "the union"))
CHIEF = SourceSpec("pell", "Joss Pell, police chief", ("Joss Pell", "Pell"))


def test_cue_before_and_after_the_content_and_according_to() -> None:
    got = _suggest(
        "Ada Okon said the bridge would reopen in May.\n"
        "The repairs cost $2 million, the mayor said.\n"
        "According to the union, drivers were never consulted.\n",
        [MAYOR, UNION],
    )
    assert [_brief(s) for s in got] == [
        (True, "okon", None, "said", "Ada Okon"),
        (True, "okon", None, "said", "the mayor"),
        (True, "union", None, "According to", "the union"),
    ]


def test_offsets_are_document_offsets() -> None:
    text = "Title line stays out.\nAda Okon told reporters the plan was final.\n"
    paragraphs = [(22, len(text) - 1)]
    got = suggest_labels(text, split_sentences(text, paragraphs), [MAYOR])
    for span in (got[0].cue, got[0].source_mention):
        assert span is not None and text[span.start : span.end] == span.text
    assert got[0].source_mention is not None and got[0].source_mention.start == 22


def test_pronoun_goes_to_the_nearest_compatible_source() -> None:
    got = _suggest(
        "Ada Okon said she would resign if the vote failed. "
        "Joss Pell said his officers kept the march peaceful.\n"
        "The union said it would strike. She added that the city had no money.\n",
        [MAYOR, UNION, CHIEF],
    )
    assert got[2].source == "union"
    # "She": the union is not a person, and Pell, though nearer, is a "he" ("his officers").
    assert got[3].source == "okon" and got[3].source_mention is not None
    assert got[3].carried_from == 0


def test_title_without_alias_picks_the_source_whose_label_has_it() -> None:
    spokesman = SourceSpec("fire", "Spokesman for the fire service", ("a fire service spokesman",))
    analyst = SourceSpec("ito", "Mei Ito, analyst at Brandt Bank", ("Mei Ito",))
    got = _suggest(
        "A fire service spokesman said the blaze was out. Mei Ito said costs would rise.\n"
        "The spokesman said no one was hurt. The analyst said insurers would pay.\n",
        [spokesman, analyst],
    )
    assert [s.source for s in got] == ["fire", "ito", "fire", "ito"]
    assert got[2].source_mention is not None and got[2].source_mention.text == "The spokesman"


def test_quotation_over_sentences_and_paragraphs_and_speaker_in_next_sentence() -> None:
    got = _suggest(
        "“We will not close the depot. Not this year. Not next year,” Ada Okon said.\n"
        "“The drivers deserve better.”\n"
        "Buses ran late on Monday.\n"
        "“We were not asked.” Joss Pell told the council the plan was rushed.\n",
        [MAYOR, CHIEF],
    )
    assert [s.source for s in got] == ["okon", "okon", "okon", "okon", "author", "pell", "pell"]
    assert got[0].carried_from == 2 and got[0].cue is None
    assert got[3].carried_from == 2  # the quotation continues in a new paragraph
    assert got[5].carried_from == 6  # the speaker is named in the next sentence


def test_nested_attribution_labels_the_outer_source_and_names_the_inner_one() -> None:
    paper = SourceSpec("ledger", "The Tarrow Ledger", ("The Tarrow Ledger", "the Ledger"))
    got = _suggest("The Tarrow Ledger cited a council clerk as saying the vote was rigged.\n", [paper])
    assert _brief(got[0]) == (True, "ledger", None, "cited", "The Tarrow Ledger")
    assert "a council clerk" in got[0].reason


def test_refusal_and_outlet_voice_are_the_author() -> None:
    got = _suggest(
        "TARROW, May 2 (Keel News) - The depot closed on Friday.\n"
        "Ada Okon declined to comment on the closure. Keel News could not confirm the figure.\n",
        [MAYOR],
    )
    assert [s.source for s in got] == ["author", "author", "author"]
    assert got[0].source_mention is not None and got[0].source_mention.text == "Keel News"
    assert got[1].cue is None and got[1].source_mention is None
    assert "refusal" in got[1].reason


def test_unlisted_speaker_is_other_with_the_name() -> None:
    got = _suggest("Resident Tom Brady-Keane, 61, said the noise kept him awake.\n", [MAYOR])
    assert _brief(got[0]) == (True, "other", "Tom Brady-Keane", "said", "Tom Brady-Keane")


def test_transitions_and_calls_to_action_are_not_claims() -> None:
    got = _suggest("So what happens next?\nSend us your photos using the form below.\nThe depot closed.\n")
    assert [s.is_claim for s in got] == [False, False, True]


def test_same_input_same_suggestions_with_a_reason_each() -> None:
    text = "Ada Okon said the bridge would reopen. She added that tolls would stay.\n"
    first, second = _suggest(text, [MAYOR]), _suggest(text, [MAYOR])
    assert first == second
    assert all(s.reason and 0.0 <= s.score <= 1.0 for s in first)
    assert all(s.carried_from is None or s.carried_from != s.sentence_index for s in first)


_FRAGMENTS = [
    "Ada Okon said",
    "she added",
    "“We will win,”",
    "the mayor told reporters",
    "according to the union",
    '"It is over',
    "”",
    "He declined to comment.",
    "The union, which has 400 members, said",
    "In her telling,",
    "cited an official as saying",
    "Dr Li Wei",
    "So what next?",
    "the company",
    "Prices rose 4%.",
    "«Non»",
    "It",
    ",",
    ".",
]


@settings(max_examples=150, deadline=None)
@given(st.lists(st.lists(st.sampled_from(_FRAGMENTS), min_size=1, max_size=12), min_size=1, max_size=6))
def test_any_text_gets_one_well_formed_suggestion_per_sentence(paragraphs: list[list[str]]) -> None:
    text = "\n".join(" ".join(words) for words in paragraphs) + "\n"
    spans = split_sentences(text, [(m.start(), m.end()) for m in re.finditer(r"[^\n]+", text)])
    got = suggest_labels(text, spans, [MAYOR, UNION])
    assert [s.sentence_index for s in got] == list(range(len(spans)))
    for suggestion, span in zip(got, spans, strict=True):
        assert 0.0 <= suggestion.score <= 1.0 and suggestion.reason
        evidence = (suggestion.source, suggestion.cue, suggestion.source_mention)
        assert suggestion.is_claim or evidence == (None, None, None)
        assert (suggestion.source == "other") == (suggestion.source_other is not None)
        for part in (suggestion.cue, suggestion.source_mention):
            if part is not None:
                assert span.start <= part.start < part.end <= span.end
                assert text[part.start : part.end] == part.text
        if suggestion.carried_from is not None:
            assert 0 <= suggestion.carried_from < len(spans)
            assert suggestion.carried_from != suggestion.sentence_index


def test_possessive_title_is_a_mention() -> None:
    spokeswoman = SourceSpec("tarrow-spokeswoman", "Spokeswoman for Tarrow council", ("a spokeswoman",))
    got = _suggest("The council's spokeswoman said the depot would close.\n", [spokeswoman])
    assert _brief(got[0]) == (True, "tarrow-spokeswoman", None, "said", "The council's spokeswoman")
    unlisted = _suggest("Tarrow Buses' chief executive told staff the depot would close.\n")
    assert _brief(unlisted[0])[:4] == (True, "other", "Tarrow Buses' chief executive", "told")
