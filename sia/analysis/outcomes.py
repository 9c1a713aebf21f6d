"""What happened after a crime was reported: police.uk outcomes in the groups of
data/outcomes.toml (validated on load), counted as ``counts`` counts, and the outcome mix
of a selection by year.

Only crimes have outcomes: anti-social behaviour rows never do, so ASB is never counted
here. An outcome the table does not list is counted under its own name in the group whose
role is "other"; a crime with no outcome recorded is counted as "Not recorded" there too.
Nothing is dropped.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from sia.analysis.counts import GROUPINGS, crime_or_asb, grouping_levels, with_every_combination
from sia.categories import ANTI_SOCIAL_BEHAVIOUR
from sia.errors import InputError, Problem
from sia.handwritten import read_handwritten_toml, unsafe_text, value_text
from sia.paths import ROOT
from sia.periods import parse_financial_year, require_held

OUTCOME_GROUPS = ROOT / "data" / "outcomes.toml"
ROLES = ("charged", "no_suspect", "open", "other")  # each given to one group: the pages single each out
_ROLE_GROUPS = {"charged": "the group of crimes charged or summonsed",
                "no_suspect": "the group with no suspect identified",
                "open": "the group of crimes still open", "other": "the group for unlisted outcomes"}
NOT_RECORDED = "Not recorded"  # a crime whose outcome is empty
OUTCOME_GROUPINGS = (*GROUPINGS, "outcome", "outcome_group")
_ID = re.compile(r"[a-z][a-z0-9_]{0,39}")


def _folded(name: str) -> str:
    return " ".join(str(name).split()).casefold()


@dataclass(frozen=True)
class OutcomeGroup:
    id: str
    title: str
    role: str | None
    outcomes: tuple[str, ...]


@dataclass(frozen=True)
class OutcomeGroups:
    groups: tuple[OutcomeGroup, ...]  # in the table's order, which the pages keep
    historic: dict[str, tuple[str, str]]  # older spelling -> (the outcome now, why)

    def by_role(self, role: str) -> OutcomeGroup | None:
        return next((g for g in self.groups if g.role == role), None)

    @property
    def titles(self) -> dict[str, str]:
        return {g.id: g.title for g in self.groups}

    def classify(self, outcomes: pd.Series) -> pd.DataFrame:
        """For each value (as a street or outcomes file gives it): ``outcome``, its current
        police.uk name (older spellings mapped, unknown ones kept as given, empty ones
        'Not recorded'), and ``outcome_group``, the id of its group."""
        known = {_folded(o): (o, g.id) for g in self.groups for o in g.outcomes}
        known.update({_folded(old): known[_folded(now)] for old, (now, _) in self.historic.items()})
        other = self.by_role("other").id
        # Each distinct value is looked up once: a build's outcomes are a few dozen texts over
        # millions of rows (a categorical column), so the rows only take codes.
        values = pd.Series(outcomes, copy=False)
        if isinstance(values.dtype, pd.CategoricalDtype):
            codes, distinct = values.cat.codes.to_numpy(), values.cat.categories
        else:
            codes, distinct = pd.factorize(values.astype(object), use_na_sentinel=True)
        pairs = []
        for value in distinct:
            text = " ".join(str(value).split())
            pairs.append(known.get(text.casefold(), (text or NOT_RECORDED, other)))
        pairs.append((NOT_RECORDED, other))  # code -1: a missing value
        return pd.DataFrame({"outcome": _categorical([p[0] for p in pairs], codes),
                             "outcome_group": _categorical([p[1] for p in pairs], codes)}, index=values.index)


def _categorical(labels: list[str], codes: np.ndarray) -> pd.Categorical:
    """labels[code] for each code (-1: the last label), as a categorical: millions of rows
    share a few dozen texts."""
    categories, position = np.unique(np.asarray(labels, dtype=object), return_inverse=True)
    return pd.Categorical.from_codes(position[codes], categories=categories)


_GROUP_FIELDS = {"id", "title", "role", "outcomes"}
_HISTORIC_FIELDS = {"name", "now", "note"}


def load_outcome_groups(path: Path = OUTCOME_GROUPS) -> OutcomeGroups:
    """Read and validate the outcome groups; every problem is reported at once, naming
    the entry and the field. Whatever the file holds gives an InputError, never another
    exception."""
    where = str(path)
    raw = read_handwritten_toml(Path(path), "outcome group table")
    problems: list[Problem] = []

    def problem(entry: str, what: str, fix: str) -> None:
        problems.append(Problem(what, f"{where}: {entry}", fix))

    for key in sorted(set(raw) - {"group", "historic"}):
        problem(value_text(key), "is not a part of the file", "keep only [[group]] and [[historic]] tables")
    groups, listed = _groups(raw.get("group"), problem)
    names = {_folded(o): o for g in groups for o in g.outcomes}
    historic = _historic(raw.get("historic", []), names, listed, problem)
    if problems:
        raise InputError(problems)
    return OutcomeGroups(tuple(groups), historic)


def _unsafe(label: str, field: str, value, problem) -> bool:
    """Whether the text ``value`` holds a character a terminal or page would act on or hide
    (a control, bidi or zero-width one); a problem naming the entry and field when it does."""
    char = unsafe_text(value) if isinstance(value, str) else None
    if char is not None:
        problem(label, f"{field} holds a control or format character ({char!r}): {value_text(value)}",
                "remove it: the text is one line of plain characters, without control, bidi or zero-width ones")
    return char is not None


def _entries(value, table: str, problem) -> list:
    """The [[table]] entries of the file; a problem when they are something else."""
    if isinstance(value, list):
        return value
    problem(table, "is not a list of tables", f"write each entry as a [[{table}]] table (double brackets)")
    return []


def _groups(value, problem) -> tuple[list[OutcomeGroup], set[str] | None]:
    """The valid groups, and the outcomes (folded) of every group, valid or not: None when a
    group's outcomes cannot be read."""
    if value is None or value == []:
        problem("group", "no [[group]] entries", "list the groups as [[group]] tables")
        return [], None
    groups: list[OutcomeGroup] = []
    readable = isinstance(value, list)
    ids, roles = set(), set()
    seen: dict[str, str] = {}  # folded outcome -> the label of its group
    valid = True
    for i, entry in enumerate(_entries(value, "group", problem), 1):
        if not isinstance(entry, dict):
            problem(f"group {i}", "not a table", "write each group as a [[group]] table")
            valid = readable = False
            continue
        gid, title, role, outcomes = (entry.get(k) for k in ("id", "title", "role", "outcomes"))
        label = f"group {value_text(gid)}" if isinstance(gid, str) else f"group {i}"
        ok = True
        for extra in sorted(set(entry) - _GROUP_FIELDS):
            problem(label, f"unknown field {value_text(extra)}", f"use only {', '.join(sorted(_GROUP_FIELDS))}")
        if not isinstance(gid, str) or not _ID.fullmatch(gid):
            problem(label, "id missing or not lower-case letters, digits and _", 'give an id such as "no_suspect"')
            ok = False
        elif gid in ids:
            problem(label, "id used twice", "give each group its own id")
        if not isinstance(title, str) or not title.strip():
            problem(label, "title missing or not text", "give the title the pages show")
            ok = False
        elif _unsafe(label, "title", title, problem):
            ok = False
        if role is not None and (not isinstance(role, str) or role not in ROLES):
            problem(label, f"unknown role {value_text(role)}", f"use one of {', '.join(ROLES)}, or leave it out")
            ok = False
        elif role is not None and role in roles:
            problem(label, f"role {value_text(role)} given to two groups", "give each role to one group")
        if not isinstance(outcomes, list) or not all(isinstance(o, str) and o.strip() for o in outcomes):
            problem(label, "outcomes missing or not a list of names", "list the police.uk outcome names")
            outcomes, ok, readable = [], False, False
        if any([_unsafe(label, "outcome", o, problem) for o in outcomes]):
            ok = False
        for outcome in outcomes:
            if _folded(outcome) in seen:
                problem(label, f"outcome {value_text(outcome)} is also in {seen[_folded(outcome)]}",
                        "put each outcome in one group")
            seen[_folded(outcome)] = label
        if ok:
            ids.add(gid)
            roles.add(role)
            groups.append(OutcomeGroup(gid, title.strip(), role, tuple(" ".join(o.split()) for o in outcomes)))
        valid = valid and ok
    for missing in (r for r in ROLES if r not in roles) if valid and groups else ():
        problem("group", f"no group has the role {missing!r}", f"give role = \"{missing}\" to {_ROLE_GROUPS[missing]}")
    return groups, set(seen) if readable else None


