"""A progress bar on stderr for runs longer than a moment (`check` of many manifests,
`--live`): shown only on a terminal, and only once the run has taken DELAY_S, so quick runs
and piped output stay exactly as they were."""

from __future__ import annotations

import sys
import time
from typing import Callable, TextIO

__all__ = ["ProgressBar", "DELAY_S"]

DELAY_S = 2.0
WIDTH = 30


class ProgressBar:
    """Call it with (done, total) as work completes; `close()` wipes the line."""

    def __init__(self, label: str, stream: TextIO | None = None, *, delay_s: float = DELAY_S,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.label = label
        self.stream = stream if stream is not None else sys.stderr
        self.delay_s = delay_s
        self.clock = clock
        self.started = clock()
        self.drawn = False
        isatty = getattr(self.stream, "isatty", None)
        self.enabled = bool(isatty and isatty())

    def __call__(self, done: int, total: int) -> None:
        if not self.enabled or total <= 0 or self.clock() - self.started < self.delay_s:
            return
        filled = WIDTH * min(done, total) // total
        self.stream.write(f"\r{self.label} [{'#' * filled}{'.' * (WIDTH - filled)}] {done}/{total}")
        self.stream.flush()
        self.drawn = True

    def close(self) -> None:
        if self.drawn:
            self.stream.write("\r" + " " * (len(self.label) + WIDTH + 24) + "\r")
            self.stream.flush()
            self.drawn = False
