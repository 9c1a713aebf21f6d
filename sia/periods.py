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
