"""An invented area of England for tests, with nothing of Derby in it.

Kestrelshire Police ('kestrelshire' in police.uk's file names) covers three districts side
by side, each a 6 km square of 36 LSOAs of 1 km (south of Derby, in British National Grid):

    Kestrel Vale  E07000990   CSP E22000990 'Kestrel and Harrier' (with Harrier Dale)
    Harrier Dale  E07000991   CSP E22000990
    Osprey Moor   E07000992   CSP E22000992 'Osprey Moor'

Each district had four wards (its quadrants) until Kestrel Vale was re-warded in May 2023
into six (blocks three LSOAs wide and two high); the other two kept theirs, codes and all.
LSOAs are 2011 LSOAs until the 2021 ones replace them, on the same squares, with new codes
(a best-fit lookup pairs them one to one). Street files run from April 2022 to March 2024,
with British Transport Police files beside them: every row in the publisher's exact format,
written here because the shared data holds no such area.
"""
from __future__ import annotations

import csv
import io
import json
import random
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import shapely
from pyproj import Transformer

from police_rows import HEADER

_TO_WGS84 = Transformer.from_crs("EPSG:27700", "EPSG:4326", always_xy=True)
FORCE, FORCE_TITLE = "kestrelshire", "Kestrelshire Police"
BTP_TITLE = "British Transport Police"
PFA, PFA_NAME = "E23000990", "Kestrelshire"
WEST, SOUTH, KM, SIDE = 455000, 305000, 1000, 6  # each district SIDE x SIDE LSOAs of KM metres
REWARDED = "2023-05"  # Kestrel Vale's new wards are in force from this month
MONTHS = [f"{y}-{m:02d}" for y, m in [(2022 + (i + 3) // 12, (i + 3) % 12 + 1) for i in range(24)]]
CATEGORIES = ("Anti-social behaviour", "Burglary", "Criminal damage and arson", "Shoplifting",
              "Vehicle crime", "Violence and sexual offences", "Public order", "Other theft")


@dataclass(frozen=True)
class District:
    index: int
    code: str
    name: str
    csp: str
    csp_name: str
    old_wards: tuple[str, ...]  # the four quadrants: south-west, south-east, north-west, north-east
    new_wards: tuple[str, ...] | None  # six blocks from May 2023 (None: the old wards go on)

    def box(self, i: int, j: int, w: int = 1, h: int = 1) -> shapely.Polygon:
        x0 = WEST + (self.index * SIDE + i) * KM
        return shapely.box(x0, SOUTH + j * KM, x0 + w * KM, SOUTH + (j + h) * KM)


DISTRICTS = (
    District(0, "E07000990", "Kestrel Vale", "E22000990", "Kestrel and Harrier",
             ("Kestrel Mill", "Fenwick", "Cold Ashby", "Tallow Hill"),
             ("Kestrel Mill", "Fenwick Cross", "Ashby Lanes", "Tallow Hill", "Mardale", "Upper Fenwick")),
    District(1, "E07000991", "Harrier Dale", "E22000990", "Kestrel and Harrier",
             ("Harrier Green", "Brockholes", "Little Dale", "Sedge End"), None),
    District(2, "E07000992", "Osprey Moor", "E22000992", "Osprey Moor",
             ("Osprey Bridge", "Moorside", "Peat Hollow", "Cragwell"), None),
)
KESTREL_VALE = DISTRICTS[0]


def lonlat(x: float, y: float) -> tuple[float, float]:
    lon, lat = _TO_WGS84.transform(x, y)
    return round(lon, 7), round(lat, 7)


def _wgs84(geometry: shapely.Polygon) -> dict:
    moved = shapely.transform(geometry, lambda xy: np.column_stack(_TO_WGS84.transform(xy[:, 0], xy[:, 1])))
    return shapely.geometry.mapping(moved)


def lsoa_code(district: District, i: int, j: int, year: int) -> str:
    return f"E01{'09' if year == 2011 else '19'}{district.index}{j * SIDE + i:03d}"


def lsoa_name(district: District, i: int, j: int) -> str:
    return f"{district.name} {j * SIDE + i + 1:03d}{'AB'[(i + j) % 2]}"


def ward_of(district: District, i: int, j: int, new: bool) -> tuple[str, str]:
    """(code, name) of the ward the LSOA square (i, j) is in, in the old or new wards."""
    if new and district.new_wards is not None:
        k = (j // 2) * 2 + i // 3  # blocks 3 wide, 2 high
        return f"E05{'19'}{district.index}{k:03d}", district.new_wards[k]
    k = (j // 3) * 2 + i // 3  # quadrants
    return f"E05{'09'}{district.index}{k:03d}", district.old_wards[k]


def ward_features(districts=DISTRICTS, new: bool = False, year_fields: str = "WD19") -> list[dict]:
    out = []
    for d in districts:
        shapes: dict[tuple[str, str], list] = {}
        for i in range(SIDE):
            for j in range(SIDE):
                shapes.setdefault(ward_of(d, i, j, new), []).append(d.box(i, j))
        for (code, name), boxes in shapes.items():
            out.append({"type": "Feature", "geometry": _wgs84(shapely.union_all(boxes)),
                        "properties": {f"{year_fields}CD": code, f"{year_fields}NM": name}})
    return out


def district_features(districts=DISTRICTS) -> list[dict]:
    """The districts' polygons as ONS's district boundaries service gives them."""
    return [{"type": "Feature", "geometry": _wgs84(d.box(0, 0, SIDE, SIDE)),
             "properties": {"LAD23CD": d.code, "LAD23NM": d.name}} for d in districts]


def district_population_csv(path: Path, scale: int = 1) -> Path:
    """Mid-year estimates by district in ONS's layout (code, name, all ages)."""
    lines = ["Code,Name,All ages"] + [f"{d.code},{d.name},{(40_000 + 9_000 * d.index) * scale}" for d in DISTRICTS]
    path.write_text("\n".join(lines) + "\n")
    return path


def lsoa_features(districts=DISTRICTS, year: int = 2011) -> list[dict]:
    field = f"LSOA{str(year)[2:]}"
    return [{"type": "Feature", "geometry": _wgs84(d.box(i, j)),
             "properties": {f"{field}CD": lsoa_code(d, i, j, year), f"{field}NM": lsoa_name(d, i, j)}}
            for d in districts for j in range(SIDE) for i in range(SIDE)]


def lookup_rows(districts=DISTRICTS, year: int = 2011, new: bool = False, wards: str = "WD19",
                lads: str = "LAD19") -> list[dict]:
    """The LSOA -> ward -> district lookup as ONS publishes it."""
    field = f"LSOA{str(year)[2:]}"
    rows = []
    for d in districts:
        for j in range(SIDE):
            for i in range(SIDE):
                code, name = ward_of(d, i, j, new)
                rows.append({f"{field}CD": lsoa_code(d, i, j, year), f"{field}NM": lsoa_name(d, i, j),
                             f"{wards}CD": code, f"{wards}NM": name, f"{lads}CD": d.code, f"{lads}NM": d.name})
    return rows


def area_lookup_rows(year: str = "23") -> list[dict]:
    """ONS's local authority district -> CSP -> police force area lookup."""
    return [{f"LAD{year}CD": d.code, f"LAD{year}NM": d.name, f"CSP{year}CD": d.csp, f"CSP{year}NM": d.csp_name,
             f"PFA{year}CD": PFA, f"PFA{year}NM": PFA_NAME} for d in DISTRICTS]


def street_rows(month: str, seed: int = 0, per_district: int = 40) -> list[dict]:
    """A month of Kestrelshire's street file: incidents in every district, and a few in the
    county beyond them (north of the three squares)."""
    rng = random.Random(f"{month}-{seed}")
    new = month >= REWARDED
    rows = []
    for d in DISTRICTS:
        for _n in range(per_district):
            i, j = rng.randrange(SIDE), rng.randrange(SIDE)
            x = WEST + (d.index * SIDE + i) * KM + rng.uniform(150, 850)
            y = SOUTH + j * KM + rng.uniform(150, 850)
            rows.append(_row(rng, month, FORCE_TITLE, x, y, lsoa_code(d, i, j, 2021 if new else 2011),
                             lsoa_name(d, i, j)))
    for _n in range(5):
        x, y = WEST + rng.uniform(0, 3 * SIDE * KM), SOUTH + SIDE * KM + rng.uniform(3000, 9000)
        rows.append(_row(rng, month, FORCE_TITLE, x, y, "", ""))
    return rows


def btp_rows(month: str) -> list[dict]:
    """British Transport Police's street file of the month: crimes at stations and on lines
    across the country; here six in Kestrel Vale and four far away."""
    rng = random.Random(f"btp-{month}")
    rows = []
    for _n in range(6):
        i, j = rng.randrange(SIDE), rng.randrange(SIDE)
        x, y = WEST + i * KM + rng.uniform(150, 850), SOUTH + j * KM + rng.uniform(150, 850)
        lsoa = lsoa_code(KESTREL_VALE, i, j, 2021 if month >= REWARDED else 2011)
        rows.append(_row(rng, month, BTP_TITLE, x, y, lsoa, lsoa_name(KESTREL_VALE, i, j), crime=True))
    for _n in range(4):
        rows.append(_row(rng, month, BTP_TITLE, 530000 + rng.uniform(0, 5000), 180000 + rng.uniform(0, 5000),
                         "", "", crime=True))
    return rows


def _row(rng: random.Random, month: str, force: str, x: float, y: float, lsoa: str, name: str,
         crime: bool = False) -> dict:
    category = rng.choice(CATEGORIES[1:] if crime else CATEGORIES)
    lon, lat = lonlat(x, y)
    asb = category == "Anti-social behaviour"
    return {"Crime ID": "" if asb else f"{rng.getrandbits(128):032x}{rng.getrandbits(128):032x}",
            "Month": month, "Reported by": force, "Falls within": force, "Longitude": f"{lon:.6f}",
            "Latitude": f"{lat:.6f}", "Location": f"On or near {rng.choice(['Mill Lane', 'High Street', 'Station'])}",
            "LSOA code": lsoa, "LSOA name": name, "Crime type": category,
            "Last outcome category": "" if asb else "Under investigation", "Context": ""}


def street_csv(rows: list[dict]) -> bytes:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=HEADER, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue().encode()


def write_street_files(folder: Path, months=MONTHS, btp: bool = True) -> Path:
    """The months' files in the police.uk archive layout under ``folder``."""
    for month in months:
        (folder / month).mkdir(parents=True, exist_ok=True)
        (folder / month / f"{month}-{FORCE}-street.csv").write_bytes(street_csv(street_rows(month)))
        if btp:
            (folder / month / f"{month}-btp-street.csv").write_bytes(street_csv(btp_rows(month)))
    return folder


def write_geojson(path: Path, features: list[dict]) -> Path:
    path.write_text(json.dumps({"type": "FeatureCollection", "features": features}))
    return path


def write_lookup(path: Path, rows: list[dict]) -> Path:
    with open(path, "w", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=list(rows[0]), lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
    return path


def lsoa_change_rows(districts=DISTRICTS) -> list[dict]:
    """ONS's lookup between 2011 and 2021 LSOAs: here each square kept its place, so one to one."""
    return [{"LSOA11CD": lsoa_code(d, i, j, 2011), "LSOA11NM": lsoa_name(d, i, j), "LSOA21CD": lsoa_code(d, i, j, 2021),
             "LSOA21NM": lsoa_name(d, i, j), "CHGIND": "U", "LAD22CD": d.code, "LAD22NM": d.name}
            for d in districts for j in range(SIDE) for i in range(SIDE)]
