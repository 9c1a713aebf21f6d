"""The built-in demo: synthetic police.uk data for Derby's 17 wards, 2014-15 and 2019-20.

The wards are schematic (Voronoi cells of the real ward centroids, clipped to a city
outline), not the real boundaries. Incidents are drawn per ward, category and month from a
Poisson distribution at the mean monthly rates observed in police.uk data (fixed seed, so
every build is the same), and snapped to a few named street points per ward, as police.uk
snaps real incidents; the stop-and-search files beside them are invented likewise (see
SEARCHES_A_MONTH), and the populations have single years of age. The files are written in
the police.uk layout and ingested through the same path as real data.
"""
from __future__ import annotations

import os
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from sia.categories import ANTI_SOCIAL_BEHAVIOUR, CATEGORIES
from sia.dataset.geography import BNG, WGS84, to_bng
from sia.dataset.ingest import WardInputs, build_dataset
from sia.dataset.report import IngestReport
from sia.paths import ROOT
from sia.periods import fy_months

REFERENCE_POINTS = ROOT / "geo" / "ward_reference_points.csv"
MONTHLY_RATES = ROOT / "data" / "demo_monthly_rates.csv"
SEED = 20141
FORCE = "Derbyshire Constabulary"
# Derby's residents (ONS mid-year estimates), spread over the schematic wards.
DERBY_POPULATION = {"2014-15": 253_875, "2019-20": 257_302}

# Column abbreviations of MONTHLY_RATES, in the order of CATEGORIES.
RATE_COLUMNS = ("asb", "bike", "burg", "cda", "drug", "othc", "otht", "weap", "puord", "rob",
                "shop", "tfp", "veh", "vso")

STREET_STEMS = (
    "Station", "Church", "Park", "Victoria", "Mill", "Albert", "Green", "Chapel", "Queen",
    "King", "Grove", "Manor", "Derby", "London", "Canal", "Brook", "Oak", "Ash", "Elm", "Willow",
    "Highfield", "Windmill", "Meadow", "Orchard", "Spring", "Cedar", "Beech", "Holly", "Forest",
    "Castle", "Abbey", "Priory", "Market", "Bridge", "Vicarage", "School", "Rectory", "Nelson",
    "Stanley", "Grange", "Hall", "Kingsway", "Osmaston", "Burton", "Uttoxeter", "Ashbourne",
    "Duffield", "Nottingham", "Railway", "Midland", "Carlton", "Belper", "Harrington", "Kedleston",
)
STREET_KINDS = ("Road", "Street", "Lane", "Avenue", "Close", "Drive", "Way", "Crescent",
                "Gardens", "Place")
SHOPS = ("Supermarket", "Shopping Area")
PLACES = ("Parking Area", "Petrol Station", "Sports/Recreation Area", "Further/Higher Educational Building",
          "Pedestrian Subway", "Theatre/Concert Hall", "Nightclub", "Bus/Coach Station", "Hospital")
OUTCOMES = (
    ("Investigation complete; no suspect identified", 0.42),
    ("Unable to prosecute suspect", 0.26),
    ("Offender given a caution", 0.05),
    ("Local resolution", 0.06),
    ("Awaiting court outcome", 0.05),
    ("Offender sent to prison", 0.03),
    ("Offender given community sentence", 0.03),
    ("Under investigation", 0.06),
    ("Formal action is not in the public interest", 0.04),
)


def cache_dir() -> Path:
    """Where the app keeps the datasets it builds itself: a folder that git ignores."""
    return Path(os.environ.get("SIA_CACHE_DIR", ROOT / "data" / "cache"))


def demo_data_dir() -> Path:
    """Where the app keeps the demo build."""
    return cache_dir() / "demo"


