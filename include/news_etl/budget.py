"""A per-file time budget: a file that takes too long is quarantined, not allowed to stall the batch.

SIGALRM-based, so it works in the main thread of a process (Airflow task processes, the CLI and its
worker processes all run the pipeline there) and is skipped elsewhere. It interrupts Python code; a single
call into C (one huge regex match, one lxml parse) finishes first, which the size limits keep bounded.
"""

from __future__ import annotations

import contextlib
import logging
import signal
import threading
from collections.abc import Iterator

log = logging.getLogger(__name__)


class TimeBudgetExceeded(BaseException):
    """A BaseException, like KeyboardInterrupt: library code's ``except Exception`` must not swallow it."""

    def __init__(self, seconds: float) -> None:
        super().__init__(f"took longer than the per-file time budget of {seconds:g} s (NEWS_ETL_MAX_FILE_SECONDS)")
        self.seconds = seconds


@contextlib.contextmanager
def time_budget(seconds: float) -> Iterator[None]:
    """Raise :class:`TimeBudgetExceeded` in the block if it runs longer than ``seconds`` (0: no budget)."""
    if seconds <= 0 or threading.current_thread() is not threading.main_thread():
        yield
        return

    def expired(signum, frame) -> None:
        raise TimeBudgetExceeded(seconds)

    previous = signal.signal(signal.SIGALRM, expired)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
