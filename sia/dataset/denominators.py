"""Ward denominators: residents per financial year and deprivation, from LSOA files.

LSOA figures reach wards through an ONS LSOA -> ward best-fit lookup. A population file
may instead be given per ward already (a ward code column instead of an LSOA one).
Column names are found by pattern, so the ONS and MHCLG files work as published.

A denominator is whole and plausible, or refused: a rate made from half a ward's residents
is wrong by half and looks like any other. Every LSOA of the area (or every ward, for a
file by ward) must be given exactly once, with a count that is a whole number from 1 to a
plausible ceiling; rows for places outside the area are set aside and counted, so a
national file works. Deprivation files are held to the ranges of the English indices.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from sia.dataset.limits import MAX_TABLE_FILE, require_file
from sia.errors import InputError, Problem
from sia.words import plural

LSOA_CODE = re.compile(r"^lsoa[0-9]*cd$|^lsoa.*code", re.IGNORECASE)
WARD_CODE = re.compile(r"^wd[0-9]{2}cd$|^ward.?code$", re.IGNORECASE)
POPULATION = re.compile(r"total.?population|^all.?ages$|^population$", re.IGNORECASE)
# Single year of age columns (ONS's small area estimates: 0, 1, ..., 89, 90+), summed when
# a file gives no total.
AGE_COLUMN = re.compile(r"^(?:age[ds]?\s*)?([0-9]{1,3})(\+?)$", re.IGNORECASE)
# The open-ended last age of a file of single years (ONS: 90+); below this it is no whole count.
MIN_TOP_AGE = 85
IMD_SCORE = re.compile(r"^imd.?score$|\(imd\) score", re.IGNORECASE)
IMD_RANK = re.compile(r"^imd.?rank$|\(imd\) rank", re.IGNORECASE)
IMD_DECILE = re.compile(r"^imd.?decile$|\(imd\) decile", re.IGNORECASE)

# LSOAs hold about 1,500 residents (ONS builds them of 1,000 to 3,000, and the largest
# today hold under 10,000); a ward of England and Wales holds under 40,000. Beyond these
# ceilings a count is a typing slip or a file of another kind of area.
MAX_LSOA_RESIDENTS = 20_000
MAX_WARD_RESIDENTS = 250_000
# England's LSOAs in the 2015 and 2019 Indices of Deprivation, ranked 1 (most deprived) to this.
IMD_LSOAS = 32_844


def population_column(fy: str) -> str:
    return f"population_{fy}"


# police.uk's age ranges of a searched person, as single years of age (the last open-ended).
AGE_RANGE_YEARS = {"under 10": (0, 9), "10-17": (10, 17), "18-24": (18, 24), "25-34": (25, 34),
                   "over 34": (35, None)}


def age_population_column(fy: str, age_range: str) -> str:
    """The residents of one of police.uk's age ranges, e.g. 'population_2019-20_aged_10-17'
    (a build has them for a year whose population file gives single years of age)."""
    return f"population_{fy}_aged_{age_range.replace(' ', '_')}"


IMD_COLUMN = re.compile(r"^imd([0-9]{4})_lsoas$")


@dataclass(frozen=True)
class Deprivation:
    """One ward's summary of one IMD edition, as ``ward_deprivation`` made it at ingest."""

    edition: str
    lsoas: int
    decile1_share: float  # share of its LSOAs among England's most deprived 10%
    mean_rank: float  # mean national rank of its LSOAs (1 = most deprived of 32,844)
    mean_score: float | None  # where the edition's file has scores


def deprivation_of(wards: pd.DataFrame, ward_name: str) -> list[Deprivation]:
    """The ward's deprivation summaries, oldest edition first (none without IMD files)."""
    row = wards.set_index("ward_name").loc[ward_name]
    editions = sorted(m.group(1) for m in map(IMD_COLUMN.match, wards.columns) if m)
    return [Deprivation(e, int(row[f"imd{e}_lsoas"]), float(row[f"imd{e}_decile1_share"]),
                        float(row[f"imd{e}_mean_rank"]),
                        float(row[f"imd{e}_mean_score"]) if f"imd{e}_mean_score" in row else None)
            for e in editions if pd.notna(row[f"imd{e}_lsoas"])]


