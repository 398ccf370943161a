"""The ways a message is read: rewritten with the previous question, and as asked."""

from __future__ import annotations

import pytest

from kbsmith.answers.answering import Turn, readings

IOS = [Turn("user", "How do I reset my password on iOS?"), Turn("assistant", "According to…")]


@pytest.mark.parametrize(
    ("message", "history", "read"),
    [
        ("and for Android?", IOS, ["How do I reset my password for Android?"]),
        ("what about refunds?", IOS, ["How do I reset my password on iOS refunds?"]),
        ("and on the Android app?", IOS, ["How do I reset my password on the Android app?"]),
        (
            "What if I lose my card?",
            IOS,
            ["How do I reset my password on iOS I lose my card?", "What if I lose my card?"],
        ),
        ("How do I cancel?", IOS, ["How do I cancel?"]),  # no opener: a question of its own
        ("and for Android?", [], ["and for Android?"]),  # nothing to follow
    ],
)
def test_a_message_is_read_as_a_follow_up_and_as_asked_when_it_could_stand_alone(
    message: str, history: list[Turn], read: list[str]
) -> None:
    assert readings(message, history) == read
