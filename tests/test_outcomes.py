"""Outcomes: the group table (data/outcomes.toml) validated and complete, and crimes
counted by outcome as 'sia outcomes' prints them."""
import csv
import io
import json
import tomllib

import geopandas as gpd
import pandas as pd
import pytest
from test_priorities import HOSTILE, key_paths, unexplained_failures

from sia.analysis.outcomes import (
    NOT_RECORDED,
    OUTCOME_GROUPS,
    count_outcomes,
    load_outcome_groups,
    outcome_mix,
)
from sia.dataset.store import open_dataset
from sia.errors import InputError

from support import run_sia

GROUPS = load_outcome_groups()


def test_every_outcome_in_the_real_data_falls_in_a_group_it_lists(shared_data):
    """Not by the fallback: each of the real data's outcomes is named in the table."""
    listed = {o.casefold() for g in GROUPS.groups for o in g.outcomes}
    found = set()
    for path in (shared_data / "police_uk").rglob("*-street.csv"):
        with open(path, newline="", encoding="utf-8") as f:
            found |= {r["Last outcome category"] for r in csv.DictReader(f) if r["Last outcome category"]}
    assert len(found) == 25
    assert not {o for o in found if o.casefold() not in listed}


def test_the_groups_a_briefing_reads_are_all_there():
    assert [g.role for g in GROUPS.groups if g.role] == ["charged", "no_suspect", "open", "other"]
    assert GROUPS.by_role("open").outcomes == ("Under investigation", "Awaiting court outcome")


def test_historic_spellings_unknown_and_empty_outcomes_are_each_counted_somewhere():
    classified = GROUPS.classify(pd.Series(["Awaiting court result", "  offender GIVEN a caution ",
                                            "Sent to the moon", "", None]))
    assert classified.to_dict("records") == [
        {"outcome": "Awaiting court outcome", "outcome_group": "open"},  # an older spelling
        {"outcome": "Offender given a caution", "outcome_group": "out_of_court"},  # case and spaces
        {"outcome": "Sent to the moon", "outcome_group": "other"},  # unknown: its own name, never dropped
        {"outcome": NOT_RECORDED, "outcome_group": "other"},
        {"outcome": NOT_RECORDED, "outcome_group": "other"}]


def _table(tmp_path, text):
    path = tmp_path / "outcomes.toml"
    path.write_text(text)
    return path


GOOD = OUTCOME_GROUPS.read_text()


@pytest.mark.parametrize("text,says", [
    ("[[group]\n", "not valid TOML"),
    (GOOD.replace('role = "other"\n', ""), "no group has the role 'other'"),
    (GOOD.replace('id = "open"', 'id = "no_suspect"'), "id used twice"),
    (GOOD.replace('"Local resolution",', '"Local resolution", "Offender fined",'),
     "outcome 'Offender fined' is also in group 'charged'"),
    (GOOD.replace('now = "Awaiting court outcome"', 'now = "Awaiting the moon"'),
     "now 'Awaiting the moon' is not an outcome of any group"),
    (GOOD.replace('role = "open"', 'role = "pending"'), "unknown role 'pending'"),
    (GOOD.replace('id = "open"', 'id = "Open Cases!"'), "id missing or not lower-case"),
    # Found by a hostile tester: each once gave a traceback or passed without a word.
    (GOOD.replace('id = "open"', "id = 7"), "id missing or not lower-case"),  # its outcomes named by [[historic]]
    (GOOD.replace('title = "Still open"\n', ""), "title missing"),
    (GOOD.replace('role = "open"', 'role = ["open"]'), "unknown role ['open']"),
    (GOOD.replace('role = "open"', "role = {a = 1}"), "unknown role {'a': 1}"),
    ('historic = "oops"\n' + GOOD.split("\n[[historic]]\n")[0], "is not a list of tables"),
    (GOOD.replace("\n[[historic]]\n", "\n[historic]\n", 1).split("\n[[historic]]\n")[0], "is not a list of tables"),
    (GOOD + '\n[[historic]]\nname = "Awaiting court result"\nnow = "Under investigation"\nnote = "x"\n',
     "given twice"),
    (GOOD.replace('id = "open"', 'id = "open"\ncolour = "red"'), "unknown field 'colour'"),
    ("colour = 1\n" + GOOD, "is not a part of the file"),
    # Every role is singled out by the pages (a table without one once broke them).
    (GOOD.replace('role = "charged"\n', ""), "no group has the role 'charged'"),
    (GOOD.replace('role = "open"\n', ""), "no group has the role 'open'"),
    ("x = " + "[" * 5000 + "\n" + GOOD, "arrays or tables nested too deeply"),
    ("x = " + "{a = " * 20 + "1" + "}" * 20 + "\n" + GOOD, "arrays or tables nested too deeply"),
    ("group = 5\n" + GOOD.split("\n[[group]]\n")[0], "is not a list of tables"),
    (GOOD.replace('"Local resolution",', '"Local resolution", 5,'), "outcomes missing or not a list of names"),
], ids=["toml", "no-other", "id-twice", "outcome-twice", "historic-unknown", "role", "id-shape",
        "id-not-text", "no-title", "role-list", "role-table", "historic-text", "historic-one-table",
        "historic-twice", "unknown-field", "unknown-key", "no-charged", "no-open", "nested-5000",
        "nested-20", "group-a-number", "outcome-a-number"])