def read_table(path: Path, what: str) -> pd.DataFrame:
    require_file(Path(path), f"{what} file", "check the path", MAX_TABLE_FILE)
    try:
        df = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    except UnicodeDecodeError:
        raise InputError(Problem(f"the {what} file is not UTF-8 text", str(path),
                                 "save it as UTF-8 (CSV UTF-8 in Excel)")) from None
    except Exception as exc:
        raise InputError(Problem(f"cannot be read as a CSV {what} file ({exc})", str(path),
                                 "give the CSV as published")) from None
    if len(df.columns) == 1 and re.search(r"[;\t|]", df.columns[0]):
        raise InputError(Problem(f"the {what} file is not comma-separated (its header is {df.columns[0][:60]!r})",
                                 str(path), "save it as CSV with commas (CSV UTF-8 in Excel)"))
    # Rows with nothing in any cell (a spreadsheet's trailing ',,,,' lines) are no rows.
    df.index = np.arange(len(df)) + 2  # each row's line in the file (the header is line 1), for messages
    df = df[~(df.apply(lambda c: c.str.strip()) == "").all(axis=1)]
    if df.empty:
        raise InputError(Problem(f"the {what} file has no rows", str(path), "check the file"))
    df.columns = [str(c).strip() for c in df.columns]
    return df


def find_column(df: pd.DataFrame, pattern: re.Pattern, what: str, label: str,
                required: bool = True) -> str | None:
    matches = [c for c in df.columns if pattern.search(c.strip())]
    if not matches:
        if not required:
            return None
        raise InputError(Problem(f"no {what} column; columns are {', '.join(df.columns)}", label,
                                 "give the file as ONS/MHCLG publish it"))
    if len(matches) > 1:  # which one is meant cannot be guessed (two vintages of a code, say)
        raise InputError(Problem(f"several columns could be the {what}: {', '.join(map(repr, matches))}", label,
                                 "keep only the one for the boundaries' vintage"))
    return matches[0]


def _lines(lines) -> str:
    """Line numbers of a file (a table's index, as ``read_table`` makes it), a few of them."""
    lines = list(lines)
    shown = ", ".join(str(int(i)) for i in lines[:5])
    return f"line{'s' if len(lines) > 1 else ''} {shown}{', ...' if len(lines) > 5 else ''}"


def _codes(df: pd.DataFrame, column: str, what: str, label: str) -> pd.Series:
    """A column of area codes as stripped text; a row without one is refused."""
    codes = df[column].str.strip().str.upper()  # ONS codes are capitals: e01013456 is E01013456
    blank = np.flatnonzero((codes == "").to_numpy())
    if len(blank):
        raise InputError(Problem(f"{plural(len(blank), 'row')} {'has' if len(blank) == 1 else 'have'} "
                                 f"no {what} ({_lines(codes.index[blank])})", label, f"give every row its {what}"))
    return codes


