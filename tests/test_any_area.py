"""Any area of England and Wales: a dataset records the area it is of, and every title, pack,
banner, sentence and download takes its name from there. An invented area (tests/invented_area.py)
built with 'sia ingest --area-name' never says "Derby"; with no register of its own, every
page works and the Priorities page invites a steward to load one."""
from __future__ import annotations

import json

import pytest
from test_app import run_app
from test_briefing import pdf_text
from test_missing_population import PAGES, page_text

from sia.cli import main
from sia.dataset.store import open_dataset

import invented_area as ia
from support import run_sia

AREA_ARGS = ["--area-name", "Kestrel Vale", "--district", "E07000990", "--force", "kestrelshire"]


def write_imd(path):
    """The English IMD 2019 by 2011 LSOA, in MHCLG's file's columns."""
    lines = ["LSOA code (2011),LSOA name (2011),Index of Multiple Deprivation (IMD) Rank,"
             "Index of Multiple Deprivation (IMD) Decile"]
    for j in range(ia.SIDE):
        for i in range(ia.SIDE):
            rank = 1 + 900 * (i + j * ia.SIDE)
            lines.append(f"{ia.lsoa_code(ia.KESTREL_VALE, i, j, 2011)},{ia.lsoa_name(ia.KESTREL_VALE, i, j)},{rank},"
                         f"{(rank - 1) * 10 // 32844 + 1}")
    path.write_text("\n".join(lines) + "\n")
    return path


def write_population(path, year: int = 2021) -> None:
    """A population file by LSOA in the ONS small-area estimates' layout (one LSOA a row)."""
    lines = ["LSOA code (2011),LSOA name (2011),Total population: mid 2023 (excluding prisoners)"]
    for j in range(ia.SIDE):
        for i in range(ia.SIDE):
            lines.append(f"{ia.lsoa_code(ia.KESTREL_VALE, i, j, year)},{ia.lsoa_name(ia.KESTREL_VALE, i, j)},"
                         f"{1200 + 37 * (i + j * ia.SIDE)}")
    path.write_text("\n".join(lines) + "\n")


@pytest.fixture(scope="module")
def kestrel_vale(tmp_path_factory):
    """Kestrel Vale on its new wards, 2023-24 (from May, when they came in), by ingest."""
    folder = tmp_path_factory.mktemp("kestrel")
    ia.write_street_files(folder / "police", [m for m in ia.MONTHS if m >= ia.REWARDED])
    wards = ia.write_geojson(folder / "wards.geojson", ia.ward_features([ia.KESTREL_VALE], new=True,
                                                                         year_fields="WD23"))
    lsoas = ia.write_geojson(folder / "lsoas.geojson", ia.lsoa_features([ia.KESTREL_VALE], 2021))
    lookup = ia.write_lookup(folder / "lookup.csv", ia.lookup_rows([ia.KESTREL_VALE], 2021, True, "WD23", "LAD23"))
    write_population(folder / "population.csv")
    data_dir = folder / "data"
    assert main(["ingest", str(folder / "police"), "--wards", str(wards), "--lsoas", str(lsoas),
                 "--lsoa-lookup", str(lookup), "--population", f"2023-24={folder / 'population.csv'}",
                 "--data-dir", str(data_dir), *AREA_ARGS]) == 0
    return data_dir


def everything_shown(at) -> str:
    """The page's text, its tables (columns and cells), its charts' specifications and its
    download buttons' labels and file names."""
    parts = [page_text(at)]
    for frame in at.dataframe:
        parts += [" ".join(map(str, frame.value.columns)), frame.value.to_csv()]
    parts += [chart.proto.spec for chart in at.get("vega_lite_chart")]
    parts += [str(b.proto) for b in at.get("download_button")]
    return " | ".join(parts)


def test_the_dataset_records_its_area(kestrel_vale):
    area = open_dataset(kestrel_vale).area
    assert (area.name, area.districts, area.forces) == ("Kestrel Vale", ("E07000990",), ("kestrelshire",))
    assert area.slug == "kestrel-vale"


