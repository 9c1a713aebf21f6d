"""The priority register: a partnership's SIA priority sets (data/priorities.toml holds
Derby's), validated on load, and the comparison of two years' city priorities.

The lineage between the years is data in the register: a 2019-20 priority names the
2014-15 priority it ``follows`` and whether it was ``retained`` or ``changed`` (the theme
continues under a new focus). Nothing is matched on titles.
"""
from __future__ import annotations

import math
import re
from collections.abc import Collection
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from sia.categories import ANTI_SOCIAL_BEHAVIOUR, CATEGORIES
from sia.dataset.area import DERBY
from sia.dataset.registers import current_register, publish_register, register_manifest
from sia.dataset.store import area_in
from sia.errors import InputError, Problem
from sia.handwritten import handwritten_toml, read_handwritten_bytes, unsafe_text, value_text
from sia.paths import ROOT
from sia.periods import parse_financial_year

REGISTER = ROOT / "data" / "priorities.toml"
REGISTER_AREA = DERBY  # the area data/priorities.toml is of
TEMPLATE = ROOT / "data" / "priorities-template.toml"  # where a partnership without a register starts
DERBY_WARDS = ROOT / "geo" / "ward_reference_points.csv"  # the 17 wards of 2003-2023

INDICATORS = {"direct": "Direct indicator", "partial": "Partial proxy", "none": "No open-data indicator"}
LINEAGES = ("retained", "changed")
# Indicators beside a priority's police.uk categories, from other open data the dataset may
# hold, by the name the register gives them.
SECOND_INDICATORS = {"weapons-searches-young": "Weapons searches of people aged 10 to 24 (police.uk stop and search)"}
CITY, FORCE = "city", "force"


@dataclass(frozen=True)
class Document:
    """A partnership's document, cited by its title and date; a link or a file name may be
    given (Derby's register names the seed documents it was written from)."""

    id: str
    title: str
    date: str
    seed: str = ""  # a file name, e.g. in ../shared/seeds
    link: str = ""


@dataclass(frozen=True)
class Figure:
    what: str
    document: str
    value: float | str | None = None
    low: float | None = None
    high: float | None = None
    qualifier: str = ""
    unit: str = ""

    def text(self) -> str:
        """'around 20-25', 'upwards of 1,900', '33%'."""
        def number(v):
            return f"{v:,}" if isinstance(v, int) else str(v)
        amount = (f"{number(self.low)}-{number(self.high)}" if self.value is None
                  else number(self.value))
        return " ".join(p for p in (self.qualifier, amount + self.unit) if p)


@dataclass(frozen=True)
class PrioritySet:
    id: str
    name: str
    body: str
    fy: str
    document: str
    kind: str  # city or force
    note: str = ""


@dataclass(frozen=True)
class Priority:
    id: str
    set: str
    rank: int
    title: str
    summary: str
    indicator: str
    indicator_note: str
    wards: tuple[str, ...] = ()
    categories: tuple[str, ...] = ()
    figures: tuple[Figure, ...] = ()
    measure_with: str = ""
    follows: str | None = None
    lineage: str | None = None
    informs: tuple[str, ...] = ()
    second_indicator: str | None = None  # a key of SECOND_INDICATORS
    second_indicator_note: str = ""

    @property
    def measurable(self) -> bool:
        return self.indicator != "none"


@dataclass(frozen=True)
class Register:
    documents: dict[str, Document]
    sets: dict[str, PrioritySet]
    priorities: dict[str, Priority]  # in file order

    def city_set(self, fy: str) -> PrioritySet:
        for s in self.sets.values():
            if s.kind == CITY and s.fy == fy:
                return s
        years = sorted(s.fy for s in self.sets.values() if s.kind == CITY)
        raise InputError(Problem(f"the register has no city priority set for {fy}",
                                 fix=f"choose one of {', '.join(years)}"))

    def in_set(self, set_id: str) -> list[Priority]:
        return sorted((p for p in self.priorities.values() if p.set == set_id),
                      key=lambda p: p.rank)

    def fy_of(self, priority: Priority) -> str:
        return self.sets[priority.set].fy

    def document_for(self, priority: Priority) -> Document:
        return self.documents[self.sets[priority.set].document]


NO_REGISTER = Register({}, {}, {})  # an area's before its steward loads one


# --- loading and validation --------------------------------------------------------

