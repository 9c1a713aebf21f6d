"""Reading and validating one police.uk street-level or outcomes CSV, vectorised.

The file is parsed by pyarrow; every check runs on whole columns (or on the few distinct
values of Month and Crime type), never row by row in Python. Both kinds are hostile input
alike: the same header check, the same accounting of every line.
"""
from __future__ import annotations

import csv
import hashlib
import io
import re
import sys
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pcsv

from sia.categories import canonical_category
from sia.dataset.geography import UK_LAT, UK_LON
from sia.dataset.report import MAX_LINES_KEPT, MalformedRows
from sia.dataset.sources import PoliceFile
from sia.errors import InputError, Problem
from sia.periods import MONTH_PATTERN, in_police_range, police_month_range

# police.uk column -> column in the dataset. 'Reported by', 'LSOA name' and 'Context' are
# not needed: the ward table names places, and Context is empty in every published file.
COLUMNS = {
    "Crime ID": "crime_id",
    "Month": "month",
    "Falls within": "force",
    "Longitude": "lon",
    "Latitude": "lat",
    "Location": "location",
    "LSOA code": "lsoa_code",
    "Crime type": "crime_type",
    "Last outcome category": "outcome",
}


BLANK = re.compile(rb"\s*")
_DICT = pa.dictionary(pa.int32(), pa.string())
# Dictionary-encoded where a file has few distinct values (checked on those values);
# LSOA code and outcome stay text: encoding them is cheaper after rows are placed.
_FAST_TYPES = {"Crime ID": pa.string(), "Month": _DICT, "Falls within": _DICT,
               "Longitude": pa.float64(), "Latitude": pa.float64(), "Location": pa.string(),
               "LSOA code": pa.string(), "Crime type": _DICT, "Last outcome category": pa.string()}
_TEXT_TYPES = {**_FAST_TYPES, "Longitude": pa.string(), "Latitude": pa.string()}

# An outcomes file (YYYY-MM-<force>-outcomes.csv): later outcomes of crimes, by Crime ID.
# Its header: Crime ID, Month, Reported by, Falls within, Longitude, Latitude, Location,
# LSOA code, LSOA name, Outcome type. Only the crime, the month the outcome was recorded
# in, the force (for the report) and the outcome are needed.
OUTCOME_COLUMNS = {"Crime ID": "crime_id", "Month": "month", "Falls within": "force", "Outcome type": "outcome"}
_OUTCOME_TYPES = {"Crime ID": pa.string(), "Month": _DICT, "Falls within": _DICT, "Outcome type": _DICT}


# A stop-and-search file (YYYY-MM-<force>-stop-and-search.csv): one row per search, with no
# crime type, no LSOA and no force column (the force is in the file's name). 'Policing
# operation' (free text naming an operation) is not read.
STOP_COLUMNS = {
    "Type": "type",
    "Date": "date",
    "Part of a policing operation": "operation",
    "Longitude": "lon",
    "Latitude": "lat",
    "Gender": "gender",
    "Age range": "age",
    "Self-defined ethnicity": "self_ethnicity",
    "Officer-defined ethnicity": "officer_ethnicity",
    "Legislation": "legislation",
    "Object of search": "object",
    "Outcome": "outcome",
    "Outcome linked to object of search": "linked",
    "Removal of more than just outer clothing": "removal",
}
_STOP_TYPES = {name: _DICT for name in STOP_COLUMNS} | {
    "Date": pa.string(), "Longitude": pa.float64(), "Latitude": pa.float64()}