def schematic_wards() -> gpd.GeoDataFrame:
    """Voronoi cells of the ward centroids inside an outline shaped by the ward areas."""
    ref = pd.read_csv(REFERENCE_POINTS)
    x, y = to_bng(ref["lon"].to_numpy(), ref["lat"].to_numpy())
    points = shapely.points(x, y)
    radius = np.sqrt(ref["area_km2"].to_numpy() * 1e6 / np.pi) * 1.45
    outline = shapely.union_all(shapely.buffer(points, radius)).buffer(300).buffer(-300)
    cells = shapely.get_parts(shapely.voronoi_polygons(shapely.multipoints(points),
                                                       extend_to=outline.buffer(5000)))
    tree = shapely.STRtree(cells)
    cell_of = tree.query(points, predicate="within")
    geometry = np.empty(len(ref), dtype=object)
    geometry[cell_of[0]] = shapely.intersection(cells[cell_of[1]], outline)
    return gpd.GeoDataFrame({"WD13CD": ref["code"], "WD13NM": ref["ward"]}, geometry=geometry, crs=BNG)


def _streets(wards: gpd.GeoDataFrame, rng: np.random.Generator) -> pd.DataFrame:
    """A few dozen named street points per ward, with skewed popularity (hot streets)."""
    rows = []
    for i, ward in wards.iterrows():  # 17 wards: setup, not per incident
        geom = ward.geometry
        names = [f"{s} {k}" for s in rng.choice(STREET_STEMS, 28, replace=False)
                 for k in rng.choice(STREET_KINDS, 1)]
        names += list(SHOPS) + list(rng.choice(PLACES, 4, replace=False))
        minx, miny, maxx, maxy = geom.bounds
        cand = shapely.points(rng.uniform(minx, maxx, 600), rng.uniform(miny, maxy, 600))
        inside = cand[shapely.contains(geom.buffer(-60), cand)][: len(names)]
        weight = 1.0 / np.arange(1, len(inside) + 1) ** 0.8
        rows.append(pd.DataFrame({
            "ward": i, "name": ["On or near " + n for n in names[: len(inside)]],
            "x": shapely.get_x(inside), "y": shapely.get_y(inside),
            "weight": rng.permutation(weight), "shop": np.isin(names[: len(inside)], SHOPS)}))
    streets = pd.concat(rows, ignore_index=True)
    pts = gpd.GeoSeries(gpd.points_from_xy(streets["x"], streets["y"]), crs=BNG).to_crs(WGS84)
    streets["lon"], streets["lat"] = pts.x.round(6).to_numpy(), pts.y.round(6).to_numpy()
    return streets


def _draw_month(month: str, rates: pd.DataFrame, streets: pd.DataFrame,
                rng: np.random.Generator) -> pd.DataFrame:
    """All incidents of one month, as police.uk rows."""
    counts = rng.poisson(rates.to_numpy())  # ward x category
    ward_idx, cat_idx = np.nonzero(counts)
    reps = counts[ward_idx, cat_idx]
    ward = np.repeat(ward_idx, reps)
    category = np.asarray(CATEGORIES)[np.repeat(cat_idx, reps)]
    street = np.empty(len(ward), dtype=np.int64)
    for w in np.unique(ward):  # per ward (17), vectorised within
        own = streets.index[streets["ward"] == w].to_numpy()
        sel = np.flatnonzero(ward == w)
        weights = streets.loc[own, "weight"].to_numpy()
        street[sel] = rng.choice(own, len(sel), p=weights / weights.sum())
        shop_sel = sel[(category[sel] == "Shoplifting") & (rng.random(len(sel)) < 0.8)]
        shops = own[streets.loc[own, "shop"].to_numpy()]
        if len(shops) and len(shop_sel):
            street[shop_sel] = rng.choice(shops, len(shop_sel))
    is_asb = category == ANTI_SOCIAL_BEHAVIOUR
    crime_id = np.where(is_asb, "", _hex_ids(rng, len(ward)))
    outcome_names, outcome_p = zip(*OUTCOMES)
    outcome = np.where(is_asb, "", rng.choice(outcome_names, len(ward), p=np.array(outcome_p) / sum(outcome_p)))
    s = streets.loc[street]
    frame = pd.DataFrame({
        "Crime ID": crime_id, "Month": month, "Reported by": FORCE, "Falls within": FORCE,
        "Longitude": s["lon"].to_numpy(), "Latitude": s["lat"].to_numpy(),
        "Location": s["name"].to_numpy(), "LSOA code": "", "LSOA name": "",
        "Crime type": category, "Last outcome category": outcome, "Context": ""})
    return frame.iloc[rng.permutation(len(frame))]


