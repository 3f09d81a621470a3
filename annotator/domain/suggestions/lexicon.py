"""Word lists the attribution rules read: cues, refusals, pronouns, titles.

Everything article-specific comes from the article's own source list; these lists are
general English news usage.  Each regular expression matches in the sentence's text with
quoted passages blanked out (see ``quotes``), so a cue inside a quotation never counts.
"""

from __future__ import annotations

import re

# --- Cues ---------------------------------------------------------------------------

# A statement's medium ("said in a statement", "wrote in a note to clients") belongs to
# the cue: it is how the source spoke.
_MEDIUM = (
    r"(?:statement|interview|note|letter|e-?mail|post|filing|report|speech|memo|release"
    r"|message|briefing|opening statement|closing statement|affidavit|testimony|tweet)"
)
_AUDIENCE = r"(?:\s+to\s+(?:clients|investors|staff|employees|members|shareholders))?"
_WITH_MEDIUM = (
    r"(?:said|says|say|wrote|writes|added|told \w+)\s+in\s+(?:a|an|his|her|its|their|the)\s+"
    r"(?:[a-z-]+\s+){0,2}?"
    + _MEDIUM
    + r"(?:\s+to\s+(?:clients|investors|staff|employees|members|shareholders))?"
)

# Verbs that attribute with any subject: a person or body "said" something.
STRONG_CUE_VERBS = (
    "said",
    "says",
    "say",
    "told",
    "tells",
    "added",
    "adds",
    "stated",
    "testified",
    "wrote",
    "writes",
    "explained",
    "noted",
    "warned",
    "argued",
    "insisted",
    "claimed",
    "acknowledged",
    "admitted",
    "confirmed",
    "denied",
    "recalled",
    "asserted",
    "contended",
    "countered",
    "replied",
    "conceded",
    "cautioned",
    "predicted",
    "estimated",
    "pointed out",
    "pointed to",
    "maintained",
    "alleged",
    "reiterated",
    "stressed",
    "emphasised",
    "emphasized",
    "suggested",
    "complained",
    "observed",
    "remarked",
    "disclosed",
    "revealed",
    "announced",
    "cited",
    "quoted",
    "disputed",
    "believes",
    "believed",
    "repeated",
    "reaffirmed",
    "declared",
    "vowed",
    "pledged",
    "promised",
    "threatened",
    "conceded",
    "testified",
    "responded",
    "answered",
)
# Verbs that attribute only when their subject is a known source: "Invoices ... listed
# 312 tonnes" is the invoices' claim, "The crowd showed patience" is not a claim of anyone.
WEAK_CUE_VERBS = (
    "found",
    "finds",
    "showed",
    "shows",
    "listed",
    "lists",
    "reported",
    "reports",
    "indicated",
    "indicates",
    "concluded",
    "estimates",
    "forecast",
    "projected",
)

# "In her telling, ...", "By his count, ...": a frame that holds for the rest of the
# paragraph (a paraphrase continues until another cue takes over).
FRAME_CUE = re.compile(
    r"(?<!\w)(?:In|in)\s+(?P<pron>his|her|their|its)\s+(?:telling|view|words|account|opinion|recollection)"
    r"|(?<!\w)(?:By|by)\s+(?P<pron2>his|her|their|its)\s+(?:own\s+)?(?:count|account|estimate|reckoning|tally)"
)

ACCORDING_TO = re.compile(r"(?<!\w)[Aa]ccording to(?!\w)")


def _alternation(words: tuple[str, ...]) -> str:
    return "|".join(re.escape(w).replace(r"\ ", r"\s+") for w in sorted(words, key=len, reverse=True))


# "agreed that he had not measured" is a statement; "agreed to meet" is not.
CUE = re.compile(
    r"(?<![\w-])(?:(?P<medium>"
    + _WITH_MEDIUM
    + r")|(?P<strong>"
    + _alternation(STRONG_CUE_VERBS)
    + r"|agreed(?=\s+that))|(?P<weak>"
    + _alternation(WEAK_CUE_VERBS)
    + r"))(?![\w-])"
)
# "had been told", "the first to be told": passive, the subject is not the speaker.
PASSIVE_BEFORE_CUE = re.compile(r"(?<!\w)(?:been|was|were|be|is|are|being|get|got)\s*$")

# "cited an unnamed official as saying": nested attribution, the inner source is reported.
NESTED = re.compile(r"(?<!\w)(?:cited|quoted)\s+(?P<inner>.+?)\s+as\s+(?:saying|telling|writing)(?!\w)")

