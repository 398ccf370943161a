"""The questions an article answers, as customers ask them, drawn from the article's own text:
its FAQ pairs, its title and headings, the procedures it numbers, the error messages it
explains, and what it says a customer can do or should do if something happens."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence

from kbsmith.generation.text import (
    HEADING,
    IMPERATIVE_HINTS,
    STOPWORDS,
    TITLE_SEPARATORS,
    plain,
    prose_lines,
    stem,
    words,
)

MIN_QUESTIONS = 3
MAX_QUESTIONS = 8
MAX_QUESTION_WORDS = 20
MAX_PHRASE_WORDS = 12
MAX_SUBJECT_WORDS = 6

QUESTION_WORDS = frozenset(
    [
        "how",
        "what",
        "why",
        "when",
        "where",
        "which",
        "who",
        "whom",
        "whose",
        "can",
        "could",
        "do",
        "does",
        "did",
        "is",
        "are",
        "am",
        "was",
        "were",
        "will",
        "would",
        "should",
        "shall",
        "may",
        "might",
        "has",
        "have",
    ]
)
FAQ_PREFIX = re.compile(r"^(?:q|question)\s*\d*\s*[:.)\-]\s*", re.IGNORECASE)
MID_SENTENCE_CAPITAL = re.compile(r"(?<=[a-z0-9,;] )[A-Z][\w'\u2019-]*(?=\s[a-z]|[.,;:!?)])")
LOWER_WORD = re.compile(r"(?<![\w'\u2019-])[a-z][\w'\u2019-]*")
SECTION_NUMBER = re.compile(
    r"^(?:(?:part|chapter|appendix|section)\s+)?(?:[A-Z]|[IVXLC]+|\d+)(?:\.\d+)*\.\s+",
    re.IGNORECASE,
)
PERSONAL = re.compile(r"\b(?:you|your|yours|my|mine|i|we|our)\b", re.IGNORECASE)
ANSWER_PREFIX = re.compile(r"^(?:q|a|question|answer)\s*[:.)]\s*", re.IGNORECASE)
ORDERED_ITEM = re.compile(r"^\s*\d+[.)]\s+")
LIST_MARK = re.compile(r"^\s*(?:[-*+\u2022]|\d+[.)])\s+")
BOLD_LINE = re.compile(r"^\s*(?:\*\*|__)(.+?)(?:\*\*|__)\s*$")
SENTENCE = re.compile(r"(?<=[.!?])\s+(?=[\"'“(]?[A-Z0-9])")
QUOTED = r"[\"“”]([^\"“”\n]{3,80}?)[\"“”]"
CODE_LIKE = re.compile(r"[(){}\[\]<>$=;\\]|^\W|\w\.\w")
ERROR_NEAR = re.compile(
    rf"\b(?:error|message|warning|alert|notice)s?\b[^.\n\"“”`]{{0,40}}?{QUOTED}"
    rf"|{QUOTED}\s+(?:error|message|warning|alert|notice)\b",
    re.IGNORECASE,
)
CAN_SENTENCE = re.compile(r"^you\s+can(?:\s+also)?\s+(.+?)[.!]?$", re.IGNORECASE)
IF_SENTENCE = re.compile(r"^if\s+(you\b[^,;:]+?)\s*,", re.IGNORECASE)
TO_LEAD_IN = re.compile(r"^(?:to|how to)\s+(.+?):?$", re.IGNORECASE)
GENERIC_HEADINGS = frozenset(
    """overview|introduction|summary|contents|table of contents|prerequisites|requirements|
    before you begin|next steps|see also|related|related articles|notes|note|tips|tip|example|
    examples|conclusion|references|resources|faq|faqs|more information|learn more|description|
    details|background|about|in this article|on this page|steps|instructions|questions|
    frequently asked questions|need more help|still need help|contact us|quickstart|
    quick start|readme|documentation|docs|tutorial|guide|user guide|home|index|welcome|
    was this article helpful|was this helpful|did this answer your question""".replace("\n", "")
    .replace("    ", "")
    .split("|")
)
SUBJECT_BEFORE = frozenset(
    [
        "if",
        "when",
        "and",
        "or",
        "that",
        "so",
        "once",
        "unless",
        "before",
        "after",
        "until",
        "because",
        "while",
        "where",
        "whether",
        "can",
        "do",
        "whatever",
        "what",
        "which",
        "who",
        "as",
    ]
)
OBJECT_NEXT = frozenset(
    ["", "a", "an", "the", "to", "with", "for", "by", "in", "on", "at", "and", "or", "about"]
)
"""Words after an object "you" ('send you a link', 'help you with'); a verb follows a subject."""
PRONOUNS = {
    "we": "you",
    "us": "you",
    "our": "your",
    "ours": "yours",
    "your": "my",
    "yours": "mine",
    "yourself": "myself",
    "me": "you",
    "my": "your",
    "mine": "yours",
    "myself": "yourself",
    "you're": "I'm",
    "you've": "I've",
    "you'll": "I'll",
    "you'd": "I'd",
}
AGREEMENT = {"I are": "I am", "I were": "I was", "I aren't": "I'm not", "I weren't": "I wasn't"}
VERBS = IMPERATIVE_HINTS | frozenset(
    [
        "activate", "approve", "authorize", "book", "buy", "call", "claim", "clear", "close",
        "contact", "copy", "deactivate", "debug", "define", "deploy", "develop", "display",
        "embed", "enter", "exchange", "file", "filter", "generate", "grant", "handle", "hide",
        "integrate", "limit", "lock", "order", "pause", "prevent", "protect", "publish",
        "purchase", "reactivate", "receive", "recover", "redeem", "register", "remove",
        "rename", "renew", "replace", "report", "request", "resume", "retrieve", "return",
        "revoke", "save", "secure", "show", "sort", "subscribe", "test", "translate",
        "troubleshoot", "unlock", "unsubscribe", "write",
    ]
)  # fmt: skip
GERUND_EXCEPTIONS = {"getting": "get", "setting": "set", "running": "run", "logging": "log"}


def questions(title: str, paragraphs: Sequence[str]) -> list[str]:
    """3 to 8 questions (fewer only when the text offers nothing more), best first."""
    proper = proper_nouns(paragraphs)
    found = _Questions()
    found.add(title_question(title, proper))
    for question in faq_questions(paragraphs):
        found.add(_asked(question, proper))
    for phrase in procedure_names(paragraphs):
        found.add(_how_do_i(phrase, proper))
    for heading in _headings(paragraphs):
        found.add(heading_question(heading, proper))
    for message in error_messages(paragraphs):
        found.add(f"What does '{message}' mean?")
    for question in sentence_questions(paragraphs, proper):
        found.add(question)
    if len(found) < MIN_QUESTIONS:
        for variant in variants(found.items[0] if found.items else ""):
            found.add(variant, same_topic=True)
    if not found:  # an article has at least one question: what its title names
        subject = _phrase(TITLE_SEPARATORS.split(title)[0])
        short = subject and len(subject.split()) <= MAX_SUBJECT_WORDS
        found.add(f"What does '{subject}' cover?" if short else "What does this article cover?")
    return found.items[:MAX_QUESTIONS]


class _Questions:
    """Questions in order, without repeats: two that ask about the same words are one."""

    def __init__(self) -> None:
        self.items: list[str] = []
        self._keys: list[frozenset[str]] = []

    def __len__(self) -> int:
        return len(self.items)

    def add(self, question: str | None, same_topic: bool = False) -> None:
        if not question or len(question.split()) > MAX_QUESTION_WORDS:
            return
        key = _key(question)
        if not key or question in self.items:
            return
        if not same_topic and any(_alike(key, other) for other in self._keys):
            return
        self.items.append(question)
        self._keys.append(key)


def _key(question: str) -> frozenset[str]:
    return frozenset(stem(w) for w in words(question) if w not in STOPWORDS and len(w) > 1)


def _alike(a: frozenset[str], b: frozenset[str]) -> bool:
    return a == b or len(a & b) / len(a | b) >= 0.8


def title_question(title: str, proper: frozenset[str]) -> str | None:
    """The title as a question: a procedure as "How do I …?" (any part of it: "Payment
    issues - how to delete a card"), a subject as "What is …?"."""
    for part in TITLE_SEPARATORS.split(title):
        asked = heading_question(part, proper)
        if asked:
            return asked
    phrase = _phrase(TITLE_SEPARATORS.split(title)[0])
    if not phrase or len(phrase.split()) > MAX_SUBJECT_WORDS or "," in phrase:
        return None
    if phrase.casefold() in GENERIC_HEADINGS or PERSONAL.search(phrase):
        return None  # "Resetting your password" names a task, not a thing
    return _what_is(_lowered(phrase, proper))


def heading_question(heading: str, proper: frozenset[str]) -> str | None:
    """A heading that asks, or names a procedure, as a question; a generic heading
    ("Overview", "Next steps"), a bare subject or a call to action asks nothing."""
    phrase = _phrase(heading)
    if not phrase or phrase.casefold() in GENERIC_HEADINGS:
        return None
    to = TO_LEAD_IN.match(phrase.rstrip("?"))
    if to:
        return _how_do_i(to.group(1), proper)
    if phrase.endswith("?"):
        return _asked(phrase, proper)
    first = phrase.split()[0].casefold()
    if _verb(first) and len(phrase.split()) >= 2 and ":" not in phrase:
        return _how_do_i(phrase, proper)
    return None


def _asked(question: str, proper: frozenset[str]) -> str | None:
    """A question the text asks, in sentence case; not a call to action ("Ready to start?")."""
    to = TO_LEAD_IN.match(question.rstrip("?"))
    if to:
        return _how_do_i(to.group(1), proper)
    first = question.split()[0].casefold()
    wh = first.startswith("wh") or first == "how"
    if first not in QUESTION_WORDS or len(question.split()) < (3 if wh else 4):
        return None
    if question.rstrip("?").casefold() in GENERIC_HEADINGS:
        return None
    return _capitalised(_lowered(question, proper, whole=True))


def _how_do_i(phrase: str | None, proper: frozenset[str]) -> str | None:
    if not phrase or len(phrase.split()) > MAX_PHRASE_WORDS:
        return None
    head, _, rest = _lowered(phrase, proper).partition(" ")
    verb = _verb(head.casefold())
    if not verb:
        return None
    return f"How do I {first_person(f'{verb} {rest}'.strip())}?"


def _verb(word: str) -> str | None:
    """The infinitive of a leading verb ('exporting' → 'export'), or None."""
    if word in VERBS:
        return word
    if word in GERUND_EXCEPTIONS:
        return GERUND_EXCEPTIONS[word]
    if word.endswith("ing"):
        stem_ = word[:-3]
        doubled = len(stem_) > 2 and stem_[-1] == stem_[-2]  # 'resetting', 'shipping'
        for candidate in (stem_, stem_ + "e", stem_[:-1] if doubled else stem_):
            if candidate in VERBS:
                return candidate
    return None


def _what_is(phrase: str) -> str:
    head = re.split(r"\s+(?:of|for|in|on|with|and|&)\s+", phrase)[0].split()[-1]
    plural = head.endswith("s") and not head.endswith(("ss", "us", "is"))
    verb = "are" if plural else "is"
    bare = (
        len(phrase.split()) == 1
        or phrase.casefold().startswith(("the ", "a ", "an "))
        or head.endswith(("ing", "ness"))
    )
    if bare or phrase[0].isupper() or phrase[0].isdigit():
        return f"What {verb} {phrase}?"
    return f"What {verb} the {phrase}?"


def faq_questions(paragraphs: Sequence[str]) -> list[str]:
    """Questions the text already asks: "Q: …" lines, question headings, a bold question,
    a paragraph that is one question."""
    found = []
    for paragraph in paragraphs:
        lines = list(prose_lines([paragraph]))
        for line in lines:
            text = _faq_line(line, alone=len(lines) == 1)
            if text:
                found.append(text)
    return found


def _faq_line(line: str, alone: bool) -> str | None:
    stripped = line.strip()
    marked = bool(HEADING.match(stripped) or BOLD_LINE.match(stripped))
    text = plain(BOLD_LINE.sub(r"\1", stripped))
    prefixed = FAQ_PREFIX.match(text)
    text = FAQ_PREFIX.sub("", text).strip()
    if not text.endswith("?") or len(text.split()) < 3:
        return None
    if (marked or prefixed or alone) and len(SENTENCE.split(text)) == 1:
        return text
    return None


def procedure_names(paragraphs: Sequence[str]) -> list[str]:
    """What a numbered list of steps does: the heading or "To …:" line just before it."""
    found: list[str] = []
    lines = [line.strip() for line in prose_lines(paragraphs) if line.strip()]
    if not lines:
        return found
    for before, line, after in zip(["", *lines[:-1]], lines, [*lines[1:], ""], strict=True):
        starts = ORDERED_ITEM.match(line) and not ORDERED_ITEM.match(before)
        if starts and ORDERED_ITEM.match(after):
            lead = plain(before).rstrip(":")
            to = TO_LEAD_IN.match(lead)
            if to:
                found.append(to.group(1))
            elif HEADING.match(before) and _verb(lead.split()[0].casefold() if lead else ""):
                found.append(lead)
    return found


def error_messages(paragraphs: Sequence[str]) -> list[str]:
    """Quoted messages the text explains: 'the error "Card declined"', '"Link expired" message'."""
    found = []
    for paragraph in ("\n".join(prose_lines([p])) for p in paragraphs):
        for match in ERROR_NEAR.finditer(paragraph):
            message = " ".join((match.group(1) or match.group(2)).split()).rstrip(".")
            if not CODE_LIKE.search(message) and message not in found:
                found.append(message)
    return found


def sentence_questions(paragraphs: Sequence[str], proper: frozenset[str]) -> list[str]:
    """ "You can …" as "Can I …?", "If you …, …" as "What if I …?"."""
    found = []
    for sentence in _sentences(paragraphs):
        can = CAN_SENTENCE.match(sentence)
        if can and len(can.group(1).split()) <= MAX_PHRASE_WORDS:
            found.append(f"Can I {first_person(_lowered(can.group(1), proper)).rstrip(':;')}?")
        condition = IF_SENTENCE.match(sentence)
        if (
            condition
            and len(condition.group(1).split()) <= MAX_PHRASE_WORDS
            and not ERROR_NEAR.search(condition.group(1))  # asked as "What does … mean?"
        ):
            found.append(f"What if {first_person(condition.group(1))}?")
    return found


def _sentences(paragraphs: Iterable[str]) -> Iterable[str]:
    for line in prose_lines(paragraphs):
        if HEADING.match(line.strip()):
            continue
        text = plain(LIST_MARK.sub("", line))
        yield from (s.strip() for s in SENTENCE.split(text) if s.strip())


def variants(question: str) -> list[str]:
    """Other ways customers ask the same question, when the text offers too few."""
    if question.startswith("How do I "):
        action = question.removeprefix("How do I ").rstrip("?")
        return [f"How can I {action}?", f"Is there a way to {action}?"]
    match = re.match(r"^What (is|are) (.+)\?$", question)
    if match:
        verb, subject = match.groups()
        if subject.endswith(" work"):
            return [f"Can you tell me about {subject}?"]
        return [
            f"How {'do' if verb == 'are' else 'does'} {subject} work?",
            f"Can you tell me about {subject}?",
        ]
    return []


def _headings(paragraphs: Iterable[str]) -> Iterable[str]:
    for line in prose_lines(paragraphs):
        match = HEADING.match(line.strip())
        if match:
            yield match.group(2)


def first_person(phrase: str) -> str:
    """The customer's words: 'reset your password if you forgot it' → '… my … I …'."""
    tokens = phrase.split()
    out: list[str] = []
    for i, token in enumerate(tokens):
        bare = token.casefold().replace("\u2019", "'").rstrip(",.;:")
        tail = token[len(bare) :]
        if bare in PRONOUNS:
            out.append(PRONOUNS[bare] + tail)
        elif bare == "you":
            previous = tokens[i - 1].casefold() if i else ""
            following = tokens[i + 1].casefold() if i + 1 < len(tokens) and not tail else ""
            # "send you a link" (object) and "the designers you need" (subject)
            subject = i == 0 or previous in SUBJECT_BEFORE or following not in OBJECT_NEXT
            out.append(("I" if subject else "me") + tail)
        else:
            out.append(token)
    text = " ".join(out)
    for wrong, right in AGREEMENT.items():
        text = re.sub(rf"\b{wrong}\b", right, text)
    return text


def proper_nouns(paragraphs: Iterable[str]) -> frozenset[str]:
    """Words the text capitalises inside sentences (after a lower-case word or a comma) and
    never writes in lower case (product and place names, 'Stripe', 'Google'): they keep their
    capital in a question."""
    text = "\n".join(prose_lines(paragraphs))
    capitalised = {w.casefold() for w in MID_SENTENCE_CAPITAL.findall(text)}
    return frozenset(capitalised - {w.casefold() for w in LOWER_WORD.findall(text)})


def _lowered(phrase: str, proper: frozenset[str], whole: bool = False) -> str:
    """A title or heading in sentence case mid-question: 'Reset Your Password' → 'reset your
    password'; names ('Stripe'), acronyms ('SSO') and mixed case ('iOS') keep their case.
    *whole*: the phrase is a whole question, so its first word is left to the caller."""
    shouting = phrase.upper() == phrase and any(c.isalpha() for c in phrase)
    title_case = shouting or _is_title_case(phrase)
    out = []
    for i, word in enumerate(phrase.split()):
        keep = (
            word.casefold() in proper
            or (not shouting and any(c.isupper() for c in word[1:]))
            or (shouting and len(word) <= 3 and word.isalpha() and word.casefold() not in STOPWORDS)
            or word == "I"
            or (i > 0 and not title_case and word[:1].isupper())
        )
        if keep and not (whole and i == 0):
            out.append(word)
        else:
            out.append(word.lower() if shouting or title_case else word[:1].lower() + word[1:])
    return " ".join(out)


def _is_title_case(phrase: str) -> bool:
    long_words = [w for w in phrase.split() if len(w) > 3 and w[:1].isalpha()]
    return len(long_words) >= 2 and sum(w[0].isupper() for w in long_words) > len(long_words) / 2


def _phrase(text: str) -> str:
    """A heading's words: its first sentence, without a section number ("8.6.", "Part
    VIII.") or a generic lead-in ("Tutorial: …")."""
    first = SENTENCE.split(SECTION_NUMBER.sub("", plain(text).strip()))[0]
    head, colon, tail = first.partition(": ")
    if colon and head.casefold() in GENERIC_HEADINGS:
        first = tail
    return " ".join(first.rstrip(".:!¶# ").split())


def _capitalised(text: str) -> str:
    return text[:1].upper() + text[1:]
