"""The attribution rules: one suggested label per sentence, with its evidence.

``suggest_labels`` reads the article once, in order, keeping two pieces of state: the
quotation marks (``quotes``) and the entities mentioned so far (for "She added", "the
spokesman").  A second pass gives quotation-only sentences the speaker of their
quotation, which may come later ("... ," she said.) or in the next sentence.

Every suggestion says why in ``reason``; nothing here is learnt or random, so the same
article always gets the same suggestions.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field, replace

from annotator.domain.article import SentenceSpan, SourceSpec
from annotator.domain.label import TextSpan
from annotator.domain.suggestions import lexicon as lx
from annotator.domain.suggestions.mentions import (
    EntityType,
    Mention,
    SourceCatalogue,
    gender_of_pronoun,
    head_noun,
    mentions_in,
    name_like,
    text_entity_type,
)
from annotator.domain.suggestions.quotes import QuoteView, quote_views

AUTHOR = "author"
OTHER = "other"
RULES_MODEL = "rules-1"

_DATELINE_OUTLET = re.compile(r"\((?P<outlet>[A-Z][\w&.'’ -]{1,40})\)\s*[-–—]")
# "according to intercepts cited in the Post": the source is the intercepts.
_PHRASE_AFTER = re.compile(
    r"\s+([^,.;:]{3,80}?)(?:\s*(?:[,.;:]|$)|\s+(?:cited|seen|obtained|reviewed|quoted|reported)\s+(?:by|in)\s)"
)
_CLAUSE_END = re.compile(r"\s*(?:[,.;:]|$|(?:in|on|at|to|from|during|after|before)\s)")
# "senior county engineer", "The", "Neighbour": words before a name that belong to it.
_TITLES_RE = "|".join(sorted(lx.PERSON_TITLES.keys() | lx.ROLE_PREFIXES, key=len, reverse=True))
_TITLE_PREFIX = re.compile(
    r"(?:(?<=,)|^)\s*(?:(?:[Tt]he|[Ii]ts|[Aa]n?)\s*$|(?:[\w-]+\s+){0,3}(?i:" + _TITLES_RE + r")\s*$)"
)
_TITLE_GAP = re.compile(r"\s+(?:[\w-]+\s+){0,2}(?i:" + _TITLES_RE + r")\s+")
_APPOSITIVE_COMMA = re.compile(r"\s*,\s*(?:(?:[\w-]+\s+){0,3}(?i:" + _TITLES_RE + r")\s+)?")


@dataclass(frozen=True)
class Suggestion:
    """The suggested label of one sentence and the evidence for it."""

    sentence_index: int
    is_claim: bool
    source: str | None
    source_other: str | None
    score: float
    cue: TextSpan | None
    source_mention: TextSpan | None
    carried_from: int | None
    reason: str
    model: str = RULES_MODEL


@dataclass(frozen=True)
class _Referent:
    source: str
    source_other: str | None
    carried_from: int | None
    entity_type: EntityType
    gender: str | None


@dataclass
class _Entity:
    source: str
    source_other: str | None
    entity_type: EntityType
    gender: str | None
    sentence: int


@dataclass
class _Tracker:
    """Entities in order of their last mention, for pronoun and title carry-over."""

    entities: list[_Entity] = field(default_factory=list)

    def remember(self, referent: _Referent, sentence: int) -> None:
        found = self.find(referent.source, referent.source_other)
        if found is not None:
            self.entities.remove(found)
            found.sentence = sentence
            found.gender = found.gender or referent.gender
        else:
            found = _Entity(
                referent.source, referent.source_other, referent.entity_type, referent.gender, sentence
            )
        self.entities.append(found)

    def remember_name(self, name: str, entity_type: EntityType, sentence: int) -> None:
        if len(name.split()) > 1:
            self.remember(_Referent(OTHER, name, None, entity_type, None), sentence)
            return
        for entity in reversed(self.entities):
            if entity.source_other and entity.source_other.split()[-1] == name:
                self.entities.remove(entity)
                entity.sentence = sentence
                self.entities.append(entity)
                return

    def find(self, source: str, source_other: str | None) -> _Entity | None:
        for entity in self.entities:
            if entity.source == source and entity.source_other == source_other:
                return entity
        return None

    def nearest(self, *, pronoun_gender: str | None, keys: Sequence[str] | None = None) -> _Entity | None:
        for entity in reversed(self.entities):
            if keys is not None and entity.source not in keys:
                continue
            if _compatible(entity, pronoun_gender):
                return entity
        return None


def _compatible(entity: _Entity, pronoun_gender: str | None) -> bool:
    if pronoun_gender in ("m", "f"):
        return entity.entity_type == "person" and entity.gender in (None, pronoun_gender)
    if pronoun_gender == "thing":
        return entity.entity_type != "person"
    if pronoun_gender == "plural":
        return entity.entity_type != "person" or entity.gender == "plural"
    return True


@dataclass(frozen=True)
class _Found:
    """A direct attribution found in one sentence."""

    referent: _Referent
    cue: tuple[int, int] | None
    mention: Mention | None
    reason: str
    score: float
    frame: bool = False
    partner: Mention | None = None  # the other half of an appositive ("Ana Lisle" / "A spokeswoman")


class _Article:
    def __init__(
        self,
        text: str,
        sentences: Sequence[SentenceSpan],
        sources: Sequence[SourceSpec],
        *,
        proposing: bool = False,
    ) -> None:
        # ``proposing``: there is no source list yet; every name is a possible antecedent
        # and a name or description may be the subject of a document verb ("showed").
        self.proposing = proposing
        self.text = text
        self.sentences = sentences
        self.catalogue = SourceCatalogue(sources)
        self.views = quote_views(text, sentences)
        self.tracker = _Tracker()
        self._mentions: dict[int, list[Mention]] = {}
        self.outlet = _outlet_name(text[sentences[0].start : sentences[0].end]) if sentences else None

    def mentions(self, index: int) -> list[Mention]:
        """The candidate mentions of a sentence's unquoted text (computed once)."""
        found = self._mentions.get(index)
        if found is None:
            found = self._mentions[index] = mentions_in(self.views[index].outside, self.catalogue)
        return found

    # --- resolving a mention to a source

    def resolve(self, mention: Mention, sentence: int) -> _Referent | None:
        if mention.kind in ("alias", "name") and mention.keys:
            return self._listed(mention.keys, sentence)
        if mention.kind == "name":
            return _Referent(OTHER, mention.text, None, text_entity_type(mention.text), None)
        if mention.kind == "description":
            head = head_noun(mention.text)
            keys = self.catalogue.keys_with_head_noun(head) if head else []
            if keys:
                return self._listed(tuple(keys), sentence)
            gender = lx.PERSON_TITLES.get(head or "")
            return _Referent(
                OTHER, _strip_article(mention.text), None, text_entity_type(mention.text), gender
            )
        entity = self.tracker.nearest(pronoun_gender=gender_of_pronoun(mention.text))
        if entity is None:
            return None
        return _Referent(
            entity.source, entity.source_other, entity.sentence, entity.entity_type, entity.gender
        )

    def _listed(self, keys: tuple[str, ...], sentence: int) -> _Referent:
        key = keys[0]
        if len(keys) > 1:
            entity = self.tracker.nearest(pronoun_gender=None, keys=keys)
            key = entity.source if entity is not None else key
        profile = self.catalogue.profiles[key]
        return _Referent(key, None, None, profile.entity_type, profile.gender)

    # --- one sentence

    def direct(self, index: int) -> _Found | str | None:
        """The sentence's own attribution; "refusal" for a reported non-response."""
        view = self.views[index]
        outside = view.outside
        words = self.catalogue.words(outside)
        if not words.isdisjoint(lx.REFUSAL_WORDS) and lx.REFUSAL.search(outside):
            return "refusal"
        if words.isdisjoint(lx.CUE_WORDS):
            return None  # no cue word at all: no pattern needs to run
        mentions = self.mentions(index)
        according = lx.ACCORDING_TO.search(outside)
        if according:
            found = self._according_to(index, according, mentions)
            if found is not None:
                return found
        frame = lx.FRAME_CUE.search(outside)
        if frame:
            pron_group = "pron" if frame.group("pron") else "pron2"
            pron = Mention(frame.start(pron_group), frame.end(pron_group), frame.group(pron_group), "pronoun")
            referent = self.resolve(pron, index)
            if referent is not None:
                return _Found(
                    referent,
                    (frame.start(), frame.end()),
                    pron,
                    f"paraphrase frame '{frame.group()}' opens; {_who(referent)} by carry-over",
                    0.75,
                    frame=True,
                )
        for cue in lx.CUE.finditer(outside):
            if lx.PASSIVE_BEFORE_CUE.search(outside[: cue.start()]):
                continue
            found = self._cue_subject(index, cue, mentions)
            if found is not None:
                return found
        return None

    def _according_to(self, index: int, cue: re.Match[str], mentions: Sequence[Mention]) -> _Found | None:
        after = [
            m
            for m in mentions
            if m.start >= cue.end() and not self.views[index].outside[cue.end() : m.start].strip()
        ]
        mention = after[0] if after else _noun_phrase_after(self.views[index].outside, cue.end())
        if mention is None:
            return None
        referent = self.resolve(mention, index)
        if referent is None:
            return None
        inner = [c for c in lx.CUE.finditer(self.views[index].outside) if c.start() > mention.end]
        reason = f"'{cue.group()}' {mention.text}"
        if inner:
            reason += (
                f"; nested: it reports a further speaker ('{inner[0].group()}'), the outer source is labelled"
            )
        return _Found(referent, (cue.start(), cue.end()), mention, reason, 0.9)

    def _cue_subject(self, index: int, cue: re.Match[str], mentions: Sequence[Mention]) -> _Found | None:
        outside = self.views[index].outside
        subject = _subject_of(outside, cue, mentions)
        if subject is None:
            return None
        subject, partner = self._prefer_in_appositive(outside, subject, mentions, index)
        referent = self.resolve(subject, index)
        if referent is None:
            return None
        if cue.group("weak") and (
            subject.kind == "pronoun" or (referent.source == OTHER and not self.proposing)
        ):
            return None  # "the crowd showed ..." is no one's claim
        reason = f"{_how(subject, referent)} with cue '{cue.group()}'"
        nested = lx.NESTED.match(outside, cue.start())
        if nested:
            reason += f"; nested: it cites {nested.group('inner').strip()}, the outer source is labelled"
        score = 0.95 if subject.kind in ("alias", "name") else 0.85
        return _Found(referent, (cue.start(), cue.end()), subject, reason, score, partner=partner)

    def _prefer_in_appositive(
        self, outside: str, subject: Mention, mentions: Sequence[Mention], index: int
    ) -> tuple[Mention, Mention | None]:
        """The subject of an appositive pair and the other half (or None).

        In "A Brackenfield spokeswoman, Ana Lisle, said" the mention is the name, when both
        halves name the same source or neither names a listed one."""
        following = [m for m in mentions if m.start >= subject.end]
        if not following or subject.kind == "pronoun":
            return subject, None
        second = following[0]
        if not _APPOSITIVE_COMMA.fullmatch(outside[subject.end : second.start]):
            return subject, None
        rest = outside[second.end :].split(",", 1)
        if len(rest) < 2 or len(rest[0].split()) > 6 or lx.CUE.search(rest[0]) or second.kind == "pronoun":
            return subject, None  # "Ruth Fenwick, the lawyer representing Castell, said"
        if (
            not name_like(second.text)
            or name_like(subject.text)
            or text_entity_type(subject.text) == "document"
        ):
            return subject, second
        first_ref, second_ref = self.resolve(subject, index), self.resolve(second, index)
        if first_ref is None or second_ref is None:
            return subject, None
        same = first_ref.source == second_ref.source and first_ref.source != OTHER
        neither = first_ref.source == OTHER and second_ref.source == OTHER
        if same or neither or (first_ref.source == OTHER and subject.kind == "description"):
            return second, subject
        return subject, None

    # --- state

    def remember(self, index: int, found: _Found | None) -> None:
        outside = self.views[index].outside
        # A sentence without a cue only needs its aliases (cheap) for the carry-over state.
        known = self._mentions.get(index)
        if known is None and not self.proposing:
            known = self.catalogue.alias_mentions(outside)  # computed once: see ``words``
        for mention in known if known is not None else self.mentions(index):
            if mention.kind == "alias" or (mention.kind == "name" and mention.keys):
                referent = self.resolve(mention, index)
                if referent is not None:
                    self.tracker.remember(referent, index)
            elif mention.kind == "name" and self.proposing:
                # With no list, a full name may be an antecedent ("Maren Tolliver ... she
                # said"); a single word only as the surname of one (not a place name).
                self.tracker.remember_name(mention.text, text_entity_type(mention.text), index)
        if found is None:
            return
        gender = found.referent.gender
        if found.mention is not None and found.mention.kind == "pronoun":
            gender = gender_of_pronoun(found.mention.text) or gender
        elif found.cue is not None and found.referent.entity_type == "person":
            evidence = lx.GENDERED_PRONOUN.search(outside, found.cue[1])
            if evidence and gender is None:
                gender = gender_of_pronoun(evidence.group(1)) if evidence.group(1).lower() != "him" else "m"
        self.tracker.remember(replace(found.referent, gender=gender), index)


