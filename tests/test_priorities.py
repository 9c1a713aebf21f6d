"""The priority register: validation, the comparison of 2014-15 with 2019-20, and the
evidence for each priority on the real data."""
import copy
import datetime
import json
import math
import tomllib
from pathlib import Path

import pandas as pd
import pytest

from sia.analysis.counts import count_incidents
from sia.analysis.priorities.evidence import change_between, named_against_found, volumes, ward_ranking
from sia.analysis.priorities.register import REGISTER, compare, load_register
from sia.dataset.store import open_dataset
from sia.errors import InputError

from support import run_sia


@pytest.fixture(scope="module")
def register():
    return load_register()


def test_the_register_holds_the_three_sets_in_the_documents_order(register):
    titles = {s: [p.title for p in register.in_set(s)] for s in register.sets}
    assert len(titles["city-2014-15"]) == 9 and len(titles["city-2019-20"]) == 7
    assert len(titles["force-2014-15"]) == 8
    assert titles["city-2014-15"][0] == "Anti-Social Behaviour"
    assert titles["city-2014-15"][-1] == "Preventing and Reducing Youth Crime"
    assert titles["city-2019-20"][0] == "Preventing and Reducing Serious Youth Violence (Knife Crime)"
    assert titles["force-2014-15"][-1] == "Organized Crime Groups"
    asb = register.priorities["asb-2014"]
    assert set(asb.wards) == {"Normanton", "Arboretum", "Sinfin", "Alvaston", "Chaddesden", "Derwent"}
    assert asb.indicator == "direct" and asb.categories == ("Anti-social behaviour",)
    figures = {f.text() for p in register.priorities.values() for f in p.figures}
    assert {"around 20-25", "up to 90", "over 150", "upwards of 1,900", "2,000"} <= figures
    unmeasurable = {p.id for p in register.priorities.values() if not p.measurable}
    assert {"cyber-2014", "cyber-2019", "terrorism-2019", "slavery-2019", "integration-2014"} <= unmeasurable
    assert all(p.measure_with for p in register.priorities.values() if p.indicator != "direct")


def ids(items, fy):
    return [(item[fy]["title"], item[fy]["rank"]) for item in items]


def test_comparison_of_2014_15_with_2019_20(register):
    result = compare(register, "2014-15", "2019-20")
    assert ids(result["retained"], "2019-20") == [
        ("Anti-Social Behaviour", 2), ("Gangs and Organized Crime Groups", 3),
        ("Preventing Terrorism and Extremism", 4), ("Protecting victims from Cyber Crime", 6)]
    assert ids(result["retained"], "2014-15") == [
        ("Anti-Social Behaviour", 1), ("Gangs and Organized Crime Groups", 5),
        ("Preventing Terrorism and Extremism", 6), ("Protecting victims from Cyber Crime", 8)]
    assert ids(result["changed"], "2014-15") == [("Preventing and Reducing Youth Crime", 9),
                                                 ("Drugs and Alcohol Related Harm", 3)]
    assert ids(result["changed"], "2019-20") == [
        ("Preventing and Reducing Serious Youth Violence (Knife Crime)", 1),
        ("Reducing the misuse of both drugs and alcohol", 7)]
    assert [item["rank_change"] for item in result["changed"]] == [-8, 4]
    assert ids(result["added"], "2019-20") == [("Tackling Human Trafficking and Modern Day Slavery", 5)]
    assert ids(result["dropped"], "2014-15") == [
        ("Acquisitive Crime and Offender Management", 2),
        ("Domestic and Sexual Violence (vulnerable victims)", 4),
        ("Integration and New Communities", 7)]


def test_cli_prints_the_comparison_as_json():
    done = run_sia("priorities", "--compare", "2014-15", "2019-20", "--format", "json")
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout)
    assert set(result) == {"retained", "changed", "added", "dropped"}
    assert [len(result[k]) for k in ("retained", "changed", "added", "dropped")] == [4, 2, 1, 3]


def test_cli_refuses_a_year_without_a_set():
    done = run_sia("priorities", "--compare", "2014-15", "2016-17")
    assert done.returncode == 2
    assert done.stderr.strip() == ("error: the register has no city priority set for 2016-17; "
                                   "choose one of 2014-15, 2019-20")


# --- validation: a malformed register fails naming the entry ---------------------------

def broken(tmp_path, old: str, new: str):
    text = REGISTER.read_text(encoding="utf-8")
    assert old in text
    path = tmp_path / "priorities.toml"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    return path


