"""The session cookie and its CSRF token: pure logic, case by case."""

from __future__ import annotations

import uuid
from collections.abc import Callable

import pytest

from kbsmith.console import sessions
from kbsmith.console.views import apply_choices

SECRET = b"console-test-secret"
KEY = uuid.UUID("0f0e0d0c-0b0a-0908-0706-050403020100")
NOW = 1_800_000_000.0


def _swap_body(token: str) -> str:
    other = sessions.issue(uuid.uuid4(), SECRET, NOW)
    return other.split(".")[0] + "." + token.split(".")[1]


READS: dict[str, tuple[Callable[[str], str | None], float, bool]] = {
    "as issued": (lambda t: t, NOW, True),
    "a minute later": (lambda t: t, NOW + 60, True),
    "at the end of its life": (lambda t: t, NOW + sessions.LIFETIME_SECONDS, True),
    "expired": (lambda t: t, NOW + sessions.LIFETIME_SECONDS + 1, False),
    "from the future": (lambda t: t, NOW - 60, False),
    "missing": (lambda t: None, NOW, False),
    "empty": (lambda t: "", NOW, False),
    "no signature": (lambda t: t.split(".")[0], NOW, False),
    "signature altered": (lambda t: t[:-2] + ("AA" if not t.endswith("AA") else "BB"), NOW, False),
    "another session's body": (_swap_body, NOW, False),
    "signed with another secret": (
        lambda t: sessions.issue(KEY, b"another secret", NOW),
        NOW,
        False,
    ),
    "not base64": (lambda t: "%%%." + t.split(".")[1], NOW, False),
}


@pytest.mark.parametrize("case", READS, ids=list(READS))
def test_a_cookie_reads_only_as_issued_and_in_time(case: str) -> None:
    change, now, valid = READS[case]
    token = sessions.issue(KEY, SECRET, NOW)
    session = sessions.read(change(token), SECRET, now)
    assert (session is not None) is valid
    if session is not None:
        assert session.key_id == KEY and session.issued_at == int(NOW)


def test_each_session_has_its_own_csrf_token() -> None:
    first = sessions.read(sessions.issue(KEY, SECRET, NOW), SECRET, NOW)
    second = sessions.read(sessions.issue(KEY, SECRET, NOW), SECRET, NOW)
    assert first is not None and second is not None
    token = sessions.csrf_token(first, SECRET)
    assert sessions.csrf_ok(first, SECRET, token)
    assert not sessions.csrf_ok(second, SECRET, token)
    assert not sessions.csrf_ok(first, SECRET, None)
    assert not sessions.csrf_ok(first, b"another secret", token)


CONFLICTS = [
    {"ours": "Ours one.", "theirs": "Theirs one.", "base": "Base one."},
    {"ours": "Ours two.", "theirs": "Theirs two.", "base": "Base two."},
]
PROPOSAL = "Intro.\n\nTheirs one.\n\nMiddle.\n\nTheirs two."

CHOICES: dict[str, tuple[str, list[str], str]] = {
    "the source's text everywhere": (PROPOSAL, ["theirs", "theirs"], PROPOSAL),
    "no choice given": (PROPOSAL, [], PROPOSAL),
    "the person's text in the first": (
        PROPOSAL,
        ["ours", "theirs"],
        "Intro.\n\nOurs one.\n\nMiddle.\n\nTheirs two.",
    ),
    "the person's text everywhere": (
        PROPOSAL,
        ["ours", "ours"],
        "Intro.\n\nOurs one.\n\nMiddle.\n\nOurs two.",
    ),
    "the reviewer already rewrote it": (
        "Intro.\n\nRewritten.\n\nMiddle.\n\nTheirs two.",
        ["ours", "theirs"],
        "Intro.\n\nRewritten.\n\nMiddle.\n\nTheirs two.",
    ),
}


@pytest.mark.parametrize("case", CHOICES, ids=list(CHOICES))
def test_conflict_choices(case: str) -> None:
    text, choices, expected = CHOICES[case]
    assert apply_choices(text, CONFLICTS, choices) == expected
