"""The eight real months of Derby police.uk data, with real boundaries, population and IMD."""
import io
import json

import geopandas as gpd
import pandas as pd
import pytest

from sia.cli import main
from sia.dataset.denominators import population_column
from sia.dataset.store import open_dataset

from support import real_ingest_args, run_sia

# Rows per month in ../shared/data/police_uk (its README).
ROWS_PER_MONTH = {"2014-04": 2993, "2014-05": 3087, "2014-06": 3059, "2014-07": 3288,
                  "2014-08": 3017, "2014-09": 3207, "2014-10": 3158, "2019-09": 3257}


@pytest.fixture(scope="module")
def dataset(real_data_dir):
    return open_dataset(real_data_dir)


def test_report_accounts_for_every_row(dataset):
    report = dataset.report
    assert report.rows_read == sum(ROWS_PER_MONTH.values()) == 25_066
    assert report.loaded + sum(report.set_aside().values()) == report.rows_read
    assert report.unaccounted == 0
    assert len(report.files) == 8 and all(len(f.sha256) == 64 for f in report.files)
    # Derby's rows are all inside Derby: only police.uk's snapping puts a few just outside.
    assert report.loaded == report.rows_read
    assert 0 < report.placed_by_nearest_ward < 50


def test_months_years_and_wards(dataset):
    incidents = dataset.incidents
    counts = incidents.groupby("month", observed=True).size()
    assert counts.to_dict() == ROWS_PER_MONTH
    assert dataset.financial_years == ["2014-15", "2019-20"]
    by_ward = incidents.groupby("ward_name", observed=False).size()
    assert len(by_ward) == 17 and (by_ward > 0).all()
    assert by_ward.idxmax() == "Arboretum"  # the city centre
    assert set(incidents["ward_code"].astype(str)) == {f"E0500{n}" for n in range(1767, 1784)}
    assert incidents["lsoa_code"].astype(str).str.match(r"^E01\d{6}$").all()


def test_ward_population_and_deprivation(dataset):
    wards = dataset.wards.set_index("ward_name")
    assert wards[population_column("2014-15")].sum() == 253_875
    assert wards[population_column("2019-20")].sum() == 257_302
    assert wards["imd2015_lsoas"].sum() == 151 and wards["imd2019_lsoas"].sum() == 151
    # Arboretum and Normanton are among the most deprived wards; Allestree among the least.
    assert wards["imd2019_mean_rank"].nsmallest(3).index.tolist()[0] == "Arboretum"
    assert wards.loc["Allestree", "imd2019_decile1_share"] == 0
    assert wards.loc["Arboretum", "imd2015_mean_score"] > wards.loc["Allestree", "imd2015_mean_score"]
    assert dataset.wards.crs.to_epsg() == 4326


def test_the_build_holds_the_151_lsoas_with_ward_population_and_imd(dataset, shared_data):
    lsoas = dataset.lsoas
    assert len(lsoas) == 151 and lsoas["lsoa_code"].is_unique and dataset.lsoas.crs.to_epsg() == 4326
    assert lsoas[["ward_code", "ward_name", "population_2014-15", "population_2019-20", "imd2015_rank",
                  "imd2015_decile", "imd2015_score", "imd2019_rank", "imd2019_decile"]].notna().all().all()
    # Each LSOA's ward is the lookup's (the ONS best fit), and the overlap agrees with it.
    lookup = pd.read_csv(shared_data / "lookups" / "lsoa11_to_ward19_derby.csv").set_index("LSOA11CD")["WD19CD"]
    assert (lsoas.set_index("lsoa_code")["ward_code"] == lookup.reindex(lsoas["lsoa_code"])).all()
    assert ("151 LSOAs from lsoa_2011_derby.geojson, each with its ward: from the LSOA to ward lookup for 151, "
            "by the largest overlap with the wards for 0") in dataset.report.notes
    # The one LSOA boundary of the file that is not a valid polygon (a ring touching itself) is
    # repaired, keeping its area, and named.
    assert any(n.startswith("1 LSOA boundary was not a valid polygon") and n.endswith(": E01013488")
               for n in dataset.report.notes)
    # The LSOAs add up to their wards.
    wards = dataset.wards.set_index("ward_code")
    by_ward = lsoas.groupby("ward_code")[["population_2014-15", "population_2019-20"]].sum()
    assert (by_ward["population_2014-15"] == wards.loc[by_ward.index, population_column("2014-15")]).all()
    assert lsoas["population_2014-15"].sum() == 253_875 and lsoas["population_2019-20"].sum() == 257_302
    assert (lsoas.groupby("ward_code").size() == wards.loc[by_ward.index, "imd2019_lsoas"]).all()
    imd = pd.read_csv(shared_data / "deprivation" / "imd2015_lsoa_derby.csv").set_index("lsoa11_code")
    assert (lsoas.set_index("lsoa_code")["imd2015_rank"] == imd["IMD_rank"].reindex(lsoas["lsoa_code"])).all()
    assert list(dataset.manifest["tables"]) == ["incidents.parquet", "wards.parquet", "lsoas.parquet"]
    assert len(dataset.manifest["inputs"]["lsoas"]["sha256"]) == 64