_SET_KINDS = {"city-": CITY, "force-": FORCE}
# The fields of each kind of table, as the register's comments describe them: any other is
# a misspelling, and its value would be lost without a word.
_FIELDS = {
    "document": {"id", "title", "date", "seed", "link"},
    "set": {"id", "name", "body", "fy", "document", "note"},
    "priority": {"id", "set", "rank", "title", "summary", "wards", "figures", "indicator", "categories",
                 "indicator_note", "measure_with", "follows", "lineage", "informs", "second_indicator",
                 "second_indicator_note"},
}
_FIGURE_FIELDS = {"what", "value", "low", "high", "qualifier", "unit", "document"}
# A figure's numbers are below this in size: a float holds every whole number up to it exactly.
MAX_FIGURE = 10 ** 15


def register_in_use(data_dir: Path | None) -> Path | None:
    """The register a dataset's figures are held against: the one a data steward loaded into
    its data directory (sia.dataset.registers), else the one that ships with the code when
    the data is of its area (Derby: the demo's, and a build's that records no other); None
    for another area without a register of its own."""
    loaded = current_register(data_dir) if data_dir is not None else None
    if loaded is not None:
        return loaded
    return REGISTER if area_in(data_dir).serves(REGISTER_AREA) else None


def load_register_into(data_dir: Path, file: Path, source: str, wards: Collection[str]) -> tuple[Path, Register]:
    """Check ``file`` against the dataset's ``wards`` and, when sound, keep it as the data
    directory's register (sia.dataset.registers); InputError listing every problem, with
    nothing changed, when it is not."""
    data = read_handwritten_bytes(Path(file), "priority register")  # once: the bytes checked are those kept
    register = register_of_bytes(data, str(file), wards)
    return publish_register(data_dir, data, source, sorted(wards)), register


def read_register(path: Path | None) -> Register:
    """load_register of a register in use: a loaded one against the wards of the dataset it
    was loaded into (recorded when it was loaded), the built-in one against Derby's; the
    empty register for none (register_in_use)."""
    if path is None:
        return NO_REGISTER
    wards = register_manifest(path).get("wards") if Path(path) != REGISTER else None
    return load_register(path, wards if isinstance(wards, list) and all(isinstance(w, str) for w in wards) else None)


def load_register(path: Path = REGISTER, wards: Collection[str] | None = None) -> Register:
    """Read and validate the register; every problem is reported at once, naming the
    entry (its id, or its position when the id is missing) and the field. Whatever the
    file holds gives an InputError, never another exception. The wards it names must be
    among ``wards`` (by default Derby's 17)."""
    return register_of_bytes(read_handwritten_bytes(Path(path), "priority register"), str(path), wards)


def register_of_bytes(data: bytes, where: str, wards: Collection[str] | None = None) -> Register:
    """load_register of a register's bytes (read once), ``where`` naming it in problems."""
    raw = handwritten_toml(data, where)
    checker = _Checker(where, frozenset(wards) if wards is not None else None)
    for key in sorted(set(raw) - set(_FIELDS)):
        checker.problem(value_text(key), "is not a part of the file",
                        "keep only [[document]], [[set]] and [[priority]] tables")
    documents = {d.id: d for d in checker.entries(raw, "document", _document)}
    sets = {s.id: s for s in checker.entries(raw, "set", _set)}
    priorities = checker.entries(raw, "priority", _priority)
    raw_priorities = raw.get("priority", [])
    checker.cross_check(documents, sets, priorities,
                        raw_priorities if isinstance(raw_priorities, list) else [])
    if checker.problems:
        raise InputError(checker.problems)
    return Register(documents, sets, {p.id: p for p in priorities})