@dataclass(frozen=True)
class SpeakerMention:
    """A mention acting as a source in one sentence (for proposing a source list)."""

    sentence_index: int
    text: str
    kind: str
    partner: str | None  # the other half of an appositive, an alias of the same referent
    key: str | None  # the listed source it names, if any
    name: str | None  # else the name or description it resolves to (a pronoun's antecedent)
    entity_type: EntityType


def speaker_mentions(
    text: str, sentences: Sequence[SentenceSpan], sources: Sequence[SourceSpec] = ()
) -> list[SpeakerMention]:
    """The mentions that act as sources, in order, read against a provisional source list."""
    article = _Article(text, sentences, sources, proposing=True)
    speakers: list[SpeakerMention] = []
    for index in range(len(sentences)):
        found = article.direct(index)
        if isinstance(found, _Found) and found.mention is not None:
            referent = found.referent
            speakers.append(
                SpeakerMention(
                    sentence_index=index,
                    text=found.mention.text,
                    kind=found.mention.kind,
                    partner=_partner(article.views[index].outside, found),
                    key=None if referent.source == OTHER else referent.source,
                    name=referent.source_other,
                    entity_type=referent.entity_type,
                )
            )
        article.remember(index, found if isinstance(found, _Found) else None)
    return speakers


def _partner(outside: str, found: _Found) -> str | None:
    """The appositive half, or a private role word left out of the name ("Neighbour")."""
    if found.partner is not None:
        return found.partner.text
    if found.mention is None:
        return None
    before = outside[: found.mention.start].split()[-1:]
    known_role = lx.ONE_OFF_ROLES | {"spokesman", "spokeswoman", "spokesperson"}
    return before[0] if before and before[0].lower() in known_role else None


