"""Small police.uk street and outcomes files for tests, written as police.uk publishes them."""
from __future__ import annotations

import csv
import io
import warnings
import zipfile
from pathlib import Path

import geopandas as gpd
import shapely
from pyproj import Transformer

HEADER = ["Crime ID", "Month", "Reported by", "Falls within", "Longitude", "Latitude", "Location",
          "LSOA code", "LSOA name", "Crime type", "Last outcome category", "Context"]
OUTCOMES_HEADER = ["Crime ID", "Month", "Reported by", "Falls within", "Longitude", "Latitude", "Location",
                   "LSOA code", "LSOA name", "Outcome type"]
FORCE = "Derbyshire Constabulary"
_TO_WGS84 = Transformer.from_crs("EPSG:27700", "EPSG:4326", always_xy=True)

# Two square test wards in British National Grid near Derby, side by side:
# West [435000, 436000] x [335000, 336000], East [436000, 437000] x [335000, 336000].
WEST = shapely.box(435000, 335000, 436000, 336000)
EAST = shapely.box(436000, 335000, 437000, 336000)


def lonlat(x: float, y: float) -> tuple[float, float]:
    lon, lat = _TO_WGS84.transform(x, y)
    return round(lon, 7), round(lat, 7)


def row(month="2014-04", x=435500.0, y=335500.0, crime_type="Burglary", crime_id="abc",
        location="On or near Test Street", lsoa="E01000001", **override) -> dict:
    lon, lat = lonlat(x, y)
    values = {"Crime ID": crime_id if crime_type != "Anti-social behaviour" else "",
              "Month": month, "Reported by": FORCE, "Falls within": FORCE,
              "Longitude": lon, "Latitude": lat, "Location": location, "LSOA code": lsoa,
              "LSOA name": "Test 001A", "Crime type": crime_type,
              "Last outcome category": "Under investigation", "Context": ""}
    values.update(override)
    return values


def csv_text(rows: list[dict], header: list[str] = HEADER) -> str:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=header, extrasaction="ignore", lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue()


def write_street(folder: Path, month: str, rows: list[dict], force: str = "derbyshire") -> Path:
    return _write(folder, month, force, "street", csv_text(rows))


def _write(folder: Path, month: str, force: str, kind: str, text: str) -> Path:
    """``folder/YYYY-MM/YYYY-MM-<force>-<kind>.csv``, as in a data.police.uk archive."""
    path = folder / month / f"{month}-{force}-{kind}.csv"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


def outcome(crime_id="abc", outcome_type="Offender given a caution", month="2014-05", x=435500.0, y=335500.0,
            **override) -> dict:
    """A row of an outcomes file: a later outcome of the crime ``crime_id``, recorded in ``month``."""
    lon, lat = lonlat(x, y)
    values = {"Crime ID": crime_id, "Month": month, "Reported by": FORCE, "Falls within": FORCE,
              "Longitude": lon, "Latitude": lat, "Location": "On or near Test Street", "LSOA code": "E01000001",
              "LSOA name": "Test 001A", "Outcome type": outcome_type}
    values.update(override)
    return values


def write_outcomes(folder: Path, month: str, rows: list[dict], force: str = "derbyshire") -> Path:
    """``folder/YYYY-MM/YYYY-MM-<force>-outcomes.csv``, as in a data.police.uk archive."""
    return _write(folder, month, force, "outcomes", csv_text(rows, OUTCOMES_HEADER))


def zip_folder(folder: Path, archive: Path) -> Path:
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as zf:
        for file in sorted(folder.rglob("*")):
            if file.is_file():
                zf.write(file, file.relative_to(folder).as_posix())
    return archive


def write_test_wards(path: Path, code_field="WD13CD", name_field="WD13NM", driver=None) -> Path:
    gdf = gpd.GeoDataFrame({code_field: ["E05000001", "E05000002"], name_field: ["West", "East"]},
                           geometry=[WEST, EAST], crs="EPSG:27700")
    if path.suffix == ".geojson":
        gdf = gdf.to_crs("EPSG:4326")
    gdf.to_file(path, driver=driver)
    return path


# Four test LSOAs, two in each test ward: the south and north halves of West and of East.
LSOA_CODES = ["E01000001", "E01000002", "E01000003", "E01000004"]
LSOAS = [shapely.box(435000, 335000, 436000, 335500), shapely.box(435000, 335500, 436000, 336000),
         shapely.box(436000, 335000, 437000, 335500), shapely.box(436000, 335500, 437000, 336000)]


def write_test_lsoas(path: Path, codes=None, geometries=None, crs="EPSG:27700", names=None) -> Path:
    """The four test LSOAs (or others) as a file ONS might publish, in WGS84 for a GeoJSON."""
    codes = codes or LSOA_CODES
    gdf = gpd.GeoDataFrame({"LSOA11CD": codes, "LSOA11NM": names or [f"Test 00{i + 1}A" for i in range(len(codes))]},
                           geometry=geometries or LSOAS, crs=crs)
    if path.suffix == ".geojson" and crs:
        gdf = gdf.to_crs("EPSG:4326")
    with warnings.catch_warnings():  # without a CRS on purpose
        warnings.simplefilter("ignore")
        gdf.to_file(path)
    return path


# A stop-and-search file's 15 columns, as police.uk publishes them.
STOPS_HEADER = ["Type", "Date", "Part of a policing operation", "Policing operation", "Latitude", "Longitude",
                "Gender", "Age range", "Self-defined ethnicity", "Officer-defined ethnicity", "Legislation",
                "Object of search", "Outcome", "Outcome linked to object of search",
                "Removal of more than just outer clothing"]


def stop(date="2014-04-12T14:30:00+00:00", x=435500.0, y=335500.0, located=True, **override) -> dict:
    """A row of a stop-and-search file: a person searched for drugs under the Misuse of Drugs
    Act, nothing found (override any field by its police.uk name, with spaces as '_')."""
    lon, lat = lonlat(x, y) if located else ("", "")
    values = {"Type": "Person search", "Date": date, "Part of a policing operation": "False",
              "Policing operation": "", "Latitude": lat, "Longitude": lon, "Gender": "Male",
              "Age range": "18-24", "Self-defined ethnicity": "White - English/Welsh/Scottish/Northern Irish/British",
              "Officer-defined ethnicity": "White", "Legislation": "Misuse of Drugs Act 1971 (section 23)",
              "Object of search": "Controlled drugs", "Outcome": "A no further action disposal",
              "Outcome linked to object of search": "False", "Removal of more than just outer clothing": "False"}
    values.update({k.replace("_", " "): v for k, v in override.items()})
    return values


def write_stops(folder: Path, month: str, rows: list[dict], force: str = "derbyshire") -> Path:
    """``folder/YYYY-MM/YYYY-MM-<force>-stop-and-search.csv``, as in a data.police.uk archive."""
    return _write(folder, month, force, "stop-and-search", csv_text(rows, STOPS_HEADER))
