"""Boundaries through time, fetched for any area: an invented area (tests/invented_area.py)
re-warded in May 2023, served by stand-ins for ONS and police.uk written here. Fetch builds
years on both sides of the re-warding; every incident is counted on the latest wards (as an
independent spatial join counts it) and, when asked, on the wards of its month; a
partnership of two districts works; nothing said of the area names Derby."""
from __future__ import annotations

import io
import json
import zipfile

import geopandas as gpd
import pandas as pd
import pytest
import shapely
from test_any_area import everything_shown
from test_app import run_app
from test_briefing import pdf_text

from sia.dataset.fetch.ons import (
    AREA_LOOKUP,
    DISTRICT_BOUNDARIES,
    LSOA_CHANGE,
    WARDS_2019,
    WARDS_2023,
    WARDS_2024,
)
from sia.dataset.store import open_dataset

import invented_area as ia
from fetch_servers import ONS_ROOT, LocalServer, _features, arcgis_query, arcgis_unknown, police_routes
from support import run_sia


def archive(end: str, months: list[str]) -> bytes:
    """A police.uk archive zip ending at ``end``: Kestrelshire's and British Transport
    Police's street files of ``months``."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zf:
        for month in months:
            zf.writestr(f"{month}/{month}-{ia.FORCE}-street.csv", ia.street_csv(ia.street_rows(month)))
            zf.writestr(f"{month}/{month}-btp-street.csv", ia.street_csv(ia.btp_rows(month)))
    return out.getvalue()


def ons_services(districts=ia.DISTRICTS, area_rows=None) -> dict:
    """The services fetch reads, named as in sia.dataset.fetch.ons, for the invented area:
    December 2019 wards (the old wards everywhere, 2011 LSOAs), May 2023 and December 2024
    wards (Kestrel Vale's new wards, 2021 LSOAs)."""
    def service(name):
        return f"{ONS_ROOT}/{name}/FeatureServer/0/query"
    routes = {service(AREA_LOOKUP.service): arcgis_query(_features(area_rows or ia.area_lookup_rows())),
              service(DISTRICT_BOUNDARIES): arcgis_query(ia.district_features()),
              service(LSOA_CHANGE): arcgis_query(_features(ia.lsoa_change_rows()))}
    for vintage, new, year in ((WARDS_2019, False, 2011), (WARDS_2023, True, 2021), (WARDS_2024, True, 2021)):
        tag = vintage.ward_field[:4]
        lookup = ia.lookup_rows(districts, year=year, new=new, wards=tag, lads=vintage.lad_field[:5])
        routes[service(vintage.lookup)] = arcgis_query(_features(lookup))
        routes[service(vintage.boundaries)] = arcgis_query(ia.ward_features(districts, new=new, year_fields=tag))
        routes[service(vintage.lsoa_boundaries)] = arcgis_query(ia.lsoa_features(districts, year=year))
    return routes


@pytest.fixture(scope="module")
def servers():
    police = LocalServer(police_routes({"2024-03": archive("2024-03", ia.MONTHS)}))
    ons = LocalServer(ons_services(), fallback=arcgis_unknown)
    yield police, ons
    police.stop()
    ons.stop()


def fetch(servers, data_dir, *args):
    police, ons = servers
    return run_sia("fetch", *args, "--data-dir", str(data_dir), "--police-base-url", police.url,
                   "--ons-base-url", ons.url + ONS_ROOT, "--retries", "0")


@pytest.fixture(scope="module")
def kestrel_vale(servers, tmp_path_factory):
    folder = tmp_path_factory.mktemp("fetched")
    data_dir = folder / "data"
    population = ia.district_population_csv(folder / "districts.csv")
    result = fetch(servers, data_dir, "--area", "E07000990", "--fy", "2022-23", "--fy", "2023-24",
                   "--district-population", f"2023-24={population}")
    assert result.returncode == 0, result.stderr
    return data_dir, result.stdout + result.stderr


def independent_counts(new: bool, btp: bool = True) -> pd.DataFrame:
    """Kestrelshire's rows of every month, and British Transport Police's, placed by geopandas
    in Kestrel Vale's old or new wards, counted by ward and financial year: what fetch's counts
    must equal."""
    rows = pd.DataFrame([r for m in ia.MONTHS for r in ia.street_rows(m) + (ia.btp_rows(m) if btp else [])])
    points = gpd.GeoDataFrame(rows, geometry=gpd.points_from_xy(rows["Longitude"].astype(float),
                                                                rows["Latitude"].astype(float)), crs="EPSG:4326")
    wards = gpd.GeoDataFrame.from_features(ia.ward_features([ia.KESTREL_VALE], new=new), crs="EPSG:4326")
    joined = gpd.sjoin(points.to_crs("EPSG:27700"), wards.to_crs("EPSG:27700"), predicate="within")
    joined["fy"] = joined["Month"].map(lambda m: f"{m[:4]}-{(int(m[:4]) + 1) % 100:02d}" if m[5:] >= "04"
                                       else f"{int(m[:4]) - 1}-{int(m[:4]) % 100:02d}")
    return joined.groupby(["WD19NM", "fy"]).size().rename("count").reset_index().rename(columns={"WD19NM": "ward"})


def test_fetch_builds_years_on_both_sides_of_a_re_warding(kestrel_vale):
    data_dir, out = kestrel_vale
    assert "area: Kestrel Vale (E07000990), police force 'kestrelshire'" in out
    assert "ONS: 4 wards (Wards_December_2019_Boundaries_UK_BGC)" in out
    # May 2023 and December 2024 wards are the same six: one set, drawn by the later vintage
    assert "ONS: 6 wards from 2023-05 (Wards_May_2023_Boundaries_UK_BGC), 36 LSOAs" in out
    assert "derby" not in out.lower()
    dataset = open_dataset(data_dir)
    assert [(s["label"], s["first_month"], s["last_month"]) for s in dataset.ward_sets] == [
        ("December 2019 wards", None, "2023-04"), ("May 2023 wards", "2023-05", None)]
    assert dataset.area.name == "Kestrel Vale" and dataset.area.csp == "E22000990"
    assert dataset.months == ia.MONTHS
    # British Transport Police's crimes in the area are counted, as its own
    btp = dataset.incidents[dataset.incidents["force"] == "British Transport Police"]
    inside = independent_counts(new=True)["count"].sum() - independent_counts(new=True, btp=False)["count"].sum()
    assert len(btp) == inside == 6 * 24
    assert f"British Transport Police: {inside} crimes at stations and on the railway in the area" in out


def test_counts_on_the_latest_wards_equal_an_independent_spatial_join_for_both_years(kestrel_vale):
    data_dir, _ = kestrel_vale
    result = run_sia("counts", "--by", "ward", "--by", "fy", "--format", "json", "--data-dir", str(data_dir))
    got = pd.DataFrame(json.loads(result.stdout)).sort_values(["ward", "fy"]).reset_index(drop=True)
    expected = independent_counts(new=True)
    expected = expected[expected["fy"].isin(["2022-23", "2023-24"])].sort_values(["ward", "fy"]).reset_index(drop=True)
    assert set(got["ward"]) == set(ia.KESTREL_VALE.new_wards)
    pd.testing.assert_frame_equal(got[["ward", "fy", "count"]], expected[["ward", "fy", "count"]], check_dtype=False)


def test_a_comparison_across_the_re_warding_uses_the_new_wards_for_both_years(kestrel_vale):
    data_dir, _ = kestrel_vale
    result = run_sia("change", "--fy", "2022-23", "--fy", "2023-24", "--by", "ward", "--format", "json",
                     "--data-dir", str(data_dir))
    assert result.returncode == 0, result.stderr
    table = pd.DataFrame(json.loads(result.stdout))
    assert set(table["ward"]) == set(ia.KESTREL_VALE.new_wards)
    assert (table["count_2022-23"] > 0).all() and (table["count_2023-24"] > 0).all()


def test_asked_for_the_wards_of_their_month_the_old_wards_count_their_months(kestrel_vale):
    data_dir, _ = kestrel_vale
    result = run_sia("counts", "--by", "ward", "--by", "fy", "--format", "json", "--wards-of", "2022-06",
                     "--data-dir", str(data_dir))
    got = pd.DataFrame(json.loads(result.stdout))
    assert set(got["ward"]) == set(ia.KESTREL_VALE.old_wards)
    rows = pd.DataFrame([r for m in ia.MONTHS if m <= "2023-04" for r in ia.street_rows(m)])
    expected = independent_counts(new=False)
    in_force = rows["Month"].map(lambda m: m <= "2023-04")
    assert in_force.all()
    old = got.groupby("fy")["count"].sum()
    assert old["2022-23"] == expected.set_index("fy").loc["2022-23", "count"].sum()
    assert old["2023-24"] < old["2022-23"] / 6  # April 2023 alone


def test_a_partnership_of_two_districts_is_one_area(servers, tmp_path):
    result = fetch(servers, tmp_path / "data", "--csp", "E22000990", "--fy", "2023-24")
    assert result.returncode == 0, result.stderr
    dataset = open_dataset(tmp_path / "data")
    assert dataset.area.name == "Kestrel and Harrier"
    assert dataset.area.districts == ("E07000990", "E07000991")
    assert set(dataset.wards["ward_name"]) == set(ia.KESTREL_VALE.new_wards) | set(ia.DISTRICTS[1].old_wards)
    harrier = shapely.union_all([ia.DISTRICTS[1].box(0, 0, ia.SIDE, ia.SIDE)])
    assert harrier.area > 0
    assert "derby" not in (result.stdout + result.stderr).lower()


def test_months_police_uk_has_not_published_yet_are_left_out_and_named(servers, tmp_path):
    police = LocalServer(police_routes({"2024-01": archive("2024-01", ia.MONTHS[:-2])}))
    try:
        result = fetch((police, servers[1]), tmp_path / "data", "--area", "E07000990", "--fy", "2023-24")
    finally:
        police.stop()
    assert result.returncode == 0, result.stderr
    assert "2 month(s) asked for not published yet (2024-02 to 2024-03)" in result.stdout
    assert open_dataset(tmp_path / "data").months[-1] == "2024-01"


@pytest.mark.parametrize("page", ["pages/overview.py", "pages/map.py", "pages/ward.py", "pages/data.py",
                                  "pages/about.py"])
def test_no_page_of_the_fetched_area_says_derby_and_each_says_its_wards(monkeypatch, kestrel_vale, page):
    data_dir, _ = kestrel_vale
    at = run_app(monkeypatch, data_dir, page, {"fy": ["2022-23", "2023-24"], "ward": "Mardale"})
    shown = everything_shown(at)
    assert "derby" not in shown.lower()
    assert "Wards: May 2023 wards (6), for every month" in shown
    if page == "pages/overview.py":  # the area beside the other districts of its force
        peers = next(f.value for f in at.dataframe if "District" in f.value.columns)
        assert sorted(peers["District"]) == ["Harrier Dale", "Kestrel Vale (this area)", "Osprey Moor"]
        assert "Kestrel Vale against the other districts of its police force, 2023-24" in shown
    if page == "pages/data.py":  # British Transport Police's crimes counted as such
        by_force = next(f.value for f in at.dataframe if "Recorded by" in f.value.columns).set_index("Recorded by")
        assert by_force.loc["British Transport Police"].sum() == 6 * 24


def test_the_sidebar_puts_the_pages_on_the_wards_of_their_time_and_a_link_keeps_them(monkeypatch, kestrel_vale):
    data_dir, _ = kestrel_vale
    at = run_app(monkeypatch, data_dir, "pages/ward.py", {"ward": "Mardale"})
    choice = next(s for s in at.selectbox if s.label == "Wards")
    assert choice.value == "May 2023 wards"
    choice.set_value("December 2019 wards").run()
    assert at.query_params["wards"] == "2023-04"
    shown = everything_shown(at)
    assert "Wards: December 2019 wards (4), over the months they were in force" in shown
    # the link reopens the page on the old wards; a ward of theirs is chosen there
    again = run_app(monkeypatch, data_dir, "pages/ward.py", {"wards": "2022-06", "ward": "Cold Ashby"})
    assert "Cold Ashby" in page_text_of(again)
    assert "Wards: December 2019 wards (4)" in everything_shown(again)


def page_text_of(at) -> str:
    from test_missing_population import page_text
    return page_text(at)


def test_the_area_stands_beside_the_other_districts_of_its_force(kestrel_vale):
    data_dir, out = kestrel_vale
    assert "ONS: the 3 districts of the force area" in out
    result = run_sia("peers", "--fy", "2023-24", "--format", "json", "--data-dir", str(data_dir))
    assert result.returncode == 0, result.stderr
    table = pd.DataFrame(json.loads(result.stdout)).set_index("district")
    assert list(table.index.sort_values()) == sorted(d.name for d in ia.DISTRICTS)
    assert table["area"].to_dict() == {d.name: d is ia.KESTREL_VALE for d in ia.DISTRICTS}
    # the force's own crimes (not British Transport Police's) in each district, as geopandas places them
    rows = pd.DataFrame([r for m in ia.MONTHS if m >= "2023-04" for r in ia.street_rows(m)])
    rows = rows[rows["Crime type"] != "Anti-social behaviour"]
    points = gpd.GeoDataFrame(rows, geometry=gpd.points_from_xy(rows["Longitude"].astype(float),
                                                                rows["Latitude"].astype(float)), crs="EPSG:4326")
    districts = gpd.GeoDataFrame.from_features(ia.district_features(), crs="EPSG:4326")
    expected = gpd.sjoin(points, districts, predicate="within").groupby("LAD23NM").size()
    assert table["count"].to_dict() == expected.to_dict()
    residents = {d.name: 40_000 + 9_000 * d.index for d in ia.DISTRICTS}
    for name, row in table.iterrows():
        assert row["rate"] == pytest.approx(row["count"] / 12 * 12 / residents[name] * 1000)
    assert (table["ranked_by"] == "rate").all()


@pytest.mark.parametrize("wards_of,named", [(None, "Wards: May 2023 wards (6), for every month"),
                                            ("2022-06", "Wards: December 2019 wards (4), over the months they were")])
def test_a_pack_says_which_wards_it_uses_and_never_derby(kestrel_vale, tmp_path, wards_of, named):
    data_dir, _ = kestrel_vale
    out = tmp_path / "pack.pdf"
    ward = "Mardale" if wards_of is None else "Cold Ashby"
    result = run_sia("brief", "--ward", ward, "--fy", "2022-23", "--out", str(out), "--data-dir", str(data_dir),
                     *(["--wards-of", wards_of] if wards_of else []))
    assert result.returncode == 0, result.stderr
    text, _ = pdf_text(out)
    assert named in text
    assert "derby" not in text.lower()


def test_a_2011_population_reaches_the_wards_drawn_on_2021_lsoas(servers, tmp_path):
    from test_any_area import write_population
    write_population(tmp_path / "pop2011.csv", year=2011)
    result = fetch(servers, tmp_path / "data", "--area", "E07000990", "--fy", "2022-23", "--fy", "2023-24",
                   "--population", f"2022-23={tmp_path / 'pop2011.csv'}")
    assert result.returncode == 0, result.stderr
    dataset = open_dataset(tmp_path / "data")
    residents = sum(1200 + 37 * k for k in range(36))
    assert dataset.wards["population_2022-23"].sum() == residents
    # the old wards, drawn on the 2011 LSOAs, get the same residents through their own lookup
    old = dataset.on_wards_of("2022-06").wards
    assert set(old["ward_name"]) == set(ia.KESTREL_VALE.old_wards)
    assert old["population_2022-23"].sum() == residents and old["population_2022-23"].notna().all()
    on_old = run_sia("brief", "--ward", "Cold Ashby", "--fy", "2022-23", "--measure", "rate", "--wards-of", "2022-06",
                     "--out", str(tmp_path / "old.html"), "--data-dir", str(tmp_path / "data"))
    assert on_old.returncode == 0, on_old.stderr
    assert "per 1,000 residents a year" in (tmp_path / "old.html").read_text()
    brief = run_sia("brief", "--ward", "Mardale", "--fy", "2022-23", "--measure", "rate", "--out",
                    str(tmp_path / "p.html"), "--data-dir", str(tmp_path / "data"))
    assert brief.returncode == 0, brief.stderr
    assert "per 1,000 residents a year" in (tmp_path / "p.html").read_text()


def ons_server(**variant) -> LocalServer:
    return LocalServer(ons_services(**variant), fallback=arcgis_unknown)


def test_a_partnership_over_two_force_areas_needs_its_force_named(servers, tmp_path):
    rows = ia.area_lookup_rows()
    rows[1] = {**rows[1], "PFA23CD": "E23000991", "PFA23NM": "Other Shire"}
    ons = ons_server(area_rows=rows)
    try:
        refused = fetch((servers[0], ons), tmp_path / "a", "--csp", "E22000990", "--fy", "2023-24")
        named = fetch((servers[0], ons), tmp_path / "b", "--csp", "E22000990", "--fy", "2023-24",
                      "--force", "kestrelshire")
    finally:
        ons.stop()
    assert refused.returncode == 2
    assert "the districts fall in 2 police force areas" in refused.stderr and "--force NAME" in refused.stderr
    assert not (tmp_path / "a" / "CURRENT").exists()
    assert named.returncode == 0, named.stderr
    assert "no one force to stand beside" in named.stdout


def test_an_area_answer_refused_is_not_kept_so_a_good_server_is_asked_again(servers, tmp_path):
    rows = [{**r, "LAD23NM": "**Kestrel** Vale"} for r in ia.area_lookup_rows()]
    bad = ons_server(area_rows=rows)
    try:
        refused = fetch((servers[0], bad), tmp_path / "data", "--area", "E07000990", "--fy", "2023-24")
    finally:
        bad.stop()
    assert refused.returncode == 2
    assert "with a name that is not an area's" in refused.stderr
    good = fetch(servers, tmp_path / "data", "--area", "E07000990", "--fy", "2023-24")
    assert good.returncode == 0, good.stderr
    assert open_dataset(tmp_path / "data").area.name == "Kestrel Vale"


def test_wards_of_two_districts_sharing_a_name_are_told_apart_by_district(servers, tmp_path):
    import dataclasses
    harrier = dataclasses.replace(ia.DISTRICTS[1], old_wards=("Kestrel Mill", *ia.DISTRICTS[1].old_wards[1:]))
    ons = ons_server(districts=(ia.DISTRICTS[0], harrier, ia.DISTRICTS[2]))
    try:
        result = fetch((servers[0], ons), tmp_path / "data", "--csp", "E22000990", "--fy", "2023-24")
    finally:
        ons.stop()
    assert result.returncode == 0, result.stderr
    names = set(open_dataset(tmp_path / "data").wards["ward_name"])
    assert {"Kestrel Mill (Kestrel Vale)", "Kestrel Mill (Harrier Dale)"} <= names


def test_on_the_wards_of_their_time_lsoas_are_the_2011_lsoas_and_count_as_a_spatial_join(kestrel_vale):
    data_dir, _ = kestrel_vale
    dataset = open_dataset(data_dir)
    old = dataset.on_wards_of("2022-06")
    assert set(old.lsoas["lsoa_code"]) == {f["properties"]["LSOA11CD"] for f in ia.lsoa_features([ia.KESTREL_VALE])}
    assert set(old.lsoas["ward_name"]) <= set(ia.KESTREL_VALE.old_wards)
    assert set(dataset.lsoas["lsoa_code"]) == {f["properties"]["LSOA21CD"]
                                               for f in ia.lsoa_features([ia.KESTREL_VALE], year=2021)}
    result = run_sia("hotspots", "--unit", "lsoa", "--wards-of", "2022-06", "--fy", "2022-23", "--format", "json",
                     "--data-dir", str(data_dir))
    assert result.returncode == 0, result.stderr
    got = pd.DataFrame(json.loads(result.stdout)).set_index("unit_id")["count"]
    # Every crime of 2022-23 (the command's default: anti-social behaviour aside), Kestrelshire's
    # and British Transport Police's, placed by geopandas in the 2011 LSOAs.
    rows = pd.DataFrame([r for m in ia.MONTHS if "2022-04" <= m <= "2023-03"
                         for r in ia.street_rows(m) + ia.btp_rows(m)])
    rows = rows[rows["Crime type"] != "Anti-social behaviour"]
    points = gpd.GeoDataFrame(geometry=gpd.points_from_xy(rows["Longitude"].astype(float),
                                                          rows["Latitude"].astype(float)), crs="EPSG:4326")
    points = points.to_crs("EPSG:27700")
    lsoas = gpd.GeoDataFrame.from_features(ia.lsoa_features([ia.KESTREL_VALE]), crs="EPSG:4326").to_crs("EPSG:27700")
    expected = gpd.sjoin(points, lsoas, predicate="within").groupby("LSOA11CD").size()
    assert got[got > 0].sort_index().to_dict() == expected.sort_index().to_dict()


def test_the_map_of_lsoas_on_the_wards_of_their_time_says_they_have_no_residents(servers, tmp_path, monkeypatch):
    # The old wards get residents (through their lookup), their 2011 LSOAs none: the map of
    # those LSOAs by rate says so and shades them by incidents per month, not blank.
    from test_any_area import write_population
    from test_app import map_legend_text
    write_population(tmp_path / "pop2011.csv", year=2011)
    result = fetch(servers, tmp_path / "data", "--area", "E07000990", "--fy", "2022-23", "--fy", "2023-24",
                   "--population", f"2022-23={tmp_path / 'pop2011.csv'}")
    assert result.returncode == 0, result.stderr
    at = run_app(monkeypatch, tmp_path / "data", "pages/map.py",
                 {"wards": "2022-06", "unit": "lsoa", "measure": "rate", "fy": "2022-23"})
    assert not at.exception
    assert "There are no residents' figures for LSOAs in 2022-23: they are shaded by incidents per month." in [
        i.value for i in at.info]
    assert "Incidents per month, 2022-23: LSOAs" in map_legend_text(at)
