"""Street-level months from the data.police.uk archive zips.

police.uk's live API keeps only the latest 36 months, so older months come from the
dated archives ``{base}/data/archive/YYYY-MM.zip``, each holding the 36 months ending at
YYYY-MM for every force. An archive is 1-2 GB, and one force's street file for a month
is under 1 MB of it: with range requests only the zip's directory and the members asked
for are read. Where a server ignores ranges, the whole zip is downloaded (once; it is
cached).
"""
from __future__ import annotations

import hashlib
import re
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

from sia.dataset.fetch.cache import DownloadCache
from sia.dataset.fetch.http import HttpClient, RangesIgnored, Service
from sia.dataset.fetch.rangefile import HttpRangeFile
from sia.dataset.limits import copy_member
from sia.errors import InputError, Problem

POLICE_BASE_URL = "https://data.police.uk"
POLICE = Service("data.police.uk", "--police-base-url", "SIA_POLICE_BASE_URL")
MONTHS_PER_ARCHIVE = 36
ARCHIVE_LINK = re.compile(r"""href=["'][^"']*?([0-9]{4}-(?:0[1-9]|1[0-2]))\.zip["']""")
# police.uk's force names as they appear in its file names (derbyshire, avon-and-somerset,
# city-of-london): the only text of a user's that reaches an archive member or cache name.
FORCE_NAME = re.compile(r"[a-z]+(?:-[a-z]+){0,5}")
MONTH = re.compile(r"[0-9]{4}-(?:0[1-9]|1[0-2])")


def check_force(force: str) -> str:
    name = force.strip().lower() if isinstance(force, str) else ""
    if len(name) > 40 or not FORCE_NAME.fullmatch(name):
        raise InputError(Problem(f"{force!r} is not a police force as police.uk names its files", "the force",
                                 "give it in lower case with hyphens, e.g. derbyshire or avon-and-somerset"))
    return name


def check_months(months: list[str]) -> list[str]:
    bad = [m for m in months if not (isinstance(m, str) and MONTH.fullmatch(m))]
    if bad:
        raise InputError(Problem(f"{bad[0]!r} is not a month like 2014-04", "the months", "give YYYY-MM"))
    return sorted(set(months))


def archive_list_url(base_url: str) -> str:
    return f"{base_url.rstrip('/')}/data/archive/"


def archive_url(base_url: str, archive: str) -> str:
    return f"{archive_list_url(base_url)}{archive}.zip"


def street_member(month: str, force: str) -> str:
    """The member's name inside an archive, e.g. '2014-04/2014-04-derbyshire-street.csv'."""
    return f"{month}/{month}-{force}-street.csv"


def _index(month: str) -> int:
    return int(month[:4]) * 12 + int(month[5:7]) - 1


def choose_archives(months: list[str], archives: list[str]) -> tuple[dict[str, list[str]], list[str]]:
    """The fewest archives whose 36-month windows cover ``months``, each with the months
    it is to supply, and the months no archive covers.

    Greedy, and optimal for points covered by windows of one length: the earliest month
    not yet covered goes to the latest archive whose window still reaches back to it.
    """
    ends = sorted(set(archives), key=_index)
    plan: dict[str, list[str]] = {}
    missing: list[str] = []
    pending = sorted(set(months), key=_index)
    while pending:
        first = _index(pending[0])
        reaching = [a for a in ends if first <= _index(a) < first + MONTHS_PER_ARCHIVE]
        if not reaching:
            missing.append(pending.pop(0))
            continue
        chosen = reaching[-1]
        plan[chosen] = [m for m in pending if _index(m) <= _index(chosen)]
        pending = pending[len(plan[chosen]):]
    return plan, missing


@dataclass
class ArchiveRead:
    """What reading one archive cost, for the summary."""

    archive: str
    size: int  # bytes in the zip on the server
    bytes_read: int  # bytes transferred for it
    ranged: bool  # False when the server ignored ranges and the whole zip came down
    months: list[str] = field(default_factory=list)


@dataclass
class StreetFiles:
    files: list[Path]  # one street CSV per month, in the download cache
    sources: list[dict]  # cache entries: file, sha256, bytes, url, member
    archives: list[ArchiveRead]  # archives read this time (none when all was cached)


def fetch_street_files(client: HttpClient, cache: DownloadCache, base_url: str,
                       months: list[str], force: str) -> StreetFiles:
    """Each month's street CSV for the force, from the cache or the fewest archives."""
    name = {m: f"police/{m}/{m}-{force}-street.csv" for m in months}
    pending = [m for m in months if not cache.verified(name[m])]
    archives: list[ArchiveRead] = []
    if pending:
        listed = list_archives(client, base_url)
        tried: set[str] = set()
        missing: list[str] = []
        while pending:
            # An archive may hold fewer months than its window: what it lacks is planned
            # again over the archives not yet read, until no archive is left to try. The
            # months found meanwhile are kept (cached), and every missing month is named.
            plan, unreachable = choose_archives(pending, [a for a in listed if a not in tried])
            missing += unreachable
            for archive, wanted in plan.items():
                tried.add(archive)
                archives.append(_read_archive(client, cache, base_url, archive, wanted, force, name))
            got = {m for read in archives for m in read.months}
            pending = [m for m in pending if m not in got and m not in missing]
        if missing:
            raise InputError(_missing_months(sorted(missing), force, base_url, tried))
    entries = [cache.verified(name[m]) for m in months]
    return StreetFiles([cache.path(name[m]) for m in months], entries, archives)


