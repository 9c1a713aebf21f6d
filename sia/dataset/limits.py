"""What is read of a user's files, and what is refused: the limits, stated once.

Every file given to a build is hostile until checked. A path must be a regular file (a
pipe or a device would block the read forever), and no larger than any real input of its
kind could be. An archive member is streamed out in blocks, never read whole: it is refused
when its size, or the ratio of its size to its compressed size, is far beyond any police.uk
file, so a small zip that inflates to gigabytes (a zip bomb) stops at the limit with one
clear line instead of filling the server's memory or disk.

For scale: the largest police.uk street file, a month of the Metropolitan Police, is about
25 MB (some 100,000 rows of about 200 bytes), and police.uk CSVs compress about 6 to 1.
"""
from __future__ import annotations

import os
import stat
import struct
import zipfile
import zlib
from pathlib import Path
from typing import BinaryIO

from sia.errors import InputError, Problem

MB = 1 << 20
# A street file (or an outcomes file, held to the same limits), given alone or as an archive
# member: five times the largest police.uk file. Reading one takes about four times its size
# in memory.
MAX_STREET_FILE = 128 * MB
# All the street and outcomes files one build reads: some five million rows, twice a large
# force's two years; a whole archive of every force is read with --force, or by 'fetch', not
# whole.
MAX_BUILD_INPUT = 1024 * MB
# A build the app runs in its own server, from uploads: it holds about four times this in
# memory beside every session's, so a quarter (three years of a large force's months); a
# larger dataset is built with 'python -m sia ingest' and served with SIA_DATA_DIR.
MAX_IN_APP_BUILD_INPUT = 256 * MB
# Boundaries (GeoJSON, GeoPackage, shapefile) and tables (lookups, population, IMD): the
# generalised boundaries of every ward in the UK, or every LSOA's figures, are far smaller.
MAX_BOUNDARY_FILE = 256 * MB
MAX_TABLE_FILE = 256 * MB
# Members larger than this must not compress better than MAX_RATIO to 1; below it the
# ratio says nothing (a few repeated rows compress very well and harm nobody).
RATIO_FROM = 1 * MB
MAX_RATIO = 100
# A police.uk archive holds 36 months of three files for each of 45 forces: under 5,000.
MAX_MEMBERS = 50_000
# Its directory: an entry is 46 bytes and the name (about 40 for police.uk, such as
# '2019-09/2019-09-derbyshire-street.csv'), with room for extra fields. zipfile reads every
# entry the directory holds, whatever count the end record states.
MAX_DIRECTORY = MAX_MEMBERS * 256
# The street and outcomes files one build reads: 36 months of every force is about 3,200.
MAX_STREET_FILES = 5_000
BLOCK = 1 * MB


def size_text(n: int) -> str:
    if n >= 1024 * MB:
        return f"{n / (1024 * MB):,.2f} GB"
    return f"{n / MB:,.0f} MB" if n >= MB else f"{n / 1024:,.0f} kB"


def require_file(path: Path, what: str, fix: str, limit: int | None = None) -> None:
    """Refuse a path that is missing, not a regular file, or larger than ``limit``."""
    try:
        info = os.stat(path)
    except FileNotFoundError:
        raise InputError(Problem(f"no such {what}", str(path), fix)) from None
    except OSError as exc:
        raise InputError(Problem(f"cannot be read ({exc.strerror})", str(path), fix)) from None
    if not stat.S_ISREG(info.st_mode):
        kind = "a folder" if stat.S_ISDIR(info.st_mode) else "a pipe, socket or device"
        raise InputError(Problem(f"is {kind}, not {_a(what)}", str(path), fix))
    if limit is not None and info.st_size > limit:
        raise InputError(Problem(f"is {size_text(info.st_size)}, more than the {size_text(limit)} "
                                 f"{_a(what)} may be", str(path), fix))


def _a(what: str) -> str:
    """'a ward boundary file', 'an LSOA boundary file'."""
    return f"{'an' if what[:1] in 'aeiou' or what.startswith(('LSOA', 'IMD')) else 'a'} {what}"


def check_archive(archive: Path) -> None:
    """Refuse an archive that says it has more members than any police.uk archive holds, or
    a directory larger than they would take, from its end record alone: zipfile would read
    every entry of the directory first (three million entries take gigabytes of memory),
    counting entries by the directory's size, not by the stated count. The end record is
    read by zipfile's own reader."""
    with open(archive, "rb") as f:
        try:
            end = zipfile._EndRecData(f)  # the stdlib's reader of the (zip64) end record
        except (OSError, ValueError, struct.error):
            end = None
    if end is None:
        raise InputError(Problem("not a readable zip archive (no end of central directory)", str(archive),
                                 "download the archive again"))
    entries, directory = end[zipfile._ECD_ENTRIES_TOTAL], end[zipfile._ECD_SIZE]
    if entries > MAX_MEMBERS:
        raise InputError(Problem(f"holds {entries:,} members, more than the {MAX_MEMBERS:,} "
                                 "a police.uk archive could hold", str(archive),
                                 "give a data.police.uk archive, or the street files themselves"))
    if directory > MAX_DIRECTORY:
        raise InputError(Problem(f"has a directory of {size_text(directory)}, more than the "
                                 f"{size_text(MAX_DIRECTORY)} of {MAX_MEMBERS:,} members: it lists far "
                                 "more files than it says", str(archive),
                                 "give a data.police.uk archive, or the street files themselves"))


def check_member(info: zipfile.ZipInfo, label: str, what: str = "street file") -> None:
    """Refuse a member whose stated size or compression ratio no police.uk file has
    (``what`` it is: a street file, an outcomes file)."""
    if info.file_size > MAX_STREET_FILE:
        raise InputError(_too_large(label, info.file_size, what))
    if info.file_size > RATIO_FROM and info.file_size > MAX_RATIO * max(info.compress_size, 1):
        raise InputError(Problem(
            f"inflates {info.file_size / max(info.compress_size, 1):,.0f} to 1 (to "
            f"{size_text(info.file_size)}), more than the {MAX_RATIO} to 1 of any real police.uk file: "
            "it looks like a zip bomb, and was not unpacked", label,
            "download the archive again from data.police.uk"))


def copy_member(zf: zipfile.ZipFile, info: zipfile.ZipInfo, out: BinaryIO, label: str,
                on_block=None, what: str = "street file") -> int:
    """Stream one member into ``out`` in blocks; return its size. The stated sizes are
    checked first, and the bytes as they come, since a hostile archive can state anything.
    zipfile checks the member's CRC-32 as it reads. ``on_block(bytes)`` sees each block."""
    check_member(info, label, what)
    written = 0
    try:
        with zf.open(info) as member:
            for block in iter(lambda: member.read(BLOCK), b""):
                written += len(block)
                if written > MAX_STREET_FILE:
                    raise InputError(_too_large(label, None, what))
                if on_block is not None:
                    on_block(block)
                out.write(block)
    except (zipfile.BadZipFile, zlib.error, EOFError, NotImplementedError, RuntimeError) as exc:
        raise InputError(Problem(f"is damaged or cannot be unpacked ({exc})", label,
                                 "download the archive again")) from None
    return written


def _too_large(label: str, stated: int | None = None, what: str = "street file") -> Problem:
    """A member over the limit: by its stated size, or (None) found while unpacking it."""
    size = f"{size_text(stated)}, more than" if stated is not None else "more than"
    return Problem(f"unpacks to {size} the {size_text(MAX_STREET_FILE)} {_a(what)} may be (a month "
                   "of the largest force is about 25 MB); it was not unpacked", label,
                   f"give the force's own {what}s, or download the archive again")