def _historic(value, names: dict[str, str], listed: set[str] | None, problem) -> dict[str, tuple[str, str]]:
    """Older spelling -> (the outcome it is now, as its group lists it; why). An outcome
    ``listed`` by a group with other faults (or by any group while one's outcomes cannot be
    read: ``listed`` None) is not reported again."""
    historic: dict[str, tuple[str, str]] = {}
    given: set[str] = set()  # the folded names taken, to find one given twice
    for i, entry in enumerate(_entries(value, "historic", problem), 1):
        if not isinstance(entry, dict):
            problem(f"historic {i}", "not a table", "write each as a [[historic]] table")
            continue
        name, now, note = (entry.get(k) for k in ("name", "now", "note"))
        label = f"historic {value_text(name)}" if isinstance(name, str) else f"historic {i}"
        for extra in sorted(set(entry) - _HISTORIC_FIELDS):
            problem(label, f"unknown field {value_text(extra)}", f"use only {', '.join(sorted(_HISTORIC_FIELDS))}")
        ok = not any([_unsafe(label, field, text, problem)
                      for field, text in (("name", name), ("now", now), ("note", note))])
        if not isinstance(name, str) or not name.strip():
            problem(label, "name missing", "give the older spelling")
            ok = False
        elif _folded(name) in names:
            problem(label, "is an outcome of a group too", "list it in one place")
        elif _folded(name) in given:
            problem(label, "given twice", "give each older spelling once")
        if not isinstance(now, str) or _folded(now) not in names:
            if not isinstance(now, str) or (listed is not None and _folded(now) not in listed):
                problem(label, "now missing" if now is None
                        else f"now {value_text(now)} is not an outcome of any group", "name the outcome it is now")
            ok = False
        if not isinstance(note, str) or not note.strip():
            problem(label, "note missing", "say why the older spelling maps to it")
            ok = False
        if ok:
            historic[" ".join(name.split())] = (names[_folded(now)], note.strip())
            given.add(_folded(name))
    return historic


