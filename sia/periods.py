"""Months and financial years (April to March, written '2014-15')."""
from __future__ import annotations

import re
from datetime import date

import numpy as np
import pandas as pd

from sia.errors import InputError, Problem
from sia.words import quoted

FY_PATTERN = re.compile(r"^([0-9]{4})-([0-9]{2})$")
MONTH_PATTERN = r"^[0-9]{4}-(0[1-9]|1[0-2])$"

# police.uk's street-level data starts in December 2010; no file can hold a month after the
# current one. A month outside these is a typing or export error, not a record.
FIRST_POLICE_MONTH = "2010-12"


def current_month() -> str:
    """This month as 'YYYY-MM', from the system clock: the last month police.uk could hold."""
    return f"{date.today():%Y-%m}"


def month_shifted(month: str, by: int) -> str:
    """The month ``by`` months after ``month`` (before, for a negative ``by``): '2023-05', -1 -> '2023-04'."""
    index = int(month[:4]) * 12 + int(month[5:7]) - 1 + by
    return f"{index // 12}-{index % 12 + 1:02d}"


def police_month_range() -> tuple[str, str]:
    """The first and last months a police.uk file can hold ('YYYY-MM')."""
    return FIRST_POLICE_MONTH, current_month()


def in_police_range(months) -> np.ndarray:
    """Vectorised: whether each 'YYYY-MM' month lies in :func:`police_month_range`
    (months of that form compare in time order as text)."""
    first, last = police_month_range()
    months = pd.Series(months, dtype=object).astype(str)
    return ((months >= first) & (months <= last)).to_numpy(dtype=bool)


def financial_year(month: str) -> str:
    """'2015-02' -> '2014-15'; '2015-04' -> '2015-16'."""
    year, mon = int(month[:4]), int(month[5:7])
    start = year if mon >= 4 else year - 1
    return f"{start}-{(start + 1) % 100:02d}"


def financial_years(months: pd.Series) -> pd.Series:
    """Vectorised :func:`financial_year` over a Series of valid 'YYYY-MM' strings."""
    year = months.str.slice(0, 4).astype(np.int32)
    mon = months.str.slice(5, 7).astype(np.int32)
    start = year - (mon < 4)
    end = (start + 1) % 100
    return start.astype(str) + "-" + end.astype(str).str.zfill(2)


def parse_financial_year(text: str) -> str:
    """Validate '2014-15' style text; raise ValueError with the expected form."""
    m = FY_PATTERN.match(text.strip())
    if not m or (int(m.group(1)) + 1) % 100 != int(m.group(2)):
        raise ValueError(f"financial year {quoted(text)} is not like 2014-15 (April 2014 to March 2015)")
    return text.strip()


def require_held(fys, held: list[str]) -> None:
    """Refuse financial years a dataset does not hold, naming those it does."""
    missing = [fy for fy in fys if fy not in held]
    if missing:
        raise InputError(Problem(f"no data for financial year {', '.join(missing)}", "--fy",
                                 f"the dataset holds {', '.join(held) or 'no years'}"))


def fy_months(fy: str) -> list[str]:
    """The twelve months of a financial year, April first."""
    start = int(parse_financial_year(fy)[:4])
    return [f"{start + (m < 4)}-{m:02d}" for m in (*range(4, 13), 1, 2, 3)]


def months_in(incidents: pd.DataFrame) -> list[str]:
    """The months an incidents table holds ('YYYY-MM', in order)."""
    return [str(m) for m in incidents["month"].cat.categories]


def month_label(month: str) -> str:
    """'2014-04' -> 'April 2014' (UK style)."""
    return pd.Timestamp(f"{month}-01").strftime("%B %Y")


MONTH_ABBREVIATIONS = ("Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec", "Jan", "Feb", "Mar")


MONTH_NAMES = ("April", "May", "June", "July", "August", "September", "October", "November", "December",
               "January", "February", "March")


def _runs(positions: list[int]) -> list[tuple[int, int]]:
    """Consecutive runs of sorted positions: [0, 1, 2, 5] -> [(0, 2), (5, 5)]."""
    runs: list[tuple[int, int]] = []
    for p in positions:
        if runs and p == runs[-1][1] + 1:
            runs[-1] = (runs[-1][0], p)
        else:
            runs.append((p, p))
    return runs


def _joined(parts: list[str]) -> str:
    return parts[0] if len(parts) == 1 else f"{', '.join(parts[:-1])} and {parts[-1]}"


def months_of_year_text(months_of_year) -> str:
    """Months of the financial year ('Sep', 'Apr', ...) in words, in April-to-March order:
    'September only', 'April to October', 'April to June and September'."""
    positions = sorted(MONTH_ABBREVIATIONS.index(m) for m in set(months_of_year))
    if len(positions) == 1:
        return f"{MONTH_NAMES[positions[0]]} only"
    if len(positions) == 12:
        return "all twelve months"
    return _joined([MONTH_NAMES[a] if a == b else f"{MONTH_NAMES[a]} to {MONTH_NAMES[b]}"
                    for a, b in _runs(positions)])


def period_text(months) -> str:
    """The months a figure was counted over, short, with how many: 'Sep 2019, 1 month',
    'Apr to Oct 2014, 7 months', 'Apr to Jun and Sep 2014, 4 months', 'Dec 2014 to Feb 2015,
    3 months' (months 'YYYY-MM' of one financial year); 'no months' for none."""
    months = sorted(months)
    if not months:
        return "no months"

    def short(m: str) -> str:
        return f"{MONTH_ABBREVIATIONS[(int(m[5:7]) - 4) % 12]} {m[:4]}"

    fy = fy_months(financial_year(months[0]))
    runs = _runs([fy.index(m) for m in months if m in fy])
    one_year = months[0][:4] == months[-1][:4]
    parts = []
    for a, b in runs:
        first, last = short(fy[a]), short(fy[b])
        if a == b:
            parts.append(first if not one_year else first[:3])
        else:
            parts.append(f"{first[:3] if one_year else first} to {last[:3] if one_year else last}")
    text = _joined(parts) + (f" {months[0][:4]}" if one_year else "")
    return f"{text}, {len(months)} month{'s' if len(months) != 1 else ''}"


def fy_coverage(months: list[str]) -> pd.DataFrame:
    """Per financial year: months covered (of 12), first and last month, their span
    ('April 2014 to October 2014') and a label such as '2014-15: 7 of 12 months (April
    2014 to October 2014)'."""
    rows = []
    for fy in sorted({financial_year(m) for m in months}):
        mine = sorted(m for m in months if financial_year(m) == fy)
        span = month_label(mine[0]) if len(mine) == 1 else \
            f"{month_label(mine[0])} to {month_label(mine[-1])}"
        gaps = len(mine) != fy_months(fy).index(mine[-1]) - fy_months(fy).index(mine[0]) + 1
        span += ", with gaps" if gaps else ""
        rows.append({"fy": fy, "months_covered": len(mine), "first": mine[0], "last": mine[-1], "span": span,
                     "label": f"{fy}: {len(mine)} of 12 months ({span})"})
    return pd.DataFrame(rows, columns=["fy", "months_covered", "first", "last", "span", "label"])
