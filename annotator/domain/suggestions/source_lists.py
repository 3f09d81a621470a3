"""A source list proposed from an article's text alone.

Two readings of the article.  The first finds the mentions that act as sources (the
subject of a cue, the object of "according to") with no list, and merges them into one
source per referent: a person by surname, an organisation by shared name words, a
definite description ("the spokeswoman", "The company") with the nearest source it fits.
The second reading uses that provisional list, so surnames ("Solm said"), pronouns and
titles now resolve to it and add their aliases; speakers it still does not know become
new sources.  Each source gets a label (the full name, or the description without its
article), aliases (every form used, surname, titles and descriptions in apposition) and a
key made from the label.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field

from annotator.domain.article import SentenceSpan, SourceSpec
from annotator.domain.suggestions import lexicon as lx
from annotator.domain.suggestions.engine import SpeakerMention, speaker_mentions
from annotator.domain.suggestions.mentions import EntityType, head_noun, name_like

_KEY_CHARS = re.compile(r"[^a-z0-9]+")
_ARTICLE = re.compile(r"^(?:a|an|the)\s+", re.IGNORECASE)
_BUSINESS_NOUNS = {"company", "firm", "group", "operator", "business", "carrier", "manufacturer"}
# Words of a title that may precede a full name ("Assistant District Attorney Leah Moravec").
_TITLE_WORDS = {
    "dr",
    "professor",
    "prof",
    "mr",
    "mrs",
    "ms",
    "judge",
    "councillor",
    "sir",
    "dame",
    "lady",
    "lord",
    "assistant",
    "district",
    "deputy",
    "prime",
    "chief",
    "senior",
    "vice",
    "state",
    "foreign",
    "interior",
    "attorney",
    "opposition",
    "acting",
    "former",
    "transport",
    "health",
    "finance",
    "defence",
    "defense",
}


@dataclass
class _Referent:
    forms: list[str] = field(default_factory=list)
    entity_type: EntityType = "person"
    first_sentence: int = 0
    last_sentence: int = 0
    statements: int = 0

    def add(self, form: str | None, sentence: int) -> None:
        if form and form not in self.forms:
            self.forms.append(form)
        self.last_sentence = max(self.last_sentence, sentence)

    @property
    def names(self) -> list[str]:
        return [f for f in self.forms if name_like(f)]

    def surname(self) -> str | None:
        names = [n for n in self.names if self.entity_type == "person"]
        return names[0].split()[-1].lower() if names else None

    def heads(self) -> set[str]:
        return {h for h in (head_noun(f) for f in self.forms) if h}

    def label(self) -> str:
        names = self.names
        if names:
            if self.entity_type == "person":
                full = max(names, key=len).split()
                while (
                    len(full) > 2
                    and full[0].lower() in _TITLE_WORDS | lx.PERSON_TITLES.keys() | lx.GENERIC_ORGANISATIONS
                ):
                    full = full[1:]
                return " ".join(full)
            return _ARTICLE.sub("", max(names, key=len))
        text = _ARTICLE.sub("", max(self.forms, key=len))
        return text[:1].upper() + text[1:]

    def aliases(self) -> list[str]:
        out = list(self.forms)
        head = head_noun(self.forms[0]) if self.forms and not self.names else None
        if head and self.entity_type != "person":
            out.append(f"the {head}")  # how the article refers back: "The documents", "the minutes"
        if self.entity_type == "person" and self.names:
            longest = max(self.names, key=len).split()
            out += [" ".join(longest[-2:]) if len(longest) >= 2 else longest[-1], longest[-1]]
        unique: dict[str, str] = {}
        for alias in out:
            unique.setdefault(" ".join(alias.lower().split()), alias)
        return [a for a in unique.values() if a]


def propose_sources(text: str, sentences: Sequence[SentenceSpan]) -> list[SourceSpec]:
    """The sources the article relies on, read from its text, in order of first use."""
    provisional = _merge(speaker_mentions(text, sentences), [])
    specs = _specs(provisional)
    final = _merge(speaker_mentions(text, sentences, specs), provisional, specs)
    return _specs([r for r in final if r.statements and not _one_off_person(r)])


def _merge(
    speakers: Sequence[SpeakerMention],
    known: Sequence[_Referent],
    specs: Sequence[SourceSpec] = (),
) -> list[_Referent]:
    referents = [
        _Referent(list(r.forms), r.entity_type, r.first_sentence, r.first_sentence, 0) for r in known
    ]
    by_key = {spec.key: referents[i] for i, spec in enumerate(specs)}
    for speaker in speakers:
        target = by_key.get(speaker.key or "") or _find(referents, speaker)
        if target is None:
            target = _Referent(entity_type=speaker.entity_type, first_sentence=speaker.sentence_index)
            referents.append(target)
        if speaker.kind != "pronoun":
            target.add(speaker.text, speaker.sentence_index)
        elif speaker.name:
            target.add(speaker.name, speaker.sentence_index)
        target.add(speaker.partner, speaker.sentence_index)
        target.statements += 1
    return [r for r in referents if r.statements]


def _find(referents: Sequence[_Referent], speaker: SpeakerMention) -> _Referent | None:
    text = speaker.name if speaker.kind == "pronoun" and speaker.name else speaker.text
    if name_like(text):
        words = {w.lower() for w in text.split()}
        last = text.split()[-1].lower()
        for referent in referents:
            if speaker.entity_type == "person" and referent.surname() == last:
                return referent
            for name in referent.names:
                other = {w.lower() for w in name.split()}
                if speaker.entity_type != "person" and (words <= other or other <= words):
                    return referent
        return None
    if _ARTICLE.match(text) and text.split()[0].lower() == "the":
        head = head_noun(text)
        candidates = [r for r in referents if head and (head in r.heads() or _generic_fits(head, r))]
        if candidates:
            return max(candidates, key=lambda r: r.last_sentence)
    return None


def _generic_fits(head: str, referent: _Referent) -> bool:
    """ "the company" fits any named business, "the study" a named document; "the council"
    only a source whose own words say council."""
    if head in _BUSINESS_NOUNS:
        return referent.entity_type == "organisation"
    return head in lx.DOCUMENT_WORDS and referent.entity_type == "document"


def _one_off_person(referent: _Referent) -> bool:
    """A passer-by quoted once ("Neighbour Dev Halloran", "Its owner, Colm Reddin") is
    labelled ``other``, not listed."""
    if referent.entity_type != "person" or referent.statements > 2:
        return False
    heads = referent.heads() | {w.lower() for f in referent.forms for w in f.split()[:1]}
    if heads & lx.ONE_OFF_ROLES:
        return True
    # A full name quoted once with no role is a passer-by; a surname alone ("Trump") is not.
    names = referent.names
    return (
        not referent.heads()
        and referent.statements == 1
        and bool(names)
        and all(len(n.split()) > 1 for n in names)
    )


def _specs(referents: Sequence[_Referent]) -> list[SourceSpec]:
    specs: list[SourceSpec] = []
    used: set[str] = {"author", "other"}
    for referent in sorted(referents, key=lambda r: r.first_sentence):
        label = referent.label()
        key = _key(label, used)
        used.add(key)
        specs.append(SourceSpec(key, label, tuple(a for a in referent.aliases() if a != label)))
    return specs


def _key(label: str, used: set[str]) -> str:
    words = _KEY_CHARS.sub("-", _ARTICLE.sub("", label).lower()).strip("-").split("-")
    base = ""
    for word in words:  # whole words, at most 40 characters
        if base and len(base) + len(word) + 1 > 40:
            break
        base = f"{base}-{word}" if base else word
    base = base or "source"
    key, n = base, 2
    while key in used:
        key, n = f"{base}-{n}", n + 1
    return key