@pytest.mark.parametrize("old,new,message", [
    ('categories = ["Drugs"]\nindicator_note = "Drugs offences mostly reflect police activity',
     'categories = ["Drug offences"]\nindicator_note = "Drugs offences mostly reflect police activity',
     "priority 'drugs-alcohol-2014': 'Drug offences' is not a police.uk category"),
    ('title = "Integration and New Communities"\n', '',
     "priority 'integration-2014': 'title' is missing"),
    ('id = "cyber-2019"', 'id = "cyber-2014"', "priority 'cyber-2014': the id is used twice"),
    ('rank = 9\n', 'rank = 10\n', "set 'city-2014-15': ranks are [1, 2, 3, 4, 5, 6, 7, 8, 10]"),
    ('follows = "asb-2014"', 'follows = "asb-2013"',
     "priority 'asb-2019': follows 'asb-2013', which is not in the register"),
    ('lineage = "changed"', 'lineage = "renamed"',
     "priority 'youth-violence-2019': 'lineage' is 'renamed'; use one of retained, changed"),
    ('wards = ["Normanton", "Arboretum"]', 'wards = ["Normanton", "Arboretum Park"]',
     "priority 'terrorism-2014': 'Arboretum Park' is not a ward of the area"),
    ('indicator = "none"\nindicator_note = "Modern slavery',
     'indicator = "direct"\nindicator_note = "Modern slavery',
     "priority 'slavery-2019': a direct indicator needs its police.uk categories"),
    ('categories = ["Anti-social behaviour"]', 'categories = ["Anti-social behaviour", "Drugs"]',
     "priority 'asb-2014': mixes anti-social behaviour with crime categories"),
    ('low = 20\nhigh = 25', 'low = 20',
     "priority 'gangs-ocg-2014': figure #1 ('mapped organised crime groups in the city') needs "
     "either a value or low and high"),
    ('[[document]]\nid = "sia-2019-20"', '[[document]\nid = "sia-2019-20"', "not valid TOML"),
    # Found by a user: each once gave a traceback or passed without a word.
    ('id = "asb-2014"\n', 'id = "asb-2014"\nfigures = 5\n',
     "priority 'asb-2014': 'figures' must be [[priority.figures]] tables, not 5"),
    ("value = 90\n", "value = nan\n", "priority 'integration-2014': figure #1 ('nationalities living in "
     "Derby'): 'value' must be a finite number or non-empty text, not nan"),
    ("value = 90\n", "value = inf\n", "'value' must be a finite number or non-empty text, not inf"),
    ("value = 90\n", "value = true\n", "'value' must be a finite number or non-empty text, not True"),
    ("value = 90\n", "value = {}\n", "'value' must be a finite number or non-empty text, not {}"),
    ("value = 90\n", 'value = "  "\n', "'value' must be a finite number or non-empty text, not '  '"),
    ("low = 20\nhigh = 25", "low = 25\nhigh = 20",
     "figure #1 ('mapped organised crime groups in the city'): 'low' (25) is above 'high' (20)"),
    ("low = 20\nhigh = 25", "low = 20\nhigh = -inf", "'high' must be a finite number, not -inf"),
    ("low = 20\nhigh = 25", "value = 5\nlow = 20\nhigh = 25", "needs either a value or low and high"),
    ('qualifier = "around"', "qualifier = 1", "'qualifier' must be text, not 1"),
    ('[[set]]\nid = "force-2014-15"', '[[set]]\nid = "city-2019-20-revised"\nname = "Derby city SIA priorities '
     '2019-20, revised"\nbody = "Derby Community Safety Partnership"\nfy = "2019-20"\ndocument = "sia-2019-20"\n\n'
     '[[set]]\nid = "force-2014-15"',
     "set 'city-2019-20-revised': is a second city set for 2019-20, beside 'city-2019-20'"),
    ('[[document]]\nid = "sia-2014-15"', '[[document]]\nid = ["sia-2014-15"]',
     "document #1: 'id' must be non-empty text, not ['sia-2014-15']"),
])
def test_a_malformed_register_names_the_entry(tmp_path, old, new, message):
    path = broken(tmp_path, old, new)
    with pytest.raises(InputError) as caught:
        load_register(path)
    assert message in str(caught.value)
    assert str(path) in str(caught.value)