@pytest.mark.parametrize("page", PAGES)
def test_no_page_of_another_area_says_derby(monkeypatch, kestrel_vale, page):
    at = run_app(monkeypatch, kestrel_vale, page, {"fy": ["2023-24"], "ward": "Fenwick Cross"})
    shown = everything_shown(at)
    assert "derby" not in shown.lower()
    if page == "pages/overview.py":
        assert at.title[0].value == "Kestrel Vale community safety overview"
    if page == "pages/ward.py":
        assert "Fenwick Cross against Kestrel Vale by category, 2023-24" in shown
    if page == "pages/data.py":
        assert "kestrel-vale-incidents" in shown


def test_without_a_register_the_priorities_page_invites_a_steward_with_the_template(monkeypatch, kestrel_vale):
    at = run_app(monkeypatch, kestrel_vale, "pages/priorities.py")
    assert "Kestrel Vale has no priority register yet" in page_text(at)
    assert [b.label for b in at.get("download_button")] == ["Download the register template"]


def test_a_pack_of_another_area_never_says_derby(kestrel_vale, tmp_path):
    out = tmp_path / "ward.pdf"
    result = run_sia("brief", "--ward", "Fenwick Cross", "--fy", "2023-24", "--out", str(out),
                     "--data-dir", str(kestrel_vale))
    assert result.returncode == 0, result.stderr
    text, pages = pdf_text(out)
    assert "Kestrel Vale ward briefing, 2023-24" in text
    assert "of Kestrel Vale's 6 wards" in text
    assert "derby" not in text.lower()
    from pypdf import PdfReader
    assert PdfReader(str(out)).metadata.author == "Kestrel Vale community safety dashboard"


@pytest.mark.parametrize("command", [
    ["counts", "--by", "ward"], ["report"], ["assess", "--fy", "2023-24"], ["concentration", "--fy", "2023-24"],
    ["hotspots", "--fy", "2023-24"], ["outcomes", "--by", "ward"], ["priorities"]])
def test_no_command_for_another_area_says_derby(kestrel_vale, command):
    result = run_sia(*command, "--data-dir", str(kestrel_vale))
    assert "derby" not in (result.stdout + result.stderr).lower()
    if command == ["priorities"]:  # no register of its own, and Derby's is not its
        assert result.returncode == 2
        assert "Kestrel Vale has no priority register" in result.stderr
    else:
        assert result.returncode == 0, result.stderr


def test_a_population_by_2011_lsoas_is_carried_to_wards_drawn_on_2021_lsoas(tmp_path):
    """The new wards are drawn on 2021 LSOAs; the 2022-23 population comes by 2011 LSOAs: ONS's
    lookup between the two carries it to the wards, and the rates follow."""
    folder = tmp_path
    ia.write_street_files(folder / "police", ia.MONTHS, btp=False)
    wards = ia.write_geojson(folder / "wards.geojson", ia.ward_features([ia.KESTREL_VALE], new=True,
                                                                         year_fields="WD23"))
    lsoas = ia.write_geojson(folder / "lsoas.geojson", ia.lsoa_features([ia.KESTREL_VALE], 2021))
    lookup = ia.write_lookup(folder / "lookup.csv", ia.lookup_rows([ia.KESTREL_VALE], 2021, True, "WD23", "LAD23"))
    change = ia.write_lookup(folder / "change.csv", ia.lsoa_change_rows())
    write_population(folder / "pop2011.csv", year=2011)
    write_population(folder / "pop2021.csv", year=2021)
    old = ia.write_geojson(folder / "old.geojson", ia.ward_features([ia.KESTREL_VALE], new=False, year_fields="WD19"))
    args = ["ingest", str(folder / "police"), "--wards", f"2023-05={wards}", "--wards", str(old), "--lsoas", str(lsoas),
            "--lsoa-lookup",
            str(lookup), "--population", f"2022-23={folder / 'pop2011.csv'}",
            "--population", f"2023-24={folder / 'pop2021.csv'}", "--imd", f"2019={write_imd(folder / 'imd.csv')}",
            *AREA_ARGS]
    assert run_sia(*args, "--data-dir", str(folder / "refused")).returncode == 2  # without the lookup between them
    result = run_sia(*args, "--lsoa-change", str(change), "--data-dir", str(folder / "data"))
    assert result.returncode == 0, result.stderr
    assert "the population of 2022-23 is by LSOAs of the other census" in result.stdout
    wards_table = open_dataset(folder / "data").wards.set_index("ward_name")
    # the IMD of 2019, by 2011 LSOAs, reaches the new wards the same way
    assert wards_table["imd2019_lsoas"].sum() == 36
    # the same squares hold the same residents in both files: the two years' ward totals agree
    assert (wards_table["population_2022-23"] == wards_table["population_2023-24"]).all()
    assert wards_table["population_2022-23"].sum() == sum(1200 + 37 * k for k in range(36))
    # the old wards, given no lookup, reach the 2021 LSOAs by overlap and the 2011 files across the censuses
    old_wards = open_dataset(folder / "data").on_wards_of("2022-06").wards.set_index("ward_name")
    assert old_wards["population_2022-23"].sum() == sum(1200 + 37 * k for k in range(36))
    assert old_wards["population_2022-23"].notna().all() and old_wards["imd2019_lsoas"].sum() == 36


