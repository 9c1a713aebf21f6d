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


def data_size(n: int) -> str:
    """'850 kB', '12.3 MB': sizes as a progress line or a summary shows them."""
    return f"{n / 1e3:,.0f} kB" if n < 1e6 else f"{n / 1e6:,.1f} MB"


class DrawnProgress(Progress):
    """Keeps count of a download and redraws it at most ten times a second (and at its
    start and end): subclasses say how to draw."""

    def __init__(self):
        self.label, self.total, self.done, self._drawn = "", None, 0, 0.0

    def start(self, label: str, total: int | None) -> None:
        self.label, self.total, self.done = label, total, 0
        self._redraw(final=False, force=True)

    def advance(self, n: int) -> None:
        self.done += n
        self._redraw(final=False)

    def finish(self) -> None:
        self._redraw(final=True, force=True)

    @property
    def share(self) -> float:
        return min(self.done / self.total, 1.0) if self.total else 0.0

    def describe(self) -> str:
        total = f" of {data_size(self.total)}" if self.total else ""
        return f"{self.label}: {data_size(self.done)}{total}"

    def _redraw(self, final: bool, force: bool = False) -> None:
        if force or time.monotonic() - self._drawn >= 0.1:
            self._drawn = time.monotonic()
            self.draw(final)

    def draw(self, final: bool) -> None:
        raise NotImplementedError


class StderrProgress(DrawnProgress):
    """A text bar redrawn in place on a terminal; one line per finished download otherwise
    (so logs and captured output stay readable)."""

    WIDTH = 30

    def __init__(self, stream: TextIO | None = None):
        super().__init__()
        self.stream = stream or sys.stderr

    def draw(self, final: bool) -> None:
        if self.stream.isatty():
            bar = "#" * int(self.share * self.WIDTH)
            self.stream.write(f"\r[{bar:<{self.WIDTH}}] {self.describe()}" + ("\n" if final else ""))
        elif final:
            self.stream.write(f"{self.describe()}\n")
        self.stream.flush()