def test_cli_reports_a_malformed_register_in_one_line(tmp_path):
    path = broken(tmp_path, 'rank = 9\n', 'rank = "nine"\n')
    done = run_sia("priorities", "--register", str(path))
    assert done.returncode == 2 and "Traceback" not in done.stderr
    assert done.stderr.count("\n") == 1
    assert "priority 'youth-crime-2014': 'rank' must be a whole number from 1, not 'nine'" in done.stderr


# --- whatever the file holds: its problems, never a traceback ---------------------------

# Every type TOML has, and the values a careless or hostile edit gives.
HOSTILE = [5, -1, 1.5, float("nan"), float("inf"), True, "", "x", [], [1], {}, {"a": 1},
           datetime.date(2020, 1, 1), [{"a": 1}, {"b": "c"}]]


def toml_text(document: dict) -> str:
    """``document`` written back as TOML, every value inline (tomli_w is not installed)."""
    return "".join(f"{_toml_key(key)} = {_toml_value(value)}\n" for key, value in document.items())


def _toml_key(key: str) -> str:
    return '"' + "".join(c if c >= " " and c not in '"\\\x7f' else f"\\u{ord(c):04x}" for c in key) + '"'


def _toml_value(value) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return "nan" if math.isnan(value) else ("inf" if value > 0 else "-inf") if math.isinf(value) else repr(value)
    if isinstance(value, str):
        return _toml_key(value)
    if isinstance(value, datetime.date):
        return value.isoformat()
    if isinstance(value, list):
        return "[" + ", ".join(map(_toml_value, value)) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{_toml_key(k)} = {_toml_value(v)}" for k, v in value.items()) + "}"
    raise TypeError(f"no TOML for {value!r}")


def key_paths(document: dict) -> list[tuple]:
    """The path of every value under a table's key, and of every table in an array of
    tables, at every depth: ('priority', 3, 'figures', 0, 'value')."""
    paths = []

    def walk(value, path):
        children = value.items() if isinstance(value, dict) else (
            [(i, v) for i, v in enumerate(value) if isinstance(v, dict)] if isinstance(value, list) else [])
        for step, child in children:
            paths.append((*path, step))
            walk(child, (*path, step))
    walk(document, ())
    return paths


def replaced(document: dict, path: tuple, value) -> dict:
    changed = copy.deepcopy(document)
    parent = changed
    for step in path[:-1]:
        parent = parent[step]
    parent[path[-1]] = value
    return changed


def unexplained_failures(load, document: dict, paths: list[tuple], value, file: Path) -> list[str]:
    """Load ``document`` with the value at each of ``paths`` replaced by ``value``: what
    failed other than with an InputError of one-line problems naming the file."""
    failures = []
    for path in paths:
        file.write_text(toml_text(replaced(document, path, value)), encoding="utf-8")
        try:
            load(file)
        except InputError as exc:
            if not exc.problems or any(str(file) not in p.where or "\n" in str(p) for p in exc.problems):
                failures.append(f"{path}: {exc.problems}")
        except Exception as exc:  # noqa: BLE001 - what the test looks for
            failures.append(f"{path}: {type(exc).__name__}: {exc}")
    return failures


def test_the_register_written_back_as_toml_is_the_register(tmp_path, register):
    document = tomllib.loads(REGISTER.read_text(encoding="utf-8"))
    path = tmp_path / "priorities.toml"
    path.write_text(toml_text(document), encoding="utf-8")
    assert tomllib.loads(path.read_text(encoding="utf-8")) == document
    assert load_register(path) == register


def _of_each_kind(paths: list[tuple]) -> list[tuple]:
    """The first and last path of each kind (array positions aside): the register's 24
    priorities and their figures are alike, and each path costs a load."""
    kinds: dict[tuple, list[tuple]] = {}
    for path in paths:
        kinds.setdefault(tuple("#" if isinstance(step, int) else step for step in path), []).append(path)
    return list(dict.fromkeys(p for same in kinds.values() for p in (same[0], same[-1])))


@pytest.mark.parametrize("value", HOSTILE, ids=repr)
def test_any_value_anywhere_in_the_register_gives_problems_never_a_traceback(tmp_path, value):
    document = tomllib.loads(REGISTER.read_text(encoding="utf-8"))
    paths = _of_each_kind(key_paths(document))
    assert len(paths) > 50 and ("priority", 3, "figures", 0, "value") in paths
    assert not unexplained_failures(load_register, document, paths, value, tmp_path / "priorities.toml")