# Invented searches: about 250 a month in the city, placed on the wards' street points in
# proportion to their violence, robbery, weapons and drugs rates; a fifth of a force-wide
# file's rows lie elsewhere in the county, and a few have no location.
SEARCHES_A_MONTH = 250
SEARCH_RATE_COLUMNS = ("vso", "rob", "weap", "drug")
COUNTY_POINTS = ((-1.4216, 53.2350), (-1.9115, 53.2587), (-1.5553, 53.1380), (-1.5573, 52.7736))
SEARCH_OBJECTS = (  # (legislation, object of search, share)
    ("Misuse of Drugs Act 1971 (section 23)", "Controlled drugs", 0.60),
    ("Police and Criminal Evidence Act 1984 (section 1)", "Offensive weapons", 0.12),
    ("Police and Criminal Evidence Act 1984 (section 1)", "Stolen goods", 0.10),
    ("Police and Criminal Evidence Act 1984 (section 1)", "Article for use in theft", 0.06),
    ("Police and Criminal Evidence Act 1984 (section 1)", "Anything to threaten or harm anyone", 0.03),
    ("Police and Criminal Evidence Act 1984 (section 1)", "Articles for use in criminal damage", 0.03),
    ("Firearms Act 1968 (section 47)", "Firearms", 0.01),
    ("Criminal Justice and Public Order Act 1994 (section 60)", "", 0.02),
    ("Police and Criminal Evidence Act 1984 (section 1)", "Evidence of offences under the Act", 0.03),
)
SEARCH_AGES = (("under 10", 0.01), ("10-17", 0.18), ("18-24", 0.35), ("25-34", 0.26), ("over 34", 0.17), ("", 0.03))
SEARCH_OUTCOMES = (("A no further action disposal", 0.72), ("Arrest", 0.13), ("Community resolution", 0.08),
                   ("Summons / charged by post", 0.03), ("Khat or Cannabis warning", 0.03),
                   ("Penalty Notice for Disorder", 0.01))
STOP_AND_SEARCH_HEADER = ("Type", "Date", "Part of a policing operation", "Policing operation", "Latitude",
                          "Longitude", "Gender", "Age range", "Self-defined ethnicity", "Officer-defined ethnicity",
                          "Legislation", "Object of search", "Outcome", "Outcome linked to object of search",
                          "Removal of more than just outer clothing")


def _pick(rng: np.random.Generator, choices, n: int) -> np.ndarray:
    names, p = zip(*choices)
    return rng.choice(np.asarray(names, dtype=object), n, p=np.asarray(p) / sum(p))


def _draw_searches(month: str, rates: pd.DataFrame, streets: pd.DataFrame, rng: np.random.Generator) -> pd.DataFrame:
    """One month's stop-and-search file, as police.uk writes it (force-wide)."""
    weight = rates[list(SEARCH_RATE_COLUMNS)].sum(axis=1).to_numpy(dtype=float)
    per_ward = rng.poisson(SEARCHES_A_MONTH * weight / weight.sum())
    street = np.concatenate([rng.choice(streets.index[streets["ward"] == w].to_numpy(), n) for w, n in
                             enumerate(per_ward) if n])
    n_city = len(street)
    n_county, n_nowhere = rng.poisson(n_city * 0.25), rng.poisson(n_city * 0.05)
    county = np.asarray(COUNTY_POINTS)[rng.integers(0, len(COUNTY_POINTS), n_county)]
    lon = np.concatenate([streets.loc[street, "lon"].to_numpy(), county[:, 0], np.full(n_nowhere, np.nan)])
    lat = np.concatenate([streets.loc[street, "lat"].to_numpy(), county[:, 1], np.full(n_nowhere, np.nan)])
    n = len(lon)
    what = _pick(rng, [((lg, ob), p) for lg, ob, p in SEARCH_OBJECTS], n)
    outcome = _pick(rng, SEARCH_OUTCOMES, n)
    nothing = outcome == SEARCH_OUTCOMES[0][0]
    linked = np.where(rng.random(n) < 0.05, "", np.where(~nothing & (rng.random(n) < 0.7), "True", "False"))
    vehicle = rng.random(n) < 0.05
    days = rng.integers(1, 29, n)
    minutes = rng.integers(0, 24 * 60, n)
    frame = pd.DataFrame({
        "Type": np.where(vehicle, "Vehicle search", np.where(rng.random(n) < 0.15, "Person and Vehicle search",
                                                             "Person search")),
        "Date": [f"{month}-{d:02d}T{m // 60:02d}:{m % 60:02d}:00+00:00" for d, m in zip(days, minutes)],
        "Part of a policing operation": "False", "Policing operation": "",
        "Latitude": np.round(lat, 6), "Longitude": np.round(lon, 6),
        "Gender": np.where(vehicle, "", np.where(rng.random(n) < 0.88, "Male", "Female")),
        "Age range": np.where(vehicle, "", _pick(rng, SEARCH_AGES, n)),
        "Self-defined ethnicity": "", "Officer-defined ethnicity": "",
        "Legislation": [w[0] for w in what], "Object of search": [w[1] for w in what],
        "Outcome": outcome, "Outcome linked to object of search": linked,
        "Removal of more than just outer clothing": np.where(vehicle, "", "False")})
    return frame[list(STOP_AND_SEARCH_HEADER)].iloc[rng.permutation(n)]