class _Checker:
    def __init__(self, path: str, wards: frozenset[str] | None = None):
        self.path = path
        self.wards = wards
        self.problems: list[Problem] = []
        self.named: set[str] = set()  # every id in the file, valid or not
        self.unnamed: set[str] = set()  # the tables with an entry whose id cannot be read

    def problem(self, where: str, what: str, fix: str) -> None:
        self.problems.append(Problem(what, where=f"{self.path}: {where}", fix=fix))

    def entries(self, raw: dict, table: str, build) -> list:
        items = raw.get(table, [])
        if not isinstance(items, list):
            self.problem(table, f"is {value_text(items)}, not [[{table}]] tables",
                         f"write each entry as a [[{table}]] table (double brackets)")
            self.unnamed.add(table)
            return []
        if not items:
            self.problem(table, f"no [[{table}]] entries", f"add at least one [[{table}]] table")
            self.unnamed.add(table)
            return []
        out, seen = [], set()
        for position, item in enumerate(items, start=1):
            if not isinstance(item, dict):
                self.problem(f"{table} #{position}", f"is {value_text(item)}, not a table",
                             f"write each entry as a [[{table}]] table (double brackets)")
                self.unnamed.add(table)
                continue
            given = item["id"].strip() if isinstance(item.get("id"), str) else ""
            if given:
                self.named.add(given)
            else:
                self.unnamed.add(table)
            label = f"{table} {value_text(given)}" if given else f"{table} #{position}"
            for extra in sorted(set(item) - _FIELDS[table]):
                self.problem(label, f"unknown field {value_text(extra)}",
                             f"use only {', '.join(sorted(_FIELDS[table]))}")
            entry = _Entry(self, label, item)
            built = build(entry)
            if built is None:
                continue
            if built.id in seen:
                self.problem(label, "the id is used twice", "give every entry its own id")
                continue
            seen.add(built.id)
            out.append(built)
        return out

    def missing(self, ref: str, known, table: str) -> bool:
        """A reference to nothing in ``table``; one to an entry already reported as invalid
        is not reported again, nor one into a table with an entry whose id cannot be read
        (it may be that entry)."""
        return ref not in known and ref not in self.named and table not in self.unnamed

    def cross_check(self, documents: dict, sets: dict, priorities: list[Priority],
                    raw_priorities: list) -> None:
        wards = self.wards if self.wards is not None else set(pd.read_csv(DERBY_WARDS)["ward"])
        by_id = {p.id: p for p in priorities}
        city_sets: dict[str, str] = {}  # fy -> the id of its first city set
        for s in sets.values():
            if self.missing(s.document, documents, "document"):
                self.problem(f"set {value_text(s.id)}", f"document {value_text(s.document)} is not in the register",
                             "add the [[document]] or correct the id")
            if s.kind == CITY and s.fy in city_sets:
                self.problem(f"set {value_text(s.id)}", f"is a second city set for {s.fy}, "
                                                        f"beside {value_text(city_sets[s.fy])}",
                             "keep one city set for each financial year")
            elif s.kind == CITY:
                city_sets[s.fy] = s.id
        for p in priorities:
            where = f"priority {value_text(p.id)}"
            if self.missing(p.set, sets, "set"):
                self.problem(where, f"set {value_text(p.set)} is not in the register", "use the id of a [[set]]")
            for ward in p.wards:
                if ward not in wards:
                    self.problem(where, f"{value_text(ward)} is not a ward of the area",
                                 f"use one of {', '.join(sorted(wards))}")
            for figure in p.figures:
                if self.missing(figure.document, documents, "document"):
                    self.problem(where, f"figure {value_text(figure.what)} cites unknown document "
                                        f"{value_text(figure.document)}", "use the id of a [[document]]")
            if p.follows is not None:
                earlier = by_id.get(p.follows)
                if self.missing(p.follows, by_id, "priority"):
                    self.problem(where, f"follows {value_text(p.follows)}, which is not in the register",
                                 "name the id of the earlier priority")
                elif earlier and p.set in sets and earlier.set in sets and not (
                        sets[earlier.set].kind == sets[p.set].kind
                        and sets[earlier.set].fy < sets[p.set].fy):
                    self.problem(where, f"follows {value_text(p.follows)}, which is not an earlier "
                                        "priority of the same kind of set",
                                 "a priority follows one from an earlier year's set")
            for target in p.informs:
                if self.missing(target, by_id, "priority"):
                    self.problem(where, f"informs {value_text(target)}, which is not in the register",
                                 "name the id of a city priority")
        # From the file, so that an entry with other faults does not look like a gap; while a
        # priority's set or rank cannot be read it may be the gap, so then only a rank given
        # twice is reported.
        tables = [item for item in raw_priorities if isinstance(item, dict)]
        unplaced = len(tables) < len(raw_priorities) or any(_set_of(item) is None for item in tables)
        for set_id in sets:
            members = [item for item in tables if _set_of(item) == set_id]
            ranks = sorted(rank for rank in map(_rank_of, members) if rank is not None)
            gap = ranks != list(range(1, len(ranks) + 1)) and not unplaced and len(ranks) == len(members)
            if gap or len(set(ranks)) < len(ranks):
                self.problem(f"set {value_text(set_id)}", f"ranks are {value_text(ranks)}",
                             "number the set's priorities 1, 2, 3... in the document's order")
        followed = [p.follows for p in priorities if p.follows]
        for target in {t for t in followed if followed.count(t) > 1}:
            self.problem(f"priority {value_text(target)}", "is followed by more than one priority",
                         "a priority continues into at most one later priority")


