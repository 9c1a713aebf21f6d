"""The Data page builds the app's dataset from uploads, or by fetching; errors show plainly."""
import io
from pathlib import Path

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from sia.analysis.counts import count_incidents
from sia.dataset.store import open_dataset

from fetch_servers import ONS_ROOT
from support import ROOT, unescaped


@pytest.fixture
def app_cache(monkeypatch, tmp_path, demo_data_dir) -> Path:
    """A cache folder of the test's own (the demo in it is the session's, linked), so that
    what the page builds in cache/uploaded is seen by no other test."""
    from sia.app.loaders import _data_dir

    cache = tmp_path / "cache"
    cache.mkdir()
    (cache / "demo").symlink_to(demo_data_dir)
    monkeypatch.setenv("SIA_CACHE_DIR", str(cache))
    monkeypatch.delenv("SIA_DATA_DIR", raising=False)
    monkeypatch.setenv("SIA_FETCH_RETRIES", "0")
    monkeypatch.setenv("SIA_IN_APP_LOADING", "1")  # one person's machine: its user is the steward
    # AppTest runs a page on its own on reruns, which sia.app.navigation answers with a rerun through
    # app.py's navigation; that second run would lose a button's click. A real server runs
    # pages through app.py (tests/e2e checks it), so here the page simply runs.
    monkeypatch.setattr("sia.app.navigation.run_through_app_navigation", lambda: None)
    _data_dir.clear()
    yield cache
    _data_dir.clear()


def data_page() -> AppTest:
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)
    at.switch_page("pages/data.py")
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    assert "Synthetic demo data" in at.warning[0].value
    return at


def upload(path: Path, name: str | None = None) -> tuple[str, bytes, str]:
    return name or path.name, path.read_bytes(), "application/octet-stream"


def submit(at: AppTest) -> AppTest:
    at.run()  # a browser reruns the page as each file arrives
    assert not at.exception, [e.value for e in at.exception]
    at.button(key="build_upload").click()
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def test_uploading_the_real_files_makes_them_the_apps_dataset(app_cache, shared_data, real_data_dir):
    at = data_page()
    at.file_uploader(key="upload_police_0").set_value(
        [upload(p) for p in sorted((shared_data / "police_uk").rglob("*-street.csv"))])
    at.file_uploader(key="upload_wards_0").set_value(upload(shared_data / "boundaries" / "wards_2013_derby.geojson"))
    at.file_uploader(key="upload_lookup_0").set_value(upload(shared_data / "lookups" / "lsoa11_to_ward19_derby.csv"))
    at.file_uploader(key="upload_lsoas_0").set_value(upload(shared_data / "boundaries" / "lsoa_2011_derby.geojson"))
    at.file_uploader(key="upload_population_0").set_value([
        upload(shared_data / "population" / "pop_mid2015_lsoa_derby.csv", "population-2014-15.csv"),
        upload(shared_data / "population" / "pop_mid2019_lsoa_syoa_derby.csv", "population-2019-20.csv")])
    submit(at)

    assert "8 uploaded police.uk file(s): 25," in unescaped(at.success[0].value)
    assert not at.warning  # no longer the demo
    assert "police.uk street-level data" in at.info[0].value and "2014-15: 7 of 12 months" in at.info[0].value
    built = open_dataset(app_cache / "uploaded")
    assert "population_2019-20" in built.wards
    assert count_incidents(built.incidents, ["ward", "fy"]).equals(
        count_incidents(open_dataset(real_data_dir).incidents, ["ward", "fy"]))
    # The LSOAs are kept, with their wards and population, as from the command line.
    assert len(built.lsoas) == 151 and built.lsoas["population_2019-20"].sum() == 257_302
    columns = ["lsoa_code", "lsoa_name", "ward_code", "population_2014-15", "population_2019-20", "geometry"]
    pd.testing.assert_frame_equal(built.lsoas[columns], open_dataset(real_data_dir).lsoas[columns])
    assert any("151** LSOAs are kept with the data, each with its ward and population" in m.value
               for m in at.markdown)


