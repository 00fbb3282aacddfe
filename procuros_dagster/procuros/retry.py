"""Retry policy: exponential backoff with full jitter, Retry-After aware, time-budgeted."""

from __future__ import annotations

import random
import time
from dataclasses import dataclass, field
from datetime import datetime, timezone
from email.utils import parsedate_to_datetime
from typing import Callable

RETRYABLE_STATUS = frozenset({429, 500, 502, 503, 504})


@dataclass
class RetryPolicy:
    max_attempts: int = 5
    base_delay: float = 0.5        # first backoff ceiling (seconds)
    max_delay: float = 30.0        # cap for a backoff sleep (a server's Retry-After is honoured in full)
    total_budget: float = 120.0    # no new attempt once this much time has elapsed (or would have)
    sleep: Callable[[float], None] = field(default=time.sleep, repr=False)
    clock: Callable[[], float] = field(default=time.monotonic, repr=False)
    rng: Callable[[], float] = field(default=random.random, repr=False)

    def backoff(self, retry_number: int, retry_after: float | None = None) -> float:
        """Delay before retry ``retry_number`` (1-based).  Retry-After wins over jitter and is
        never shortened: asking again earlier than the server said only earns another 429. A wait
        that does not fit in the budget ends the retries instead (see the client)."""
        if retry_after is not None:
            return max(0.0, retry_after)
        ceiling = min(self.max_delay, self.base_delay * (2 ** (retry_number - 1)))
        return self.rng() * ceiling  # full jitter

    @staticmethod
    def is_retryable_status(status: int) -> bool:
        return status in RETRYABLE_STATUS


def parse_retry_after(value: str | None, now: Callable[[], datetime] | None = None) -> float | None:
    """Seconds from a Retry-After header (delta-seconds or HTTP date); None if absent/garbled."""
    if not value:
        return None
    value = value.strip()
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=timezone.utc)
    current = now() if now else datetime.now(timezone.utc)
    return max(0.0, (when - current).total_seconds())