def crime_outcomes(incidents: pd.DataFrame, groups: OutcomeGroups) -> pd.DataFrame:
    """The crime rows of ``incidents`` (never ASB) with ``outcome`` and ``outcome_group``
    as :meth:`OutcomeGroups.classify` gives them."""
    crimes = incidents[incidents["category"] != ANTI_SOCIAL_BEHAVIOUR]
    classified = groups.classify(crimes["outcome"])
    return crimes.drop(columns=["outcome"]).assign(outcome=classified["outcome"],
                                                   outcome_group=classified["outcome_group"])


def count_outcomes(incidents: pd.DataFrame, by: list[str], groups: OutcomeGroups, fy: list[str] | None = None,
                   crime_types: list[str] | None = None) -> pd.DataFrame:
    """Crimes by ``by`` (ward, crime_type, fy, month as ``counts`` names them, and outcome,
    outcome_group) with ``count``: every combination of the other groupings as ``counts``
    gives them, crossed with the outcomes found (and every group), 0 where none."""
    bad = [b for b in by if b not in OUTCOME_GROUPINGS]
    if bad:
        raise InputError(Problem(f"cannot group by {', '.join(bad)}", "--by", f"use {', '.join(OUTCOME_GROUPINGS)}"))
    categories = crime_or_asb(list(crime_types or []))
    if ANTI_SOCIAL_BEHAVIOUR in categories:
        raise InputError(Problem("anti-social behaviour has no outcomes", "--crime-type",
                                 "police.uk gives outcomes for crimes only: leave it out"))
    by = list(dict.fromkeys(by))
    fys = list(incidents["fy"].cat.categories)
    if fy:
        fys = [parse_financial_year(f) for f in fy]
        require_held(fys, list(incidents["fy"].cat.categories))
    rows = incidents[incidents["fy"].isin(fys) & incidents["category"].isin(categories)]
    rows = crime_outcomes(rows, groups)
    if not by:
        return pd.DataFrame({"count": [len(rows)]})
    columns = [GROUPINGS.get(b, b) for b in by]
    counts = rows.groupby(columns, observed=True).size().rename("count").reset_index()
    base = [b for b in by if b in GROUPINGS]
    full = grouping_levels(incidents, base, fys, categories) if base else pd.DataFrame({"_": [0]})
    wanted = [b for b in by if b not in GROUPINGS]
    if wanted:
        full = full.merge(_outcome_levels(rows, groups, wanted), how="cross")
    return with_every_combination(full.drop(columns="_", errors="ignore"), counts, by, columns)


def _outcome_levels(rows: pd.DataFrame, groups: OutcomeGroups, wanted: list[str]) -> pd.DataFrame:
    """The outcome columns to report (``wanted``, of outcome and outcome_group): every
    group; with ``outcome``, the outcomes found, in their groups' order."""
    if "outcome" not in wanted:
        return pd.DataFrame({"outcome_group": [g.id for g in groups.groups]})
    found = rows[["outcome", "outcome_group"]].drop_duplicates()
    order = {g.id: i for i, g in enumerate(groups.groups)}
    found = found.assign(_order=found["outcome_group"].map(order)).sort_values(["_order", "outcome"])
    return found[wanted].drop_duplicates()


def outcome_mix(rows: pd.DataFrame, groups: OutcomeGroups) -> pd.DataFrame:
    """The crimes among ``rows`` (a selection; ASB rows are left out) by financial year
    and outcome group, every group in the table's order: ``fy``, ``outcome_group``,
    ``group`` (its title), ``count`` and ``share`` of the year's crimes (NaN for a year
    with none)."""
    crimes = crime_outcomes(rows, groups)
    fys = sorted(rows["fy"].astype(str).unique())
    counts = crimes.groupby([crimes["fy"].astype(str), "outcome_group"], observed=True).size()
    table = pd.MultiIndex.from_product([fys, [g.id for g in groups.groups]], names=["fy", "outcome_group"])
    out = counts.reindex(table, fill_value=0).rename("count").reset_index()
    totals = out.groupby("fy")["count"].transform("sum")
    out["share"] = out["count"] / totals.where(totals > 0)
    out["group"] = out["outcome_group"].map(groups.titles)
    return out[["fy", "outcome_group", "group", "count", "share"]]