def suggest_labels(
    text: str, sentences: Sequence[SentenceSpan], sources: Sequence[SourceSpec]
) -> list[Suggestion]:
    """One :class:`Suggestion` per sentence of ``text``, in order.

    ``sentences`` are the article's sentences (offsets into ``text``), ``sources`` its
    source list; cue and mention spans come back in document offsets.
    """
    article = _Article(text, sentences, sources)
    direct: list[_Found | str | None] = []
    for index in range(len(sentences)):
        found = article.direct(index)
        direct.append(found)
        article.remember(index, found if isinstance(found, _Found) else None)
    suggestions: list[Suggestion] = []
    for index in range(len(sentences)):
        suggestions.append(_suggestion(article, direct, suggestions, index))
    return suggestions


def _suggestion(
    article: _Article, direct: Sequence[_Found | str | None], done: Sequence[Suggestion], index: int
) -> Suggestion:
    """The suggestion of sentence ``index``, given those of the sentences before it."""
    view = article.views[index]
    span = article.sentences[index]
    found = direct[index]
    if found == "refusal":
        return _author(article, index, "a refusal or non-response, reported in the outlet's voice", 0.75)
    if isinstance(found, _Found):
        return _from_found(article, index, found, carried=found.referent.carried_from)
    if view.quote_only:
        quoted = _quotation_speaker(article, direct, done, index)
        if quoted is not None:
            return quoted
    not_claim = _not_a_claim(article.text[span.start : span.end], view)
    if not_claim:
        return Suggestion(index, False, None, None, 0.7, None, None, None, not_claim)
    carried = _frame_or_document(article, direct, done, index)
    if carried is not None:
        return carried
    return _author(article, index, "no cue: the outlet's own voice", 0.7)