def test_a_malformed_group_table_is_refused_naming_the_entry(tmp_path, text, says):
    with pytest.raises(InputError) as raised:
        load_outcome_groups(_table(tmp_path, text))
    assert any(says in p.what for p in raised.value.problems), [p.what for p in raised.value.problems]


def test_a_share_of_none_reads_as_zero_percent():
    from sia.views.wording import percent

    assert [percent(x) for x in (0, 0.0004, 0.0712, 0.25)] == ["0%", "0.0%", "7.1%", "25%"]


def test_a_byte_order_mark_is_no_error(tmp_path):
    path = tmp_path / "outcomes.toml"
    path.write_bytes(b"\xef\xbb\xbf" + OUTCOME_GROUPS.read_bytes())
    assert load_outcome_groups(path) == GROUPS


def test_a_table_not_utf8_says_so(tmp_path):
    path = tmp_path / "outcomes.toml"
    path.write_bytes(GOOD.replace("Local resolution", "R\u00e9solution locale").encode("latin-1"))
    with pytest.raises(InputError) as raised:
        load_outcome_groups(path)
    line = GOOD[:GOOD.index("Local resolution")].count("\n") + 1
    assert [str(p) for p in raised.value.problems] == [
        f"{path}: not UTF-8 text (byte 0xe9 on line {line}); save the file as UTF-8"]


def test_a_table_that_is_not_a_small_file_is_refused(tmp_path):
    large = _table(tmp_path, GOOD + "#" * (1 << 20))
    for path, says in [(large, "is larger than the 1 MB an outcome group table may be"),
                       (tmp_path, "is a folder, not an outcome group table"),
                       (tmp_path / "none.toml", "no such outcome group table")]:
        with pytest.raises(InputError) as raised:
            load_outcome_groups(path)
        assert [p.what for p in raised.value.problems] == [says]


@pytest.mark.parametrize("value", HOSTILE, ids=repr)
def test_any_value_anywhere_in_the_table_gives_problems_never_a_traceback(tmp_path, value):
    """Every key of every table, and every table, replaced in turn (the file is small)."""
    document = tomllib.loads(GOOD)
    paths = key_paths(document)
    assert len(paths) > 25 and ("historic", 1, "note") in paths
    assert not unexplained_failures(load_outcome_groups, document, paths, value, tmp_path / "outcomes.toml")


def test_a_whole_number_too_long_to_read_is_one_problem(tmp_path):
    """The parser cannot convert it: once a traceback."""
    path = _table(tmp_path, "x = 1" + "0" * 5000 + "\n" + GOOD)
    with pytest.raises(InputError) as raised:
        load_outcome_groups(path)
    assert [p.what for p in raised.value.problems] == [
        "not valid TOML (Exceeds the limit (4300 digits) for integer string conversion: value has 5001 digits)"]


