"""Finding police.uk street-level and outcomes files in what a user points at.

A source is a single CSV, a folder in the data.police.uk archive layout
(``YYYY-MM/YYYY-MM-<force>-street.csv`` and ``YYYY-MM-<force>-outcomes.csv``) or an archive
``.zip`` read member by member. Street files hold the incidents; outcomes files hold later
outcomes of crimes by Crime ID, applied at ingest; stop-and-search files hold the searches
the force recorded, placed in wards beside the incidents. Other files are skipped and
counted, never treated as errors, so a whole archive can be pointed at.
"""
from __future__ import annotations

import mmap
import os
import re
import stat
import tempfile
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

from sia.dataset.limits import (
    MAX_BUILD_INPUT,
    MAX_STREET_FILE,
    MAX_STREET_FILES,
    check_archive,
    check_member,
    copy_member,
    require_file,
    size_text,
)
from sia.errors import InputError, Problem

STREET_FILE = re.compile(r"(?:^|/)([0-9]{4}-[0-9]{2})-([A-Za-z0-9-]+?)-street\.csv$")
OUTCOMES_FILE = re.compile(r"(?:^|/)([0-9]{4}-[0-9]{2})-([A-Za-z0-9-]+?)-outcomes\.csv$")
STOPS_FILE = re.compile(r"(?:^|/)([0-9]{4}-[0-9]{2})-([A-Za-z0-9-]+?)-stop-and-search\.csv$")
STREET, OUTCOMES, STOPS = "street", "outcomes", "stops"  # the kinds of police.uk file a build reads
# What each kind is called in messages.
KIND_NAME = {STREET: "street file", OUTCOMES: "outcomes file", STOPS: "stop-and-search file"}
_PATTERNS = ((STREET, STREET_FILE), (OUTCOMES, OUTCOMES_FILE), (STOPS, STOPS_FILE))


@dataclass(frozen=True)
class PoliceFile:
    """One police.uk CSV (street-level crime, or outcomes), wherever it lives."""

    label: str  # what a user recognises: a path, or 'archive.zip!2014-04/...-street.csv'
    month: str | None  # from the file name, when it follows the police.uk pattern
    force: str | None
    read_bytes: Callable[[], bytes | mmap.mmap]  # bytes-like, whole file
    size: int = 0  # bytes, as the file system or the archive's directory states it
    kind: str = STREET


@dataclass(frozen=True)
class SkippedFile:
    label: str
    reason: str
    kind: str | None = None  # OUTCOMES or STOPS for those files; None for any other


@dataclass
class SourceSelection:
    """Which police.uk files to take: by force slug in the name and, for street files, by
    month (an outcomes file of any month may hold a later outcome of a crime of a month
    taken), and how much of them one build may read (``max_bytes``: less for a build the
    app runs in its server)."""

    forces: frozenset[str] = frozenset()
    months: frozenset[str] = frozenset()
    max_bytes: int = MAX_BUILD_INPUT
    over_limit_fix: str = "choose the area's force (--force) and fewer months (--fy)"

    def reason_to_skip(self, month: str | None, force: str | None, kind: str = STREET) -> str | None:
        if self.forces and force is not None and force.lower() not in self.forces:
            return f"force '{force}' not selected"
        if kind != OUTCOMES and self.months and month is not None and month not in self.months:
            return f"month {month} not selected"
        return None


def _classify(name: str) -> tuple[str | None, str | None, str | None, str | None]:
    """(month, force, kind, reason-to-skip) for a member name inside a folder or zip."""
    for kind, pattern in _PATTERNS:
        m = pattern.search(name)
        if m:
            return m.group(1), m.group(2), kind, None
    lower = name.lower()
    if lower.endswith("-outcomes.csv"):
        return None, None, OUTCOMES, "outcomes file not named YYYY-MM-<force>-outcomes.csv"
    if lower.endswith("-stop-and-search.csv"):
        return None, None, STOPS, "stop-and-search file not named YYYY-MM-<force>-stop-and-search.csv"
    return None, None, None, "not a police.uk street-level file"


