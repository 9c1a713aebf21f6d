"""Denominators are whole and plausible, or refused: population, deprivation and the LSOA to
ward lookup, on the test geography (West and East, two LSOAs each) and on the real files."""
from __future__ import annotations

import csv

import pandas as pd
import pytest

from sia.dataset.denominators import lsoa_population
from sia.dataset.ingest import WardInputs, build_dataset
from sia.errors import InputError

from police_rows import LSOA_CODES, row, write_street, write_test_lsoas, write_test_wards

POPULATIONS = [1500, 1600, 1700, 1800]  # E01000001 and 2 in West, 3 and 4 in East
RANKS, DECILES = [100, 5000, 15000, 30000], [1, 2, 5, 10]  # national IMD ranks and their deciles


def population_file(path, rows=None, header=("LSOA11CD", "All Ages")):
    rows = rows if rows is not None else list(zip(LSOA_CODES, POPULATIONS))
    with open(path, "w", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(header)
        writer.writerows(rows)
    return path


def imd_file(path, rows=None):
    if rows is None:
        rows = [(c, rank, decile, 40.5 - i) for i, (c, rank, decile) in enumerate(zip(LSOA_CODES, RANKS, DECILES))]
    with open(path, "w", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(("lsoa11_code", "IMD_rank", "IMD_decile", "IMD_score"))
        writer.writerows(rows)
    return path


def build(tmp_path, population=None, imd=None, lookup=None, lsoas=True):
    inputs = WardInputs(boundaries=write_test_wards(tmp_path / "wards.geojson"),
                        lsoas=write_test_lsoas(tmp_path / "lsoas.geojson") if lsoas else None,
                        lsoa_lookup=lookup, population={"2014-15": population} if population else {},
                        imd={"2015": imd} if imd else {})
    return build_dataset([write_street(tmp_path / "s", "2014-04", [row()])], inputs, tmp_path / "out")


def ward_populations(tmp_path) -> dict:
    """The residents of each ward in the latest build ``build`` made under ``tmp_path``."""
    from sia.dataset.store import open_dataset
    return open_dataset(tmp_path / "out").wards.set_index("ward_name")["population_2014-15"].to_dict()


def test_a_whole_population_reaches_the_wards(tmp_path):
    build(tmp_path, population_file(tmp_path / "pop.csv"))
    assert ward_populations(tmp_path) == {"West": 3100, "East": 3500}


@pytest.mark.parametrize("rows,message", [
    ([*zip(LSOA_CODES, POPULATIONS), ("E01000001", 1500)],
     "1 LSOA is given more than once (E01000001; lines 2, 6); give each LSOA once"),
    (list(zip(LSOA_CODES, [1500, "", 1700, 1800])), "'All Ages' is blank for 1 LSOA (E01000002; line 3)"),
    (list(zip(LSOA_CODES, [1500, 0, 1700, 1800])), "'All Ages' lies outside 1 to 20,000 for 1 LSOA (E01000002 '0'"),
    (list(zip(LSOA_CODES, [1500, -3, 1700, 1800])), "lies outside 1 to 20,000 for 1 LSOA (E01000002 '-3'"),
    (list(zip(LSOA_CODES, [1500, "inf", 1700, 1800])), "is not a finite number for 1 LSOA (E01000002 'inf'"),
    (list(zip(LSOA_CODES, [1500, "1e308", 1700, 1800])), "lies outside 1 to 20,000 for 1 LSOA (E01000002 '1e308'"),
    (list(zip(LSOA_CODES, [1500, "12.5", 1700, 1800])), "is not a whole number for 1 LSOA (E01000002 '12.5'"),
    (list(zip(LSOA_CODES, [1500, "nan", 1700, 1800])), "is not a number for 1 LSOA (E01000002 'nan'"),
    (list(zip(LSOA_CODES, [1500, 1600, 1700, 25000])), "lies outside 1 to 20,000 for 1 LSOA (E01000004 '25000'"),
    (list(zip(LSOA_CODES[:3], POPULATIONS)), "1 of the area's 4 LSOAs is missing (E01000004)"),
    ([("E01000001", 1500), ("E01000002", 1600), ("E01999998", 1700), ("E01999999", 1800)],
     "2 of the area's 4 LSOAs are missing (E01000003, E01000004)"),
    ([(c, p) for c, p in zip(LSOA_CODES, POPULATIONS)] + [("", 5)], "1 row has no LSOA code (line 6)"),
])
def test_a_population_file_that_is_not_whole_is_refused(tmp_path, rows, message):
    with pytest.raises(InputError) as raised:
        build(tmp_path, population_file(tmp_path / "pop.csv", rows))
    assert message in str(raised.value)
    assert not (tmp_path / "out").exists() or not list((tmp_path / "out").rglob("*.parquet"))


def test_ons_formats_keep_working(tmp_path):
    """Thousands separators inside quotes, a national file (rows of other areas set aside
    and counted), and single years of age summed where a file gives no total."""
    quoted = tmp_path / "quoted.csv"
    quoted.write_text('"LSOA Code","All Ages"\n' + "".join(f'"{c}","{p:,}"\n' for c, p in
                                                             zip(LSOA_CODES, [1500, 1600, 1700, 11800])))
    build(tmp_path, quoted)
    assert ward_populations(tmp_path) == {"West": 3100, "East": 13500}

    national = population_file(tmp_path / "national.csv", [*zip(LSOA_CODES, POPULATIONS), ("E01999999", 900),
                                                            ("W01000001", 1200)])
    _, report = build(tmp_path, national)
    assert "2 rows of national.csv are for places outside the area (E01999999, W01000001): set aside" in report.notes

    ages = tmp_path / "ages.csv"
    population_file(ages, [(c, *[10] * 90, p - 900) for c, p in zip(LSOA_CODES, POPULATIONS)],
                    header=("LSOA Code", *map(str, range(90)), "90+"))
    build(tmp_path, ages)
    assert ward_populations(tmp_path) == {"West": 3100, "East": 3500}


def test_a_population_by_ward_must_give_every_ward_once(tmp_path):
    by_ward = tmp_path / "wards.csv"
    by_ward.write_text("ward_code,population\nE05000001,3100\n")
    with pytest.raises(InputError, match=r"1 of the area's 2 wards is missing \(E05000002\)"):
        build(tmp_path, by_ward, lsoas=False)
    by_ward.write_text("ward_code,population\nE05000001,3100\nE05000002,3500\nE05000002,3500\n")
    with pytest.raises(InputError, match="1 ward is given more than once"):
        build(tmp_path, by_ward, lsoas=False)


def test_a_ward_no_lsoa_is_assigned_to_has_no_population_and_the_report_says_why(tmp_path):
    """A best-fit lookup can leave a small ward without any LSOA: it gets no population (so
    no rate and no rank), not a share of someone else's."""
    lookup = tmp_path / "lookup.csv"
    lookup.write_text("LSOA11CD,WD19CD\n" + "".join(f"{c},E05000002\n" for c in LSOA_CODES))
    _, report = build(tmp_path, population_file(tmp_path / "pop.csv"), lookup=lookup)
    populations = ward_populations(tmp_path)
    assert pd.isna(populations["West"]) and populations["East"] == sum(POPULATIONS)
    assert ("1 ward (West) has no residents in pop.csv: no LSOA of the area is assigned to it, so it gets no "
            "rate and no rank") in report.notes


@pytest.mark.parametrize("change,message", [
    ((0, 1, "-7"), "'IMD_rank' lies outside 1 to 32,844 for 1 LSOA (E01000001 '-7'"),
    ((0, 1, "0"), "'IMD_rank' lies outside 1 to 32,844"),
    ((0, 1, "99999999"), "'IMD_rank' lies outside 1 to 32,844"),
    ((0, 1, "inf"), "'IMD_rank' is not a finite number"),
    ((0, 1, ""), "'IMD_rank' is blank for 1 LSOA (E01000001; line 2)"),
    ((0, 2, "11"), "'IMD_decile' lies outside 1 to 10 for 1 LSOA (E01000001 '11'"),
    ((0, 2, "-1"), "'IMD_decile' lies outside 1 to 10"),
    ((0, 3, "nan"), "'IMD_score' is not a number"),
])
def test_deprivation_outside_the_indices_ranges_is_refused(tmp_path, change, message):
    rows = [[c, rank, decile, 40.5] for c, rank, decile in zip(LSOA_CODES, RANKS, DECILES)]
    at, column, value = change
    rows[at][column] = value
    with pytest.raises(InputError) as raised:
        build(tmp_path, imd=imd_file(tmp_path / "imd.csv", rows))
    assert message in str(raised.value)


def test_a_decile_that_does_not_match_its_rank_is_refused(tmp_path):
    rows = [[c, rank, decile, 40.5] for c, rank, decile in zip(LSOA_CODES, RANKS, DECILES)]
    rows[0][2] = 10  # rank 100, one of England's most deprived, in the least deprived tenth
    with pytest.raises(InputError, match=r"the decile does not match the rank \(E01000001: rank 100, decile 10"):
        build(tmp_path, imd=imd_file(tmp_path / "imd.csv", rows))


def test_deprivation_given_twice_or_not_for_every_lsoa_is_refused(tmp_path):
    rows = [(c, rank, decile, 40.5 - i) for i, (c, rank, decile) in enumerate(zip(LSOA_CODES, RANKS, DECILES))]
    with pytest.raises(InputError, match=r"1 LSOA is given more than once \(E01000001; lines 2, 6\)"):
        build(tmp_path, imd=imd_file(tmp_path / "imd.csv", [*rows, rows[0]]))
    with pytest.raises(InputError, match=r"1 of the area's 4 LSOAs is missing \(E01000004\)"):
        build(tmp_path, imd=imd_file(tmp_path / "imd.csv", rows[:3]))


def test_a_lookup_giving_an_lsoa_two_wards_is_refused_and_a_repeated_row_is_not(tmp_path):
    lookup = tmp_path / "lookup.csv"
    lookup.write_text("LSOA11CD,WD19CD\nE01000001,E05000001\nE01000001,E05000002\n")
    with pytest.raises(InputError, match=r"LSOA E01000001 is given more than one ward \(E05000001, E05000002\)"):
        build(tmp_path, lookup=lookup)
    lookup.write_text("LSOA11CD,WD19CD\nE01000001,E05000001\nE01000001,E05000001\n")
    build(tmp_path, population_file(tmp_path / "pop.csv"), lookup=lookup)
    assert ward_populations(tmp_path) == {"West": 3100, "East": 3500}


def test_a_population_by_lsoa_for_hotspots_is_checked_too(tmp_path):
    assert lsoa_population(population_file(tmp_path / "pop.csv")).to_dict() == dict(zip(LSOA_CODES, POPULATIONS))
    with pytest.raises(InputError, match="is given more than once"):
        lsoa_population(population_file(tmp_path / "pop.csv", [("E01000001", 5), ("E01000001", 5)]))
    with pytest.raises(InputError, match="lies outside 1 to 20,000"):
        lsoa_population(population_file(tmp_path / "pop.csv", [("E01000001", 0)]))


def test_the_real_files_build_the_same_figures(real_data_dir):
    """The checks refuse nothing in the published files: every ward's residents as the ONS
    files sum them (Derby 253,875 in mid-2015, 257,302 in mid-2019)."""
    from sia.dataset.store import open_dataset

    wards = open_dataset(real_data_dir).wards
    assert wards["population_2014-15"].sum() == 253_875 and wards["population_2019-20"].sum() == 257_302
    assert wards["population_2014-15"].notna().all() and wards["imd2019_lsoas"].sum() == 151