def _checked_numbers(df: pd.DataFrame, column: str, codes: pd.Series, label: str, *, low: float, high: float,
                     whole: bool, what: str, fix: str) -> pd.Series:
    """A column of figures as numbers (thousands separators allowed), each finite, within
    [low, high] and, when ``whole``, a whole number; the first kind of fault found is
    refused, naming its lines and areas."""
    raw = df[column].str.strip()
    # Thousands separators only where they belong ('1,573', not '1,57,3'): a misplaced comma is
    # a decimal comma or a slip, never to be read as a bigger number.
    separated = raw.str.contains(",", regex=False)
    well_placed = raw.str.fullmatch(r"[+-]?[0-9]{1,3}(,[0-9]{3})+(\.[0-9]+)?")
    text = raw.str.replace(",", "", regex=False).where(~separated | well_placed, "not a number")
    values = pd.to_numeric(text, errors="coerce").astype(float)
    blank = (text == "").to_numpy()
    not_number = np.isnan(values.to_numpy()) & ~blank
    finite = np.isfinite(values.to_numpy())
    not_finite = ~finite & ~blank & ~not_number
    with np.errstate(invalid="ignore"):
        not_whole = finite & (values.to_numpy() % 1 != 0) if whole else np.zeros(len(values), dtype=bool)
        outside = finite & ~not_whole & ((values.to_numpy() < low) | (values.to_numpy() > high))
    for mask, fault in ((blank, "is blank"), (not_number, "is not a number"),
                        (not_finite, "is not a finite number"), (not_whole, "is not a whole number"),
                        (outside, f"lies outside {low:,.0f} to {high:,.0f}")):
        at = np.flatnonzero(mask)
        if len(at):
            examples = ", ".join(codes.iloc[i] + ("" if blank[i] else f" {df[column].iloc[i]!r}") for i in at[:3])
            raise InputError(Problem(f"{column!r} {fault} for {plural(len(at), what)} ({examples}"
                                     f"{', ...' if len(at) > 3 else ''}; {_lines(codes.index[at])})", label, fix))
    return values


def _once_each(codes: pd.Series, what: str, label: str) -> None:
    """Refuse a file that gives an area twice: which row is right cannot be guessed."""
    repeated = codes[codes.duplicated(keep=False)]
    if len(repeated):
        first = repeated.unique()[:3]
        rows = codes.index[codes.isin(first).to_numpy()]
        n = repeated.nunique()
        raise InputError(Problem(f"{plural(n, what)} {'is' if n == 1 else 'are'} given more than once "
                                 f"({', '.join(first)}{', ...' if n > 3 else ''}; {_lines(rows)})", label,
                                 f"give each {what} once"))


def _all_present(given: set[str], wanted: list[str], what: str, label: str, fix: str) -> None:
    missing = [c for c in wanted if c not in given]
    if missing:
        n = len(missing)
        raise InputError(Problem(f"{n:,} of the area's {len(wanted):,} {what}s {'is' if n == 1 else 'are'} missing "
                                 f"({', '.join(missing[:5])}{', ...' if n > 5 else ''})", label, fix))


def _area_rows(df: pd.DataFrame, column: str, what: str, wanted: list[str], label: str, *, none: Problem,
               missing_fix: str) -> tuple[pd.DataFrame, pd.Series, pd.Series]:
    """The rows of ``df`` for the area's ``wanted`` codes (``what``: 'ward', 'LSOA'), each given
    once and none missing (else refused; ``none`` when it holds no code of the area at all),
    with their codes; and the codes of the rows set aside, which are for other areas."""
    codes = _codes(df, column, f"{what} code", label)
    inside = codes.isin(set(wanted)).to_numpy()
    if not inside.any():
        raise InputError(none)
    rows, codes, outside = df[inside], codes[inside], codes[~inside]
    _once_each(codes, what, label)
    _all_present(set(codes), wanted, what, label, missing_fix)
    return rows, codes, outside


