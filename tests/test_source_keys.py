"""Source keys from names: always valid against the label schema, never clashing."""

from __future__ import annotations

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from annotator.domain.source_keys import source_key_for
from annotator.exchange.schemas import load_label_schema

SCHEMA = load_label_schema()


@pytest.mark.parametrize(
    ("name", "key"),
    [
        ("Fire chief Maria Lopez", "fire-chief-maria-lopez"),
        ("  Le porte-parole d'Élysée ", "le-porte-parole-d-elysee"),
        ("US official (unnamed)", "us-official-unnamed"),
        ("北京", "source"),
        ("A" * 100, "a" * 64),
    ],
)
def test_keys_read_like_the_name(name: str, key: str) -> None:
    assert source_key_for(name) == key


def test_a_taken_or_special_key_gets_a_number() -> None:
    taken = {"the-mayor", "the-mayor-2"}
    assert source_key_for("The Mayor", taken=taken) == "the-mayor-3"
    assert source_key_for("Author", reserved=SCHEMA.special_keys) == "author-2"
    long_taken = {"a" * 64}
    assert source_key_for("A" * 100, taken=long_taken) == "a" * 62 + "-2"


@given(st.text(max_size=120), st.sets(st.text(alphabet="ab-", min_size=1, max_size=5), max_size=5))
def test_every_key_is_valid_and_new(name: str, taken: set[str]) -> None:
    key = source_key_for(name, taken=taken, reserved=SCHEMA.special_keys)
    assert SCHEMA.is_valid_source_key(key) and re.fullmatch(SCHEMA.source_key_pattern, key)
    assert key not in taken and key not in SCHEMA.special_keys