def test_a_register_not_utf8_says_so(tmp_path):
    path = tmp_path / "priorities.toml"
    text = REGISTER.read_text(encoding="utf-8")
    path.write_bytes(text.replace("Anti-Social", "Anti-Soci\u00e9l").encode("latin-1"))
    with pytest.raises(InputError) as caught:
        load_register(path)
    line = text[:text.index("Anti-Social")].count("\n") + 1
    assert [p.what for p in caught.value.problems] == [f"not UTF-8 text (byte 0xe9 on line {line})"]
    assert caught.value.problems[0].fix == "save the file as UTF-8"


def test_a_byte_order_mark_is_no_error(tmp_path, register):
    path = tmp_path / "priorities.toml"
    path.write_bytes(b"\xef\xbb\xbf" + REGISTER.read_bytes())
    assert load_register(path) == register


@pytest.mark.parametrize("nesting", ["x = " + "[" * 5000, "x = " + "{a = " * 5000,
                                     "x = " + "[" * 20 + "]" * 20, "[a" + ".b" * 30 + "]\n"],
                         ids=["5000-arrays", "5000-tables", "20-arrays", "30-tables"])
def test_a_register_nested_too_deeply_says_so(tmp_path, nesting):
    path = tmp_path / "priorities.toml"
    path.write_text(nesting + "\n" + REGISTER.read_text(encoding="utf-8"), encoding="utf-8")
    with pytest.raises(InputError) as caught:
        load_register(path)
    assert [p.what for p in caught.value.problems] == ["arrays or tables nested too deeply (more than 16 levels)"]


def test_a_register_that_is_not_a_small_file_is_refused(tmp_path):
    large = tmp_path / "large.toml"
    large.write_text(REGISTER.read_text(encoding="utf-8") + "#" * (1 << 20), encoding="utf-8")
    for path, says in [(large, "is larger than the 1 MB a priority register may be"),
                       (tmp_path, "is a folder, not a priority register"),
                       (tmp_path / "none.toml", "no such priority register")]:
        with pytest.raises(InputError) as caught:
            load_register(path)
        assert [p.what for p in caught.value.problems] == [says]


# Found by a hostile tester: each once gave a traceback, let a terminal act on the register's
# text, or lost a field without a word.

@pytest.mark.parametrize("old,new,message", [
    ("value = 90\n", "value = " + "9" * 400 + "\n",
     "priority 'integration-2014': figure #1 ('nationalities living in Derby'): 'value' must be between "
     "-1e15 and 1e15, not 9999"),
    ("low = 20\nhigh = 25", "low = -" + "9" * 400 + "\nhigh = 25",
     "figure #1 ('mapped organised crime groups in the city'): 'low' must be between -1e15 and 1e15, not -9999"),
    ("low = 20\nhigh = 25", "low = 20\nhigh = 1e300", "'high' must be between -1e15 and 1e15, not 1e+300"),
    ("value = 90\n", "value = 1_000_000_000_000_000\n", "'value' must be between -1e15 and 1e15"),
])
def test_a_figure_too_large_to_be_a_number_is_refused(tmp_path, old, new, message):
    path = broken(tmp_path, old, new)
    with pytest.raises(InputError) as caught:
        load_register(path)
    assert message in str(caught.value)
    done = run_sia("priorities", "--register", str(path))
    assert done.returncode == 2 and "Traceback" not in done.stderr and done.stderr.count("\n") == 1


def test_a_whole_number_too_long_to_read_is_one_problem(tmp_path):
    path = broken(tmp_path, "rank = 9\n", "rank = 1" + "0" * 5000 + "\n")
    with pytest.raises(InputError) as caught:
        load_register(path)
    assert [str(p) for p in caught.value.problems] == [
        f"{path}: not valid TOML (Exceeds the limit (4300 digits) for integer string conversion: value has "
        "5001 digits); correct the value: no entry needs such a number"]
    done = run_sia("priorities", "--register", str(path))
    assert done.returncode == 2 and "Traceback" not in done.stderr and done.stderr.count("\n") == 1


# Each acts on a terminal or hides text: escape sequences, line breaks, NUL, bidi overrides and
# isolates, zero-width characters, a line separator.
UNSAFE = ["\x1b[2J", "\r", "\n", "\x00", "\x7f", "\u202e", "\u2066", "\u200b", "\ufeff", "\u2028"]


