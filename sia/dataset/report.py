"""IngestReport: where every input row went.

Each row read ends up either loaded or under exactly one named reason, so the totals
always add up to the rows read (``IngestReport.unaccounted`` is 0 for a sound build). The
rows of outcomes files are accounted for apart (``OutcomeTally``): each is matched to a
crime in the build, unmatched, blank or malformed; so are those of stop-and-search files
(``StopsTally``).
"""
from __future__ import annotations

from dataclasses import asdict, dataclass, field

# Reasons a row is set aside, in the order a user reads them.
NO_LOCATION = "no location"
OUTSIDE_AREA = "outside the area"
DUPLICATE = "duplicate source month"
UNKNOWN_CRIME_TYPE = "unknown crime type"
MALFORMED = "malformed"
BLANK_LINE = "blank line"

# How a skipped file of a kind is named in the report.
_SKIPPED_KIND = {"outcomes": "outcomes file", "stops": "stop-and-search file"}

MAX_LINES_KEPT = 20  # line numbers kept per (file, reason); the count is always exact


@dataclass
class MalformedRows:
    file: str
    reason: str
    count: int
    lines: list[int] = field(default_factory=list)  # first MAX_LINES_KEPT line numbers

    def describe(self) -> str:
        where = self.file
        if self.lines:
            shown = ", ".join(str(n) for n in self.lines[:5])
            more = f" and {self.count - 5} more" if self.count > 5 else ""
            where = f"{self.file} line{'s' if self.count > 1 else ''} {shown}{more}"
        return f"{where}: {self.reason}"


def malformed_by_reason(malformed: list[MalformedRows]) -> dict[str, int]:
    """Malformed rows counted by reason, over every file, in the order of the reasons."""
    reasons: dict[str, int] = {}
    for m in malformed:
        reasons[m.reason] = reasons.get(m.reason, 0) + m.count
    return dict(sorted(reasons.items()))


@dataclass
class FileTally:
    file: str
    sha256: str
    rows: int
    months: list[str]
    forces: list[str]


@dataclass
class OutcomeTally:
    """What the outcomes files did: every row read is matched to a crime in the build,
    unmatched (no crime of that Crime ID in the build: a month not taken, a crime outside the
    area, an empty Crime ID), blank or malformed; ``superseded`` counts the crimes whose
    latest outcome differs from their street file's."""

    files: list[FileTally] = field(default_factory=list)
    rows_read: int = 0
    matched: int = 0
    unmatched: int = 0
    blank_lines: int = 0
    malformed: list[MalformedRows] = field(default_factory=list)
    superseded: int = 0

    @property
    def malformed_rows(self) -> int:
        return sum(m.count for m in self.malformed)

    @property
    def unaccounted(self) -> int:
        return self.rows_read - self.matched - self.unmatched - self.blank_lines - self.malformed_rows


@dataclass
class StopsTally:
    """What the stop-and-search files did: every row read is placed in a ward (``placed``;
    ``no_lsoa`` of them in no LSOA of the build's), has no location, lies outside the area,
    repeats a month of a force already read, is blank or malformed. Rows are placed only
    inside a ward's boundary: a search file is force-wide and names no LSOA, so a point just
    outside the area is not taken to be in it (``near_boundary`` counts those within the
    distance a street incident would be moved in from)."""

    files: list[FileTally] = field(default_factory=list)
    months: list[str] = field(default_factory=list)  # months the files cover (by name, else by their rows)
    rows_read: int = 0
    placed: int = 0
    no_lsoa: int = 0
    no_location: int = 0
    outside_area: int = 0
    near_boundary: int = 0
    duplicate: int = 0
    blank_lines: int = 0
    malformed: list[MalformedRows] = field(default_factory=list)

    @property
    def malformed_rows(self) -> int:
        return sum(m.count for m in self.malformed)

    @property
    def unaccounted(self) -> int:
        return (self.rows_read - self.placed - self.no_location - self.outside_area - self.duplicate
                - self.blank_lines - self.malformed_rows)

    def lines(self) -> list[str]:
        """What a user reads; nothing when the sources held no stop-and-search file."""
        if not self.files:
            return []
        out = [f"stop and search: {self.rows_read:,} rows read from {len(self.files)} stop-and-search file(s)",
               f"stop and search placed in a ward: {self.placed:,}"
               + (f" ({self.no_lsoa:,} in no LSOA of the dataset)" if self.no_lsoa else ""),
               f"stop and search set aside, {NO_LOCATION}: {self.no_location:,}",
               f"stop and search set aside, {OUTSIDE_AREA}: {self.outside_area:,}"
               + (f" ({self.near_boundary:,} within 100 m of its boundary)" if self.near_boundary else "")]
        if self.duplicate:
            out.append(f"stop and search set aside, {DUPLICATE}: {self.duplicate:,}")
        if self.blank_lines:
            out.append(f"stop and search set aside, {BLANK_LINE}: {self.blank_lines:,}")
        out += [f"stop and search set aside, {MALFORMED}: {reason}: {n:,}"
                for reason, n in malformed_by_reason(self.malformed).items()]
        out += [f"  {m.describe()}" for m in self.malformed]
        return out