def _single_csv(path: Path) -> tuple[str | None, str | None, str]:
    """(month, force, kind) of a CSV given by itself: by its name when it follows the
    police.uk pattern; otherwise an outcomes or stop-and-search file if its header is one (an
    upload renamed on the way), else a street file, checked as one when it is read."""
    for kind, pattern in _PATTERNS:
        m = pattern.search(path.name)
        if m:
            return m.group(1), m.group(2), kind
    with open(path, "rb") as f:
        first = f.read(64 * 1024)
    header = first.splitlines()[0] if first.strip() else b""
    names = {c.strip().strip('"') for c in header.decode("utf-8-sig", "replace").split(",")}
    if "Crime type" in names:
        return None, None, STREET
    if "Outcome type" in names:
        return None, None, OUTCOMES
    return None, None, STOPS if "Object of search" in names else STREET


def discover(paths: list[Path], selection: SourceSelection | None = None,
             ) -> tuple[list[PoliceFile], list[SkippedFile]]:
    """All street and outcomes files under the given sources, in a stable order (the order
    of the sources, then of the names within a folder or archive), and what was skipped."""
    selection = selection or SourceSelection()
    found: list[PoliceFile] = []
    skipped: list[SkippedFile] = []
    problems: list[Problem] = []
    for path in paths:
        before = len(found)
        if not path.exists():
            problems.append(Problem("no such file or folder", str(path),
                                    "check the path; sources are CSV files, folders or .zip archives"))
            continue
        if not path.is_dir():
            try:
                require_file(path, "police.uk file", "give CSV files, folders or .zip archives",
                             MAX_STREET_FILE if path.suffix.lower() == ".csv" else None)
            except InputError as exc:
                problems.extend(exc.problems)
                continue
        if path.is_dir():
            entries = _folder_entries(path)
            kind = "folder"
        elif path.suffix.lower() == ".zip":
            try:
                entries = _zip_entries(path)
            except (zipfile.BadZipFile, OSError, ValueError, EOFError) as exc:
                problems.append(Problem(f"not a readable zip archive ({exc})", str(path),
                                        "download the archive again"))
                continue
            except InputError as exc:
                problems.extend(exc.problems)
                continue
            kind = "zip archive"
        elif path.suffix.lower() == ".csv":
            entries = [(str(path), *_single_csv(path), None, _file_reader(path), path.stat().st_size, None)]
            kind = "file"
        else:
            problems.append(Problem("not a CSV file, folder or .zip archive", str(path),
                                    "give police.uk street-level CSVs, a folder of them or an archive zip"))
            continue
        for label, month, force, file_kind, reason, reader, size, info in entries:
            reason = reason or selection.reason_to_skip(month, force, file_kind or STREET)
            if reason:
                skipped.append(SkippedFile(label, reason, file_kind if file_kind in (OUTCOMES, STOPS) else None))
                continue
            if info is not None:  # an archive member to be read: refused now if no police.uk file is like it
                try:
                    check_member(info, label, KIND_NAME[file_kind])
                except InputError as exc:
                    problems.extend(exc.problems)
                    continue
            found.append(PoliceFile(label, month, force, reader, size, file_kind))
        if len(found) == before and kind != "file" and not problems:
            problems.append(Problem(f"{kind} holds no police.uk street-level files "
                                    "(named YYYY-MM-<force>-street.csv) that were selected",
                                    str(path),
                                    "point at a data.police.uk archive or a folder in its layout"))
    street = sum(f.kind == STREET for f in found)
    if not street and not problems:  # every street file given was skipped (another force, month or kind)
        reasons = sorted({s.reason for s in skipped if s.kind is None})
        why = {OUTCOMES: "give later outcomes to the crimes of street files",
               STOPS: "are placed beside the incidents of street files"}
        kinds = list(dict.fromkeys(f.kind for f in found))
        only = (f"only {_kinds_text(kinds)} ({len(found):,}), which "
                f"{why[kinds[0]] if len(kinds) == 1 else 'are read beside street files'}: give those too") \
            if found else ""
        problems.append(Problem("no police.uk street-level file was selected from the sources ("
                                + "; ".join([*reasons[:3], *([only] if only else [])]) + ")", "the sources",
                                "check --force and --fy against the files' names "
                                "(YYYY-MM-<force>-street.csv)"))
    what = _kinds_text(list(dict.fromkeys(f.kind for f in found)))
    if len(found) > MAX_STREET_FILES:
        problems.append(Problem(f"{len(found):,} {what} are selected, more than the "
                                f"{MAX_STREET_FILES:,} one build may read", "the sources",
                                "choose the area's force (--force) and fewer months (--fy)"))
    total = sum(f.size for f in found)
    if total > selection.max_bytes:
        problems.append(Problem(f"the {what} selected come to {size_text(total)}, more than the "
                                f"{size_text(selection.max_bytes)} one build may read", "the sources",
                                selection.over_limit_fix))
    if problems:
        raise InputError(problems)
    return found, skipped


