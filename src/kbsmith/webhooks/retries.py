"""When to try a failed delivery again: exponential backoff, given up after the window."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class RetryPlan:
    base: float = 5.0
    """Seconds before the second attempt; each later wait doubles."""
    cap: float = 3 * 3600.0
    window: float = 24 * 3600.0
    """No attempt is made later than this after the first."""

    def delay(self, attempts: int, elapsed: float) -> float | None:
        """The wait before the next attempt after ``attempts`` failed ones, ``elapsed``
        seconds after the first; None when the next would fall outside the window."""
        wait = min(self.cap, self.base * 2.0 ** max(0, attempts - 1))
        if elapsed + wait > self.window:
            return None
        return wait