def _set_of(raw: dict) -> str | None:
    return (raw["set"].strip() or None) if isinstance(raw.get("set"), str) else None


def _rank_of(raw: dict) -> int | None:
    rank = raw.get("rank")
    return rank if isinstance(rank, int) and not isinstance(rank, bool) and rank >= 1 else None


class _Entry:
    """One table of the register, read field by field with problems collected."""

    def __init__(self, checker: _Checker, label: str, raw: dict):
        self.checker, self.label, self.raw = checker, label, raw
        self.ok = True

    def bad(self, what: str, fix: str) -> None:
        self.ok = False
        self.checker.problem(self.label, what, fix)

    def safe(self, field: str, value: str) -> bool:
        """Whether ``value`` is free of characters a terminal or page would act on or hide;
        a problem naming the ``field`` ("'title'") when it is not."""
        char = unsafe_text(value)
        if char is not None:
            self.bad(f"{field} holds a control or format character ({char!r}): {value_text(value)}",
                     "remove it: the text is one line of plain characters, without control, bidi or zero-width ones")
        return char is None

    def text(self, key: str, required: bool = True) -> str | None:
        value = self.raw.get(key)
        if value is None:
            if required:
                self.bad(f"'{key}' is missing", f"add {key} = \"...\"")
            return None
        if not isinstance(value, str) or not value.strip():
            self.bad(f"'{key}' must be non-empty text, not {value_text(value)}", f"write {key} = \"...\"")
            return None
        return value.strip() if self.safe(f"'{key}'", value) else None

    def texts(self, key: str) -> tuple[str, ...] | None:
        """The list of text at ``key`` (none when it is left out); None when it is something
        else (reported)."""
        value = self.raw.get(key, [])
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            self.bad(f"'{key}' must be a list of text, not {value_text(value)}", f"write {key} = [\"...\"]")
            return None
        return tuple(value) if all([self.safe(f"'{key}'", v) for v in value]) else None

    def choice(self, key: str, options, required: bool = True) -> str | None:
        value = self.text(key, required)
        if value is not None and value not in options:
            self.bad(f"'{key}' is {value_text(value)}", f"use one of {', '.join(options)}")
            return None
        return value


def _document(e: _Entry) -> Document | None:
    fields = {k: e.text(k) for k in ("id", "title", "date")}
    optional = {k: e.text(k, required=False) or "" for k in ("seed", "link")}
    if optional["link"] and not re.fullmatch(r"https?://[^\s<>\"'`]{1,500}", optional["link"]):
        e.bad(f"'link' is {value_text(optional['link'])}, not a web address",
              "give an https:// address, or leave it out")
    return Document(**fields, **optional) if e.ok else None


def _set(e: _Entry) -> PrioritySet | None:
    set_id = e.text("id")
    kind = next((k for prefix, k in _SET_KINDS.items() if set_id and set_id.startswith(prefix)), None)
    if set_id and kind is None:
        e.bad(f"id {value_text(set_id)} does not say whose set it is", "start it with 'city-' or 'force-'")
    fy = e.text("fy")
    if fy is not None:
        try:
            fy = parse_financial_year(fy)
        except ValueError as exc:
            e.bad(str(exc), "write the year as 2014-15")
    fields = {k: e.text(k) for k in ("name", "body", "document")}
    note = e.text("note", required=False) or ""
    return PrioritySet(id=set_id, fy=fy, kind=kind, note=note, **fields) if e.ok else None