def _kinds_text(kinds: list[str]) -> str:
    """'street files', 'street and outcomes files', 'street, outcomes and stop-and-search files'."""
    names = [KIND_NAME[k].removesuffix(" file") for k in kinds or [STREET]]
    return (", ".join(names[:-1]) + " and " if len(names) > 1 else "") + names[-1] + " files"


def _folder_entries(folder: Path) -> Iterator[tuple]:
    for file in sorted(p for p in folder.rglob("*") if not p.is_dir()):
        month, force, kind, reason = _classify(file.relative_to(folder).as_posix())
        regular = _is_regular(file)
        size = file.stat().st_size if regular else 0
        if reason is None and not regular:  # a pipe would block the read forever
            reason = "not a regular file (a pipe, socket or device)"
        elif reason is None and size > MAX_STREET_FILE:
            reason = f"larger than the {size_text(MAX_STREET_FILE)} {'an' if kind == OUTCOMES else 'a'} " \
                     f"{KIND_NAME[kind]} may be"
        yield str(file), month, force, kind, reason, _file_reader(file), size, None


def _is_regular(path: Path) -> bool:
    try:
        return stat.S_ISREG(os.stat(path).st_mode)
    except OSError:
        return False


def _zip_entries(archive: Path) -> list[tuple]:
    check_archive(archive)  # by its stated directory, before zipfile reads all of it
    zf = zipfile.ZipFile(archive)  # one handle for every member, kept open while they are read
    members = sorted((i for i in zf.infolist() if not i.is_dir()), key=lambda i: i.filename)
    entries, seen = [], {}
    for info in members:  # each member itself, even one that repeats a name
        month, force, kind, reason = _classify(info.filename)
        seen[info.filename] = seen.get(info.filename, 0) + 1
        copy = f" (copy {seen[info.filename]} of that name)" if seen[info.filename] > 1 else ""
        label = f"{archive}!{info.filename}{copy}"
        entries.append((label, month, force, kind, reason, _member_reader(zf, info, label, kind or STREET),
                        info.file_size, info))
    return entries


def _file_reader(path: Path) -> Callable[[], bytes | mmap.mmap]:
    def read() -> bytes | mmap.mmap:
        # Memory-mapped: the parser and the checksum read the page cache, no copy.
        with open(path, "rb") as f:
            if os.fstat(f.fileno()).st_size == 0:
                return b""
            return mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ)
    return read


def _member_reader(zf: zipfile.ZipFile, info: zipfile.ZipInfo, label: str,
                   kind: str = STREET) -> Callable[[], bytes | mmap.mmap]:
    def read() -> bytes | mmap.mmap:
        # One member at a time, streamed within the limits into a temporary file that the
        # system removes even if this process is killed; the archive is never unpacked whole.
        with tempfile.TemporaryFile(prefix="sia-member-") as out:
            if not copy_member(zf, info, out, label, what=KIND_NAME[kind]):
                return b""
            out.flush()
            return mmap.mmap(out.fileno(), 0, access=mmap.ACCESS_READ)
    return read
