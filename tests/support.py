"""Helpers shared by the tests (fixtures live in the conftest files)."""
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SHARED_DATA = ROOT.parent / "shared" / "data"
ARTIFACTS = ROOT / "tests" / "artifacts"  # screenshots and server logs, ignored by git


def unescaped(markdown: str) -> str:
    """Markdown made safe by sia.views.shown_text.markdown_text, as a reader sees it (the
    word joiners that stop autolinks are invisible)."""
    return re.sub(r"\\([!-/:-@\[-`{-~])", r"\1", markdown).replace("\u2060", "")


def require_shared_data() -> Path:
    """The real Derby data beside the repository: a failure under CI, a skip elsewhere."""
    if not (SHARED_DATA / "police_uk").is_dir():
        message = f"the shared real data is missing: expected {SHARED_DATA}"
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)
    return SHARED_DATA


def real_ingest_args(shared: Path, data_dir: Path, *sources: Path) -> list[str]:
    return [*(str(s) for s in (sources or [shared / "police_uk"])),
            "--wards", str(shared / "boundaries" / "wards_2013_derby.geojson"),
            "--lsoas", str(shared / "boundaries" / "lsoa_2011_derby.geojson"),
            "--data-dir", str(data_dir),
            "--lsoa-lookup", str(shared / "lookups" / "lsoa11_to_ward19_derby.csv"),
            "--population", f"2014-15={shared / 'population' / 'pop_mid2015_lsoa_derby.csv'}",
            "--population", f"2019-20={shared / 'population' / 'pop_mid2019_lsoa_syoa_derby.csv'}",
            "--imd", f"2015={shared / 'deprivation' / 'imd2015_lsoa_derby.csv'}",
            "--imd", f"2019={shared / 'deprivation' / 'iod2019_ranks_deciles_lsoa_derby.csv'}"]


def run_sia(*args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    """``python -m sia ARGS`` as a user runs it, in its own process."""
    return subprocess.run([sys.executable, "-m", "sia", *args], cwd=ROOT, capture_output=True,
                          text=True, env={**os.environ, **(env or {})}, timeout=300)


def independent_lsoa_counts(data_dir, shared_data, fy):
    """Crimes (not ASB) of one year placed in the LSOA polygons by geopandas' own join (not
    the package's placement), and the polygons in British National Grid."""
    import geopandas as gpd

    from sia.dataset.store import open_dataset

    incidents = open_dataset(data_dir).incidents
    rows = incidents[(incidents["fy"] == fy) & (incidents["category"] != "Anti-social behaviour")]
    points = gpd.GeoDataFrame(geometry=gpd.points_from_xy(rows["lon"], rows["lat"]), crs=4326).to_crs(27700)
    lsoas = gpd.read_file(shared_data / "boundaries" / "lsoa_2011_derby.geojson").to_crs(27700)
    joined = gpd.sjoin(points, lsoas[["LSOA11CD", "geometry"]], predicate="within")
    joined = joined[~joined.index.duplicated()]
    return joined["LSOA11CD"].value_counts().reindex(lsoas["LSOA11CD"], fill_value=0), lsoas
