"""The hand-written inputs (data/priorities.toml, data/outcomes.toml): read as TOML, so that
whatever a file holds, its reader gives problems a user can act on, never a traceback.

A file is hostile until read. A path that is not a regular file (a pipe would block the read
forever), a file larger than any hand-written table could be, text that is not UTF-8, TOML
that does not parse (a whole number of thousands of digits included, which the parser cannot
convert), and arrays or tables nested deeper than a table of entries ever needs (a few
thousand ``[`` exhaust the parser's recursion) are each refused with one problem. A
byte-order mark, as some editors on Windows write, is no error. What the document holds, its
types included, is for each file's own checker to validate; :func:`unsafe_text` finds the
characters no hand-written text may hold.
"""
from __future__ import annotations

import codecs
import os
import stat
import tomllib
import unicodedata
from pathlib import Path

from sia.errors import InputError, Problem, first_line

# The priority register, the largest, is about 16 kB.
MAX_HANDWRITTEN_FILE = 1 << 20
# Levels of tables and arrays, the document itself the first: [[priority]] tables with their
# [[priority.figures]] take five.
MAX_DEPTH = 16


def read_handwritten_toml(path: Path, what: str) -> dict:
    """The TOML document of the file at ``path`` (``what`` names it in problems: 'priority
    register'); InputError with one problem when it cannot be read as one."""
    return handwritten_toml(read_handwritten_bytes(path, what), str(path))


def read_handwritten_bytes(path: Path, what: str) -> bytes:
    """The bytes of a hand-written file, read once: InputError when the path is not a
    regular file or holds more than MAX_HANDWRITTEN_FILE (a pipe would block, a huge file
    fill the memory)."""
    where = str(path)

    def refuse(problem: str, fix: str) -> InputError:
        return InputError(Problem(problem, where, fix))

    try:
        info = os.stat(path)
    except FileNotFoundError:
        raise refuse(f"no such {what}", "check the path") from None
    except (OSError, ValueError) as exc:  # ValueError: a NUL in the path
        raise refuse(f"cannot be read ({getattr(exc, 'strerror', None) or exc})",
                     "check the path and its permissions") from None
    if not stat.S_ISREG(info.st_mode):
        kind = "a folder" if stat.S_ISDIR(info.st_mode) else "a pipe, socket or device"
        raise refuse(f"is {kind}, not {_a(what)}", "give the path of the file")
    too_large = refuse(f"is larger than the {MAX_HANDWRITTEN_FILE >> 20} MB {_a(what)} may be",
                       "keep to the hand-written entries the file's comments describe")
    if info.st_size > MAX_HANDWRITTEN_FILE:
        raise too_large
    try:
        with open(path, "rb") as f:
            data = f.read(MAX_HANDWRITTEN_FILE + 1)  # the file may have grown since
    except OSError as exc:
        raise refuse(f"cannot be read ({exc.strerror or exc})", "check the path and its permissions") from None
    if len(data) > MAX_HANDWRITTEN_FILE:
        raise too_large
    return data


def handwritten_toml(data: bytes, where: str) -> dict:
    """The TOML document of a hand-written file's bytes (read_handwritten_bytes)."""
    def refuse(problem: str, fix: str) -> InputError:
        return InputError(Problem(problem, where, fix))

    too_large = refuse(f"is larger than the {MAX_HANDWRITTEN_FILE >> 20} MB a hand-written file may be",
                       "keep to the hand-written entries the file's comments describe")
    data = data.removeprefix(codecs.BOM_UTF8)
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data[:exc.start].count(b"\n") + 1
        raise refuse(f"not UTF-8 text (byte 0x{data[exc.start]:02x} on line {line})",
                     "save the file as UTF-8") from None
    nested = refuse(f"arrays or tables nested too deeply (more than {MAX_DEPTH} levels)",
                    "write the entries as the file's comments describe")
    try:
        document = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise refuse(f"not valid TOML ({exc})", "correct the syntax at that line") from None
    except ValueError as exc:  # a whole number of thousands of digits: the parser cannot convert it
        reason = first_line(exc).split(";")[0]  # less the advice meant for a programmer
        raise refuse(f"not valid TOML ({reason})", "correct the value: no entry needs such a number") from None
    except RecursionError:
        raise nested from None
    except MemoryError:
        raise too_large from None
    if _deeper_than(document, MAX_DEPTH):
        raise nested
    return document


def value_text(value, limit: int = 60) -> str:
    """A value from a hand-written file as a problem quotes it: its repr, short (a value can
    be anything, as long as anything), on one line."""
    text = repr(value)
    return text if len(text) <= limit else text[:limit] + "…"


def unsafe_text(text: str) -> str | None:
    """The first character of ``text`` a terminal or page would act on or hide rather than
    show (a control character, as ESC, CR, LF, NUL; a format character, as the bidi
    overrides and isolates, U+202A-U+202E and U+2066-U+2069, and zero-width ones; a line or
    paragraph separator): None when there is none. A hand-written text with one is refused,
    quoted as its repr, so that the problem itself stays on one line and inert."""
    return next((c for c in text if unicodedata.category(c) in _UNSAFE), None)


_UNSAFE = {"Cc", "Cf", "Zl", "Zp"}


def _deeper_than(document: dict, limit: int) -> bool:
    """Whether tables and arrays nest more than ``limit`` levels (walked without recursion)."""
    stack = [(document, 1)]
    while stack:
        value, depth = stack.pop()
        if isinstance(value, (dict, list)):
            if depth > limit:
                return True
            stack.extend((child, depth + 1) for child in (value.values() if isinstance(value, dict) else value))
    return False


def _a(what: str) -> str:
    """'a priority register', 'an outcome group table'."""
    return f"{'an' if what[:1] in 'aeiou' else 'a'} {what}"
