"""A small progress line for long jobs: rows done, rows per second and time left.

Drawn on standard error only when it is a terminal, at most five times a second; silent
otherwise, so logs and pipes stay clean.
"""

from __future__ import annotations

import sys
import time
from typing import TextIO


class Progress:
    def __init__(self, total: int | None = None, unit: str = "rows", stream: TextIO | None = None,
                 enabled: bool | None = None, start: int = 0):
        self.stream = stream if stream is not None else sys.stderr
        self.enabled = _is_terminal(self.stream) if enabled is None else enabled
        self.total = total
        self.unit = unit
        self.count = start
        self._start_count = start
        self._t0 = time.monotonic()
        self._last = 0.0
        self._width = 0

    def update(self, n: int) -> None:
        self.count += n
        if not self.enabled:
            return
        now = time.monotonic()
        if now - self._last >= 0.2:
            self._last = now
            self._draw(now)

    def _draw(self, now: float) -> None:
        elapsed = max(now - self._t0, 1e-9)
        rate = (self.count - self._start_count) / elapsed
        if self.total:
            shown = min(self.count, self.total)
            pct = 100.0 * shown / self.total
            left = (self.total - shown) / rate if rate > 0 else float("nan")
            line = (f"{shown:,}/{self.total:,} {self.unit} ({pct:3.0f}%)  {rate:,.0f} {self.unit}/s"
                    f"  {_clock(left)} left")
        else:
            line = f"{self.count:,} {self.unit}  {rate:,.0f} {self.unit}/s  {_clock(elapsed)} elapsed"
        pad = max(self._width - len(line), 0)
        self._width = len(line)
        self.stream.write("\r" + line + " " * pad)
        self.stream.flush()

    def close(self) -> None:
        if self.enabled:
            self._draw(time.monotonic())
            self.stream.write("\n")
            self.stream.flush()


def _clock(seconds: float) -> str:
    if seconds != seconds or seconds == float("inf"):  # NaN or infinite: no estimate yet
        return "-:--:--"
    seconds = int(round(seconds))
    return f"{seconds // 3600}:{seconds // 60 % 60:02d}:{seconds % 60:02d}"


def _is_terminal(stream) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError):
        return False
