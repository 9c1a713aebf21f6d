"""Errors a user can act on.

Every problem with the input is raised as an :class:`InputError` carrying what is wrong,
where (file, line, column) and what to do. The CLI prints each as one line and exits 2;
the app shows the same text.
"""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Problem:
    what: str
    where: str = ""
    fix: str = ""

    def __str__(self) -> str:
        text = f"{self.where}: {self.what}" if self.where else self.what
        return f"{text}; {self.fix}" if self.fix else text


class InputError(Exception):
    """One or more problems with user input; nothing was written."""

    def __init__(self, problems: list[Problem] | Problem):
        self.problems = [problems] if isinstance(problems, Problem) else list(problems)
        super().__init__("\n".join(str(p) for p in self.problems))


def first_line(exc: BaseException) -> str:
    """An exception's message as one line, for a Problem."""
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__
