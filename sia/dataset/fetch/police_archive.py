"""Street-level months, their stop and search and later outcomes, from the data.police.uk archive zips.

police.uk's live API keeps only the latest 36 months, so older months come from the
dated archives ``{base}/data/archive/YYYY-MM.zip``, each holding the 36 months ending at
YYYY-MM for every force. An archive is 1-2 GB, and one force's street file for a month
is under 1 MB of it: with range requests only the zip's directory and the members asked
for are read. Beside each street file comes the force's stop-and-search file of the month
(``YYYY-MM-<force>-stop-and-search.csv``) where the archive holds one (police.uk lacks some
months; some forces publish none), and each archive read gives the force's outcomes files
(``YYYY-MM-<force>-outcomes.csv``) from the first month taken from it to its last, which
ingest applies. Where a server ignores ranges, the whole zip is downloaded (once; it is
cached).
"""
from __future__ import annotations

import hashlib
import json
import re
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

from sia.dataset.fetch.cache import DownloadCache
from sia.dataset.fetch.http import HttpClient, RangesIgnored, Service
from sia.dataset.fetch.rangefile import HttpRangeFile
from sia.dataset.limits import MAX_BUILD_INPUT, copy_member
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
    return _member(month, force, "street")


def _member(month: str, force: str, kind: str) -> str:
    """A police.uk file's name inside an archive (and, under police/, in the cache)."""
    return f"{month}/{month}-{force}-{kind}.csv"


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
    stops: list[str] = field(default_factory=list)  # months of the stop-and-search files read from it
    btp: list[str] = field(default_factory=list)  # months of British Transport Police's files read from it
    outcomes: list[str] = field(default_factory=list)  # months of the outcomes files read from it


@dataclass
class StreetFiles:
    files: list[Path]  # one street CSV per month, in the download cache
    sources: list[dict]  # cache entries: file, sha256, bytes, url, member (street, stop-and-search, outcomes)
    archives: list[ArchiveRead]  # archives read this time (none when all was cached)
    outcomes: list[Path] = field(default_factory=list)  # the force's outcomes CSVs, archive by archive
    outcomes_cached: int = 0  # of those, already downloaded and verified
    outcomes_left_out: int = 0  # outcomes files that would take the build over its input limit
    stops: list[Path] = field(default_factory=list)  # the force's stop-and-search CSVs of the months
    stops_cached: int = 0  # of those, already downloaded and verified
    stops_absent: list[str] = field(default_factory=list)  # months whose archive holds none for the force
    stops_left_out: int = 0  # stop-and-search files that would take the build over its input limit
    months: list[str] = field(default_factory=list)  # the months fetched
    unpublished: list[str] = field(default_factory=list)  # months asked for after police.uk's latest
    btp: list[Path] = field(default_factory=list)  # British Transport Police's street CSVs of the months
    btp_cached: int = 0
    btp_absent: list[str] = field(default_factory=list)  # months whose archive holds no BTP file


def fetch_street_files(client: HttpClient, cache: DownloadCache, base_url: str,
                       months: list[str], force: str) -> StreetFiles:
    """Each month's street CSV for the force, from the cache or the fewest archives, and its
    stop-and-search CSV from the same archive; then, from each archive that supplied a month,
    the force's outcomes files from the first month it supplied to its last (later outcomes
    of those months' crimes)."""
    name = {m: f"police/{m}/{m}-{force}-street.csv" for m in months}
    pending = [m for m in months if not cache.verified(name[m])]
    archives: list[ArchiveRead] = []
    unpublished: list[str] = []
    opened: dict[str, _Archive] = {}  # kept open for the other files: the directory is read once
    try:
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
                    _read_months(client, cache, base_url, archive, wanted, force, name, archives, opened)
                got = {m for read in archives for m in read.months}
                pending = [m for m in pending if m not in got and m not in missing]
            # Months after the latest archive's are not published yet (a year still running):
            # left out and named, as long as some month is there.
            latest = max((_index(a) for a in listed), default=-1)
            unpublished = sorted(m for m in missing if _index(m) > latest)
            missing = [m for m in missing if m not in unpublished]
            if missing or len(unpublished) == len(months):
                raise InputError(_missing_months(sorted(missing or unpublished), force, base_url, tried))
            months = [m for m in months if m not in unpublished]
        entries = [cache.verified(name[m]) for m in months]
        street = dict(zip(months, entries))
        # Stop-and-search files count towards the build's input limit as street files do:
        # taken before the outcomes files, which have what is left.
        stops = _month_files(client, cache, base_url, street, force, STOPS, archives, opened,
                             MAX_BUILD_INPUT - sum(entry["bytes"] for entry in entries))
        # Crimes British Transport Police recorded in the area are in its national file of the month.
        btp = _month_files(client, cache, base_url, street, BTP, "street", archives, opened, stops.budget)
        outcomes = _outcome_files(client, cache, base_url, street, force, archives, opened, btp.budget)
    finally:
        for archive in opened.values():
            archive.zf.close()
    return StreetFiles([cache.path(name[m]) for m in months], entries + stops.entries + outcomes.entries, archives,
                       outcomes.paths, outcomes.cached, outcomes.left_out,
                       stops.paths, stops.cached, stops.absent, stops.left_out, months, unpublished,
                       btp.paths, btp.cached, btp.absent)