def text_paths(document: dict) -> list[tuple]:
    """The path of every text of the register, and of every text in a list (its wards)."""
    paths = []
    for path in _of_each_kind(key_paths(document)):
        value = document
        for step in path:
            value = value[step]
        if isinstance(value, str):
            paths.append(path)
        elif isinstance(value, list) and value and all(isinstance(v, str) for v in value):
            paths.append((*path, len(value) - 1))
    return paths


@pytest.mark.parametrize("char", UNSAFE, ids=repr)
def test_no_text_of_the_register_may_hold_a_control_or_format_character(tmp_path, char):
    document = tomllib.loads(REGISTER.read_text(encoding="utf-8"))
    paths = text_paths(document)
    assert {("document", 0, "title"), ("priority", 0, "id"), ("priority", 0, "wards", 5),
            ("priority", 3, "figures", 0, "what"), ("priority", 3, "figures", 1, "unit")} <= set(paths)
    file = tmp_path / "priorities.toml"
    for path in paths:
        value = document
        for step in path:
            value = value[step]
        file.write_text(toml_text(replaced(document, path, value[:3] + char + value[3:])), encoding="utf-8")
        with pytest.raises(InputError) as caught:
            load_register(file)
        field = next(step for step in reversed(path) if isinstance(step, str))
        problems = [str(p) for p in caught.value.problems]
        assert any(f"'{field}' holds a control or format character ({char[0]!r})" in p for p in problems), \
            (path, problems)
        # The problem quotes the value inertly, on one line.
        assert not any(c in p for p in problems for c in UNSAFE), (path, problems)


def test_a_figure_given_as_text_may_not_hold_a_control_character(tmp_path):
    path = broken(tmp_path, "value = 90\n", 'value = "90\\u001b[8m"\n')
    with pytest.raises(InputError) as caught:
        load_register(path)
    assert [p.what for p in caught.value.problems] == [
        "figure #1 ('nationalities living in Derby'): 'value' holds a control or format character ('\\x1b'): "
        "'90\\x1b[8m'"]


def test_the_cli_shows_no_control_character_of_the_register(tmp_path):
    path = broken(tmp_path, 'title = "Anti-Social Behaviour"', 'title = "Anti-Social\\u001b[31m Behaviour\\u202e"')
    done = run_sia("priorities", "--register", str(path))
    assert done.returncode == 2 and "Traceback" not in done.stderr
    assert done.stderr == (f"error: {path}: priority 'asb-2014': 'title' holds a control or format character "
                           "('\\x1b'): 'Anti-Social\\x1b[31m Behaviour\\u202e'; remove it: the text is one line "
                           "of plain characters, without control, bidi or zero-width ones\n")


@pytest.mark.parametrize("old,new,message", [
    ('wards = ["Normanton", "Arboretum"]', 'wardz = ["Normanton", "Arboretum"]',
     "priority 'terrorism-2014': unknown field 'wardz'; use only categories, figures, follows, id, indicator, "
     "indicator_note, informs, lineage, measure_with, rank, second_indicator, second_indicator_note, set, summary, "
     "title, wards"),
    ('date = "2019"\n', 'dated = "2019"\n', "document 'sia-2019-20': unknown field 'dated'; use only date, id, "
     "link, seed, title"),
    ('note = "The county-wide', 'notes = "The county-wide',
     "set 'force-2014-15': unknown field 'notes'; use only body, document, fy, id, name, note"),
    ('qualifier = "around"', 'qualifer = "around"',
     "priority 'gangs-ocg-2014': figure #1 ('mapped organised crime groups in the city'): unknown field "
     "'qualifer'; use only document, high, low, qualifier, unit, value, what"),
    ('[[document]]\nid = "sia-2014-15"', 'priorities = 1\n\n[[document]]\nid = "sia-2014-15"',
     "'priorities': is not a part of the file; keep only [[document]], [[set]] and [[priority]] tables"),
    ('id = "asb-2014"\n', 'id = "asb-2014"\n"ward\\u001bs" = []\n', "priority 'asb-2014': unknown field 'ward\\x1bs'"),
])
def test_an_unknown_field_is_named_not_ignored(tmp_path, old, new, message):
    path = broken(tmp_path, old, new)
    with pytest.raises(InputError) as caught:
        load_register(path)
    assert message in str(caught.value)
    assert "\x1b" not in str(caught.value)


# --- the evidence on the real data -----------------------------------------------------

