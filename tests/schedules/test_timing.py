"""``every``: ISO-8601 durations of at least the minimum, or 5-field cron; missed ticks collapse."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from kbsmith.errors import InvalidInput
from kbsmith.schedules.timing import least_gap, parse_every

T0 = datetime(2026, 12, 4, 12, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("text", "interval"),
    [
        ("PT5M", timedelta(minutes=5)),
        ("pt15m", timedelta(minutes=15)),
        ("PT1H30M", timedelta(hours=1, minutes=30)),
        ("P1D", timedelta(days=1)),
        ("P1DT12H", timedelta(days=1, hours=12)),
        ("P2W", timedelta(weeks=2)),
        ("PT300S", timedelta(minutes=5)),
    ],
)
def test_durations(text: str, interval: timedelta) -> None:
    assert parse_every(text, 300).interval == interval


@pytest.mark.parametrize(
    ("text", "complaint"),
    [
        ("PT4M", "at least 300 seconds"),
        ("PT299S", "at least 300 seconds"),
        ("P1M", "not an ISO-8601 duration"),  # months have no fixed length
        ("P", "not an ISO-8601 duration"),
        ("PT", "not an ISO-8601 duration"),
        ("P1DT", "not an ISO-8601 duration"),
        ("P400D", "at most a year"),
        ("every hour", "5-field cron"),
        ("* * * *", "5-field cron"),
        ("61 * * * *", "5-field cron"),
        ("* * * * *", "more often than every 300 s"),
        ("*/2 * * * *", "more often than every 300 s"),
        ("0 0 30 2 *", "never fires"),
        ("P1000000000D", "at most a year"),
        ("PT99999999999999999999H", "at most a year"),
    ],
)
def test_refusals_name_every(text: str, complaint: str) -> None:
    with pytest.raises(InvalidInput) as refused:
        parse_every(text, 300)
    assert refused.value.message.startswith("every")
    assert complaint in refused.value.message


@pytest.mark.parametrize(
    ("cron", "start", "gap"),
    [
        # two firings close together once an hour or once a month, whenever it is asked
        ("31,33 * * * *", T0.replace(minute=32), 120),
        ("0,1 * * * *", T0.replace(minute=2), 60),
        ("58,59 * * * *", T0.replace(minute=59, second=30), 60),
        ("0,1 0 1 * *", T0.replace(day=2), 60),
        ("*/5 * * * *", T0, 300),
    ],
)
def test_theleast_gap_is_found_whenever_it_is_asked(cron: str, start: datetime, gap: int) -> None:
    assert least_gap(cron, start, 300) == timedelta(seconds=gap)


@pytest.mark.parametrize("cron", ["*/5 * * * *", "0 9 * * 1-5", "0 0 29 2 *", "0 0 1 * *"])
def test_crons_firing_at_most_every_five_minutes_are_taken(cron: str) -> None:
    assert parse_every(cron, 300).cron == cron


@pytest.mark.parametrize(
    ("now", "expected"),
    [
        (T0 - timedelta(seconds=1), T0),  # before the first tick: the first tick
        (T0, T0 + timedelta(minutes=15)),
        (T0 + timedelta(minutes=14), T0 + timedelta(minutes=15)),
        # four ticks missed: the next is the one after now, on the same cadence
        (T0 + timedelta(minutes=61), T0 + timedelta(minutes=75)),
    ],
)
def test_the_next_interval_tick_keeps_the_cadence(now: datetime, expected: datetime) -> None:
    assert parse_every("PT15M", 300).next_after(T0, now) == expected


@pytest.mark.parametrize(
    ("cron", "now", "expected"),
    [
        ("*/15 * * * *", T0 + timedelta(minutes=1), T0 + timedelta(minutes=15)),
        ("0 3 * * *", T0, datetime(2026, 12, 5, 3, 0, tzinfo=UTC)),
        ("0 9 * * 1", T0, datetime(2026, 12, 7, 9, 0, tzinfo=UTC)),  # Monday
    ],
)
def test_the_next_cron_tick(cron: str, now: datetime, expected: datetime) -> None:
    assert parse_every(cron, 300).next_after(T0, now) == expected
