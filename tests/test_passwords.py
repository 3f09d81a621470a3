"""Generated passwords: no characters that read as one another, and enough of them."""

from __future__ import annotations

import math
import re

from annotator.domain.passwords import PASSWORD_ALPHABET, generate_password

LOOK_ALIKES = set("0Oo1lIi|")


def test_generated_passwords_avoid_look_alike_characters() -> None:
    seen: set[str] = set()
    for _ in range(2000):
        password = generate_password()
        assert re.fullmatch(r"[a-z2-9]{4}(-[a-z2-9]{4}){3}", password), password
        seen |= set(password.replace("-", ""))
    assert not seen & LOOK_ALIKES
    assert seen == set(PASSWORD_ALPHABET)  # every allowed character turns up: no hidden bias


def test_generated_passwords_keep_their_strength() -> None:
    assert 16 * math.log2(len(PASSWORD_ALPHABET)) > 75
    assert len({generate_password() for _ in range(500)}) == 500
