"""Words in a sentence that may name a source, and what they refer to.

A *mention* is a span of a sentence's unquoted text: an alias of one of the article's
sources (matched on its label and aliases, case-insensitively, whole words), a proper
name, a description headed by a role noun ("a spokesman for the fire service"), or a
subject pronoun.  :class:`SourceCatalogue` knows the article's sources: their surface
forms, whether they are a person, an organisation or a document, and the gender their
titles give.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Literal

from annotator.domain.article import SourceSpec
from annotator.domain.suggestions import lexicon as lx

Kind = Literal["alias", "name", "description", "pronoun"]
EntityType = Literal["person", "organisation", "document"]


@dataclass(frozen=True)
class Mention:
    """A span ``[start, end)`` of the sentence (sentence offsets) that may name a source."""

    start: int
    end: int
    text: str
    kind: Kind
    keys: tuple[str, ...] = ()  # the listed sources an alias or surname names


@dataclass(frozen=True)
class SourceProfile:
    key: str
    surfaces: tuple[str, ...]
    entity_type: EntityType
    gender: str | None
    head_nouns: frozenset[str]


_WORD = re.compile(r"[\w'’-]+")
_NAME_TOKEN = r"(?:[A-Z][\w'’.-]*|(?<![\w'’-])(?:de|van|von|der|al|bin|da|del|la|le|du|di)(?=\s+[A-Z]))"
_NAME_RUN = re.compile(r"(?<![\w'’-])" + _NAME_TOKEN + r"(?:\s+" + _NAME_TOKEN + r")*")
_VERBS = "|".join(w for w in lx.STRONG_CUE_VERBS + lx.WEAK_CUE_VERBS if " " not in w)
_CUE_WORDS = r"(?:" + _VERBS + r"|who|which|that)\b"
# Words that end a description's modifiers: verbs, conjunctions, prepositions.
_RUN_STOP = (
    r"(?:"
    + _VERBS
    + r"|who|which|that|and|or|but|to|of|in|for|with|by|on|at|from|has|have|had|is|was|were|are)\b"
)
_HEAD_NOUNS = set(lx.PERSON_TITLES) | lx.DOCUMENT_WORDS | lx.GENERIC_ORGANISATIONS
_TITLES = "|".join(sorted(_HEAD_NOUNS, key=len, reverse=True))
# "a senior official in the finance ministry", "the company", "Invoices shown to the jury":
# a role, body or document noun with the words that describe it.
_DESCRIPTION_TAIL = (
    r"(?:\s+(?:shown|seen|obtained|published|filed|released|reviewed)\s+(?:to|by|in|on)\s+(?:the\s+)?[\w-]+"
    r"(?:\s+[A-Z][\w'’-]*)*)?"
    r"(?:\s+(?:for|of|at|in|with|from)\s+(?:the\s+|a\s+)?(?:(?:[A-Z][\w'’-]*)(?:\s+(?:and\s+)?[A-Z][\w'’-]*)*"
    # or up to two lower-case words ("from the supplier", "in the finance ministry"), not a verb
    r"|(?!" + _CUE_WORDS + r")[a-z][\w-]*(?:\s+(?!" + _CUE_WORDS + r")[a-z][\w-]*(?=[\s,.;]|$))?))?"
)
_PLURAL_DOCUMENTS = "|".join(w for w in sorted(lx.DOCUMENT_WORDS, key=len, reverse=True) if w.endswith("s"))
_DESCRIPTION = re.compile(
    # "a senior official", "the company's chief executive", "Google's spokeswoman"
    r"(?<!\w)(?:[Aa]n?|[Tt]he|[Ii]ts|[Hh]is|[Hh]er|[Tt]heir|(?:[A-Z][\w-]*\s+){0,2}[A-Z][\w-]*['’]s?)\s+"
    r"(?:(?!" + _RUN_STOP + r")[\w'’-]+\s+){0,4}"
    r"(?:" + _TITLES + r")(?![\w'’-])" + _DESCRIPTION_TAIL + r"(?![\w-])"
    # Plural documents open a sentence without an article: "Delivery records from ...".
    r"|^\s*(?:[A-Z][\w-]*\s+)?(?i:" + _PLURAL_DOCUMENTS + r")(?![\w'’-])" + _DESCRIPTION_TAIL + r"(?![\w-])"
)
_POSSESSIVE_AFTER = re.compile(r"^['’]s?(?!\w)")
_POSSESSIVE_OWNER = re.compile(r"^(?P<owner>(?:[A-Z][\w-]*\s+){0,2}[A-Z][\w-]*)['’]s?\s")
_POSSESSIVE_END = re.compile(r"['’]s?$")


def alias_parts(source: SourceSpec) -> list[str]:
    """Surface forms of a source: its aliases, and the parts of an appositive alias
    ("A Brackenfield spokeswoman, Ana Lisle" gives both halves), and the label's name part."""
    forms: list[str] = []
    label_head = re.split(r"[,(]", source.label, maxsplit=1)[0].strip()
    if label_head and not label_head.lower().startswith(("unnamed", "anonymous")):
        forms.append(label_head)
    for alias in source.aliases:
        # An appositive alias is matched by its halves, so that the mention can be the
        # name alone, as annotators mark it.
        forms.extend(part.strip() for part in alias.split(", "))
    return [f for f in dict.fromkeys(forms) if f]


