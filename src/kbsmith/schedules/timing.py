"""A schedule's ``every``: an ISO-8601 duration (``PT15M``, ``P1D``, ``P1DT12H``, ``P2W``) or a
5-field cron expression, and the first tick after a moment."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from croniter import CroniterBadDateError, croniter

from kbsmith.errors import InvalidInput

_DURATION = re.compile(
    r"P(?:(?P<weeks>\d+)W)?(?:(?P<days>\d+)D)?"
    r"(?:T(?:(?P<hours>\d+)H)?(?:(?P<minutes>\d+)M)?(?:(?P<seconds>\d+)S)?)?"
)
MAX_INTERVAL = timedelta(days=366)
CRON_FIRINGS_CHECKED = 1000
"""How many firings of a cron expression are checked against the least interval (within a
year): every gap of a daily pattern of 5-minute ticks (3.5 days of them), of an hourly one for
6 weeks. A pattern whose close firings come rarer than that (two minutes apart on the 31st
only, among hundreds of firings a day) may be taken when asked far from them."""


@dataclass(frozen=True)
class Every:
    interval: timedelta | None = None
    cron: str | None = None

    def next_after(self, anchor: datetime, now: datetime) -> datetime:
        """The first tick strictly after ``now``: on the interval's cadence from ``anchor``
        (so ticks missed while nothing ran collapse into one), or the cron's next time."""
        if self.interval is not None:
            if now < anchor:
                return anchor
            passed = (now - anchor) // self.interval
            return anchor + (passed + 1) * self.interval
        assert self.cron is not None
        following: datetime = croniter(self.cron, now.astimezone(UTC)).get_next(datetime)
        return following.astimezone(UTC)


def parse_every(text: str, min_seconds: float) -> Every:
    """400 naming ``every`` for anything else than a duration of at least ``min_seconds`` (and
    at most a year) or a valid 5-field cron expression firing at most that often."""
    value = text.strip()
    if value.upper().startswith("P"):
        return Every(interval=_duration(value.upper(), min_seconds))
    if len(value.split()) != 5 or not croniter.is_valid(value):
        raise InvalidInput(
            f"every must be an ISO-8601 duration (e.g. PT15M) or a 5-field cron expression; "
            f"got {text!r}"
        )
    if min_seconds <= 0:  # a stored schedule read again: checked when it was made
        return Every(cron=value)
    least = least_gap(value, datetime.now(UTC), min_seconds)
    if least.total_seconds() < min_seconds:
        raise InvalidInput(
            f"every: the cron expression fires more often than every {min_seconds:g} s "
            f"({least.total_seconds():g} s apart)"
        )
    return Every(cron=value)


def least_gap(cron: str, start: datetime, min_seconds: float) -> timedelta:
    """The least time between two firings of ``cron`` after ``start``, over its next
    ``CRON_FIRINGS_CHECKED`` firings within a year (stopping at one under ``min_seconds``):
    '31,33 * * * *' fires 2 minutes apart once an hour, whatever the minute it is asked at."""
    firings = croniter(cron, start)
    try:
        previous: datetime = firings.get_next(datetime)
        least = MAX_INTERVAL
        for _ in range(CRON_FIRINGS_CHECKED):
            following: datetime = firings.get_next(datetime)
            least = min(least, following - previous)
            if least.total_seconds() < min_seconds or following - start > MAX_INTERVAL:
                break
            previous = following
    except CroniterBadDateError:
        raise InvalidInput(f"every: the cron expression {cron!r} never fires") from None
    return least


def _duration(value: str, min_seconds: float) -> timedelta:
    match = _DURATION.fullmatch(value)
    if match is None or value in ("P", "PT") or value.endswith("T"):
        raise InvalidInput(
            f"every: {value!r} is not an ISO-8601 duration in weeks, days, hours, minutes "
            "and seconds (e.g. PT15M, P1D)"
        )
    parts = {name: int(number) for name, number in match.groupdict().items() if number}
    try:
        interval = timedelta(**parts)
    except OverflowError:
        raise InvalidInput(f"every must be at most a year; got {value}") from None
    if interval.total_seconds() < min_seconds:
        raise InvalidInput(f"every must be at least {min_seconds:g} seconds; got {value}")
    if interval > MAX_INTERVAL:
        raise InvalidInput(f"every must be at most a year; got {value}")
    return interval