_STOP_TEXT_TYPES = {**_STOP_TYPES, "Longitude": pa.string(), "Latitude": pa.string()}
# The values police.uk gives the closed fields (blank where not recorded).
SEARCH_TYPES = ("Person search", "Person and Vehicle search", "Vehicle search")
AGE_RANGES = ("under 10", "10-17", "18-24", "25-34", "over 34")
TRUE_FALSE = ("True", "False")
# An ISO date, with a time and a zone or without (some forces give dates only).
STOP_DATE = re.compile(r"[0-9]{4}-(?:0[1-9]|1[0-2])-(?:0[1-9]|[12][0-9]|3[01])"
                       r"(?:[T ](?:[01][0-9]|2[0-3]):[0-5][0-9](?::[0-5][0-9](?:\.[0-9]{1,9})?)?"
                       r"(?:Z|[+-](?:[01][0-9]|2[0-3]):?[0-5][0-9])?)?")

@dataclass(frozen=True)
class _Layout:
    """The columns a kind of file is read for: their pyarrow types, and the types to read
    again with when a coordinate is not a number (None: no coordinates are read)."""

    what: str  # in messages: 'street-level', 'outcomes'
    types: dict
    text_types: dict | None = None


STREET_LAYOUT = _Layout("street-level", _FAST_TYPES, _TEXT_TYPES)
OUTCOMES_LAYOUT = _Layout("outcomes", _OUTCOME_TYPES)
STOPS_LAYOUT = _Layout("stop-and-search", _STOP_TYPES, _STOP_TEXT_TYPES)


@dataclass
class ParsedFile:
    """The rows of one file, each either a candidate for loading or malformed."""

    rows: pd.DataFrame  # candidates: valid month, coordinates valid or both empty
    rows_read: int  # data lines in the file (every line after the header)
    blank_lines: int
    malformed: list[MalformedRows]
    sha256: str


def _lines_of(file: PoliceFile, layout: _Layout) -> tuple[ParsedLines, str]:
    """The file's lines, each parsed or set aside, and its SHA-256; InputError when the file
    cannot be read, is empty, has another header or no rows."""
    try:
        raw = file.read_bytes()
    except InputError:
        raise
    except Exception as exc:  # a corrupt zip member, an unreadable file
        raise InputError(Problem(f"cannot be read ({exc})", file.label,
                                 "download or copy the file again")) from None
    kind = "street" if layout is STREET_LAYOUT else layout.what
    if BLANK.fullmatch(raw):  # stops at the first character that is not blank
        raise InputError(Problem("the file is empty", file.label,
                                 f"download it again; a police.uk {kind} file has a header and rows"))
    _check_header(raw, file.label, layout)
    end_of_header = _end_of_first_line(raw)
    if end_of_header < 0 or BLANK.fullmatch(raw, end_of_header + 1):
        raise InputError(Problem("the file has a header but no rows", file.label,
                                 "download it again or leave it out"))

    # The checksum (for the manifest) runs beside the parse: hashlib releases the GIL.
    with ThreadPoolExecutor(max_workers=1) as pool:
        digest = pool.submit(lambda: hashlib.sha256(raw).hexdigest())
        lines = parse_lines(raw, file.label, layout)
        sha256 = digest.result()
    return lines, sha256


def read_street_csv(file: PoliceFile) -> ParsedFile:
    lines, sha256 = _lines_of(file, STREET_LAYOUT)
    df = lines.table.to_pandas()
    df.columns = [COLUMNS.get(c, c) for c in df.columns]
    numbers = lines.row_lines

    malformed = [_malformed(file.label, reason, np.asarray(at)) for reason, at in lines.rejected.items()]

    # Month: checked on its distinct values.
    month_ok = _valid_categories(df["month"], lambda m: pd.Series(m).str.fullmatch(MONTH_PATTERN))
    bad = ~month_ok
    _add(malformed, file.label, df["month"], bad, numbers, "Month {!r} is not YYYY-MM")
    bad |= _months_out_of_range(malformed, file.label, df["month"], bad, numbers)

    bad |= _checked_coordinates(df, file.label, numbers, malformed, bad)
    df["category"] = _categories(df["crime_type"])
    rows = df.loc[~bad].reset_index(drop=True) if bad.any() else df
    return ParsedFile(rows=rows, rows_read=lines.count, blank_lines=len(lines.blank),
                      malformed=malformed, sha256=sha256)