def test_indicator_volumes_agree_with_counts(real_data_dir, register):
    dataset = open_dataset(real_data_dir)
    fys = ("2014-15", "2019-20")
    for pid in ("asb-2019", "youth-violence-2019", "acquisitive-2014", "drugs-alcohol-2014"):
        priority = register.priorities[pid]
        table = volumes(dataset.incidents, dataset.wards, priority, fys, like_for_like=False).set_index("fy")
        counts = count_incidents(dataset.incidents, ["fy"], crime_types=list(priority.categories))
        assert table["count"].to_dict() == counts.set_index("fy")["count"].to_dict()
        # By default two years are counted on the months both hold: September, here.
        matched = volumes(dataset.incidents, dataset.wards, priority, fys).set_index("fy")
        by_month = count_incidents(dataset.incidents, ["month"], crime_types=list(priority.categories))
        september = by_month.set_index("month")["count"]
        assert matched["count"].to_dict() == {"2014-15": september["2014-09"], "2019-20": september["2019-09"]}
        assert matched["period"].to_dict() == {"2014-15": "Sep 2014, 1 month", "2019-20": "Sep 2019, 1 month"}
        assert table["months"].to_dict() == {"2014-15": 7, "2019-20": 1}
        assert table.loc["2014-15", "per_month"] == pytest.approx(table.loc["2014-15", "count"] / 7)
        assert table.loc["2019-20", "rate"] == pytest.approx(
            table.loc["2019-20", "count"] * 12 / 257_302 * 1000)


def test_cli_evidence_agrees_with_cli_counts(real_data_dir):
    evidence = run_sia("priorities", "--evidence", "--data-dir", str(real_data_dir), "--format", "json")
    counts = run_sia("counts", "--data-dir", str(real_data_dir), "--by", "month",
                     "--crime-type", "Anti-social behaviour", "--format", "json")
    assert evidence.returncode == 0 and counts.returncode == 0, evidence.stderr + counts.stderr
    rows = [r for r in json.loads(evidence.stdout) if r["priority"] == "asb-2014"]
    by_month = {r["month"]: r["count"] for r in json.loads(counts.stdout)}
    # Two years side by side with their change: both on the months both hold (September).
    assert {r["fy"]: r["count"] for r in rows} == {"2014-15": by_month["2014-09"], "2019-20": by_month["2019-09"]}
    assert {r["change_basis"] for r in rows} == {"matched months (September only, the months of the year both "
                                                 "years hold)"}


def test_change_is_tested_on_like_for_like_months(real_data_dir, register):
    dataset = open_dataset(real_data_dir)
    result = change_between(dataset.incidents, register.priorities["asb-2019"], dataset.months,
                            ("2014-15", "2019-20"))
    assert result.like_for_like and result.months == {"2014-15": ("2014-09",), "2019-20": ("2019-09",)}
    september = dataset.incidents[(dataset.incidents["category"] == "Anti-social behaviour")]
    before = int((september["month"] == "2014-09").sum())
    after = int((september["month"] == "2019-09").sum())
    assert (result.change.before, result.change.after) == (before, after)
    assert result.change.rate_ratio == pytest.approx(after / before)
    assert "matched months (September only, the months of the year both years hold)" == result.basis()


def test_named_wards_against_the_wards_the_data_ranks_highest(real_data_dir, register):
    dataset = open_dataset(real_data_dir)
    priority = register.priorities["asb-2014"]
    ranking = ward_ranking(dataset.incidents, dataset.wards, priority, "2014-15")
    assert (ranking["measure"] == "rate").all() and len(ranking) == 17
    table = named_against_found(ranking, priority.wards)
    assert set(priority.wards) <= set(table["ward"])
    assert table["rank"].is_monotonic_increasing
    top = ranking.sort_values("value", ascending=False)["ward_name"].iloc[0]
    assert table.iloc[0]["ward"] == top and bool(table.iloc[0]["in_top"])


def test_named_against_found_marks_wards_outside_the_top():
    ranking = pd.DataFrame({"ward_name": list("ABCDEFG"), "rank": range(1, 8),
                            "value": [70.0, 60, 50, 40, 30, 20, 10]})
    table = named_against_found(ranking, ("G", "B"))
    assert table["ward"].tolist() == ["A", "B", "C", "D", "E", "G"]
    assert table.set_index("ward")["in_top"].to_dict() == {
        "A": True, "B": True, "C": True, "D": True, "E": True, "G": False}
    assert table.set_index("ward")["named"].sum() == 2