def read_lookup(path: Path, wards: pd.DataFrame) -> pd.Series:
    """LSOA code -> ward code, checked against the ward boundaries: one ward an LSOA (a row
    repeated with the same ward is harmless; two wards for one LSOA are refused)."""
    label = str(path)
    df = read_table(path, "LSOA to ward lookup")
    lsoa = find_column(df, LSOA_CODE, "LSOA code", label)
    ward = find_column(df, WARD_CODE, "ward code (e.g. WD19CD)", label)
    lsoas = _codes(df, lsoa, "LSOA code", label)
    ward_codes = _codes(df, ward, "ward code", label)
    pairs = pd.DataFrame({"lsoa": lsoas, "ward": ward_codes}).drop_duplicates()
    torn = pairs[pairs["lsoa"].duplicated(keep=False)]
    if len(torn):
        first = torn["lsoa"].iloc[0]
        both = sorted(torn.loc[torn["lsoa"] == first, "ward"])
        raise InputError(Problem(f"LSOA {first} is given more than one ward ({', '.join(both)})"
                                 + (f", and {torn['lsoa'].nunique() - 1:,} other LSOAs likewise"
                                    if torn["lsoa"].nunique() > 1 else ""), label,
                                 "use ONS's best-fit lookup, which gives each LSOA one ward"))
    lookup = pairs.set_index("lsoa")["ward"]
    lookup.index.name = None
    if not lookup.isin(set(wards["ward_code"])).any():
        raise InputError(Problem(
            f"none of its ward codes ({', '.join(sorted(lookup.unique())[:3])}, ...) is in the ward "
            f"boundaries ({', '.join(wards['ward_code'][:3])}, ...)", label,
            "use the lookup for the same ward vintage as the boundaries"))
    return lookup


def lsoa_wards(wards: pd.DataFrame, lookup: pd.Series | None, lsoas: pd.DataFrame | None) -> pd.Series | None:
    """Each LSOA of the area (the index, sorted) -> its ward code: the LSOA boundaries' ward
    where the build holds them (the lookup's where it names one of the wards, else the
    largest overlap), else the lookup's, for the LSOAs it gives to the wards. None when
    neither is known."""
    if lookup is None and lsoas is None:
        return None
    out = lookup[lookup.isin(set(wards["ward_code"]))] if lookup is not None else pd.Series(dtype=object)
    if lsoas is not None:
        out = pd.concat([out[~out.index.isin(set(lsoas["lsoa_code"]))],
                         pd.Series(lsoas["ward_code"].to_numpy(), index=lsoas["lsoa_code"].to_numpy())])
    return out.sort_index().astype(object)


@dataclass
class Residents:
    """A population file's residents, checked: per ward code (NaN where no LSOA of the area
    is assigned to the ward) and, for a file by LSOA, per LSOA of the area."""

    by_ward: pd.Series
    by_lsoa: pd.Series | None
    notes: list[str] = field(default_factory=list)
    # Per police.uk age range (AGE_RANGE_YEARS), (by ward, by LSOA) as above, for a file
    # with single years of age; empty for a file of totals.
    by_age: dict[str, tuple[pd.Series, pd.Series | None]] = field(default_factory=dict)


def _population_values(df: pd.DataFrame, codes: pd.Series, label: str, ceiling: int, what: str) -> pd.Series:
    """The residents of each row: the total column, or the single years of age summed."""
    fix = (f"give each {what}'s residents as a whole number from 1 to {ceiling:,} (no rate can be made "
           "from none)")
    total_column = find_column(df, POPULATION, "total population", label, required=False)
    total = (_checked_numbers(df, total_column, codes, label, low=1, high=ceiling, whole=True, what=what, fix=fix)
             if total_column is not None else None)
    ages = _single_years(df, label, required=total is None)
    if not ages:
        return total
    by_age = sum(_checked_numbers(df, c, codes, label, low=0, high=ceiling, whole=True, what=what,
                                  fix=f"give each age's residents as a whole number from 0 to {ceiling:,}")
                 for c in ages)
    if total is not None:  # both given: they must agree, or one of them is wrong
        at = np.flatnonzero((by_age != total).to_numpy())
        if len(at):
            raise InputError(Problem(f"the total {total_column!r} is not the sum of the single years of age for "
                                     f"{plural(len(at), what)} ({codes.iloc[at[0]]}: {total.iloc[at[0]]:,.0f} against "
                                     f"{by_age.iloc[at[0]]:,.0f}; {_lines(codes.index[at])})", label,
                                     "give the file as ONS publish it, whose totals are the sums of its ages"))
        return total
    at = np.flatnonzero(((by_age < 1) | (by_age > ceiling)).to_numpy())
    if len(at):
        raise InputError(Problem(f"the single years of age add up to {by_age.iloc[at[0]]:,.0f} for "
                                 f"{codes.iloc[at[0]]} ({_lines(codes.index[at])})", label, fix))
    return by_age