def _priority(e: _Entry) -> Priority | None:
    fields = {k: e.text(k) for k in ("id", "set", "title", "summary", "indicator_note")}
    rank = _rank_of(e.raw)
    if rank is None:
        e.bad(f"'rank' must be a whole number from 1, not {value_text(e.raw.get('rank'))}",
              "give its position in the document's list")
    indicator = e.choice("indicator", list(INDICATORS))
    categories = e.texts("categories")
    for name in categories or ():
        if name not in CATEGORIES:
            e.bad(f"{value_text(name)} is not a police.uk category",
                  f"use the names as police.uk writes them: {', '.join(CATEGORIES)}")
    if categories and ANTI_SOCIAL_BEHAVIOUR in categories and len(categories) > 1:
        e.bad("mixes anti-social behaviour with crime categories",
              "ASB is counted apart from crime: give it alone, or only crime categories")
    if indicator in ("direct", "partial") and categories == ():
        e.bad(f"a {indicator} indicator needs its police.uk categories", "list them in categories")
    if indicator == "none" and categories:
        e.bad("has categories but its indicator is 'none'",
              "remove the categories or say how well they indicate it")
    measure_with = e.text("measure_with", required=indicator in ("partial", "none")) or ""
    follows = e.text("follows", required=False)
    lineage = e.choice("lineage", LINEAGES, required=follows is not None)
    if lineage and "follows" not in e.raw:
        e.bad("has a lineage but follows nothing", "add follows = \"<id of the earlier priority>\"")
    wards, informs = e.texts("wards"), e.texts("informs")
    second = e.choice("second_indicator", list(SECOND_INDICATORS), required=False)
    second_note = e.text("second_indicator_note", required=second is not None) or ""
    if second_note and second is None and "second_indicator" not in e.raw:
        e.bad("has a second_indicator_note but no second_indicator",
              f"add second_indicator = one of {', '.join(SECOND_INDICATORS)}, or remove the note")
    figures = _figures(e)
    if not e.ok:
        return None
    return Priority(rank=rank, indicator=indicator, categories=categories, figures=figures,
                    wards=wards, measure_with=measure_with, follows=follows,
                    lineage=lineage, informs=informs, second_indicator=second,
                    second_indicator_note=second_note, **fields)


def _figures(e: _Entry) -> tuple[Figure, ...]:
    raw = e.raw.get("figures", [])
    if not isinstance(raw, list):
        e.bad(f"'figures' must be [[priority.figures]] tables, not {value_text(raw)}",
              "write each figure as a [[priority.figures]] table below its priority")
        return ()
    return tuple(f for f in (_figure(e, i, item) for i, item in enumerate(raw, start=1)) if f is not None)


def _finite(value) -> bool:
    """A number (not true or false), neither nan nor infinite (a whole number always is: one
    too large for a float is not converted to find out)."""
    return (isinstance(value, (int, float)) and not isinstance(value, bool)
            and (isinstance(value, int) or math.isfinite(value)))


def _too_large(key: str, value) -> str:
    return f"'{key}' must be between -1e15 and 1e15, not {value_text(value)}"


def _figure(e: _Entry, position: int, raw) -> Figure | None:
    label = f"figure #{position}"
    if not isinstance(raw, dict):
        e.bad(f"{label} is {value_text(raw)}, not a table",
              "write each figure as a [[priority.figures]] table below its priority")
        return None
    what, document = raw.get("what"), raw.get("document")
    if not isinstance(what, str) or not what.strip() or not isinstance(document, str) or not document.strip():
        e.bad(f"{label} needs 'what' and 'document' as text",
              "say what the figure counts and the id of its [[document]]")
        return None
    label = f"{label} ({value_text(what)})"
    for extra in sorted(set(raw) - _FIGURE_FIELDS):
        e.checker.problem(e.label, f"{label}: unknown field {value_text(extra)}",
                          f"use only {', '.join(sorted(_FIGURE_FIELDS))}")
    value, low, high = raw.get("value"), raw.get("low"), raw.get("high")
    qualifier, unit = raw.get("qualifier", ""), raw.get("unit", "")
    ok = all([e.safe(f"{label}: '{key}'", text) for key, text in (("what", what), ("document", document))])
    ranged = low is not None or high is not None
    if (value is None) != ranged or (ranged and (low is None or high is None)):
        e.bad(f"{label} needs either a value or low and high",
              "write value = 90, or low = 20 and high = 25")
        return None
    if value is not None and not _finite(value) and not (isinstance(value, str) and value.strip()):
        e.bad(f"{label}: 'value' must be a finite number or non-empty text, not {value_text(value)}",
              "write value = 90, or value = \"1 in 10\"")
        ok = False
    elif _finite(value) and not abs(value) < MAX_FIGURE:
        e.bad(f"{label}: {_too_large('value', value)}", "give the figure as the document does")
        ok = False
    for key, bound in (("low", low), ("high", high)):
        if bound is not None and not _finite(bound):
            e.bad(f"{label}: '{key}' must be a finite number, not {value_text(bound)}",
                  "write low = 20 and high = 25")
            ok = False
        elif bound is not None and not abs(bound) < MAX_FIGURE:
            e.bad(f"{label}: {_too_large(key, bound)}", "give the figure as the document does")
            ok = False
    if ok and value is None and low > high:
        e.bad(f"{label}: 'low' ({value_text(low)}) is above 'high' ({value_text(high)})",
              "give the lower end of the range as low")
        ok = False
    for key, text in (("qualifier", qualifier), ("unit", unit)):
        if not isinstance(text, str):
            e.bad(f"{label}: '{key}' must be text, not {value_text(text)}",
                  f"write {key} = \"...\", or leave it out")
            ok = False
    for key, text in (("value", value), ("qualifier", qualifier), ("unit", unit)):
        if isinstance(text, str) and not e.safe(f"{label}: '{key}'", text):
            ok = False
    if not ok:
        return None
    return Figure(what=what.strip(), document=document.strip(),
                  value=value.strip() if isinstance(value, str) else value, low=low, high=high,
                  qualifier=qualifier.strip(), unit=unit.strip())