@pytest.mark.parametrize("old,new,says", [
    ('title = "Still open"', 'title = "Still\\u001b[2J open"',
     "group 'open': title holds a control or format character ('\\x1b'): 'Still\\x1b[2J open'"),
    ('"Under investigation",', '"Under\\u202einvestigation",',
     "group 'open': outcome holds a control or format character ('\\u202e'): 'Under\\u202einvestigation'"),
    ('name = "Awaiting court result"', 'name = "Awaiting court\\u0000 result"',
     "historic 'Awaiting court\\x00 result': name holds a control or format character ('\\x00')"),
    ('now = "Awaiting court outcome"', 'now = "Awaiting court\\n outcome"',
     "historic 'Awaiting court result': now holds a control or format character ('\\n')"),
    ('note = "the earlier wording', 'note = "the earlier\\u200b wording',
     "historic 'Awaiting court result': note holds a control or format character ('\\u200b')"),
], ids=["title", "outcome", "historic-name", "historic-now", "historic-note"])
def test_no_text_of_the_table_may_hold_a_control_or_format_character(tmp_path, old, new, says):
    assert old in GOOD
    with pytest.raises(InputError) as raised:
        load_outcome_groups(_table(tmp_path, GOOD.replace(old, new, 1)))
    assert any(says in str(p) for p in raised.value.problems), [str(p) for p in raised.value.problems]
    assert not any(c in str(p) for p in raised.value.problems for c in "\x1b\u202e\x00\n\u200b")


def test_a_malformed_table_stops_the_command_with_one_line_per_problem(tmp_path):
    """The command line reads the table the app reads: a broken one gives its problems, exit 2."""
    import shutil

    copy = tmp_path / "repo"
    shutil.copytree(OUTCOME_GROUPS.parent.parent / "sia", copy / "sia")
    (copy / "data").mkdir()
    (copy / "data" / "outcomes.toml").write_text(GOOD.replace('id = "open"', "id = 7"))
    import subprocess
    import sys
    result = subprocess.run([sys.executable, "-m", "sia", "outcomes", "--data-dir", str(tmp_path / "none")],
                            cwd=copy, capture_output=True, text=True, timeout=120)
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert "group 2: id missing or not lower-case" not in result.stderr  # named by its position: group 5
    assert "group 5: id missing or not lower-case" in result.stderr


def test_outcomes_count_every_crime_and_never_asb(real_data_dir):
    incidents = open_dataset(real_data_dir).incidents
    crimes = incidents[incidents["category"] != "Anti-social behaviour"]
    table = count_outcomes(incidents, ["fy", "outcome_group", "outcome"], GROUPS)
    assert table["count"].sum() == len(crimes) == 14_170
    by_outcome = table.groupby("outcome")["count"].sum()
    assert by_outcome["Investigation complete; no suspect identified"] == 5_929
    assert by_outcome["Under investigation"] == 2_757
    assert NOT_RECORDED not in by_outcome or by_outcome[NOT_RECORDED] == 0


def test_the_cli_agrees_with_an_independent_count_per_ward(real_data_dir, shared_data):
    """Points placed in the ward polygons independently (geopandas' spatial join, the
    nearest ward within 100 m for points just outside), 'Last outcome category' counted."""
    result = run_sia("outcomes", "--data-dir", str(real_data_dir), "--by", "ward", "--by", "outcome",
                     "--format", "csv")
    assert result.returncode == 0, result.stderr
    ours = pd.read_csv(io.StringIO(result.stdout)).set_index(["ward", "outcome"])["count"]
    rows = pd.concat([pd.read_csv(p, usecols=["Longitude", "Latitude", "Crime type", "Last outcome category"])
                      for p in sorted((shared_data / "police_uk").rglob("*-street.csv"))], ignore_index=True)
    rows = rows[(rows["Crime type"] != "Anti-social behaviour") & rows["Longitude"].notna()]
    points = gpd.GeoDataFrame(rows, geometry=gpd.points_from_xy(rows["Longitude"], rows["Latitude"]),
                              crs=4326).to_crs(27700)
    wards = gpd.read_file(shared_data / "boundaries" / "wards_2013_derby.geojson").to_crs(27700)
    placed = gpd.sjoin_nearest(points, wards[["WD13NM", "geometry"]], max_distance=100, how="inner")
    placed = placed[~placed.index.duplicated()]
    theirs = placed.groupby(["WD13NM", "Last outcome category"]).size()
    theirs.index.names = ["ward", "outcome"]
    joined = pd.concat([ours.rename("ours"), theirs.rename("theirs")], axis=1).fillna(0)
    agree = joined[joined["ours"] == joined["theirs"]]["theirs"].sum()
    assert agree / len(placed) >= 0.995