def _age_ranges(df: pd.DataFrame, codes: pd.Series, label: str, ceiling: int, what: str) -> dict[str, pd.Series]:
    """The residents of each of police.uk's age ranges, from the single years of age (checked
    as _population_values checks them); empty when the file gives totals only."""
    ages = _single_years(df, label, required=False)
    if not ages:
        return {}
    fix = f"give each age's residents as a whole number from 0 to {ceiling:,}"
    years = {int(AGE_COLUMN.match(c).group(1)): c for c in ages}
    out = {}
    for name, (low, high) in AGE_RANGE_YEARS.items():
        columns = [c for age, c in years.items() if age >= low and (high is None or age <= high)]
        out[name] = sum(_checked_numbers(df, c, codes, label, low=0, high=ceiling, whole=True, what=what, fix=fix)
                        for c in columns)
    return out


def _single_years(df: pd.DataFrame, label: str, required: bool) -> list[str]:
    """The single year of age columns (0, 1, ..., 89, 90+), checked whole: every age from 0
    once, then one open-ended last age of at least MIN_TOP_AGE; none when the file has none
    (refused when ``required``, there being no total either)."""
    found = {c: AGE_COLUMN.match(c) for c in df.columns}
    ages = [c for c, m in found.items() if m]
    if not ages:
        if required:
            raise InputError(Problem(f"no total population column (or single years of age); columns are "
                                     f"{', '.join(df.columns)}", label, "give the file as ONS publish it"))
        return []
    whole = sorted(int(found[c].group(1)) for c in ages if not found[c].group(2))
    tops = [int(found[c].group(1)) for c in ages if found[c].group(2)]
    top = tops[0] if len(tops) == 1 else None
    missing = sorted(set(range(top if top is not None else max(whole) + 1)) - set(whole))
    if top is None or top < MIN_TOP_AGE or missing or len(whole) != len(set(whole)) or max(whole, default=-1) >= top:
        said = (f"ages {', '.join(map(str, missing[:5]))}{', ...' if len(missing) > 5 else ''} are missing" if missing
                else "no open-ended last age (such as '90+')" if top is None
                else f"the last age is {top}+, below {MIN_TOP_AGE}+" if top < MIN_TOP_AGE
                else "an age is given twice or after the last")
        raise InputError(Problem(f"the single years of age are not every age: {said}", label,
                                 "give every single year of age from 0 to the last (90+), as ONS publish them, "
                                 "or a total column"))
    return ages