def test_without_a_lookup_the_lsoas_take_population_and_imd_to_their_wards(dataset, shared_data, tmp_path):
    """The LSOAs' wards by overlap serve as the lookup: the same ward figures as with it."""
    args = real_ingest_args(shared_data, tmp_path, shared_data / "police_uk" / "2019-09")
    at = args.index("--lsoa-lookup")
    assert main(["ingest", *args[:at], *args[at + 2:]]) == 0
    without = open_dataset(tmp_path)
    columns = [c for c in dataset.wards.columns if c.startswith(("population_", "imd"))]
    pd.testing.assert_frame_equal(without.wards[columns], dataset.wards[columns])
    assert any("from the LSOA to ward lookup for 0, by the largest overlap with the wards for 151" in n
               for n in without.report.notes)


def test_counts_agree_with_an_independent_point_in_polygon_count(real_data_dir, shared_data):
    result = run_sia("counts", "--data-dir", str(real_data_dir), "--by", "ward", "--format", "csv")
    assert result.returncode == 0, result.stderr
    ours = pd.read_csv(io.StringIO(result.stdout)).set_index("ward")["count"]

    frames = [pd.read_csv(p) for p in sorted((shared_data / "police_uk").glob("*/*-street.csv"))]
    rows = pd.concat(frames, ignore_index=True)
    points = gpd.GeoDataFrame(geometry=gpd.points_from_xy(rows["Longitude"], rows["Latitude"]),
                              crs="EPSG:4326").to_crs(27700)
    wards = gpd.read_file(shared_data / "boundaries" / "wards_2013_derby.geojson").to_crs(27700)
    inside = gpd.sjoin(points, wards[["WD13NM", "geometry"]], predicate="within")
    inside = inside[~inside.index.duplicated()]
    rest = points.drop(inside.index)
    near = gpd.sjoin_nearest(rest, wards[["WD13NM", "geometry"]], max_distance=100)
    near = near[~near.index.duplicated()]
    theirs = pd.concat([inside["WD13NM"], near["WD13NM"]]).value_counts()
    agree = sum(min(ours.get(w, 0), theirs.get(w, 0)) for w in theirs.index)
    assert agree / len(rows) >= 0.995
    assert ours.sum() == len(inside) + len(near)


def test_counts_by_category_year_and_filters(real_data_dir, shared_data):
    result = run_sia("counts", "--data-dir", str(real_data_dir), "--by", "fy", "--by", "crime_type",
                     "--crime-type", "Anti-social behaviour", "--format", "json")
    records = json.loads(result.stdout)
    assert [r["fy"] for r in records] == ["2014-15", "2019-20"]
    assert all(set(r) == {"fy", "crime_type", "count"} for r in records)
    rows = pd.concat(pd.read_csv(p) for p in (shared_data / "police_uk").glob("*/*-street.csv"))
    asb = rows[rows["Crime type"] == "Anti-social behaviour"]
    direct = asb["Month"].str.startswith("2014").sum(), asb["Month"].str.startswith("2019").sum()
    assert (records[0]["count"], records[1]["count"]) == direct
    month = run_sia("counts", "--data-dir", str(real_data_dir), "--by", "month", "--fy", "2019-20")
    assert month.stdout.strip().splitlines() == ["month,count", "2019-09,3257"]