def list_archives(client: HttpClient, base_url: str) -> list[str]:
    """The months that archives end at, from the archive page's links."""
    url = archive_list_url(base_url)
    page = client.get_bytes(url, "police.uk archive list").decode("utf-8", "replace")
    archives = sorted(set(ARCHIVE_LINK.findall(page)), key=_index)
    if not archives:
        raise InputError(Problem("the page lists no archive zips (links ending in YYYY-MM.zip)", url,
                                 f"check the address, {POLICE.mirror_fix}"))
    return archives


def _missing_months(months: list[str], force: str, base_url: str, tried: set[str]) -> Problem:
    listed = f"; read {', '.join(f'{a}.zip' for a in sorted(tried))}" if tried else ""
    return Problem(f"no police.uk archive holds {', '.join(months)} for force '{force}'{listed}",
                   archive_list_url(base_url),
                   "check the months (police.uk publishes each month about two months after it "
                   "ends) and the force as police.uk names it in file names, e.g. derbyshire")


def _read_archive(client: HttpClient, cache: DownloadCache, base_url: str, archive: str,
                  wanted: list[str], force: str, name: dict[str, str]) -> ArchiveRead:
    url = archive_url(base_url, archive)
    before = client.bytes_received
    whole = f"police/archives/{archive}.zip"
    try:
        # A whole copy kept from a server that ignored ranges is read where it is.
        source: HttpRangeFile | Path = cache.path(whole) if cache.verified(whole) \
            else HttpRangeFile(client, url, f"{archive}.zip")
    except RangesIgnored:
        source = _whole_archive(client, cache, url, whole)
    zf = _open_zip(source, url)
    read = ArchiveRead(archive, source.size if isinstance(source, HttpRangeFile) else source.stat().st_size,
                       0, isinstance(source, HttpRangeFile))
    members = {info.filename: info for info in zf.infolist()}
    span_end = _span_ends(zf)
    for month in wanted:
        info = members.get(street_member(month, force))
        if info is None:
            continue
        if isinstance(source, HttpRangeFile):
            source.fetch(info.header_offset, span_end[info.filename],
                         f"{month} {force} from {archive}.zip")
        _extract(zf, info, cache, name[month], url)
        if isinstance(source, HttpRangeFile):
            source.forget()
        read.months.append(month)
    zf.close()
    read.bytes_read = client.bytes_received - before
    return read


def _span_ends(zf: zipfile.ZipFile) -> dict[str, int]:
    """Where each member's bytes end: the next member's header, or the central directory."""
    infos = sorted(zf.infolist(), key=lambda i: i.header_offset)
    ends = [i.header_offset for i in infos[1:]] + [zf.start_dir]
    return {info.filename: end for info, end in zip(infos, ends)}


def _open_zip(source: HttpRangeFile | Path, url: str) -> zipfile.ZipFile:
    try:
        return zipfile.ZipFile(source)
    except (zipfile.BadZipFile, EOFError, ValueError) as exc:
        raise InputError(Problem(f"not a readable zip archive ({exc})", url,
                                 f"try again later; if it persists the file on the server is damaged, "
                                 f"{POLICE.mirror_fix}")) from None


def _whole_archive(client: HttpClient, cache: DownloadCache, url: str, name: str) -> Path:
    """The server ignores ranges: download the zip whole into the cache, kept for next time."""
    part = cache.part(name)
    sha256, _ = client.download(url, part, f"{Path(name).name} (whole: the server ignores ranges)")
    try:
        _open_zip(part, url).close()
    except InputError:
        part.unlink(missing_ok=True)
        raise
    cache.store(name, sha256, {"url": url})
    return cache.path(name)


def _extract(zf: zipfile.ZipFile, info: zipfile.ZipInfo, cache: DownloadCache, name: str,
             url: str) -> None:
    """Decompress a member into the cache, within the limits on street files (a mirror is
    as hostile as any input); zipfile checks its CRC-32 as it reads."""
    part = cache.part(name)
    digest = hashlib.sha256()
    try:
        with open(part, "wb") as out:
            copy_member(zf, info, out, f"{url}!{info.filename}", on_block=digest.update)
    except InputError as exc:
        part.unlink(missing_ok=True)
        raise InputError([Problem(p.what, p.where, f"try again later, {POLICE.mirror_fix}")
                          for p in exc.problems]) from None
    cache.store(name, digest.hexdigest(), {"url": url, "member": info.filename})