def _checked_coordinates(df: pd.DataFrame, label: str, numbers: np.ndarray, malformed: list[MalformedRows],
                         bad: np.ndarray) -> np.ndarray:
    """Coordinates must be numbers, both present or both absent, inside Great Britain: the
    rows that are not, recorded as malformed (beside those already ``bad``). ``lon`` and
    ``lat`` become numbers (NaN where absent); the text read beside them is dropped."""
    lon, lat, lon_text_bad, lat_text_bad = _coordinates(df)
    wrong = np.zeros(len(df), dtype=bool)
    _add(malformed, label, df["lon_text"] if "lon_text" in df else None,
         lon_text_bad & ~bad, numbers, "Longitude {!r} is not a number")
    wrong |= lon_text_bad & ~bad
    _add(malformed, label, df["lat_text"] if "lat_text" in df else None,
         lat_text_bad & ~bad & ~wrong, numbers, "Latitude {!r} is not a number")
    wrong |= lat_text_bad & ~bad
    one_missing = (np.isnan(lon) != np.isnan(lat)) & ~bad & ~wrong
    _add(malformed, label, None, one_missing, numbers, "only one of Longitude and Latitude is given")
    wrong |= one_missing
    outside_gb = ~np.isnan(lon) & ~np.isnan(lat) & ~bad & ~wrong & (
        (lon < UK_LON[0]) | (lon > UK_LON[1]) | (lat < UK_LAT[0]) | (lat > UK_LAT[1]))
    _add(malformed, label, None, outside_gb, numbers,
         "coordinates lie outside Great Britain (Longitude and Latitude swapped?)")
    wrong |= outside_gb
    df["lon"], df["lat"] = lon, lat
    for column in ("lon_text", "lat_text"):
        if column in df:
            del df[column]
    return wrong


def read_outcomes_csv(file: PoliceFile) -> ParsedFile:
    """An outcomes file's rows, in the file's order: crime_id (empty where the row names no
    crime), month (the month the outcome was recorded in), force and outcome. A row whose Month is
    not YYYY-MM or outside police.uk's range, or whose Outcome type is empty, is malformed: it
    cannot be placed in time, or says nothing."""
    lines, sha256 = _lines_of(file, OUTCOMES_LAYOUT)
    df = lines.table.to_pandas()
    df.columns = [OUTCOME_COLUMNS.get(c, c) for c in df.columns]
    numbers = lines.row_lines
    malformed = [_malformed(file.label, reason, np.asarray(at)) for reason, at in lines.rejected.items()]
    bad = ~_valid_categories(df["month"], lambda m: pd.Series(m).str.fullmatch(MONTH_PATTERN))
    _add(malformed, file.label, df["month"], bad, numbers, "Month {!r} is not YYYY-MM")
    bad |= _months_out_of_range(malformed, file.label, df["month"], bad, numbers)
    no_outcome = ~_valid_categories(df["outcome"], lambda o: pd.Series(o).str.strip() != "") & ~bad
    _add(malformed, file.label, None, no_outcome, numbers, "Outcome type is empty")
    bad |= no_outcome
    rows = df.loc[~bad].reset_index(drop=True) if bad.any() else df
    return ParsedFile(rows=rows, rows_read=lines.count, blank_lines=len(lines.blank),
                      malformed=malformed, sha256=sha256)