# Reported refusals and non-responses: the outlet stands behind them (``author``).
REFUSAL = re.compile(
    r"(?<!\w)(?:declined|refused|did\s+not\s+want|was\s+not\s+available|were\s+not\s+available)"
    r"\s+(?:to\s+)?(?:comment|say|discuss|answer|respond|elaborate|confirm|be\s+interviewed)"
    r"|(?<!\w)(?:did\s+not|didn['’]t|has\s+not|have\s+not|had\s+not)\s+(?:immediately\s+)?"
    r"(?:respond|reply|return|answer)"
    r"|(?<!\w)(?:could|can)\s+not\s+be\s+reached|(?<!\w)would\s+not\s+(?:say|comment)"
    r"|(?<!\w)no\s+comment(?!\w)"
)

# Words that may sit between a subject and its verb: "She also said", "He has said".
SUBJECT_VERB_GAP = re.compile(
    r"\s*(?:(?:also|later|then|reportedly|allegedly|publicly|privately|previously|again|further|separately|repeatedly|once|has|have|had"
    r"|would|will|had\s+also|has\s+also|earlier|herself|himself|themselves|itself)\s+)*"
)

# --- Sentences that are not claims ------------------------------------------------------

CALL_TO_ACTION = re.compile(
    r"^(?:Send|Share|Email|E-mail|Contact|Follow|Subscribe|Sign\s+up|Click|Tell|Watch|Join|Download"
    r"|Visit|Call|Tap|Register|Donate|Listen)\b.*\b(?:us|our|below|here|now|link|form|newsletter)\b",
    re.DOTALL,
)
TRANSITION = re.compile(
    r"\bit\s+helps\s+to\b|^To\s+(?:understand|see|make\s+sense\s+of)\b.*,\s*(?:it|we|you|one)\b"
    r"|^(?:Here['’]s|Here\s+is)\s+(?:what|why|how)\b|^Let['’]s\b",
    re.DOTALL,
)

# --- Mentions ---------------------------------------------------------------------------

SUBJECT_PRONOUNS = {"he": "m", "she": "f", "they": "plural", "it": "thing"}
POSSESSIVE_PRONOUNS = {"his": "m", "her": "f", "their": "plural", "its": "thing"}
PRONOUN = re.compile(r"(?<!\w)(?:[Hh]e|[Ss]he|[Tt]hey|[Ii]t)(?!\w)")
GENDERED_PRONOUN = re.compile(r"(?<!\w)(he|she|his|him|her)(?!\w)", re.IGNORECASE)