def test_ward_sets_given_without_months_take_them_from_their_vintage(tmp_path):
    ia.write_street_files(tmp_path / "police", ia.MONTHS, btp=False)
    kestrel = [ia.KESTREL_VALE]
    old = ia.write_geojson(tmp_path / "wd19.geojson", ia.ward_features(kestrel, new=False, year_fields="WD19"))
    new = ia.write_geojson(tmp_path / "wd23.geojson", ia.ward_features(kestrel, new=True, year_fields="WD23"))
    result = run_sia("ingest", str(tmp_path / "police"), "--wards", str(new), "--wards", str(old),
                     "--data-dir", str(tmp_path / "data"), *AREA_ARGS)
    assert result.returncode == 0, result.stderr
    dataset = open_dataset(tmp_path / "data")
    assert [(s["first_month"], s["last_month"], s["wards"]) for s in dataset.ward_sets] == [
        (None, "2023-04", 4), ("2023-05", None, 6)]
    on_old = dataset.on_wards_of("2022-06")
    assert set(on_old.wards["ward_name"]) == set(ia.KESTREL_VALE.old_wards)
    assert on_old.months == [m for m in ia.MONTHS if m <= "2023-04"]
    # every incident of those months is in an old ward: the area did not change its outline
    assert len(on_old.incidents) == int((dataset.incidents["month"].astype(str) <= "2023-04").sum())


def ingest_rewarded(tmp_path, *lsoas: str):
    """Kestrel Vale ingested on its 2019 and May 2023 wards with ``lsoas`` ('2011' or '2021',
    the oldest set's first): the command's result."""
    ia.write_street_files(tmp_path / "police", ia.MONTHS, btp=False)
    kestrel = [ia.KESTREL_VALE]
    old = ia.write_geojson(tmp_path / "wd19.geojson", ia.ward_features(kestrel, new=False, year_fields="WD19"))
    new = ia.write_geojson(tmp_path / "wd23.geojson", ia.ward_features(kestrel, new=True, year_fields="WD23"))
    files = [ia.write_geojson(tmp_path / f"lsoa{year}.geojson", ia.lsoa_features(kestrel, year=int(year)))
             for year in lsoas]
    return run_sia("ingest", str(tmp_path / "police"), "--wards", str(old), "--wards", f"2023-05={new}",
                   "--lsoas", str(files[0]), "--lsoas", f"2023-05={files[1]}",
                   "--data-dir", str(tmp_path / "data"), *AREA_ARGS)