def read_stops_csv(file: PoliceFile) -> ParsedFile:
    """A stop-and-search file's rows, in the file's order, with ``month`` (YYYY-MM, from the
    search's Date) and its columns as STOP_COLUMNS names them; coordinates checked as a
    street file's. A row is malformed when its Date is not an ISO date in police.uk's range,
    or a closed field (Type, Age range, the two True/False fields) holds a value police.uk
    never writes: such a row cannot be counted where it belongs."""
    lines, sha256 = _lines_of(file, STOPS_LAYOUT)
    df = lines.table.to_pandas()
    df.columns = [STOP_COLUMNS.get(c, c) for c in df.columns]
    numbers = lines.row_lines
    malformed = [_malformed(file.label, reason, np.asarray(at)) for reason, at in lines.rejected.items()]
    date = df["date"].astype(str)
    shaped = date.str.fullmatch(STOP_DATE).to_numpy(dtype=bool)
    # The shape, then the day itself (no 30 February), on the distinct days.
    days = date.str.slice(0, 10)
    distinct = days.unique()
    real = pd.to_datetime(pd.Series(distinct), format="%Y-%m-%d", errors="coerce").notna().to_numpy()
    bad = ~(shaped & days.map(dict(zip(distinct, real))).to_numpy(dtype=bool))
    _add(malformed, file.label, date.str.slice(0, 40), bad, numbers,
         "Date {!r} is not an ISO date (YYYY-MM-DD, with its time or without)")
    df["month"] = date.str.slice(0, 7).where(~bad, "").astype("category")
    bad |= _months_out_of_range(malformed, file.label, df["month"], bad, numbers)
    bad |= _checked_coordinates(df, file.label, numbers, malformed, bad)
    for column, name, allowed in (("type", "Type", SEARCH_TYPES), ("age", "Age range", ("", *AGE_RANGES)),
                                  ("linked", "Outcome linked to object of search", ("", *TRUE_FALSE)),
                                  ("removal", "Removal of more than just outer clothing", ("", *TRUE_FALSE))):
        df[column] = _closed_field(df[column], allowed)
        odd = ~_valid_categories(df[column], lambda v, ok=allowed: pd.Series(v).isin(ok)) & ~bad
        _add(malformed, file.label, df[column], odd, numbers,
             f"{name} {{!r}} is not one police.uk gives ({', '.join(repr(a) for a in allowed if a)} or blank)")
        bad |= odd
    for column in ("gender", "self_ethnicity", "officer_ethnicity", "legislation", "object", "outcome", "operation"):
        df[column] = _closed_field(df[column])
    rows = df.loc[~bad].reset_index(drop=True) if bad.any() else df
    return ParsedFile(rows=rows, rows_read=lines.count, blank_lines=len(lines.blank),
                      malformed=malformed, sha256=sha256)


def _closed_field(column: pd.Series, spellings: tuple[str, ...] = TRUE_FALSE) -> pd.Series:
    """A text field's values stripped of spaces (on the distinct values), and in police.uk's
    spelling (``spellings``) whatever their case; blank stays ''."""
    known = {s.casefold(): s for s in spellings}

    def tidy(value: str) -> str:
        value = str(value).strip()
        return known.get(value.casefold(), value)
    text = column.astype(object).where(column.notna(), "")
    values = pd.unique(text)
    return text.map(dict(zip(values, (tidy(v) for v in values)))).astype("category")


def _end_of_first_line(raw) -> int:
    """Where the header ends: the first line break (\n, \r\n or a lone \r), or -1."""
    ends = [i for i in (raw.find(b"\n"), raw.find(b"\r")) if i >= 0]
    return min(ends) if ends else -1


def _check_header(raw, label: str, layout: _Layout = STREET_LAYOUT) -> None:
    end = _end_of_first_line(raw)
    first = bytes(raw[:end if end >= 0 else len(raw)]).decode("utf-8-sig", errors="replace")
    header = next(csv.reader([first]), [])
    missing = [c for c in layout.types if c not in header]
    if missing:
        what = f"missing column{'s' if len(missing) > 1 else ''} {', '.join(repr(c) for c in missing)}"
        if layout is not STREET_LAYOUT:
            what = f"not a police.uk {layout.what} file: {what}"
        raise InputError(Problem(what, label, f"give a police.uk {layout.what} CSV with its header row unchanged"))


@dataclass
class ParsedLines:
    """A file's data lines (every line after the header), each accounted for: parsed into
    ``table`` (``row_lines`` gives each row's line number), blank, or rejected by reason."""

    table: pa.Table
    row_lines: np.ndarray
    blank: list[int]
    rejected: dict[str, list[int]]
    count: int  # data lines in the file: rows + blank + rejected


