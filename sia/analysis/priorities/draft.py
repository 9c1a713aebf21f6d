"""Next year's priority set, drafted from this year's: every priority carried over as
retained, for the partnership's analysts to edit and a steward to load."""
from __future__ import annotations

import re
import tomllib

import tomli_w

from sia.analysis.priorities.register import CITY, Register
from sia.errors import InputError, Problem
from sia.periods import parse_financial_year


def draft_set(register: Register, register_text: str, from_set: str, fy: str) -> str:
    """The register's text with a new document, a new city set for ``fy`` and, for each
    priority of ``from_set``, a new one that follows it as retained (same title, summary,
    wards, categories and indicator; figures left out: they are the new document's to give)."""
    fy = parse_financial_year(fy)
    if from_set not in register.sets:
        raise InputError(Problem(f"the register has no set {from_set!r}", "--from-set",
                                 f"use one of {', '.join(register.sets)}"))
    source = register.sets[from_set]
    if source.kind != CITY:
        raise InputError(Problem(f"{from_set!r} is a force set", "--from-set", "draft from a city set"))
    if fy <= source.fy:
        raise InputError(Problem(f"{fy} is not after {source.fy}, the year of {from_set}", "--fy",
                                 "draft the set of a later year"))
    if any(s.kind == CITY and s.fy == fy for s in register.sets.values()):
        raise InputError(Problem(f"the register already has a city set for {fy}", "--fy", "choose another year"))
    latest = max((s for s in register.sets.values() if s.kind == CITY), key=lambda s: s.fy)
    if latest.id != from_set:  # its priorities are already followed: a priority is followed once
        raise InputError(Problem(f"{from_set} is followed by {latest.id}", "--from-set",
                                 f"draft from the latest city set, {latest.id}"))
    taken = set(register.documents) | set(register.sets) | set(register.priorities)
    document = _free(f"sia-{fy}", taken)
    set_id = _free(f"city-{fy}", taken)
    start = fy[:4]
    new = {
        "document": [{"id": document, "title": f"Strategic Intelligence Assessment {fy} (give the document's title)",
                      "date": str(int(start) + 1)}],
        "set": [{"id": set_id, "name": source.name.replace(source.fy, fy) if source.fy in source.name
                 else f"{source.name} ({fy})", "body": source.body, "fy": fy, "document": document}],
        "priority": [],
    }
    for p in register.in_set(from_set):
        entry = {"id": _free(re.sub(r"-[0-9]{4}$", "", p.id) + f"-{start}", taken), "set": set_id, "rank": p.rank,
                 "title": p.title, "summary": p.summary, "follows": p.id, "lineage": "retained",
                 "indicator": p.indicator, "indicator_note": p.indicator_note}
        if p.categories:
            entry["categories"] = list(p.categories)
        if p.wards:
            entry["wards"] = list(p.wards)
        if p.measure_with:
            entry["measure_with"] = p.measure_with
        if p.second_indicator:
            entry |= {"second_indicator": p.second_indicator, "second_indicator_note": p.second_indicator_note}
        taken.add(entry["id"])
        new["priority"].append(entry)
    heading = (f"\n# --- {fy}: drafted from {from_set}, every priority carried over as retained. Edit the titles,\n"
               "# ranks and summaries, mark each as retained or changed (or remove 'follows' for a new one),\n"
               "# delete what was dropped, give the document's title and date, then load the file with\n"
               "# 'python -m sia register load FILE --data-dir DIR'.\n\n")
    drafted = register_text.rstrip("\n") + "\n" + heading + tomli_w.dumps(new)
    try:
        tomllib.loads(drafted)
    except tomllib.TOMLDecodeError:  # the register writes its tables inline: appending [[...]] cannot extend them
        whole = tomllib.loads(register_text)
        for table, entries in new.items():
            whole[table] = [*whole.get(table, []), *entries]
        drafted = heading.lstrip("\n") + tomli_w.dumps(whole)
    return drafted


def _free(wanted: str, taken: set[str]) -> str:
    """``wanted``, or it with -2, -3, ... when an entry already has that id."""
    name, n = wanted, 1
    while name in taken:
        n += 1
        name = f"{wanted}-{n}"
    taken.add(name)
    return name