def _from_found(
    article: _Article,
    index: int,
    found: _Found,
    *,
    carried: int | None,
    reason: str = "",
    score: float | None = None,
    with_evidence: bool = True,
) -> Suggestion:
    base = article.sentences[index].start
    cue = mention = None
    if with_evidence:
        cue = _span(article.text, base, found.cue) if found.cue else None
        mention = (
            _span(article.text, base, (found.mention.start, found.mention.end)) if found.mention else None
        )
    referent = found.referent
    return Suggestion(
        sentence_index=index,
        is_claim=True,
        source=referent.source,
        source_other=referent.source_other,
        score=found.score if score is None else score,
        cue=cue,
        source_mention=mention,
        carried_from=carried if carried != index else None,
        reason=reason or found.reason,
    )


def _quotation_speaker(
    article: _Article, direct: Sequence[_Found | str | None], done: Sequence[Suggestion], index: int
) -> Suggestion | None:
    """A sentence that is only quotation: the speaker where the quotation closes, else the
    speaker of the quotation just before it, else the speaker named in the next sentence."""
    views = article.views
    closing = index
    while closing < len(views) - 1 and views[closing].ends_inside and views[closing + 1].starts_inside:
        closing += 1
    found = direct[closing]
    if closing != index and isinstance(found, _Found):
        return _from_found(
            article,
            index,
            found,
            carried=closing,
            score=0.8,
            with_evidence=False,
            reason=f"inside a quotation that sentence {closing} attributes",
        )
    if index > 0 and (views[index - 1].has_quote or views[index - 1].quote_only):
        previous = done[index - 1]
        if previous.is_claim and previous.source not in (None, AUTHOR):
            origin = previous.carried_from if previous.carried_from is not None else index - 1
            found_before = _Found(
                _Referent(previous.source or OTHER, previous.source_other, origin, "person", None),
                None,
                None,
                "",
                0.8,
            )
            return _from_found(
                article,
                index,
                found_before,
                carried=origin,
                with_evidence=False,
                reason=f"the quotation continues the one attributed in sentence {origin}",
            )
    after = closing + 1
    if after < len(views) and article.sentences[after].paragraph == article.sentences[index].paragraph:
        found = direct[after]
        if isinstance(found, _Found):
            return _from_found(
                article,
                index,
                found,
                carried=after,
                score=0.75,
                with_evidence=False,
                reason=f"a quotation whose speaker is named in the next sentence ({after})",
            )
    return None