@pytest.mark.parametrize("args,says", [
    (["--crime-type", "Anti-social behaviour"], "anti-social behaviour has no outcomes"),
    (["--by", "colour"], "invalid choice: 'colour'"),
    (["--fy", "2016-17"], "no data for financial year 2016-17"),
])
def test_bad_outcome_questions_give_one_line(real_data_dir, args, says):
    result = run_sia("outcomes", "--data-dir", str(real_data_dir), *args)
    assert result.returncode == 2 and says in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1, result.stderr


def test_json_names_the_columns_as_counts_does(real_data_dir):
    result = run_sia("outcomes", "--data-dir", str(real_data_dir), "--by", "crime_type", "--by", "outcome_group",
                     "--fy", "2019-20", "--crime-type", "Drugs", "--format", "json")
    records = json.loads(result.stdout)
    assert set(records[0]) == {"crime_type", "outcome_group", "count"}
    assert [r["outcome_group"] for r in records] == [g.id for g in GROUPS.groups]


def test_the_mix_shares_each_years_crimes_between_the_groups(real_data_dir):
    incidents = open_dataset(real_data_dir).incidents
    mix = outcome_mix(incidents, GROUPS)
    assert mix.groupby("fy")["share"].sum().round(9).eq(1).all()
    open_2019 = mix[(mix["fy"] == "2019-20") & (mix["outcome_group"] == "open")].iloc[0]
    assert open_2019["share"] > 0.4 and open_2019["group"] == "Still open"


def mix_of(counts: dict[str, dict[str, int]]) -> pd.DataFrame:
    """An outcome_mix table from each year's crimes by outcome group id."""
    rows = []
    for fy, by_group in counts.items():
        total = sum(by_group.values())
        for g in GROUPS.groups:
            n = by_group.get(g.id, 0)
            rows.append({"fy": fy, "outcome_group": g.id, "group": g.title, "count": n, "share": n / total})
    return pd.DataFrame(rows)


def test_a_year_mostly_open_says_so_in_the_sentence_of_its_shares():
    """The caution sits beside the share it qualifies, at its weight: in the same sentence,
    its figure in bold as theirs are, not in a grey note below."""
    from sia.views.outcomes import OPEN_CAUTION_SHARE, CityMix, outcome_sentences

    mine = mix_of({"2014-15": {"charged": 15, "no_suspect": 40, "open": 10, "other": 35},
                   "2019-20": {"charged": 0, "no_suspect": 36, "open": 46, "other": 18}})
    city = mix_of({"2014-15": {"charged": 14, "no_suspect": 45, "open": 10, "other": 31},
                   "2019-20": {"charged": 0, "no_suspect": 27, "open": 50, "other": 23}})
    settled, still_open = outcome_sentences(mine, GROUPS, "in Arboretum", CityMix("Derby", city))
    assert OPEN_CAUTION_SHARE > 0.1  # so 2014-15 needs no caution
    assert settled == ("Of the 100 crimes in Arboretum in 2014-15, no suspect was identified for **40% (Derby: 45%)**; "
                       "**15% (Derby: 14%)** were charged or summonsed, or had a court result.")
    assert still_open == (
        "Of the 100 crimes in Arboretum in 2019-20, no suspect was identified for **36% (Derby: 27%)**; "
        "**0% (Derby: 0%)** were charged or summonsed, or had a court result — but **46% of 2019-20's crimes were "
        "still open** (Derby: 50%), under investigation or awaiting court when the data was published, so these "
        "shares are not final: the share charged can rise as those crimes are resolved.")
    derby, = outcome_sentences(city[city["fy"] == "2019-20"], GROUPS, "in Derby")
    assert "— but **50% of 2019-20's crimes were still open**, under investigation" in derby