@dataclass
class IngestReport:
    rows_read: int = 0
    loaded: int = 0
    no_location: int = 0
    outside_area: int = 0
    duplicate: int = 0
    blank_lines: int = 0  # lines holding nothing (or only spaces): not incidents, but counted
    unknown_crime_types: dict[str, int] = field(default_factory=dict)
    malformed: list[MalformedRows] = field(default_factory=list)
    placed_by_nearest_ward: int = 0  # loaded rows within the snap distance of a ward
    files: list[FileTally] = field(default_factory=list)
    skipped_files: list[dict] = field(default_factory=list)  # {"file", "reason"}, "kind": "outcomes" for those
    notes: list[str] = field(default_factory=list)
    outcomes: OutcomeTally = field(default_factory=OutcomeTally)
    stops: StopsTally = field(default_factory=StopsTally)

    @property
    def outcome_files_skipped(self) -> int:
        return sum(s.get("kind") == "outcomes" for s in self.skipped_files)

    @property
    def malformed_rows(self) -> int:
        return sum(m.count for m in self.malformed)

    def set_aside(self) -> dict[str, int]:
        """Rows not loaded, by reason; unknown crime types and malformed rows in detail."""
        out = {NO_LOCATION: self.no_location, OUTSIDE_AREA: self.outside_area,
               DUPLICATE: self.duplicate, BLANK_LINE: self.blank_lines}
        for name, n in sorted(self.unknown_crime_types.items()):
            out[f"{UNKNOWN_CRIME_TYPE}: {name}"] = n
        for reason, n in malformed_by_reason(self.malformed).items():
            out[f"{MALFORMED}: {reason}"] = n
        return out

    @property
    def unaccounted(self) -> int:
        return self.rows_read - self.loaded - sum(self.set_aside().values())

    def lines(self) -> list[str]:
        """The report as a user reads it, one fact a line."""
        out = [f"rows read: {self.rows_read:,} from {len(self.files)} street file(s)",
               f"loaded: {self.loaded:,}"
               + (f" ({self.placed_by_nearest_ward:,} placed in the nearest ward, "
                  "just outside every boundary)" if self.placed_by_nearest_ward else "")]
        out += [f"set aside, {reason}: {n:,}" for reason, n in self.set_aside().items() if n]
        out += [f"  {m.describe()}" for m in self.malformed]
        out += self._outcome_lines()
        out += self.stops.lines()
        if self.skipped_files:
            out.append(f"files skipped: {len(self.skipped_files):,}")
            by_reason: dict[str, int] = {}
            for s in self.skipped_files:
                kind = _SKIPPED_KIND.get(s.get("kind"))
                reason = f"{kind}, {s['reason']}" if kind and not s["reason"].startswith(kind) else s["reason"]
                by_reason[reason] = by_reason.get(reason, 0) + 1
            out += [f"  {reason}: {n:,}" for reason, n in sorted(by_reason.items())]
        out += [f"note: {n}" for n in self.notes]
        return out

    def _outcome_lines(self) -> list[str]:
        """What the outcomes files did; nothing when the sources held none."""
        o = self.outcomes
        if not o.files and not self.outcome_files_skipped:
            return []
        skipped = f", {self.outcome_files_skipped:,} skipped" if self.outcome_files_skipped else ""
        out = [f"outcomes: {o.rows_read:,} rows read from {len(o.files)} outcomes file(s){skipped}",
               f"outcomes matched to a crime in the build: {o.matched:,}",
               f"outcomes unmatched (no crime of that Crime ID in the build): {o.unmatched:,}"]
        if o.blank_lines:
            out.append(f"outcomes set aside, {BLANK_LINE}: {o.blank_lines:,}")
        out += [f"outcomes set aside, {MALFORMED}: {reason}: {n:,}"
                for reason, n in malformed_by_reason(o.malformed).items()]
        out += [f"  {m.describe()}" for m in o.malformed]
        out.append(f"crimes whose street-file outcome was superseded by a later one: {o.superseded:,}")
        return out

    def to_dict(self) -> dict:
        d = asdict(self)
        d["set_aside"] = self.set_aside()
        d["outcomes"]["files_skipped"] = self.outcome_files_skipped  # read back from skipped_files
        return d

    @classmethod
    def from_dict(cls, d: dict) -> IngestReport:
        """The report as stored in a manifest; ValueError naming the first field of the
        wrong shape (a manifest is a file, and files get damaged)."""
        if not isinstance(d, dict):
            raise ValueError("the report is not a table of fields")
        d = {k: v for k, v in d.items() if k in cls.__dataclass_fields__}
        for name in ("rows_read", "loaded", "no_location", "outside_area", "duplicate", "blank_lines",
                     "placed_by_nearest_ward"):
            _count(d.get(name, 0), name)
        crime_types = d.get("unknown_crime_types", {})
        if not isinstance(crime_types, dict):
            raise ValueError("unknown_crime_types")
        for n in crime_types.values():
            _count(n, "unknown_crime_types")
        _texts(d.get("notes", []), "notes")
        if not isinstance(d.get("skipped_files", []), list) or not all(
                isinstance(s, dict) and isinstance(s.get("file"), str) and isinstance(s.get("reason"), str)
                for s in d.get("skipped_files", [])):
            raise ValueError("skipped_files")
        d["malformed"] = _malformed_list(d.get("malformed", []), "malformed")
        d["files"] = _file_list(d.get("files", []), "files")
        d["outcomes"] = _outcome_tally(d.get("outcomes", {}))  # builds made before outcomes hold none
        d["stops"] = _stops_tally(d.get("stops", {}))  # nor before stop and search
        return cls(**d)