def _frame_or_document(
    article: _Article, direct: Sequence[_Found | str | None], done: Sequence[Suggestion], index: int
) -> Suggestion | None:
    """A paraphrase frame still open in the paragraph ("In her telling, ..."), or a document
    source continued in the same paragraph ("The documents, dated August, put ...")."""
    paragraph = article.sentences[index].paragraph
    for before in range(index - 1, -1, -1):
        if article.sentences[before].paragraph != paragraph:
            break
        found = direct[before]
        if isinstance(found, _Found):
            if found.frame:
                return _from_found(
                    article,
                    index,
                    found,
                    carried=before,
                    score=0.6,
                    with_evidence=False,
                    reason=f"the paraphrase framed in sentence {before} continues",
                )
            break
        if found == "refusal":
            break
    if index == 0:
        return None
    previous = done[index - 1]
    profile = article.catalogue.profiles.get(previous.source or "")
    if profile is None or profile.entity_type != "document":
        return None
    outside = article.views[index].outside
    mentions = [m for m in article.mentions(index) if m.kind != "pronoun"]
    if any(m.kind == "name" or (m.keys and previous.source not in m.keys) for m in mentions):
        return None  # someone else is named: not a plain continuation
    subject = mentions[0] if mentions and not outside[: mentions[0].start].strip() else None
    if subject is None and article.sentences[index - 1].paragraph != paragraph:
        return None  # a new paragraph continues a document only when it names it again
    origin = previous.carried_from if previous.carried_from is not None else index - 1
    referent = _Referent(profile.key, None, origin, "document", None)
    found = _Found(referent, None, subject, "", 0.6)
    reason = f"the document source of sentence {origin} continues"
    if subject is not None:
        reason += f" as the subject '{subject.text}'"
    return _from_found(article, index, found, carried=origin, reason=reason)