_HEAD_WORDS_OF_ANY_KIND = frozenset(lx.PERSON_TITLES) | lx.ORGANISATION_WORDS | lx.DOCUMENT_WORDS


@lru_cache(maxsize=4096)
def source_profile(source: SourceSpec) -> SourceProfile:
    """How a source is referred to: its surface forms, kind, gender and role nouns.

    Cached: an import with one ``--sources`` file gives every article the same list.
    """
    forms = alias_parts(source)
    words = [w.lower() for form in [source.label, *forms] for w in _WORD.findall(form)]
    word_set = set(words)
    head = re.split(r"[,(]| for | of | in | at | seen | published ", source.label, maxsplit=1)[0]
    head_words = [w.lower() for w in _WORD.findall(head)]
    last = head_words[-1] if head_words else ""
    entity_type: EntityType = "person"
    if last in lx.DOCUMENT_WORDS or (
        word_set & lx.DOCUMENT_WORDS and last not in lx.PERSON_TITLES and not word_set & lx.ORGANISATION_WORDS
    ):
        entity_type = "document"
    elif last not in lx.PERSON_TITLES and set(head_words) & lx.ORGANISATION_WORDS:
        entity_type = "organisation"
    gender = next(
        (
            g
            for g in (
                lx.HONORIFIC_GENDER.get(w.rstrip(".")) or lx.PERSON_TITLES.get(w.rstrip(".")) for w in words
            )
            if g
        ),
        None,
    )
    return SourceProfile(
        key=source.key,
        surfaces=tuple(forms),
        entity_type=entity_type,
        gender=gender,
        head_nouns=frozenset(word_set & _HEAD_WORDS_OF_ANY_KIND),
    )


_ALIAS_WORD = re.compile(r"[\w-]+")


def _words(text: str) -> tuple[str, ...]:
    return tuple(w.lower() for w in _ALIAS_WORD.findall(text))


class SourceCatalogue:
    """The article's sources, ready for matching mentions.

    Aliases are matched word by word (case-insensitively, any spacing or punctuation
    between words, never inside a word): a dictionary look-up per word that may start
    one, instead of a regular expression compiled for every article's list.
    """

    def __init__(self, sources: Sequence[SourceSpec]) -> None:
        self.profiles: dict[str, SourceProfile] = {}
        by_words: dict[tuple[str, ...], list[str]] = {}
        for source in sources:
            profile = self.profiles[source.key] = source_profile(source)
            for form in profile.surfaces:
                by_words.setdefault(_words(form), []).append(source.key)
            owner = _POSSESSIVE_OWNER.match(source.label)
            if owner:
                # "Trump's New York Times interview": Trump speaking is this source.
                by_words.setdefault(_words(owner.group("owner").split()[-1]), []).append(source.key)
        by_words.pop((), None)
        self._by_words = {words: tuple(dict.fromkeys(keys)) for words, keys in by_words.items()}
        lengths: dict[str, set[int]] = {}
        for words in self._by_words:
            lengths.setdefault(words[0], set()).add(len(words))
        self._lengths = {first: sorted(n, reverse=True) for first, n in lengths.items()}
        self._surnames = {words[0]: keys for words, keys in self._by_words.items() if len(words) == 1}
        self._last_text: str | None = None
        self._last_words: frozenset[str] = frozenset()

    def words(self, outside: str) -> frozenset[str]:
        """The text's words, lower-case (for quick "could any pattern match?" checks)."""
        if outside != self._last_text:
            self._last_text = outside
            self._last_words = frozenset(w.lower() for w in _ALIAS_WORD.findall(outside))
        return self._last_words

    def alias_mentions(self, outside: str) -> list[Mention]:
        """Every alias in the text, leftmost and longest first, not overlapping."""
        if not self._lengths or self.words(outside).isdisjoint(self._lengths):
            return []
        tokens = [(m.start(), m.end(), m.group().lower()) for m in _ALIAS_WORD.finditer(outside)]
        found: list[Mention] = []
        i = 0
        while i < len(tokens):
            step = 1
            for length in self._lengths.get(tokens[i][2], ()):
                words = tuple(t[2] for t in tokens[i : i + length])
                keys = self._by_words.get(words) if len(words) == length else None
                if keys:
                    start, end = tokens[i][0], tokens[i + length - 1][1]
                    found.append(Mention(start, end, outside[start:end], "alias", keys))
                    step = length
                    break
            i += step
        return found

    def surname_keys(self, name: str) -> tuple[str, ...]:
        last = name.split()[-1].lower() if name.split() else ""
        return self._surnames.get(last, ())

    def keys_with_head_noun(self, noun: str) -> list[str]:
        return [p.key for p in self.profiles.values() if noun in p.head_nouns]