@pytest.mark.parametrize("case,errors", [
    ("no wards, population without a year", [
        "no ward boundaries uploaded; add the ward polygons as GeoJSON or GeoPackage",
        "pop.csv: the file name does not say its financial year; rename it to include the year, "
        "e.g. population-2014-15.csv"]),
    ("a street file with a bad month", ["2019-09-derbyshire-street.csv lines 2, 3, 4, 5, 6 and 3252 more: "
                                        "Month 'Sept 2019' is not YYYY-MM (3,257 rows)"]),
    ("wards given as the LSOAs", ["lsoas.geojson: cannot tell which field holds the LSOA code: "
                                  "ONS-style fields found: none"]),
])
def test_a_bad_upload_says_what_is_wrong_and_builds_nothing(app_cache, shared_data, case, errors):
    at = data_page()
    street = shared_data / "police_uk" / "2019-09" / "2019-09-derbyshire-street.csv"
    if case.startswith("no wards"):
        at.file_uploader(key="upload_police_0").set_value([upload(street)])
        at.file_uploader(key="upload_population_0").set_value([upload(street, "pop.csv")])
    elif case.startswith("wards given"):
        wards = shared_data / "boundaries" / "wards_2013_derby.geojson"
        at.file_uploader(key="upload_police_0").set_value([upload(street)])
        at.file_uploader(key="upload_wards_0").set_value(upload(wards))
        at.file_uploader(key="upload_lsoas_0").set_value(upload(wards, "lsoas.geojson"))
    else:
        broken = street.read_bytes().replace(b",2019-09,", b",Sept 2019,")
        at.file_uploader(key="upload_police_0").set_value([(street.name, broken, "text/csv")])
        at.file_uploader(key="upload_wards_0").set_value(
            upload(shared_data / "boundaries" / "wards_2013_derby.geojson"))
    submit(at)
    shown = [unescaped(e.value) for e in at.error]
    assert len(shown) == len(errors)
    for text, expected in zip(shown, errors):
        assert text.startswith(expected)
    assert not (app_cache / "uploaded" / "CURRENT").exists()
    assert "Synthetic demo data" in at.warning[0].value


def test_fetch_shows_its_error_in_the_page(app_cache, monkeypatch, serve):
    police, ons = serve()
    monkeypatch.setenv("SIA_POLICE_BASE_URL", police.url)
    monkeypatch.setenv("SIA_ONS_BASE_URL", f"{ons.url}{ONS_ROOT}")
    at = data_page()
    at.button(key="fetch").click().run()
    # The local archives hold 2014-04..10 and 2019-09 only: the rest of the two years is named.
    assert len(at.error) == 1
    missing = "no police.uk archive holds 2014-11, 2014-12, 2015-01, 2015-02, 2015-03, 2019-04"
    assert missing in unescaped(at.error[0].value)
    assert not (app_cache / "uploaded" / "CURRENT").exists()

    monkeypatch.setenv("SIA_POLICE_BASE_URL", "http://127.0.0.1:9")  # offline
    at.button(key="fetch").click().run()
    assert [unescaped(e.value) for e in at.error] == [
        "http://127.0.0.1:9/data/archive/: cannot reach data.police.uk (Connection refused) "
        "(1 attempt); check the internet connection and try again later, or point "
        "--police-base-url (or $SIA_POLICE_BASE_URL) at a mirror"]


def test_without_configuration_the_data_page_offers_no_loading(app_cache, monkeypatch):
    """An app without sign-in is read-only: no uploader, no fetch, and how to load instead."""
    monkeypatch.delenv("SIA_IN_APP_LOADING")
    at = data_page()
    assert not at.get("file_uploader") and not [b for b in at.button if b.key in ("fetch", "build_upload")]
    advice = unescaped(next(i.value for i in at.info if "data stewards" in i.value))
    assert "python -m sia fetch" in advice and "SIA_IN_APP_LOADING=1" in advice
    assert at.dataframe  # the page's own figures are still shown