def test_each_ward_set_takes_the_lsoas_of_its_time(tmp_path):
    result = ingest_rewarded(tmp_path, "2011", "2021")
    assert result.returncode == 0, result.stderr
    kestrel = [ia.KESTREL_VALE]
    dataset = open_dataset(tmp_path / "data")
    assert [s.get("lsoas") for s in dataset.ward_sets] == [36, None]  # the earlier set's, counted in the manifest
    assert dataset.lsoas["lsoa_code"].str.startswith("E0119").all()  # 2021 LSOAs for the latest wards
    on_old = dataset.on_wards_of("2022-06")
    assert sorted(on_old.lsoas["lsoa_code"]) == sorted(f["properties"]["LSOA11CD"] for f in ia.lsoa_features(kestrel))
    assert set(on_old.lsoas["ward_name"]) <= set(ia.KESTREL_VALE.old_wards)
    # police.uk's LSOA code of each incident of the old wards' months is one of their LSOAs
    codes = on_old.incidents["lsoa_code"].astype(str)
    assert (codes != "").all() and set(codes) <= set(on_old.lsoas["lsoa_code"])
    assert not any("are they the LSOAs of that time" in n for n in dataset.report.notes)


def test_lsoas_of_another_vintage_for_an_earlier_ward_set_are_questioned_in_the_notes(tmp_path):
    result = ingest_rewarded(tmp_path, "2021", "2021")  # 2021 LSOAs for the 2019 wards too
    assert result.returncode == 0, result.stderr
    assert "police.uk's LSOA code of 0% of the incidents of the wards in force before 2023-05's months is one of " \
           "its LSOAs: are they the LSOAs of that time" in result.stdout + result.stderr


def test_district_codes_are_read_in_capitals(tmp_path):
    from sia.dataset.geography import read_districts
    features = ia.district_features()
    for feature in features:
        feature["properties"]["LAD23CD"] = " " + feature["properties"]["LAD23CD"].lower()
    districts = read_districts(ia.write_geojson(tmp_path / "districts.geojson", features))
    assert list(districts["district_code"]) == sorted(d.code for d in ia.DISTRICTS)


@pytest.mark.parametrize("name,recorded", [("Kestrel Vale", "Kestrel Vale"), ("Derby", None),
                                           ("![x](http://evil.example/x.png)", "refused")])
def test_an_upload_in_the_app_records_the_area_typed(tmp_path, name, recorded):
    from sia.dataset.uploads import Upload, UploadedInputs, build_from_uploads
    from sia.errors import InputError

    ia.write_street_files(tmp_path / "police", ia.MONTHS[-1:], btp=False)
    street = next((tmp_path / "police").rglob("*.csv"))
    wards = ia.write_geojson(tmp_path / "w.geojson", ia.ward_features([ia.KESTREL_VALE], new=True, year_fields="WD23"))
    inputs = UploadedInputs(police=[Upload(street.name, street.read_bytes())],
                            wards=Upload("w.geojson", wards.read_bytes()), area_name=name)
    if recorded == "refused":
        with pytest.raises(InputError, match="is not an area's name"):
            build_from_uploads(inputs, tmp_path / "data")
        assert not (tmp_path / "data" / "CURRENT").exists()
        return
    build, _ = build_from_uploads(inputs, tmp_path / "data")
    assert json.loads((build / "manifest.json").read_text()).get("area", {}).get("name") == recorded
    assert open_dataset(tmp_path / "data").area.name == name


def test_lsoas_of_part_of_the_area_are_named_in_the_notes(tmp_path):
    from sia.dataset.geography import lsoas_in_wards, read_lsoas, read_wards
    kestrel = [ia.KESTREL_VALE]
    wards = read_wards(ia.write_geojson(tmp_path / "wd19.geojson", ia.ward_features(kestrel, year_fields="WD19")))
    every = ia.lsoa_features(kestrel)
    _, notes = lsoas_in_wards(read_lsoas(ia.write_geojson(tmp_path / "all.geojson", every)), wards, None, "all.geojson")
    assert not any("of the wards' area" in n for n in notes)
    half = read_lsoas(ia.write_geojson(tmp_path / "half.geojson", every[: len(every) // 2]))
    _, notes = lsoas_in_wards(half, wards, None, "half.geojson")
    assert "the LSOAs of half.geojson cover 50% of the wards' area: incidents elsewhere are on no LSOA" in notes[-1]