def outcomes_member(month: str, force: str) -> str:
    """The outcomes file's name inside an archive, e.g. '2014-04/2014-04-derbyshire-outcomes.csv'."""
    return _member(month, force, OUTCOMES)


def stops_member(month: str, force: str) -> str:
    """The stop-and-search file's name inside an archive, e.g.
    '2014-04/2014-04-derbyshire-stop-and-search.csv'."""
    return _member(month, force, STOPS)


OUTCOMES, STOPS = "outcomes", "stop-and-search"  # as police.uk ends these files' names
BTP = "btp"  # British Transport Police, as police.uk names its files


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


@dataclass
class _Archive:
    """An archive zip opened for reading (over range requests, or the whole copy kept)."""

    zf: zipfile.ZipFile
    source: HttpRangeFile | Path
    url: str
    read: ArchiveRead
    members: dict[str, zipfile.ZipInfo]
    span_end: dict[str, int]


def _open_archive(client: HttpClient, cache: DownloadCache, base_url: str, archive: str,
                  archives: list[ArchiveRead], opened: dict[str, _Archive]) -> _Archive:
    if archive in opened:
        return opened[archive]
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
                       client.bytes_received - before, isinstance(source, HttpRangeFile))
    archives.append(read)
    opened[archive] = _Archive(zf, source, url, read, {info.filename: info for info in zf.infolist()},
                               _span_ends(zf))
    return opened[archive]


def _take(client: HttpClient, archive: _Archive, info: zipfile.ZipInfo, cache: DownloadCache, name: str,
          label: str, what: str = "street file") -> None:
    """One member into the cache: its bytes alone, by one range request (or from the whole copy)."""
    before = client.bytes_received
    if isinstance(archive.source, HttpRangeFile):
        archive.source.fetch(info.header_offset, archive.span_end[info.filename], label)
    _extract(archive.zf, info, cache, name, archive.url, what)
    if isinstance(archive.source, HttpRangeFile):
        archive.source.forget()
    archive.read.bytes_read += client.bytes_received - before


def _read_months(client: HttpClient, cache: DownloadCache, base_url: str, archive: str, wanted: list[str],
                 force: str, name: dict[str, str], archives: list[ArchiveRead], opened: dict[str, _Archive]) -> None:
    zip_ = _open_archive(client, cache, base_url, archive, archives, opened)
    for month in wanted:
        info = zip_.members.get(street_member(month, force))
        if info is None:
            continue
        _take(client, zip_, info, cache, name[month], f"{month} {force} from {archive}.zip")
        zip_.read.months.append(month)


@dataclass
class _Taken:
    """Files taken beside the street files, and what the build's input limit left for more."""

    budget: int
    paths: list[Path] = field(default_factory=list)
    entries: list[dict] = field(default_factory=list)
    cached: int = 0
    left_out: int = 0
    absent: list[str] = field(default_factory=list)  # months the archive holds no such file for


ARCHIVE_URL = re.compile(r"/([0-9]{4}-(?:0[1-9]|1[0-2]))\.zip$")


def _archive_of(entry: dict) -> str | None:
    """The archive a cached file came from, as its entry's URL names it."""
    found = ARCHIVE_URL.search(str(entry.get("url", "")))
    return found.group(1) if found else None