def mentions_in(outside: str, catalogue: SourceCatalogue) -> list[Mention]:
    """Every candidate mention of the unquoted text, in order, aliases taking precedence."""
    found = catalogue.alias_mentions(outside)
    taken = [(m.start, m.end) for m in found]

    def free(start: int, end: int) -> bool:
        return all(end <= s or start >= e for s, e in taken)

    for match in _DESCRIPTION.finditer(outside):
        if free(match.start(), match.end()):
            found.append(Mention(match.start(), match.end(), match.group(), "description"))
            taken.append((match.start(), match.end()))
    for name in _names(outside):
        if free(name.start, name.end):
            keys = catalogue.surname_keys(name.text)
            found.append(Mention(name.start, name.end, name.text, "name", keys))
            taken.append((name.start, name.end))
    for match in lx.PRONOUN.finditer(outside):
        if free(match.start(), match.end()):
            found.append(Mention(match.start(), match.end(), match.group(), "pronoun"))
    return sorted(found, key=lambda m: m.start)


def _names(outside: str) -> list[Mention]:
    """Runs of capitalised words that look like a proper name (not a possessive)."""
    names: list[Mention] = []
    for match in _NAME_RUN.finditer(outside):
        start, end = match.start(), match.end()
        words = match.group().split()
        # Leading function words and role nouns ("However", "Neighbour") are not the name.
        while words and (words[0].lower() in lx.NOT_NAME_WORDS or words[0].lower() in lx.ROLE_PREFIXES):
            start = outside.index(words[0], start) + len(words[0])
            start += len(outside[start:]) - len(outside[start:].lstrip())
            words = words[1:]
        text = outside[start:end].rstrip(".")
        end = start + len(text)
        if not text or _POSSESSIVE_AFTER.match(outside[end:]) or _POSSESSIVE_END.search(text):
            continue
        at_sentence_start = not outside[:start].strip()
        if len(text.split()) == 1 and (at_sentence_start or text.isupper()):
            continue  # one capitalised word opening a sentence, or a dateline in capitals
        names.append(Mention(start, end, text, "name"))
    return names


def head_noun(description: str) -> str | None:
    """The role, body or document noun a description is about ("official" in "a senior
    official in the finance ministry")."""
    words: list[str] = _WORD.findall(re.split(r"\s+(?:for|of|at|in|with|from|shown|seen)\s+", description)[0])
    for word in reversed(words):
        if word.lower() in _HEAD_NOUNS:
            return word.lower()
    return None


def text_entity_type(text: str) -> EntityType:
    """Person, organisation or document, from the words of a name or description."""
    words = [w.lower() for w in _WORD.findall(text)]
    head = head_noun(text)
    if head in lx.DOCUMENT_WORDS:
        return "document"
    if (
        head in lx.GENERIC_ORGANISATIONS
        or set(words) & lx.ORGANISATION_WORDS
        and head not in lx.PERSON_TITLES
    ):
        return "organisation"
    return "person"


def name_like(text: str) -> bool:
    """ "Ana Lisle", "senior county engineer Hal Brisco": ends in a capitalised name and
    does not open with a determiner or possessive like a description does."""
    words = text.split()
    return bool(words) and words[-1][:1].isupper() and words[0].lower() not in lx.NOT_NAME_WORDS


def gender_of_pronoun(word: str) -> str | None:
    lowered = word.lower()
    return lx.SUBJECT_PRONOUNS.get(lowered) or lx.POSSESSIVE_PRONOUNS.get(lowered)