def _author(article: _Article, index: int, reason: str, score: float) -> Suggestion:
    span = article.sentences[index]
    mention = None
    if article.outlet:
        at = article.text.find(article.outlet, span.start, span.end)
        if at >= 0:
            mention = TextSpan(at, at + len(article.outlet), article.outlet)
            reason += f"; names the outlet ({article.outlet})"
    return Suggestion(index, True, AUTHOR, None, score, None, mention, None, reason)


def _not_a_claim(sentence: str, view: QuoteView) -> str | None:
    stripped = sentence.strip()
    if not view.has_quote and stripped.endswith("?"):
        return "a question in the outlet's voice: a transition, not a claim"
    if lx.CALL_TO_ACTION.search(stripped):
        return "a call to action addressed to readers, not a claim"
    if lx.TRANSITION.search(stripped):
        return "a transition in the outlet's voice, not a claim"
    return None


def _subject_of(outside: str, cue: re.Match[str], mentions: Sequence[Mention]) -> Mention | None:
    """The mention that is the cue's speaker: right before it ("the company said"), opening
    the clause before an appositive ("Larkline Buses, which runs ..., said"), right after it
    ('…," said Dr Quill'), or opening the sentence ("Solm called … and said")."""
    start, end = cue.start(), cue.end()
    before = [m for m in mentions if m.end <= start]
    for mention in reversed(before):
        if lx.SUBJECT_VERB_GAP.fullmatch(outside[mention.end : start]):
            return mention
    for mention in before:
        gap = outside[mention.end : start]
        appositive = gap.lstrip().startswith(",") and gap.rstrip().endswith(",")
        if appositive and _opens_clause(outside, mention) and not lx.CUE.search(gap):
            return mention
    after = [m for m in mentions if m.start >= end]
    if after and (
        not outside[end : after[0].start].strip() or _TITLE_GAP.fullmatch(outside[end : after[0].start])
    ):
        # '…," said spokeswoman Sarah Flores, …': the speaker (the last of adjacent mentions)
        # ends the clause.  Not "…, said the ministry had warned": there the mention starts
        # the reported clause.
        speaker = after[0]
        for following in after[1:]:
            if outside[speaker.end : following.start].strip():
                break
            speaker = following
        closes = _CLAUSE_END.match(outside[speaker.end :]) is not None
        if closes and (outside[:start].rstrip().endswith(",") or not outside[:start].strip()):
            return speaker
    if cue.group("strong") or cue.group("medium"):
        for mention in before:
            if _opens_clause(outside, mention, sentence_only=True):
                return mention
    return None


def _opens_clause(outside: str, mention: Mention, *, sentence_only: bool = False) -> bool:
    """Whether the mention starts the sentence (or a clause after an opening phrase); a
    title or article left out of the name ("Transport researcher Hester Vayne", "Neighbour
    Dev Halloran", "The Ardent Courier") does not count."""
    before = _TITLE_PREFIX.sub("", outside[: mention.start].rstrip())
    return not before.strip() or (not sentence_only and before.rstrip().endswith(","))


def _noun_phrase_after(outside: str, start: int) -> Mention | None:
    """ "according to internal board documents seen by …": the words up to the clause's end."""
    match = _PHRASE_AFTER.match(outside, start)
    if match is None or not re.search(r"[A-Za-z]", match.group(1)):
        return None
    return Mention(match.start(1), match.end(1), match.group(1), "description")


def _strip_article(text: str) -> str:
    return re.sub(r"^(?:a|an|the)\s+", "", text, flags=re.IGNORECASE)


def _outlet_name(first_sentence: str) -> str | None:
    match = _DATELINE_OUTLET.search(first_sentence[:120])
    return str(match.group("outlet")).strip() if match else None


def _span(text: str, base: int, span: tuple[int, int]) -> TextSpan:
    start, end = base + span[0], base + span[1]
    return TextSpan(start, end, text[start:end])


def _who(referent: _Referent) -> str:
    return referent.source_other or referent.source


def _how(mention: Mention, referent: _Referent) -> str:
    if mention.kind == "pronoun":
        return f"'{mention.text}' carries over {_who(referent)} (sentence {referent.carried_from})"
    if mention.kind == "description" and referent.source != OTHER:
        return f"the title '{mention.text}' names the nearest {_who(referent)}"
    if referent.source == OTHER:
        return f"'{mention.text}' is not in the source list"
    return f"'{mention.text}' names {referent.source}"