def read_population(path: Path, wards: pd.DataFrame, lookup: pd.Series | None, bounded: bool = False
                    ) -> Residents:
    """Residents per ward (and per LSOA of the area, for a file by LSOA), checked whole: the
    file must give every LSOA of the area (or, by ward, every ward) once, with a plausible
    count. Rows for other areas are set aside and counted. ``lookup``: each LSOA of the area
    and its ward (``lsoa_wards``); ``bounded``: the LSOA boundaries vouch that those are all
    the area's LSOAs, so a ward the lookup gives none can be said to have no residents of its
    own (a best-fit lookup counts them in a neighbour); without them it is refused, as its
    residents may simply be missing from the lookup."""
    label = str(path)
    name = Path(path).name
    df = read_table(path, "population")
    lsoa_col = find_column(df, LSOA_CODE, "LSOA code", label, required=False)
    ward_col = find_column(df, WARD_CODE, "ward code", label, required=False)
    if lsoa_col is None and ward_col is None:
        raise InputError(Problem(f"no LSOA or ward code column; columns are {', '.join(df.columns)}",
                                 label, "give population by LSOA (with a lookup) or by ward"))
    notes = []
    if lsoa_col is None:  # by ward
        wanted = list(wards["ward_code"])
        df, codes, outside = _area_rows(
            df, ward_col, "ward", wanted, label, missing_fix="give the residents of every ward",
            none=Problem("none of its wards is one of the wards given", label,
                         "use the population file for the same area and ward vintage"))
        values = _population_values(df, codes, label, MAX_WARD_RESIDENTS, "ward")
        by_ward = pd.Series(values.to_numpy(), index=codes).reindex(wanted)
        by_lsoa = None
        by_age = {name: (pd.Series(v.to_numpy(), index=codes).reindex(wanted).rename(None), None)
                  for name, v in _age_ranges(df, codes, label, MAX_WARD_RESIDENTS, "ward").items()}
    else:
        if lookup is None:
            raise InputError(Problem("population is given by LSOA but no LSOA to ward lookup was given",
                                     label, "pass --lsoa-lookup FILE (or the LSOA boundaries, --lsoas FILE)"))
        df, codes, outside = _area_rows(
            df, lsoa_col, "LSOA", list(lookup.index), label,
            missing_fix="give the residents of every LSOA of the area (ONS's small area estimates list them all)",
            none=Problem("none of its LSOAs is an LSOA of the area", label,
                         "use the population file for the same area and LSOA vintage"))
        values = _population_values(df, codes, label, MAX_LSOA_RESIDENTS, "LSOA")
        by_lsoa = pd.Series(values.to_numpy(), index=codes)
        by_ward = by_lsoa.groupby(by_lsoa.index.map(lookup)).sum().reindex(wards["ward_code"])
        by_age = {}
        for name, v in _age_ranges(df, codes, label, MAX_LSOA_RESIDENTS, "LSOA").items():
            lsoa_ages = pd.Series(v.to_numpy(), index=codes)
            ward_ages = lsoa_ages.groupby(lsoa_ages.index.map(lookup)).sum().reindex(wards["ward_code"])
            ward_ages.index.name = None
            by_age[name] = (ward_ages, lsoa_ages)
        without = wards.loc[by_ward.isna().to_numpy(), "ward_name"].tolist()
        if without and not bounded:
            raise InputError(Problem(
                f"the LSOA to ward lookup gives {_joined_names(without)} no LSOA, so {plural(len(without), 'ward')} "
                "would have no residents", label,
                "check the lookup (rows may be missing or carry mistyped ward codes), or give the LSOA boundaries "
                "(--lsoas), which show whether an LSOA lies in the ward"))
        if without:
            one = len(without) == 1
            notes.append(f"{plural(len(without), 'ward')} ({', '.join(without[:5])}) {'has' if one else 'have'} "
                         f"no residents in {name}: no LSOA of the area is assigned to {'it' if one else 'them'}, "
                         f"so {'it gets' if one else 'they get'} no rate and no rank")
    if len(outside):  # named, so that a row of the area a lookup left out can be recognised
        notes.append(f"{plural(len(outside), 'row')} of {name} {'is' if len(outside) == 1 else 'are'} for places "
                     f"outside the area ({', '.join(outside.iloc[:3])}{', ...' if len(outside) > 3 else ''}): "
                     "set aside")
    by_ward.index.name = None
    return Residents(by_ward=by_ward, by_lsoa=by_lsoa, notes=notes, by_age=by_age)


def _joined_names(names: list[str]) -> str:
    """"'Abbey'", "'Abbey' and 'Darley'", five at most."""
    shown = [repr(n) for n in names[:5]]
    more = " and more" if len(names) > 5 else ""
    return shown[0] if len(shown) == 1 else f"{', '.join(shown[:-1])} and {shown[-1]}{more}"


def lsoa_population(path: Path) -> pd.Series:
    """Residents per LSOA code from a file by LSOA of any area (``sia hotspots
    --lsoa-population``): each LSOA once, each count whole and plausible."""
    label = str(path)
    df = read_table(path, "population")
    codes = _codes(df, find_column(df, LSOA_CODE, "LSOA code", label), "LSOA code", label)
    _once_each(codes, "LSOA", label)
    values = _population_values(df, codes, label, MAX_LSOA_RESIDENTS, "LSOA")
    return pd.Series(values.to_numpy(), index=codes.to_numpy())