def _hex_ids(rng: np.random.Generator, n: int) -> np.ndarray:
    raw = np.frombuffer(rng.bytes(32 * n), dtype=np.uint8).reshape(n, 32)
    return np.array([r.tobytes().hex() for r in raw], dtype=object)


def write_demo_sources(folder: Path) -> WardInputs:
    """Write the demo's police.uk CSVs, ward boundaries and populations under ``folder``."""
    rng = np.random.default_rng(SEED)
    wards = schematic_wards()
    folder.mkdir(parents=True, exist_ok=True)
    boundaries = folder / "demo_wards.geojson"
    wards.to_crs(WGS84).to_file(boundaries, driver="GeoJSON")
    streets = _streets(wards, rng)

    rates = pd.read_csv(MONTHLY_RATES)
    by_ward = {fy: (t.set_index("ward").loc[wards["WD13NM"], list(RATE_COLUMNS)])
               for fy, t in rates.groupby("fy")}
    searches = np.random.default_rng(SEED + 1)  # apart, so that the street files stay as they were
    for fy, table in by_ward.items():
        for month in fy_months(fy):
            out = folder / "police_uk" / month / f"{month}-derbyshire-street.csv"
            out.parent.mkdir(parents=True, exist_ok=True)
            _draw_month(month, table, streets, rng).to_csv(out, index=False)
            _draw_searches(month, table, streets, searches).to_csv(
                out.with_name(f"{month}-derbyshire-stop-and-search.csv"), index=False)

    share = rng.lognormal(0, 0.08, len(wards))
    population = {}
    for fy, total in DERBY_POPULATION.items():
        path = folder / f"demo_population_{fy}.csv"
        pop = np.round(share / share.sum() * total).astype(int)
        pd.DataFrame({"ward_code": wards["WD13CD"], "ward_name": wards["WD13NM"], "population": pop,
                      **_single_years(pop)}).to_csv(path, index=False)
        population[fy] = path
    return WardInputs(boundaries=boundaries, population=population)


def _single_years(totals: np.ndarray) -> dict[str, np.ndarray]:
    """Each ward's residents by single year of age (0 to 89, then 90+) summing to its total:
    a city's age profile, flat to 60 and thinning after, with more people in their twenties."""
    ages = np.arange(91)
    shape = np.where(ages < 60, 1.0, np.exp(-(ages - 60) / 12.0)) * np.where((ages >= 18) & (ages < 30), 1.3, 1.0)
    shape /= shape.sum()
    by_age = np.floor(np.outer(totals, shape)).astype(int)
    by_age[:, 30] += totals - by_age.sum(axis=1)  # the rounding's remainder, so that the ages sum to the total
    return {(f"{a}+" if a == 90 else str(a)): by_age[:, a] for a in ages}


def build_demo(data_dir: Path) -> tuple[Path, IngestReport]:
    inputs = write_demo_sources(data_dir / "sources")
    return build_dataset([data_dir / "sources" / "police_uk"], inputs, data_dir, demo=True)
