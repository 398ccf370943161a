"""Recently counted terms, remembered for a short while. Pure, but for the clock.

How many passages of a workspace hold a term decides only its weight and whether the
full-text query leaves it out (``retrieval``); counting it is most of what a question costs
the database at scale (at 100,000 articles on PostgreSQL, "long" is a bitmap of 12,591
passages and 446 heap blocks read to count 500 of them: ~10 ms). Questions share most of
their words, so each process remembers counts for ``TTL_SECONDS``: a count that much out of
date moves a weight a little (the full-text query still finds every passage committed). A
count of 0 is not remembered: whether any passage holds a term at all decides the question's
``unseen_share``, which moves what is answered, and an article published a moment ago must
answer at once (counting a term no passage holds reads nothing)."""

from __future__ import annotations

import time
import uuid
from collections import OrderedDict
from collections.abc import Callable, Iterable, Mapping

TTL_SECONDS = 60.0
MAX_ENTRIES = 50_000

Key = tuple[uuid.UUID, str]


class TermCounts:
    """(workspace, term) → count, each for ``ttl`` seconds, the least recently stored
    dropped past ``max_entries``."""

    def __init__(
        self,
        ttl: float = TTL_SECONDS,
        max_entries: int = MAX_ENTRIES,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.ttl = ttl
        self.max_entries = max_entries
        self._clock = clock
        self._entries: OrderedDict[Key, tuple[float, int]] = OrderedDict()

    def known(self, workspace_id: uuid.UUID, terms: Iterable[str]) -> dict[str, int]:
        """The counts of ``terms`` still fresh (the others are to be counted)."""
        now = self._clock()
        found = {}
        for term in terms:
            entry = self._entries.get((workspace_id, term))
            if entry is None:
                continue
            stored, count = entry
            if now - stored < self.ttl:
                found[term] = count
            else:
                del self._entries[(workspace_id, term)]
        return found

    def remember(self, workspace_id: uuid.UUID, counts: Mapping[str, int]) -> None:
        now = self._clock()
        for term, count in counts.items():
            self._entries.pop((workspace_id, term), None)
            if count == 0:
                continue
            self._entries[(workspace_id, term)] = (now, count)
        while len(self._entries) > self.max_entries:
            self._entries.popitem(last=False)

    def __len__(self) -> int:
        return len(self._entries)