@dataclass
class LsoaDeprivation:
    """An IMD file's LSOAs of the area (the index): national ``rank`` (1 = most deprived in
    England), ``decile`` and, where the file has scores, ``score``."""

    table: pd.DataFrame
    notes: list[str] = field(default_factory=list)


def lsoa_deprivation(path: Path, area: list[str]) -> LsoaDeprivation:
    """The file's deprivation figures for every LSOA of the area, checked: one row an LSOA,
    ranks 1 to 32,844, deciles 1 to 10, scores finite and at least 0."""
    label = str(path)
    df = read_table(path, "deprivation")
    lsoa_col = find_column(df, LSOA_CODE, "LSOA code", label)
    rank_col = find_column(df, IMD_RANK, "IMD rank", label)
    decile_col = find_column(df, IMD_DECILE, "IMD decile", label)
    score_col = find_column(df, IMD_SCORE, "IMD score", label, required=False)
    df, codes, outside = _area_rows(
        df, lsoa_col, "LSOA", area, label,
        missing_fix="give the deprivation of every LSOA of the area",
        none=Problem("none of its LSOAs is an LSOA of the area", label,
                     "use the deprivation file for the same area and LSOA vintage"))
    source = "as MHCLG publish them for England's LSOAs"
    table = pd.DataFrame({
        "rank": _checked_numbers(df, rank_col, codes, label, low=1, high=IMD_LSOAS, whole=True, what="LSOA",
                                 fix=f"ranks are whole numbers from 1 to {IMD_LSOAS:,}, {source}").to_numpy(),
        "decile": _checked_numbers(df, decile_col, codes, label, low=1, high=10, whole=True, what="LSOA",
                                   fix=f"deciles are whole numbers from 1 to 10, {source}").to_numpy()},
        index=codes.to_numpy())
    if score_col:
        table["score"] = _checked_numbers(df, score_col, codes, label, low=0, high=1000, whole=False, what="LSOA",
                                          fix=f"scores are numbers from 0 to 1,000, {source}").to_numpy()
    # A decile is the rank's tenth of England's LSOAs (either side of a boundary rank).
    low = (table["rank"] - 1) * 10 // IMD_LSOAS + 1
    high = np.ceil(table["rank"] * 10 / IMD_LSOAS)
    odd = np.flatnonzero(((table["decile"] != low) & (table["decile"] != high)).to_numpy())
    if len(odd):
        first = table.iloc[odd[0]]
        raise InputError(Problem(f"{plural(len(odd), 'LSOA')}: the decile does not match the rank "
                                 f"({table.index[odd[0]]}: rank {first['rank']:,.0f}, decile {first['decile']:.0f}; "
                                 f"{_lines(codes.index[odd])})", label,
                                 "take the rank and decile columns of one index"))
    set_aside = len(outside)
    notes = [f"{plural(set_aside, 'row')} of {Path(path).name} {'is' if set_aside == 1 else 'are'} for LSOAs "
             "outside the area: set aside"] if set_aside else []
    return LsoaDeprivation(table, notes)


def ward_deprivation(lsoas: pd.DataFrame, edition: str, wards: pd.DataFrame, lookup: pd.Series) -> pd.DataFrame:
    """IMD summary per ward from its LSOAs' figures (``lsoa_deprivation``): LSOAs joined,
    mean LSOA rank (1 = most deprived in England), share of LSOAs in the most deprived
    national decile, and the mean LSOA score where the file has scores."""
    frame = pd.DataFrame({"ward_code": lsoas.index.map(lookup), "rank": lsoas["rank"].to_numpy(),
                          "decile1": (lsoas["decile"] == 1).to_numpy()})
    if "score" in lsoas:
        frame["score"] = lsoas["score"].to_numpy()
    grouped = frame.dropna(subset=["ward_code"]).groupby("ward_code")
    out = pd.DataFrame({
        f"imd{edition}_lsoas": grouped.size(),
        f"imd{edition}_mean_rank": grouped["rank"].mean().round(0),
        f"imd{edition}_decile1_share": grouped["decile1"].mean().round(3),
    })
    if "score" in lsoas:
        out[f"imd{edition}_mean_score"] = grouped["score"].mean().round(2)
    return out.reindex(wards["ward_code"])


