"""Ward denominators: residents per financial year and deprivation, from LSOA files.

LSOA figures reach wards through an ONS LSOA -> ward best-fit lookup. A population file
may instead be given per ward already (a ward code column instead of an LSOA one).
Column names are found by pattern, so the ONS and MHCLG files work as published.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from sia.dataset.limits import MAX_TABLE_FILE, require_file
from sia.errors import InputError, Problem

LSOA_CODE = re.compile(r"^lsoa[0-9]*cd$|^lsoa.*code", re.IGNORECASE)
WARD_CODE = re.compile(r"^wd[0-9]{2}cd$|^ward.?code$", re.IGNORECASE)
POPULATION = re.compile(r"total.?population|^all.?ages$|^population$", re.IGNORECASE)
IMD_SCORE = re.compile(r"^imd.?score$|\(imd\) score", re.IGNORECASE)
IMD_RANK = re.compile(r"^imd.?rank$|\(imd\) rank", re.IGNORECASE)
IMD_DECILE = re.compile(r"^imd.?decile$|\(imd\) decile", re.IGNORECASE)


def population_column(fy: str) -> str:
    return f"population_{fy}"


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
    except Exception as exc:
        raise InputError(Problem(f"cannot be read as a CSV {what} file ({exc})", str(path),
                                 "give the CSV as published")) from None
    if df.empty:
        raise InputError(Problem(f"the {what} file has no rows", str(path), "check the file"))
    return df


def find_column(df: pd.DataFrame, pattern: re.Pattern, what: str, label: str,
                required: bool = True) -> str | None:
    matches = [c for c in df.columns if pattern.search(c.strip())]
    if not matches:
        if not required:
            return None
        raise InputError(Problem(f"no {what} column; columns are {', '.join(df.columns)}", label,
                                 "give the file as ONS/MHCLG publish it"))
    return matches[0]


def read_lookup(path: Path, wards: pd.DataFrame) -> pd.Series:
    """LSOA code -> ward code, checked against the ward boundaries."""
    df = read_table(path, "LSOA to ward lookup")
    lsoa = find_column(df, LSOA_CODE, "LSOA code", str(path))
    ward = find_column(df, WARD_CODE, "ward code (e.g. WD19CD)", str(path))
    lookup = df.set_index(df[lsoa].str.strip())[ward].str.strip()
    lookup = lookup[~lookup.index.duplicated()]
    if not lookup.isin(set(wards["ward_code"])).any():
        raise InputError(Problem(
            f"none of its ward codes ({', '.join(sorted(lookup.unique())[:3])}, ...) is in the ward "
            f"boundaries ({', '.join(wards['ward_code'][:3])}, ...)", str(path),
            "use the lookup for the same ward vintage as the boundaries"))
    return lookup


def _numeric(df: pd.DataFrame, column: str, label: str) -> pd.Series:
    values = pd.to_numeric(df[column].str.replace(",", "", regex=False).str.strip(), errors="coerce")
    bad = values.isna() & (df[column].str.strip() != "")
    if bad.any():
        line = int(bad.to_numpy().nonzero()[0][0]) + 2
        raise InputError(Problem(f"{column!r} holds {df[column][bad].iloc[0]!r}, not a number",
                                 f"{label} line {line}", "fix the value"))
    return values


def lsoa_population(path: Path, required: bool = True) -> pd.Series | None:
    """Residents per LSOA code (the population files that ``ward_population`` reads); None
    for a file by ward when not ``required``."""
    label = str(path)
    df = read_table(path, "population")
    pop = _numeric(df, find_column(df, POPULATION, "total population", label), label)
    lsoa_col = find_column(df, LSOA_CODE, "LSOA code", label, required=required)
    if lsoa_col is None:
        return None
    return pop.groupby(df[lsoa_col].str.strip()).sum()


def ward_population(path: Path, wards: pd.DataFrame, lookup: pd.Series | None) -> pd.Series:
    """Residents per ward code (NaN where the file covers no part of a ward)."""
    label = str(path)
    df = read_table(path, "population")
    pop = _numeric(df, find_column(df, POPULATION, "total population", label), label)
    ward_col = find_column(df, WARD_CODE, "ward code", label, required=False)
    lsoa_col = find_column(df, LSOA_CODE, "LSOA code", label, required=False)
    if ward_col and not lsoa_col:
        by_ward = pop.groupby(df[ward_col].str.strip()).sum()
    elif lsoa_col:
        if lookup is None:
            raise InputError(Problem("population is given by LSOA but no LSOA to ward lookup was given",
                                     label, "pass --lsoa-lookup FILE (or the LSOA boundaries, --lsoas FILE)"))
        ward_codes = df[lsoa_col].str.strip().map(lookup)
        by_ward = pop.groupby(ward_codes).sum()
    else:
        raise InputError(Problem(f"no LSOA or ward code column; columns are {', '.join(df.columns)}",
                                 label, "give population by LSOA (with a lookup) or by ward"))
    result = by_ward.reindex(wards["ward_code"])
    if result.isna().all():
        raise InputError(Problem("none of its areas falls in the wards given", label,
                                 "use the population file for the same area"))
    return result


def lsoa_deprivation(path: Path) -> pd.DataFrame:
    """Per LSOA code (the index): national IMD ``rank`` (1 = most deprived in England),
    ``decile`` and, where the file has scores, ``score``."""
    label = str(path)
    df = read_table(path, "deprivation")
    lsoa = find_column(df, LSOA_CODE, "LSOA code", label)
    frame = pd.DataFrame({"rank": _numeric(df, find_column(df, IMD_RANK, "IMD rank", label), label),
                          "decile": _numeric(df, find_column(df, IMD_DECILE, "IMD decile", label), label)})
    score_col = find_column(df, IMD_SCORE, "IMD score", label, required=False)
    if score_col:
        frame["score"] = _numeric(df, score_col, label)
    frame.index = df[lsoa].str.strip()
    return frame[~frame.index.duplicated()]


def ward_deprivation(path: Path, edition: str, wards: pd.DataFrame, lookup: pd.Series | None,
                     ) -> pd.DataFrame:
    """IMD summary per ward: LSOAs joined, mean LSOA rank (1 = most deprived in England),
    share of LSOAs in the most deprived national decile, and the mean LSOA score where the
    file has scores."""
    label = str(path)
    if lookup is None:
        raise InputError(Problem("deprivation is given by LSOA but no LSOA to ward lookup was given",
                                 label, "pass --lsoa-lookup FILE (or the LSOA boundaries, --lsoas FILE)"))
    lsoas = lsoa_deprivation(path)
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
    if out.empty:
        raise InputError(Problem("none of its LSOAs is in the LSOA to ward lookup", label,
                                 "use the deprivation file for the same area"))
    return out.reindex(wards["ward_code"])