def _malformed_list(value, name: str) -> list[MalformedRows]:
    out = [_record(MalformedRows, m, name) for m in _list(value, name)]
    for m in out:
        _count(m.count, name)
        if not isinstance(m.file, str) or not isinstance(m.reason, str):
            raise ValueError(name)
        _counts(m.lines, name)
    return out


def _file_list(value, name: str) -> list[FileTally]:
    out = [_record(FileTally, f, name) for f in _list(value, name)]
    for f in out:
        _count(f.rows, name)
        _texts([f.file, f.sha256, *_list(f.months, name), *_list(f.forces, name)], name)
    return out


def _outcome_tally(d) -> OutcomeTally:
    if not isinstance(d, dict):
        raise ValueError("outcomes")
    d = {k: v for k, v in d.items() if k in OutcomeTally.__dataclass_fields__}
    for name in ("rows_read", "matched", "unmatched", "blank_lines", "superseded"):
        _count(d.get(name, 0), "outcomes")
    d["files"] = _file_list(d.get("files", []), "outcomes")
    d["malformed"] = _malformed_list(d.get("malformed", []), "outcomes")
    return OutcomeTally(**d)


def _stops_tally(d) -> StopsTally:
    if not isinstance(d, dict):
        raise ValueError("stops")
    d = {k: v for k, v in d.items() if k in StopsTally.__dataclass_fields__}
    for name in ("rows_read", "placed", "no_lsoa", "no_location", "outside_area", "near_boundary", "duplicate",
                 "blank_lines"):
        _count(d.get(name, 0), "stops")
    _texts(d.get("months", []), "stops")
    d["files"] = _file_list(d.get("files", []), "stops")
    d["malformed"] = _malformed_list(d.get("malformed", []), "stops")
    return StopsTally(**d)


def _count(value, name: str) -> None:
    if type(value) is not int or value < 0:
        raise ValueError(name)


def _counts(values, name: str) -> None:
    for value in _list(values, name):
        _count(value, name)


def _list(value, name: str) -> list:
    if not isinstance(value, list):
        raise ValueError(name)
    return value


def _texts(values, name: str) -> None:
    if not all(isinstance(v, str) for v in _list(values, name)):
        raise ValueError(name)


def _record(kind, value, name: str):
    try:
        return kind(**value)
    except TypeError:
        raise ValueError(name) from None