DISTRICT_CODE = re.compile(r"^lad[0-9]{2}cd$|^(local authority )?district.?code|^code$", re.IGNORECASE)
MAX_DISTRICT_RESIDENTS = 2_000_000  # Birmingham, the largest, has about 1.2 million


def read_district_population(path: Path, districts: list[str]) -> pd.Series:
    """Residents of each district of the force (ONS mid-year estimates by local authority
    district: a code column and a total), every district once; rows of other districts set
    aside."""
    label = str(path)
    df = read_table(path, "district population")
    column = find_column(df, DISTRICT_CODE, "district code (e.g. LAD23CD)", label)
    df, codes, _ = _area_rows(
        df, column, "district", districts, label,
        missing_fix="give the residents of every district of the force (ONS's mid-year estimates list them all)",
        none=Problem("none of its districts is a district of the force", label,
                     "use ONS's mid-year estimates by local authority district"))
    values = _population_values(df, codes, label, MAX_DISTRICT_RESIDENTS, "district")
    return pd.Series(values.to_numpy(), index=codes.to_numpy()).reindex(districts)


LSOA11_FIELD = re.compile(r"^lsoa11cd$", re.IGNORECASE)
LSOA21_FIELD = re.compile(r"^lsoa21cd$", re.IGNORECASE)


def read_lsoa_change(path: Path, lookup: pd.Series) -> pd.Series:
    """ONS's lookup between 2011 and 2021 LSOAs (LSOA11CD, LSOA21CD; a row a pair), turned into
    each LSOA of the other vintage -> the ward of the area's (``lookup``: LSOA -> ward) its
    counterparts lie in, or, split between wards, the ward most of them lie in (best fit):
    what carries a population file of the other vintage to the wards."""
    label = str(path)
    df = read_table(path, "LSOA 2011 to 2021 lookup")
    old = _codes(df, find_column(df, LSOA11_FIELD, "2011 LSOA code (LSOA11CD)", label), "LSOA code", label)
    new = _codes(df, find_column(df, LSOA21_FIELD, "2021 LSOA code (LSOA21CD)", label), "LSOA code", label)
    pairs = pd.DataFrame({"old": old.to_numpy(), "new": new.to_numpy()}).drop_duplicates()
    held = set(lookup.index)
    source, target = ("old", "new") if pairs["new"].isin(held).any() else ("new", "old")
    pairs = pairs[pairs[target].isin(held)]
    if pairs.empty:
        raise InputError(Problem("none of its LSOAs is an LSOA of the area", label,
                                 "use ONS's LSOA (2011) to LSOA (2021) lookup for England and Wales"))
    pairs["ward"] = pairs[target].map(lookup)
    votes = pairs.groupby([source, "ward"]).size().rename("n").reset_index()
    best = votes.sort_values([source, "n", "ward"], ascending=[True, False, True]).drop_duplicates(source)
    carried = best.set_index(source)["ward"]
    carried.index.name = None
    return carried.sort_index().astype(object)


def lsoa_codes_in(path: Path, what: str = "population") -> set[str] | None:
    """The LSOA codes a population (or deprivation) file gives (None for a file by ward)."""
    df = read_table(path, what)
    column = find_column(df, LSOA_CODE, "LSOA code", str(path), required=False)
    return set(_codes(df, column, "LSOA code", str(path))) if column is not None else None
