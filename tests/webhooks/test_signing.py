"""Our signatures verify with the reference implementation; the retry plan spans the window."""

from __future__ import annotations

import pytest
from standardwebhooks import Webhook

from kbsmith.webhooks import signing
from kbsmith.webhooks.retries import RetryPlan


@pytest.mark.parametrize(
    ("message_id", "body"),
    [("msg_1", b"{}"), ("d3b07384-d9a0-4c1e-8f5e-1a2b3c4d5e6f", '{"a":"é"}'.encode())],
)
def test_signatures_verify_with_the_reference_implementation(message_id: str, body: bytes) -> None:
    import time

    secret = signing.new_secret()
    headers = signing.headers(secret, message_id, int(time.time()), body)
    assert Webhook(secret).verify(body, headers) is not None
    with pytest.raises(Exception, match="signature"):
        Webhook(signing.new_secret()).verify(body, headers)


@pytest.mark.parametrize(
    ("attempts", "elapsed", "expected"),
    [
        (1, 0.0, 5.0),
        (2, 5.0, 10.0),
        (5, 75.0, 80.0),
        (20, 3600.0, 3 * 3600.0),  # capped
        (20, 24 * 3600.0 - 60, None),  # the next would fall after a day
    ],
)
def test_the_retry_plan_backs_off_for_a_day(
    attempts: int, elapsed: float, expected: float | None
) -> None:
    assert RetryPlan().delay(attempts, elapsed) == expected


def test_the_default_plan_tries_for_most_of_a_day() -> None:
    plan, elapsed, attempts = RetryPlan(), 0.0, 1
    while (wait := plan.delay(attempts, elapsed)) is not None:
        elapsed, attempts = elapsed + wait, attempts + 1
    assert 18 * 3600 < elapsed <= 24 * 3600
    assert 10 < attempts < 30
