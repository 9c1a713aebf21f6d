"""Progress of downloads, reported to whoever is watching (the CLI's stderr, the app's bar)."""
from __future__ import annotations

import sys
import time
from typing import TextIO


class Progress:
    """Receives the progress of one download at a time. The base class ignores it."""

    def start(self, label: str, total: int | None) -> None:
        pass

    def advance(self, n: int) -> None:
        pass

    def finish(self) -> None:
        pass


def megabytes(n: int) -> str:
    return f"{n / 1e6:,.1f} MB"


class StderrProgress(Progress):
    """A text bar redrawn in place on a terminal; one line per finished download otherwise
    (so logs and captured output stay readable)."""

    WIDTH = 30

    def __init__(self, stream: TextIO | None = None):
        self.stream = stream or sys.stderr
        self.label, self.total, self.done, self._drawn = "", None, 0, 0.0

    def start(self, label: str, total: int | None) -> None:
        self.label, self.total, self.done = label, total, 0
        self._draw(force=True)

    def advance(self, n: int) -> None:
        self.done += n
        self._draw()

    def finish(self) -> None:
        if self.stream.isatty():
            self._draw(force=True)
            self.stream.write("\n")
        else:
            self.stream.write(f"{self.label}: {megabytes(self.done)}\n")
        self.stream.flush()

    def _draw(self, force: bool = False) -> None:
        if not self.stream.isatty() or (not force and time.monotonic() - self._drawn < 0.1):
            return
        self._drawn = time.monotonic()
        if self.total:
            share = min(self.done / self.total, 1.0)
            bar = "#" * int(share * self.WIDTH)
            text = f"[{bar:<{self.WIDTH}}] {share:4.0%} {megabytes(self.done)} of {megabytes(self.total)}"
        else:
            text = megabytes(self.done)
        self.stream.write(f"\r{self.label}: {text}")
        self.stream.flush()
