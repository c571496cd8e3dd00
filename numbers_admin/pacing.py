"""Pace bulk work per account, and back off when the carrier says 429.

A ``Pacer`` belongs to one job run (one thread). It spaces calls to the account's
``requests_per_second`` and, after a RateLimited error, waits for ``Retry-After`` (or an
exponential backoff) before the next call.
"""

import time
from collections.abc import Callable
from typing import TypeVar

from numbers_admin.upstream.errors import RateLimited

T = TypeVar("T")


class Pacer:
    def __init__(
        self,
        requests_per_second: float,
        *,
        max_rate_limit_retries: int = 8,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ):
        self.interval = 1.0 / requests_per_second if requests_per_second > 0 else 0.0
        self.max_rate_limit_retries = max_rate_limit_retries
        self._clock = clock
        self._sleep = sleep
        self._next_at = 0.0

    def wait_turn(self) -> None:
        now = self._clock()
        if now < self._next_at:
            self._sleep(self._next_at - now)
            now = self._next_at
        self._next_at = now + self.interval

    def call(self, fn: Callable[[], T]) -> T:
        """Run ``fn`` at the account's pace. A 429 means the request was not processed, so it is
        safe to send again after waiting; other errors propagate."""
        for attempt in range(self.max_rate_limit_retries + 1):
            self.wait_turn()
            try:
                return fn()
            except RateLimited as error:
                if attempt == self.max_rate_limit_retries:
                    raise
                delay = error.retry_after if error.retry_after else min(30.0, 0.5 * 2**attempt)
                self._back_off(delay)
        raise AssertionError("unreachable")

    def _back_off(self, delay: float) -> None:
        """After a 429: hold the next call back by ``delay`` seconds."""
        self._sleep(delay)