# --- the comparison ------------------------------------------------------------------

def _appearance(priority: Priority) -> dict:
    return {"id": priority.id, "title": priority.title, "rank": priority.rank}


def compare(register: Register, earlier: str, later: str) -> dict[str, list[dict]]:
    """The city priorities of two years: retained, changed (same theme, new focus), added
    and dropped. Each item gives, per year it appears in, the id, title and rank; items
    in both years also give rank_change (later rank minus earlier: negative moved up)."""
    first, second = register.city_set(earlier), register.city_set(later)
    if first.fy >= second.fy:
        raise InputError(Problem(f"{earlier} is not before {later}",
                                 fix="give the earlier year first, e.g. --compare 2014-15 2019-20"))
    before = register.in_set(first.id)
    out: dict[str, list[dict]] = {"retained": [], "changed": [], "added": [], "dropped": []}
    continued = set()
    for p in register.in_set(second.id):
        origin, lineage = _origin_in(register, p, first.id)
        if origin is not None:
            continued.add(origin.id)
            out[lineage].append({earlier: _appearance(origin), later: _appearance(p),
                                 "rank_change": p.rank - origin.rank})
        else:
            out["added"].append({later: _appearance(p)})
    out["dropped"] = [{earlier: _appearance(p)} for p in before if p.id not in continued]
    return out


def _origin_in(register: Register, priority: Priority, set_id: str) -> tuple[Priority | None, str]:
    """The priority of ``set_id`` that ``priority`` continues, through the sets between
    (follows, follows, ...), and the lineage over the whole way: retained only if every step
    was; (None, '') when the chain does not reach the set."""
    lineage, current, seen = "retained", priority, set()
    while current.follows and current.follows in register.priorities and current.id not in seen:
        seen.add(current.id)
        lineage = "changed" if current.lineage == "changed" else lineage
        current = register.priorities[current.follows]
        if current.set == set_id:
            return current, lineage
    return None, ""


def lineage_years(register: Register) -> tuple[list[str], pd.DataFrame, pd.DataFrame]:
    """Every city set's priorities across the years (for a chart of more than two): the years
    in order, a row per priority (fy, rank, id, title) and a row per step from a priority to
    the one that continues it in the next set (from_fy, from_rank, to_fy, to_rank, lineage)."""
    sets = sorted((s for s in register.sets.values() if s.kind == CITY), key=lambda s: s.fy)
    nodes = [{"fy": s.fy, "rank": p.rank, "id": p.id, "title": p.title} for s in sets for p in register.in_set(s.id)]
    links = []
    for s in sets[1:]:
        for p in register.in_set(s.id):
            origin = register.priorities.get(p.follows) if p.follows else None
            if origin is not None:
                links.append({"from_fy": register.fy_of(origin), "from_rank": origin.rank, "to_fy": s.fy,
                              "to_rank": p.rank, "lineage": p.lineage})
    return [s.fy for s in sets], pd.DataFrame(nodes), pd.DataFrame(
        links, columns=["from_fy", "from_rank", "to_fy", "to_rank", "lineage"])