WRONG_FIELDS = "wrong number of fields"
OPEN_QUOTE = "a double quote opens a value that does not end on this line"
NOT_UTF8 = "not UTF-8 text"
# A police.uk row is a few hundred bytes; pyarrow parses in blocks of 1 MB and cannot take
# a line longer than a block.
MAX_LINE = 64 * 1024
LONG_LINE = f"a line longer than {MAX_LINE // 1024} kB, which no police.uk row is"
_LINE_BREAK = re.compile(rb"\r\n|\r|\n")


def parse_lines(raw, label: str, layout: _Layout = STREET_LAYOUT) -> ParsedLines:
    """Parse a street file so that every physical line is one row or is set aside.

    police.uk never puts a line break inside a value, so one line is one record. A CSV
    parser does not know that: a stray double quote at the start of a value opens a quoted
    value that runs on over the following lines (pyarrow then reads thousands of lines as
    one bad row, or as one good one, and reports nothing). The fast path parses the file
    whole and checks that rows and rejected rows add up to the lines in the file; when they
    do not (a stray quote, blank lines, text that is not UTF-8), the file is taken line by
    line, each line judged on its own, and only the sound lines are parsed.
    """
    count = _count_lines(raw) - 1  # the header is not a data line
    try:
        if _last_line_leaves_a_quote_open(raw):  # a parser takes it to the end of the file
            raise _NeedsLines()
        table, invalid = _parse(raw, label, layout)
    except _NeedsLines:
        pass
    else:
        if table.num_rows + len(invalid) == count:
            blank = [n for n, text in invalid if not text.strip()]
            rejected = [n for n, text in invalid if text.strip()]
            numbers = np.arange(2, count + 2)
            if invalid:
                numbers = np.setdiff1d(numbers, np.asarray([n for n, _ in invalid]), assume_unique=True)
            return ParsedLines(table, numbers, blank, {WRONG_FIELDS: rejected} if rejected else {}, count)
    return _parse_line_by_line(raw, label, layout)


class _NeedsLines(Exception):
    """The file cannot be parsed whole (text that is not UTF-8, a line longer than the
    parser's blocks, a row it rejects outright): judge it line by line."""


def _last_line_leaves_a_quote_open(raw) -> bool:
    end = len(raw)
    while end and raw[end - 1] in b"\r\n":
        end -= 1
    start = max(raw.rfind(b"\n", 0, end), raw.rfind(b"\r", 0, end)) + 1
    last = bytes(raw[start:end])
    return b'"' in last and not _ends_on_its_line(last.decode("utf-8", "replace"))


def _count_lines(raw) -> int:
    """Physical lines, ended by \n, \r\n or a lone \r (as CSV parsers end them), counting
    a last line without a line break."""
    data = np.frombuffer(raw, dtype=np.uint8)
    breaks = int(np.count_nonzero(data == 10))
    returns = np.flatnonzero(data == 13)
    if len(returns):
        followed = returns[returns + 1 < len(data)]
        breaks += len(returns) - int(np.count_nonzero(data[followed + 1] == 10))
    return breaks + (0 if data[-1] in (10, 13) else 1)


