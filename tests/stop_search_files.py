"""Stop-and-search files for Derbyshire months, written here in police.uk's exact format.

``../shared/data`` holds no stop-and-search file, so the tests write their own: force-wide
like police.uk's (searches in Derby, in the rest of the county, just outside the city's
boundary and with no location), with every family of values the files hold (the three types,
each age range and blank, the objects and the legislation, section 60 searches with no
object, current and older outcome wording, True, False and blank in the two flag fields).
Points in Derby are taken from the real street files' map points, as police.uk snaps
searches to the same points as crimes.
"""
from __future__ import annotations

import csv
import random
from pathlib import Path

from police_rows import STOPS_HEADER, csv_text

# Map points in Derbyshire outside Derby: Chesterfield, Buxton, Matlock, Swadlincote, Ilkeston.
COUNTY = [(-1.4216, 53.2350), (-1.9115, 53.2587), (-1.5553, 53.1380), (-1.5573, 52.7736), (-1.3093, 52.9705)]
# Just outside the city: Chellaston's edge at Swarkestone, and Breadsall village.
NEAR = [(-1.4590, 52.8540), (-1.4380, 52.9650)]
TYPES = ["Person search", "Person search", "Person and Vehicle search", "Vehicle search"]
AGES = ["under 10", "10-17", "10-17", "18-24", "18-24", "25-34", "over 34", ""]
SEARCHES = [  # (legislation, object of search)
    ("Misuse of Drugs Act 1971 (section 23)", "Controlled drugs"),
    ("Police and Criminal Evidence Act 1984 (section 1)", "Offensive weapons"),
    ("Police and Criminal Evidence Act 1984 (section 1)", "Stolen goods"),
    ("Police and Criminal Evidence Act 1984 (section 1)", "Article for use in theft"),
    ("Police and Criminal Evidence Act 1984 (section 1)", "Articles for use in criminal damage"),
    ("Police and Criminal Evidence Act 1984 (section 1)", "Anything to threaten or harm anyone"),
    ("Police and Criminal Evidence Act 1984 (section 1)", "Fireworks"),
    ("Firearms Act 1968 (section 47)", "Firearms"),
    ("Criminal Justice and Public Order Act 1994 (section 60)", ""),
    ("Criminal Justice and Public Order Act 1994 (section 60)", "Offensive weapons"),
    ("Criminal Justice Act 1988 (section 139B)", "Offensive weapons"),
    ("Psychoactive Substances Act 2016 (s36(2))", "Psychoactive substances"),
    ("", "Evidence of offences under the Act"),
    ("Police and Criminal Evidence Act 1984 (section 1)", "Crossbows"),
]
OUTCOMES_NOW = ["A no further action disposal", "A no further action disposal", "Arrest", "Community resolution",
                "Caution (simple or conditional)", "Penalty Notice for Disorder", "Summons / charged by post",
                "Khat or Cannabis warning"]
OUTCOMES_THEN = ["Nothing found - no further action", "Nothing found - no further action", "Suspect arrested",
                 "Local resolution", "Offender cautioned", "Offender given penalty notice",
                 "Suspect summonsed to court", "Offender given drugs possession warning"]
ETHNICITIES = [("White - English/Welsh/Scottish/Northern Irish/British", "White"),
               ("Asian/Asian British - Pakistani", "Asian"),
               ("Black/African/Caribbean/Black British - African", "Black"),
               ("Mixed/Multiple ethnic groups - White and Black Caribbean", "Other"), ("", "")]


def derby_points(street_file: Path) -> list[tuple[float, float]]:
    with open(street_file, newline="") as f:
        return sorted({(float(r["Longitude"]), float(r["Latitude"])) for r in csv.DictReader(f) if r["Longitude"]})


def searches(month: str, points: list[tuple[float, float]], n: int, seed: int, older: bool = False) -> list[dict]:
    """``n`` searches of a month: about 70% in Derby, 15% elsewhere in the county, 3% just
    outside the city, 12% without a location; in older outcome wording when ``older``."""
    rng = random.Random(seed)
    rows = []
    for _ in range(n):
        draw = rng.random()
        lon, lat = (rng.choice(points) if draw < 0.7 else rng.choice(COUNTY) if draw < 0.85
                    else rng.choice(NEAR) if draw < 0.88 else ("", ""))
        kind = rng.choice(TYPES)
        legislation, what = rng.choice(SEARCHES)
        outcome = rng.choice(OUTCOMES_THEN if older else OUTCOMES_NOW)
        nothing = outcome.startswith(("A no further", "Nothing found"))
        found = "" if rng.random() < 0.15 else ("True" if (rng.random() < 0.6) != nothing else "False")
        day, hour = rng.randint(1, 28), rng.randint(0, 23)
        time = "T00:00:00+00:00" if rng.random() < 0.2 else f"T{hour:02d}:{rng.randint(0, 59):02d}:00+01:00"
        date = f"{month}-{day:02d}" + ("" if rng.random() < 0.1 else time)  # some forces give dates only
        person = kind != "Vehicle search"
        self_eth, officer_eth = rng.choice(ETHNICITIES) if person else ("", "")
        rows.append({
            "Type": kind, "Date": date, "Part of a policing operation": rng.choice(["False", "True", ""]),
            "Policing operation": "", "Latitude": lat, "Longitude": lon,
            "Gender": rng.choice(["Male", "Male", "Female", "Other"]) if person else "",
            "Age range": rng.choice(AGES) if person else "", "Self-defined ethnicity": self_eth,
            "Officer-defined ethnicity": officer_eth, "Legislation": legislation, "Object of search": what,
            "Outcome": outcome, "Outcome linked to object of search": found,
            "Removal of more than just outer clothing": rng.choice(["False", "False", "True", ""]) if person else "",
        })
    return rows


def write_derbyshire_stops(folder: Path, shared_police: Path, n: int = 400) -> dict[str, Path]:
    """A stop-and-search file beside each real month's street file (2014's months in older
    outcome wording); returns them by month."""
    out = {}
    for i, street in enumerate(sorted(shared_police.glob("*/*-derbyshire-street.csv"))):
        month = street.parent.name
        path = folder / month / f"{month}-derbyshire-stop-and-search.csv"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(csv_text(searches(month, derby_points(street), n, seed=i, older=month < "2016"),
                                 STOPS_HEADER))
        out[month] = path
    return out