def test_reingest_is_idempotent(real_data_dir, shared_data, tmp_path):
    first = open_dataset(real_data_dir)
    assert main(["ingest", *real_ingest_args(shared_data, tmp_path)]) == 0
    again = open_dataset(tmp_path)
    pd.testing.assert_frame_equal(first.incidents, again.incidents)
    pd.testing.assert_frame_equal(first.wards, again.wards)
    pd.testing.assert_frame_equal(first.lsoas, again.lsoas)
    assert first.manifest["sources"] == again.manifest["sources"]
    assert first.manifest["report"] == again.manifest["report"]


def test_one_month_from_the_archive_layout(shared_data, tmp_path):
    assert main(["ingest", *real_ingest_args(shared_data, tmp_path, shared_data / "police_uk" / "2019-09")]) == 0
    dataset = open_dataset(tmp_path)
    assert dataset.months == ["2019-09"] and len(dataset.incidents) == 3257


def test_the_dataset_lsoa_units_the_app_can_ask_for(dataset):
    from sia.analysis.hotspots.runs import dataset_lsoa_units

    units = dataset_lsoa_units(dataset, "2014-15")
    assert units.crs.to_epsg() == 27700 and len(units) == 151
    assert {"unit_id", "unit_name", "ward_code", "ward", "population", "area_km2"} <= set(units.columns)
    assert units["population"].sum() == 253_875 and units["ward"].notna().all()
    assert units.groupby("ward").size()["Arboretum"] == len(
        dataset.lsoas[dataset.lsoas["ward_name"] == "Arboretum"])
    assert dataset_lsoa_units(dataset)["population"].sum() == 257_302  # the latest year held
    assert dataset_lsoa_units(dataset, "2016-17")["population"].isna().all()  # a year without a population


def test_outcomes_files_beside_the_real_months_change_the_outcomes_only(dataset, shared_data, tmp_path):
    """The eight real months with outcomes files as police.uk lays them beside them: a third
    of 2014-04's crimes given a later outcome in 2014-06, and a 2014-11 file (a month the
    street data lacks) naming 2014-10's crimes and some crimes of no month held. Every other
    column, and every figure, is as without them; the street file's outcome is kept."""
    from police_rows import OUTCOMES_HEADER, csv_text

    def street(month):
        return pd.read_csv(shared_data / "police_uk" / month / f"{month}-derbyshire-street.csv", dtype=str,
                           keep_default_na=False)

    def outcomes(rows, month, outcome):
        return [{**{c: r[c] for c in OUTCOMES_HEADER[:-1]}, "Month": month, "Outcome type": outcome}
                for r in rows.to_dict("records")]

    april = street("2014-04")
    later = april[april["Crime ID"] != ""].iloc[::3]
    october = street("2014-10")
    october = october[october["Crime ID"] != ""]
    unknown = [{c: "" for c in OUTCOMES_HEADER} | {"Crime ID": f"{i:064x}", "Month": "2014-11",
                                                   "Outcome type": "Offender fined"} for i in range(25)]
    folder = tmp_path / "outcomes"
    for month, rows in (("2014-06", outcomes(later, "2014-06", "Offender given a caution")),
                        ("2014-11", outcomes(october, "2014-11", "Suspect charged") + unknown)):
        (folder / month).mkdir(parents=True)
        (folder / month / f"{month}-derbyshire-outcomes.csv").write_text(csv_text(rows, OUTCOMES_HEADER))
    out = tmp_path / "data"
    assert main(["ingest", *real_ingest_args(shared_data, out, shared_data / "police_uk", folder)]) == 0
    built = open_dataset(out)
    plain, given = dataset.incidents, built.incidents
    others = [c for c in plain.columns if c not in ("outcome", "street_outcome")]
    pd.testing.assert_frame_equal(given[others], plain[others])
    assert (given["street_outcome"].astype(str) == plain["outcome"].astype(str)).all()
    changed = given["outcome"].astype(str) != plain["outcome"].astype(str)
    expected = (given["crime_id"].isin(later["Crime ID"]) & (plain["outcome"] != "Offender given a caution")) | \
        given["crime_id"].isin(october["Crime ID"])
    assert (changed == expected).all()
    tally = built.report.outcomes
    assert (len(tally.files), tally.rows_read, tally.matched, tally.unmatched, tally.superseded) == (
        2, len(later) + len(october) + 25, len(later) + len(october), 25, int(changed.sum()))
    assert built.report.rows_read == dataset.report.rows_read and built.report.loaded == dataset.report.loaded
    assert built.months == dataset.months  # an outcomes file's month is not a month of incidents
