"""A per-client rate limit: a token bucket per client address, kept in memory (one server process)."""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from matrixqa.errors import MatrixQAError

PERIODS = {"second": 1.0, "minute": 60.0, "hour": 3600.0, "day": 86400.0}
MAX_CLIENTS = 10_000  # beyond this many remembered clients, idle ones are forgotten


@dataclass(frozen=True)
class Rate:
    count: int
    period: float  # seconds


def parse_rate(text: str) -> Rate | None:
    """`30/minute` is Rate(30, 60.0); `off` is None."""
    if text.strip().lower() == "off":
        return None
    match = re.fullmatch(r"\s*(\d+)\s*/\s*(second|minute|hour|day)s?\s*", text.lower())
    if not match or int(match[1]) < 1:
        raise MatrixQAError(
            f"MATRIXQA_RATE_LIMIT must look like 30/minute (per second, minute, hour or day) or off, not {text!r}"
        )
    return Rate(int(match[1]), PERIODS[match[2]])


class RateLimiter:
    """Each client may make `count` requests at once and regains them evenly over `period`."""

    def __init__(self, rate: Rate, clock: Callable[[], float] = time.monotonic) -> None:
        self.rate = rate
        self.clock = clock
        self._lock = threading.Lock()
        self._buckets: dict[str, tuple[float, float]] = {}  # client -> (requests left, when counted)

    def wait(self, client: str) -> float:
        """Spend one request of the client's allowance: 0.0 if allowed, else the seconds until one is free."""
        per_second = self.rate.count / self.rate.period
        with self._lock:
            now = self.clock()
            left, counted = self._buckets.get(client, (float(self.rate.count), now))
            left = min(float(self.rate.count), left + (now - counted) * per_second)
            if left < 1:
                self._buckets[client] = (left, now)
                return (1 - left) / per_second
            self._buckets[client] = (left - 1, now)
            if len(self._buckets) > MAX_CLIENTS:
                self._forget_idle(now)
            return 0.0

    def _forget_idle(self, now: float) -> None:
        # A client idle for a whole period has its full allowance back: the same as one never seen.
        self._buckets = {c: b for c, b in self._buckets.items() if now - b[1] < self.rate.period}