# Role nouns that head a description of a person ("the spokesman", "a senior official in
# the finance ministry"); the gender is read from the few that carry one.
PERSON_TITLES = {
    "spokesman": "m",
    "spokeswoman": "f",
    "spokesperson": None,
    "official": None,
    "officials": None,
    "lawyer": None,
    "attorney": None,
    "prosecutor": None,
    "judge": None,
    "analyst": None,
    "engineer": None,
    "researcher": None,
    "author": None,
    "minister": None,
    "leader": None,
    "director": None,
    "executive": None,
    "officer": None,
    "chairman": "m",
    "chairwoman": "f",
    "chair": None,
    "president": None,
    "professor": None,
    "scientist": None,
    "economist": None,
    "expert": None,
    "witness": None,
    "source": None,
    "sources": None,
    "aide": None,
    "adviser": None,
    "advisor": None,
    "diplomat": None,
    "councillor": None,
    "mayor": None,
    "governor": None,
    "senator": None,
    "captain": None,
    "doctor": None,
    "paediatrician": None,
    "pediatrician": None,
    "owner": None,
    "neighbour": None,
    "neighbor": None,
    "resident": None,
    "mother": "f",
    "father": "m",
    "man": "m",
    "woman": "f",
    "businessman": "m",
    "businesswoman": "f",
    "manager": None,
    "secretary": None,
    "founder": None,
    "member": None,
    "representative": None,
    "investigator": None,
    "detective": None,
    "commander": None,
    "general": None,
    "ambassador": None,
    "spokespeople": None,
    "campaigner": None,
    "activist": None,
    "teacher": None,
    "student": None,
    "commuter": None,
    "passenger": None,
    "driver": None,
    "shopkeeper": None,
    "bystander": None,
    "chief": None,
    "head": None,
    "partner": None,
    "employee": None,
    "worker": None,
}
HONORIFIC_GENDER = {"mr": "m", "mrs": "f", "ms": "f", "miss": "f", "sir": "m", "lady": "f", "lord": "m"}
# Words that make a name an organisation or a document rather than a person.
ORGANISATION_WORDS = {
    "company",
    "firm",
    "group",
    "ministry",
    "department",
    "council",
    "police",
    "service",
    "agency",
    "government",
    "party",
    "union",
    "university",
    "hospital",
    "court",
    "bank",
    "systems",
    "foods",
    "ferries",
    "buses",
    "inc",
    "ltd",
    "corp",
    "plc",
    "llc",
    "co",
    "newspaper",
    "courier",
    "post",
    "times",
    "herald",
    "news",
    "review",
    "office",
    "committee",
    "board",
    "authority",
    "trust",
    "association",
    "institute",
    "school",
    "airline",
    "airways",
    "holdings",
    "industries",
    "ministry's",
    "administration",
    "commission",
    "cabinet",
    "parliament",
    "network",
    "channel",
    "agency's",
    "team",
    "researchers",
    "club",
    "federation",
    "organisation",
    "organization",
}
# Bodies named by a common noun ("the company said", "The council said").
GENERIC_ORGANISATIONS = {
    "company",
    "firm",
    "council",
    "police",
    "ministry",
    "department",
    "government",
    "agency",
    "court",
    "committee",
    "board",
    "union",
    "group",
    "party",
    "operator",
    "airline",
    "bank",
    "hospital",
    "university",
    "school",
    "club",
    "authority",
    "regulator",
    "service",
    "campaign",
}
DOCUMENT_WORDS = {
    "study",
    "report",
    "documents",
    "document",
    "records",
    "record",
    "minutes",
    "invoices",
    "data",
    "survey",
    "filing",
    "filings",
    "paper",
    "memo",
    "letter",
    "emails",
    "figures",
    "analysis",
    "researchers",
    "team",
    "poll",
    "audit",
    "statistics",
    "exhibit",
    "transcript",
    "results",
}
# Capitalised words that start a sentence or clause but are not names.
NOT_NAME_WORDS = {
    "the",
    "a",
    "an",
    "in",
    "on",
    "at",
    "by",
    "for",
    "of",
    "to",
    "and",
    "but",
    "or",
    "so",
    "yet",
    "however",
    "meanwhile",
    "outside",
    "inside",
    "under",
    "after",
    "before",
    "asked",
    "speaking",
    "when",
    "while",
    "if",
    "as",
    "since",
    "although",
    "though",
    "because",
    "its",
    "his",
    "her",
    "their",
    "our",
    "my",
    "your",
    "this",
    "that",
    "these",
    "those",
    "there",
    "here",
    "it",
    "he",
    "she",
    "they",
    "we",
    "i",
    "you",
    "according",
    "also",
    "then",
    "still",
    "now",
    "last",
    "next",
    "some",
    "many",
    "most",
    "few",
    "all",
    "both",
    "neither",
    "either",
    "each",
    "every",
    "no",
    "one",
    "two",
    "three",
    "come",
    "instead",
    "despite",
    "during",
    "with",
    "without",
    "from",
    "over",
    "about",
    "around",
    "between",
    "into",
    "through",
    "earlier",
    "later",
    "monday",
    "tuesday",
    "wednesday",
    "thursday",
    "friday",
    "saturday",
    "sunday",
    "january",
    "february",
    "march",
    "april",
    "may",
    "june",
    "july",
    "august",
    "september",
    "october",
    "november",
    "december",
    "what",
    "why",
    "how",
    "who",
    "where",
    "which",
    "whose",
}
ROLE_PREFIXES = {
    "neighbour",
    "neighbor",
    "resident",
    "witness",
    "bystander",
    "shopkeeper",
    "commuter",
    "passenger",
    "driver",
    "student",
    "teacher",
    "mother",
    "father",
    "parent",
    "local",
    "voter",
    "owner",
    "worker",
    "employee",
    "customer",
    "farmer",
    "fan",
    "protester",
}
# Private people quoted once ("a neighbour", "its owner", "a mother of two"): annotators
# label them ``other``, so they are not proposed as sources.
ONE_OFF_ROLES = {
    "neighbour",
    "neighbor",
    "resident",
    "bystander",
    "shopkeeper",
    "commuter",
    "passenger",
    "mother",
    "father",
    "parent",
    "local",
    "voter",
    "owner",
    "customer",
    "fan",
    "onlooker",
}

# Words without which no cue (or refusal) pattern can match: a set look-up per sentence
# spares the patterns' scan of every position in most sentences.
CUE_WORDS = frozenset(w for phrase in STRONG_CUE_VERBS + WEAK_CUE_VERBS for w in phrase.split()[:1]) | {
    "according",
    "agreed",
    "telling",
    "view",
    "words",
    "account",
    "opinion",
    "recollection",
    "count",
    "estimate",
    "reckoning",
    "tally",
}
REFUSAL_WORDS = frozenset(
    {"declined", "refused", "not", "didn", "t", "reached", "comment", "available", "want"}
)