def test_uploads_over_the_session_cap_are_let_go(app_cache, monkeypatch, shared_data):
    monkeypatch.setattr("sia.dataset.uploads.MAX_UPLOAD_TOTAL", 1024 * 1024)  # 1 MB for the test
    at = data_page()
    street = sorted((shared_data / "police_uk").rglob("*-street.csv"))[:3]  # about 1.8 MB
    at.file_uploader(key="upload_police_0").set_value([upload(p) for p in street])
    at.run()
    assert "more than the 1 MB one upload may hold, so they were let go" in unescaped(at.error[0].value)
    at.run()  # the uploaders start afresh, empty
    assert at.file_uploader(key="upload_police_1").value in (None, [])
    assert not (app_cache / "uploaded" / "CURRENT").exists()


@pytest.fixture
def damaged(tmp_path, monkeypatch):
    """SIA_DATA_DIR names a dataset whose manifest was cut short."""
    from sia.dataset.ingest import WardInputs, build_dataset

    from police_rows import row, write_street, write_test_wards

    build, _ = build_dataset([write_street(tmp_path / "src", "2014-04", [row()])],
                             WardInputs(boundaries=write_test_wards(tmp_path / "w.geojson")), tmp_path / "data")
    (build / "manifest.json").write_text('{"format": 1, "mon')
    monkeypatch.setenv("SIA_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setattr("sia.app.navigation.run_through_app_navigation", lambda: None)
    from sia.app.loaders import _data_dir
    _data_dir.clear()
    yield tmp_path / "data"
    _data_dir.clear()


@pytest.mark.parametrize("page", ["pages/overview.py", "pages/map.py", "pages/ward.py", "pages/priorities.py",
                                  "pages/violence.py", "pages/assessment.py", "pages/data.py", "pages/about.py"])
def test_a_damaged_dataset_is_explained_on_every_page(damaged, page, monkeypatch):
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)
    at.switch_page(page)
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    error = unescaped(at.error[0].value)
    assert "The dataset cannot be opened" in error and "manifest.json cannot be read" in error
    assert str(damaged) not in error and "/tmp" not in error  # no server paths for viewers
    assert any("To repair it" in i.value for i in at.info)
    assert not at.metric and not at.dataframe


def test_a_steward_can_rebuild_a_damaged_dataset_from_the_data_page(damaged, monkeypatch, shared_data):
    monkeypatch.setenv("SIA_IN_APP_LOADING", "1")
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)
    at.switch_page("pages/data.py")
    at.run()
    assert "The dataset cannot be opened" in unescaped(at.error[0].value)
    at.file_uploader(key="upload_police_0").set_value(
        [upload(shared_data / "police_uk" / "2019-09" / "2019-09-derbyshire-street.csv")])
    at.file_uploader(key="upload_wards_0").set_value(upload(shared_data / "boundaries" / "wards_2013_derby.geojson"))
    submit(at)
    assert "3,257 incidents loaded" in unescaped(at.success[0].value)
    assert len(open_dataset(damaged).incidents) == 3257 and not at.error


def test_an_upload_larger_than_a_build_in_the_app_may_read_is_refused(app_cache, monkeypatch, shared_data):
    """A small zip may hold street files that inflate to a gigabyte, which the server would
    hold about four times over beside every session: builds from uploads read at most
    MAX_IN_APP_BUILD_INPUT (here 1 MB), from the members' stated sizes, before any is read."""
    import zipfile

    monkeypatch.setattr("sia.dataset.uploads.MAX_IN_APP_BUILD_INPUT", 1024 * 1024)
    street = sorted((shared_data / "police_uk").rglob("*-street.csv"))[:3]  # about 1.8 MB
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as zf:
        for path in street:
            zf.write(path, f"{path.parent.name}/{path.name}")
    at = data_page()
    at.file_uploader(key="upload_police_0").set_value([("months.zip", archive.getvalue(), "application/zip")])
    at.file_uploader(key="upload_wards_0").set_value(upload(shared_data / "boundaries" / "wards_2013_derby.geojson"))
    submit(at)
    error = unescaped(at.error[0].value)
    assert "more than the 1 MB one build may read" in error and "python -m sia ingest" in error
    assert not (app_cache / "uploaded" / "CURRENT").exists()
