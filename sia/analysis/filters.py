"""What a user is looking at: years, months, incident type, measure, ward.

Filters round-trip through the URL's query parameters, so a copied link reopens the same
view. Values that do not fit the dataset (a year it lacks, an unknown crime type) are
dropped with a note rather than failing the page.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from sia.categories import CRIME_CATEGORIES, canonical_category
from sia.periods import MONTH_ABBREVIATIONS
from sia.words import quoted

CRIME = "crime"
ASB = "asb"
INCIDENT_TYPES = {CRIME: "Crime", ASB: "Anti-social behaviour"}
MEASURES = {"count": "Incidents", "per_month": "Incidents per month",
            "rate": "Per 1,000 residents a year"}


def format_value(value: float, measure: str) -> str:
    """A measure's value as people read it: whole incidents, rates to one decimal."""
    if value != value:  # NaN: a rate without a whole population, or nothing to count
        return "no population" if measure == "rate" else "no data"
    return f"{value:,.0f}" if measure == "count" else f"{value:,.1f}"


@dataclass(frozen=True)
class Filters:
    fys: tuple[str, ...]
    incident_type: str = CRIME
    crime_types: tuple[str, ...] = CRIME_CATEGORIES  # used when incident_type is crime
    months: tuple[str, ...] = MONTH_ABBREVIATIONS  # months of the year, 'Apr'...'Mar'
    # Two years are compared on the months of the year both hold (where they share any):
    # comparing all months held is the explicit choice (lfl=0 in a link).
    like_for_like: bool = True
    measure: str = "count"
    ward: str | None = None

    @property
    def comparing(self) -> bool:
        return len(self.fys) == 2

    @property
    def categories(self) -> tuple[str, ...]:
        """The police.uk categories counted: never ASB and crime together."""
        return ("Anti-social behaviour",) if self.incident_type == ASB else self.crime_types

    def subject(self) -> str:
        """What is counted, in words: 'all crime', 'anti-social behaviour', 'Burglary'."""
        if self.incident_type == ASB:
            return "anti-social behaviour"
        if set(self.crime_types) == set(CRIME_CATEGORIES):
            return "all crime"
        if len(self.crime_types) <= 2:
            return " and ".join(self.crime_types)
        return f"{len(self.crime_types)} crime types"

    def to_query_params(self) -> dict[str, str | list[str]]:
        """Only what differs from the defaults, so links stay short."""
        out: dict[str, str | list[str]] = {"fy": list(self.fys)}
        if self.incident_type != CRIME:
            out["type"] = self.incident_type
        elif set(self.crime_types) != set(CRIME_CATEGORIES):
            out["crime"] = list(self.crime_types)
        if set(self.months) != set(MONTH_ABBREVIATIONS):
            out["month"] = list(self.months)
        if not self.like_for_like and self.comparing:
            out["lfl"] = "0"
        if self.measure != "count":
            out["measure"] = self.measure
        if self.ward:
            out["ward"] = self.ward
        return out


# The query parameters that Filters owns; pages may add keys of their own beside them.
FILTER_KEYS = frozenset({"fy", "type", "crime", "month", "lfl", "measure", "ward"})


@dataclass
class ParsedFilters:
    filters: Filters
    notes: list[str] = field(default_factory=list)  # what was ignored, for the user


def echo(value: str) -> str:
    """A value from the URL as a note quotes it: short (a link can hold anything)."""
    return quoted(value)


def _switch(key: str, given: list[str], notes: list[str], default: bool = False) -> bool:
    """An on/off setting in a link: 1 (or true, yes, on) is on; 0 (or false, no, off) is off;
    absent (or unknown, which a note reports) is the ``default``."""
    if not given:
        return default
    value = given[0].lower()
    if value not in ("1", "true", "yes", "on", "0", "false", "no", "off"):
        notes.append(f"unknown {key} value {echo(given[0])} (use 1 or 0)")
        return default
    return value in ("1", "true", "yes", "on")


def from_query_params(params: dict[str, list[str]], available_fys: list[str],
                      ward_names: list[str]) -> ParsedFilters:
    """Filters from query parameters (each a list of values), checked against the data."""
    notes: list[str] = []

    def values(key: str) -> list[str]:
        return [v.strip() for v in params.get(key, []) if v.strip() != ""][:20]  # no link needs more

    def one(key: str, default: str | None) -> str | None:
        given = values(key)
        if len(set(given)) > 1:
            notes.append(f"only the first {key} is used ({echo(given[0])})")
        return given[0] if given else default

    fys = [fy for fy in values("fy") if fy in available_fys]
    notes += [f"no data for financial year {echo(fy)}" for fy in values("fy") if fy not in available_fys]
    fys = sorted(dict.fromkeys(fys))[-2:] or available_fys[-2:]

    incident_type = one("type", CRIME).lower()
    if incident_type not in INCIDENT_TYPES:
        notes.append(f"unknown incident type {echo(incident_type)}")
        incident_type = CRIME
    crime_types = []
    for name in values("crime"):
        category = canonical_category(name)
        if category in CRIME_CATEGORIES:
            crime_types.append(category)
        else:
            notes.append(f"unknown crime type {echo(name)}")
    crime_types = [c for c in CRIME_CATEGORIES if c in crime_types] or list(CRIME_CATEGORIES)

    asked_months = {m[:3].title(): m for m in values("month")}
    notes += [f"unknown month {echo(m)} (use Apr, May, ...)" for key, m in asked_months.items()
              if key not in MONTH_ABBREVIATIONS]
    months = [m for m in MONTH_ABBREVIATIONS if m in asked_months] or list(MONTH_ABBREVIATIONS)
    measure = one("measure", "count").lower()
    if measure not in MEASURES:
        notes.append(f"unknown measure {echo(measure)}")
        measure = "count"
    ward = one("ward", None)
    if ward is not None:
        match = [w for w in ward_names if w.casefold() == ward.casefold()]
        if not match:
            notes.append(f"no ward called {echo(ward)}")
        ward = match[0] if match else None
    return ParsedFilters(Filters(fys=tuple(fys), incident_type=incident_type,
                                 crime_types=tuple(crime_types), months=tuple(months),
                                 like_for_like=_switch("lfl", values("lfl"), notes, default=True), measure=measure,
                                 ward=ward), notes)