def _month_files(client: HttpClient, cache: DownloadCache, base_url: str, street: dict[str, dict], force: str,
                 kind: str, archives: list[ArchiveRead], opened: dict[str, _Archive], budget: int) -> _Taken:
    """Each street month's file of ``force`` and ``kind`` (the force's stop-and-search file,
    British Transport Police's street file), from the archive the street file came from (as
    its cache entry records). Which such files an archive holds is kept in the cache (an
    index a file), so a month the archive lacks is known without reading it again, and a
    cache filled before these files were fetched reads only them. They are taken month by
    month while they stay within ``budget``."""
    out = _Taken(budget)
    indexes: dict[str, dict[str, int]] = {}
    for month, entry in sorted(street.items()):
        name = f"police/{_member(month, force, kind)}"
        cached = cache.verified(name)
        archive = _archive_of(entry)
        if cached is None and archive is not None and archive not in indexes:
            indexes[archive] = _member_index(client, cache, base_url, archive, force, kind, archives, opened)
        size = cached["bytes"] if cached else indexes.get(archive, {}).get(month)
        if size is None:
            out.absent.append(month)
            continue
        if size > out.budget:  # this month and every later one are left out
            out.left_out += 1
            out.budget = -1
            continue
        if cached:
            out.cached += 1
        else:
            zip_ = _open_archive(client, cache, base_url, archive, archives, opened)
            info = zip_.members.get(_member(month, force, kind))
            if info is None:  # the index is the directory's: not reached
                out.absent.append(month)
                continue
            what = "stop-and-search file" if kind == STOPS else f"{kind} file"
            _take(client, zip_, info, cache, name, f"{month} {force} {what} from {archive}.zip", what)
            (zip_.read.stops if kind == STOPS else zip_.read.btp).append(month)
        out.budget -= size
        out.paths.append(cache.path(name))
        out.entries.append(cache.verified(name))
    return out


def _outcome_files(client: HttpClient, cache: DownloadCache, base_url: str, street: dict[str, dict], force: str,
                   archives: list[ArchiveRead], opened: dict[str, _Archive], budget: int) -> _Taken:
    """The force's outcomes files of each archive that supplied a street month (as its cache
    entry records), from the first month it supplied to its last. Which outcomes files an
    archive holds is kept in the cache (an index a file), so a rerun reads no archive again;
    a cache filled before outcomes were fetched reads only them. They are taken month by
    month while they stay within ``budget`` (what the street and stop-and-search files left)."""
    first: dict[str, str] = {}
    for month, entry in sorted(street.items()):
        archive = _archive_of(entry)
        if archive:
            first.setdefault(archive, month)
    out = _Taken(budget)
    for archive in sorted(first, key=_index):
        index = _member_index(client, cache, base_url, archive, force, OUTCOMES, archives, opened)
        for month, size in sorted(index.items()):
            if month < first[archive]:
                continue  # recorded before any crime taken from this archive
            if size > out.budget:  # this month and every later one are left out
                out.left_out += 1
                out.budget = -1
                continue
            out.budget -= size
            name = f"police/{_member(month, force, OUTCOMES)}"
            if cache.verified(name):
                out.cached += 1
            else:
                zip_ = _open_archive(client, cache, base_url, archive, archives, opened)
                info = zip_.members.get(outcomes_member(month, force))
                if info is None:  # the index is the directory's: not reached
                    continue
                _take(client, zip_, info, cache, name, f"{month} {force} outcomes from {archive}.zip", "outcomes file")
                zip_.read.outcomes.append(month)
            out.paths.append(cache.path(name))
            out.entries.append(cache.verified(name))
    return out


def _member_index(client: HttpClient, cache: DownloadCache, base_url: str, archive: str, force: str, kind: str,
                  archives: list[ArchiveRead], opened: dict[str, _Archive]) -> dict[str, int]:
    """The months of the force's files of a kind (OUTCOMES, STOPS) in an archive, with their
    sizes: from the cache, else from the archive's directory (then kept in the cache)."""
    name = f"police/archives/{archive}-{force}-{kind}.json"
    if cache.verified(name):
        try:
            index = json.loads(cache.path(name).read_text())
            if isinstance(index, dict) and all(isinstance(m, str) and MONTH.fullmatch(m) and type(n) is int
                                               for m, n in index.items()):
                return index
        except ValueError:
            pass
    zip_ = _open_archive(client, cache, base_url, archive, archives, opened)
    index = {}
    for member, info in zip_.members.items():
        month = member[:7]
        if MONTH.fullmatch(month) and member == _member(month, force, kind):
            index[month] = info.file_size
    data = json.dumps(index, sort_keys=True).encode()
    cache.part(name).write_bytes(data)
    cache.store(name, hashlib.sha256(data).hexdigest(), {"url": zip_.url})
    return index


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
             url: str, what: str = "street file") -> None:
    """Decompress a member into the cache, within the limits on street files (a mirror is
    as hostile as any input); zipfile checks its CRC-32 as it reads."""
    part = cache.part(name)
    digest = hashlib.sha256()
    try:
        with open(part, "wb") as out:
            copy_member(zf, info, out, f"{url}!{info.filename}", on_block=digest.update, what=what)
    except InputError as exc:
        part.unlink(missing_ok=True)
        raise InputError([Problem(p.what, p.where, f"try again later, {POLICE.mirror_fix}")
                          for p in exc.problems]) from None
    cache.store(name, digest.hexdigest(), {"url": url, "member": info.filename})