def _parse_line_by_line(raw, label: str, layout: _Layout) -> ParsedLines:
    lines = _LINE_BREAK.split(bytes(raw))
    if lines and lines[-1] == b"":  # the break that ends the last line
        lines.pop()
    header, data = lines[0], lines[1:]
    blank: list[int] = []
    rejected: dict[str, list[int]] = {}
    sound: list[bytes] = []
    sound_lines: list[int] = []
    for number, line in enumerate(data, start=2):
        reason = None
        if not line.strip():
            blank.append(number)
            continue
        if len(line) > MAX_LINE:
            reason = LONG_LINE
        else:
            try:
                text = line.decode("utf-8")
            except UnicodeDecodeError:
                reason = NOT_UTF8
            else:
                if '"' in text and not _ends_on_its_line(text):
                    reason = OPEN_QUOTE
        if reason:
            rejected.setdefault(reason, []).append(number)
        else:
            sound.append(line)
            sound_lines.append(number)
    row_lines = np.asarray(sound_lines, dtype=np.int64)
    try:
        if sound:
            table, invalid = _parse(b"\n".join([header, *sound]) + b"\n", label, layout)
        else:
            table, invalid = _empty_table(header, label, layout), []
    except _NeedsLines:
        raise InputError(Problem("the lines of the file cannot all be read", label,
                                 "check that it is a police.uk CSV in UTF-8")) from None
    if table.num_rows + len(invalid) != len(sound):
        raise InputError(Problem("the lines of the file cannot all be accounted for", label,
                                 "check that it is a police.uk CSV; this is a fault in the dashboard "
                                 "if it is one"))
    if invalid:
        # Line numbers of the rejoined text map back to the file's own.
        at = np.asarray([n for n, _ in invalid]) - 2
        for i, (_, text) in zip(at, invalid):
            (blank if not text.strip() else rejected.setdefault(WRONG_FIELDS, [])).append(int(row_lines[i]))
        row_lines = np.delete(row_lines, at)
    rejected = {reason: sorted(at) for reason, at in rejected.items()}
    return ParsedLines(table, row_lines, sorted(blank), rejected, len(data))


def _ends_on_its_line(text: str) -> bool:
    """Whether every quoted value the line opens is closed on it: read by the csv module
    with a line after it, a line that leaves a value open swallows that line."""
    return len(list(csv.reader(io.StringIO(text + "\n-\n")))) == 2


def _empty_table(header: bytes, label: str, layout: _Layout) -> pa.Table:
    table, _ = _parse(header + b"\n", label, layout)
    return table


def _parse(raw, label: str, layout: _Layout = STREET_LAYOUT) -> tuple[pa.Table, list[tuple[int, str]]]:
    """Parse with pyarrow; numbers straight to float, falling back to text when a
    coordinate is not a finite number so that the bad rows can be named. Rows of the wrong
    shape come back as (line number, text). _NeedsLines when pyarrow refuses the text."""
    attempts = [layout.types] + ([layout.text_types] if layout.text_types else [])
    for types in attempts:
        try:
            table, bad = _read(raw, types, threads=True)
            if bad:  # rare: read again on one thread, which knows line numbers
                table, bad = _read(raw, types, threads=False)
        except pa.ArrowInvalid as exc:
            if types is attempts[-1] or "conversion error to double" not in str(exc):
                raise _NeedsLines() from None  # the lines are judged one by one
            continue
        if layout.text_types and types is layout.types and not _finite_coordinates(table):
            continue  # 'nan' or 'inf' parsed as numbers: read as text, to be named
        break
    if types is layout.text_types:
        table = _text_coordinates(table)
    return table, bad


def _finite_coordinates(table: pa.Table) -> bool:
    """Whether every coordinate parsed is a finite number or empty."""
    for name in ("Longitude", "Latitude"):
        column = table.column(name)
        if pc.any(pc.is_nan(column)).as_py() or pc.any(pc.is_inf(column)).as_py():
            return False
    return True


def _read(raw, types: dict, threads: bool) -> tuple[pa.Table, list[tuple[int, str]]]:
    bad: list[tuple[int, str]] = []

    def on_invalid(row) -> str:
        bad.append((row.number if row.number is not None else -1, row.text))
        return "skip"

    with _quiet_undecodable_rows() as undecodable:
        table = pcsv.read_csv(
            pa.BufferReader(raw),
            read_options=pcsv.ReadOptions(use_threads=threads),
            parse_options=pcsv.ParseOptions(invalid_row_handler=on_invalid),
            # Only an empty coordinate is missing: 'NA' or 'NULL' is text, named as not a number.
            convert_options=pcsv.ConvertOptions(include_columns=list(types), column_types=types,
                                                strings_can_be_null=False, null_values=[""]),
        )
    if undecodable:
        raise _NeedsLines()
    return table, bad


@contextmanager
def _quiet_undecodable_rows():
    """A row of the wrong shape that is not UTF-8 makes pyarrow fail to decode it for the
    invalid-row handler; it reports that through sys.unraisablehook (printing a traceback)
    and goes on. Caught here instead: the file is then judged line by line."""
    found: list[bool] = []
    previous = sys.unraisablehook

    def hook(unraisable) -> None:
        if isinstance(unraisable.exc_value, UnicodeDecodeError):
            found.append(True)
        else:
            previous(unraisable)
    sys.unraisablehook = hook
    try:
        yield found
    finally:
        sys.unraisablehook = previous


def _text_coordinates(table: pa.Table) -> pa.Table:
    """Keep the text of the coordinate columns beside their parsed values."""
    for name, text in (("Longitude", "lon_text"), ("Latitude", "lat_text")):
        table = table.append_column(text, table.column(name))
    return table


def _coordinates(df: pd.DataFrame):
    if "lon_text" not in df:
        lon = df["lon"].to_numpy(dtype=float, na_value=np.nan)
        lat = df["lat"].to_numpy(dtype=float, na_value=np.nan)
        none = np.zeros(len(df), dtype=bool)
        return lon, lat, none, none
    out = []
    for col in ("lon_text", "lat_text"):
        text = df[col].str.strip()
        num = pd.to_numeric(text, errors="coerce").to_numpy(dtype=float, na_value=np.nan)
        bad = (text != "").to_numpy() & ~np.isfinite(num)  # 'nan' and 'inf' are not places
        out.append((np.where(bad, np.nan, num), bad))
    (lon, lon_bad), (lat, lat_bad) = out
    return lon, lat, lon_bad, lat_bad


def _valid_categories(col: pd.Series, check) -> np.ndarray:
    cats = col.cat.categories
    ok = np.asarray(check(cats), dtype=bool) if len(cats) else np.zeros(0, dtype=bool)
    codes = col.cat.codes.to_numpy()
    return np.where(codes >= 0, ok[codes] if len(ok) else False, False)


def _months_out_of_range(malformed: list[MalformedRows], label: str, month: pd.Series, bad: np.ndarray,
                         numbers: np.ndarray) -> np.ndarray:
    """Rows whose Month, of the YYYY-MM form, lies before police.uk's first month or after
    the current one (checked on the distinct months), recorded as malformed; their mask."""
    first, last = police_month_range()
    outside = ~_valid_categories(month, in_police_range) & ~bad
    _add(malformed, label, month, outside, numbers, f"Month {{!r}} is outside police.uk's range ({first} to {last})")
    return outside


def _categories(crime_type: pd.Series) -> pd.Series:
    """Canonical category (historic names mapped); missing where the name is unknown."""
    return crime_type.map(canonical_category)


def _malformed(label: str, reason: str, lines: np.ndarray) -> MalformedRows:
    return MalformedRows(file=label, reason=reason, count=int(len(lines)),
                         lines=[int(x) for x in lines[:MAX_LINES_KEPT]])


def _add(out: list[MalformedRows], label: str, values: pd.Series | None, mask: np.ndarray,
         lines: np.ndarray, reason: str) -> None:
    """Record rows under ``mask``, one entry per distinct offending value (first few)."""
    idx = np.flatnonzero(mask)
    if not len(idx):
        return
    if values is None or "{" not in reason:
        out.append(_malformed(label, reason, lines[idx]))
        return
    # Grouped by pandas, not by numpy text comparison (numpy drops trailing NUL characters).
    codes, values = pd.factorize(values.iloc[idx].astype(str))
    for code, value in enumerate(values[:5]):
        out.append(_malformed(label, reason.format(value), lines[idx[codes == code]]))
    rest = idx[codes >= 5]
    if len(rest):
        out.append(_malformed(label, reason.format("…") + " (other values)", lines[rest]))
