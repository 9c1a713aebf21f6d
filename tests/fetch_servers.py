"""Local stand-ins for data.police.uk and the ONS ArcGIS services, on 127.0.0.1.

``LocalServer`` serves fixed routes from a thread, honours range requests or not, counts
the bytes it sends per path, and plays faults queued per path (HTTP 500, 429 with
Retry-After, a body cut short, a slow answer). The archive zips and the ONS answers are
built at test time from the real Derby data in ../shared/data (with stop-and-search files
written for its months, as ../shared/data holds none).
"""
from __future__ import annotations

import csv
import io
import json
import re
import threading
import time
import zipfile
from collections import Counter, defaultdict
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest

from police_rows import STOPS_HEADER
from stop_search_files import derby_points, searches

ONS_ROOT = "/arcgis/rest/services"
LSOA_SERVICE = "Lower_Layer_Super_Output_Areas_December_2011_Boundaries_EW_BGC"
AREA_SERVICE = "LAD23_CSP23_PFA23_EW_LU"  # districts to partnerships to police force areas
# Derby's row of it: a partnership of one district, in the Derbyshire police force area.
DERBY_AREA = [{"LAD23CD": "E06000015", "LAD23NM": "Derby", "CSP23CD": "E22000040", "CSP23NM": "Derby",
               "PFA23CD": "E23000026", "PFA23NM": "Derbyshire"}]
DISTRICTS_SERVICE = "Local_Authority_Districts_December_2023_Boundaries_UK_BGC"
ONS_PAGE_LIMIT = 5  # the mock's transfer limit: small, so that paging is exercised
OTHER_FORCES = ("leicestershire", "nottinghamshire", "staffordshire", "lincolnshire", "south-yorkshire")

ARCHIVES = ("2015-03", "2016-03", "2020-03")  # windows from 2012-04, 2013-04 and 2017-04
NO_STOPS = ("2014-06",)  # a month of street data with no stop-and-search file, as police.uk lacks some
STOPS_A_MONTH = 150
Route = bytes | Callable[[dict], tuple[bytes, str]]


class LocalServer:
    def __init__(self, routes: dict[str, Route], honour_ranges: bool = True,
                 fallback: Callable[[str, dict], tuple[bytes, str]] | None = None):
        self.routes, self.honour_ranges, self.fallback = routes, honour_ranges, fallback
        self.faults: dict[str, list[str]] = defaultdict(list)
        self.bytes_sent: Counter = Counter()
        self.requests: list[tuple[float, str, str | None]] = []  # (time, path, Range header)
        self._http = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
        self._http.daemon_threads = True
        self._http.owner = self
        self._thread = threading.Thread(target=self._http.serve_forever, kwargs={"poll_interval": 0.05},
                                        daemon=True)
        self._thread.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._http.server_address[1]}"

    def paths(self) -> list[str]:
        return [path for _, path, _ in self.requests]

    def stop(self) -> None:
        self._http.shutdown()
        self._http.server_close()
        self._thread.join(timeout=5)


class _Handler(BaseHTTPRequestHandler):
    def log_message(self, *args) -> None:  # quiet
        pass

    def do_GET(self) -> None:
        owner: LocalServer = self.server.owner
        parts = urlsplit(self.path)
        path, query = parts.path, {k: v[0] for k, v in parse_qs(parts.query).items()}
        owner.requests.append((time.monotonic(), path, self.headers.get("Range")))
        fault = owner.faults[path].pop(0) if owner.faults[path] else ""
        kind, _, arg = fault.partition(":")
        if kind == "500":
            return self._send(500, b"server error", "text/plain", path)
        if kind == "429":
            return self._send(429, b"slow down", "text/plain", path, {"Retry-After": arg})
        if kind == "sleep":
            time.sleep(float(arg))
        route = owner.routes.get(path)
        if route is None and owner.fallback is None:
            return self._send(404, b"not found", "text/plain", path)
        body, ctype = (route(query) if callable(route) else (route, "application/zip")) \
            if route is not None else owner.fallback(path, query)
        status, headers = 200, {"Accept-Ranges": "bytes" if owner.honour_ranges else "none"}
        asked = re.match(r"bytes=(\d*)-(\d*)$", self.headers.get("Range", ""))
        if owner.honour_ranges and asked:
            first, last = asked.groups()
            size = len(body)
            start, end = (size - int(last), size - 1) if first == "" else \
                (int(first), min(int(last), size - 1) if last else size - 1)
            start = max(start, 0)
            status, headers["Content-Range"] = 206, f"bytes {start}-{end}/{size}"
            body = body[start:end + 1]
        self._send(status, body, ctype, path, headers, truncate=kind == "truncate")

    def _send(self, status, body, ctype, path, headers=None, truncate=False) -> None:
        owner: LocalServer = self.server.owner
        try:
            self.send_response(status)
            self.send_header("Content-Type", ctype)
            self.send_header("Content-Length", str(len(body)))
            for key, value in (headers or {}).items():
                self.send_header(key, value)
            self.end_headers()
            sent = body[:len(body) // 2] if truncate else body
            self.wfile.write(sent)
            owner.bytes_sent[path] += len(sent)
        except (BrokenPipeError, ConnectionResetError):  # the client hung up: fine
            pass


# --- police.uk: archive zips and their listing ------------------------------------------

def months_back(end: str, n: int = 36) -> list[str]:
    year, month = int(end[:4]), int(end[5:7])
    out = []
    for _ in range(n):
        out.append(f"{year}-{month:02d}")
        year, month = (year, month - 1) if month > 1 else (year - 1, 12)
    return out[::-1]


def outcomes_of(street: bytes) -> bytes:
    """An outcomes file as police.uk publishes it beside a street file: a row for each crime
    of the month, its outcome as the street file's last outcome (so applying it changes none)."""
    rows = list(csv.DictReader(io.StringIO(street.decode("utf-8-sig"))))
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(OUTCOMES_HEADER)
    writer.writerows([[r[c] for c in OUTCOMES_HEADER[:-1]] + [r["Last outcome category"]]
                      for r in rows if r["Crime ID"]])
    return out.getvalue().encode()


OUTCOMES_HEADER = ["Crime ID", "Month", "Reported by", "Falls within", "Longitude", "Latitude", "Location",
                   "LSOA code", "LSOA name", "Outcome type"]


def stops_of(month: str, street_file: Path) -> bytes:
    """A force-wide stop-and-search file of the month: searches at the street file's map
    points, elsewhere in the county, just outside Derby and without a location (the same
    bytes in every archive that holds the month)."""
    rows = searches(month, derby_points(street_file), STOPS_A_MONTH, seed=int(month.replace("-", "")),
                    older=month < "2016")
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=STOPS_HEADER, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue().encode()


def archive_zip(shared: Path, end: str) -> bytes:
    """A zip in the police.uk archive layout for the 36 months ending at ``end``: for the
    months the shared data has, Derbyshire's street, outcomes and stop-and-search files
    (none of the last for the months in NO_STOPS) and other forces' files of the same size;
    for the other months only other forces' small files (so Derbyshire's months outside the
    shared data are missing, as from a real gap)."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as zf:
        for month in months_back(end):
            real = shared / "police_uk" / month / f"{month}-derbyshire-street.csv"
            if real.is_file():
                data = real.read_bytes()
                stops = stops_of(month, real) if month not in NO_STOPS else None
                zf.writestr(f"{month}/{month}-derbyshire-street.csv", data)
                zf.writestr(f"{month}/{month}-derbyshire-outcomes.csv", outcomes_of(data))
                if stops is not None:
                    zf.writestr(f"{month}/{month}-derbyshire-stop-and-search.csv", stops)
                for force in OTHER_FORCES:
                    zf.writestr(f"{month}/{month}-{force}-street.csv",
                                data.replace(b"Derbyshire", force.title().encode()))
                    if stops is not None:
                        zf.writestr(f"{month}/{month}-{force}-stop-and-search.csv", stops)
            else:
                zf.writestr(f"{month}/{month}-leicestershire-street.csv", b"Crime ID,Month\n")
    return out.getvalue()


def archive_listing(archives: list[str]) -> bytes:
    links = "".join(f'<li><a href="/data/archive/{a}.zip">{a}</a></li>' for a in archives)
    return (f"<html><body><h1>Archive</h1><ul>{links}"
            '<li><a href="/data/archive/latest.zip">latest</a></li></ul></body></html>').encode()


def police_routes(zips: dict[str, bytes]) -> dict[str, Route]:
    routes: dict[str, Route] = {f"/data/archive/{a}.zip": data for a, data in zips.items()}
    routes["/data/archive/"] = lambda q: (archive_listing(sorted(zips)), "text/html")
    return routes


# --- ONS: ArcGIS REST query answers as GeoJSON ----------------------------------------------

def ons_routes(shared: Path) -> tuple[dict[str, Route], Callable]:
    """The three services fetch queries, answering ``where`` clauses of the forms it sends,
    a page of at most ONS_PAGE_LIMIT features at a time; any other service gets the
    error ArcGIS gives in the body of an HTTP 200."""
    wards = json.loads((shared / "boundaries" / "wards_2013_derby.geojson").read_text())
    for feature in wards["features"]:  # the 2019 service names the same codes WD19CD
        p = feature["properties"]
        feature["properties"] = {"FID": 1, "WD19CD": p["WD13CD"], "WD19NM": p["WD13NM"], "WD19NMW": None}
    lsoas = json.loads((shared / "boundaries" / "lsoa_2011_derby.geojson").read_text())
    for feature in lsoas["features"]:  # as the service names them, with a Welsh name field
        feature["properties"] = {"FID": 1, **feature["properties"], "LSOA11NMW": feature["properties"]["LSOA11NM"]}
    with open(shared / "lookups" / "lsoa11_to_ward19_derby.csv", newline="") as f:
        lookup = [{"type": "Feature", "geometry": None, "properties": row} for row in csv.DictReader(f)]

    query = arcgis_query

    routes = {f"{ONS_ROOT}/{AREA_SERVICE}/FeatureServer/0/query": query(_features(DERBY_AREA)),
              f"{ONS_ROOT}/Wards_December_2019_Boundaries_UK_BGC/FeatureServer/0/query": query(wards["features"]),
              f"{ONS_ROOT}/LSOA11_WD19_LAD19_EW_LU/FeatureServer/0/query": query(lookup),
              f"{ONS_ROOT}/{DISTRICTS_SERVICE}/FeatureServer/0/query": query([derby_district(wards["features"])]),
              f"{ONS_ROOT}/{LSOA_SERVICE}/FeatureServer/0/query": query(lsoas["features"])}
    return routes, arcgis_unknown


def derby_district(wards: list[dict]) -> dict:
    """Derby's district polygon, as the union of its wards (the stand-in force area holds it alone)."""
    import shapely
    union = shapely.union_all([shapely.geometry.shape(f["geometry"]) for f in wards]).buffer(0)
    return {"type": "Feature", "geometry": shapely.geometry.mapping(union),
            "properties": {"LAD23CD": "E06000015", "LAD23NM": "Derby"}}


def arcgis_query(features: list[dict]):
    """An ArcGIS feature service's query: the features matching ``where``, a page at a time."""
    def answer(q: dict) -> tuple[bytes, str]:
        chosen = [f for f in features if _matches(f["properties"], q.get("where", ""))]
        offset = int(q.get("resultOffset", 0))
        count = min(int(q.get("resultRecordCount", ONS_PAGE_LIMIT)), ONS_PAGE_LIMIT)
        page = chosen[offset:offset + count]
        body = {"type": "FeatureCollection", "features": page}
        if offset + count < len(chosen):
            body["properties"] = {"exceededTransferLimit": True}
        return json.dumps(body).encode(), "application/geo+json"
    return answer


def arcgis_unknown(path: str, q: dict) -> tuple[bytes, str]:
    """What ArcGIS answers for a service it does not have: an error in the body of an HTTP 200."""
    return json.dumps({"error": {"code": 400, "message": "Invalid URL", "details": []}}).encode(), \
        "application/json"


def _features(rows: list[dict]) -> list[dict]:
    return [{"type": "Feature", "geometry": None, "properties": row} for row in rows]


def _matches(properties: dict, where: str) -> bool:
    equal = re.fullmatch(r"(\w+) = '([^']*)'", where)
    if equal:
        return str(properties.get(equal.group(1))) == equal.group(2)
    within = re.fullmatch(r"(\w+) IN \((.*)\)", where)
    if within:
        return str(properties.get(within.group(1))) in re.findall(r"'([^']*)'", within.group(2))
    raise AssertionError(f"the mock does not understand where={where!r}")


# --- fixtures (imported by the test modules that use them) ----------------------------------

@pytest.fixture(scope="session")
def archive_zips(shared_data) -> dict[str, bytes]:
    return {a: archive_zip(shared_data, a) for a in ARCHIVES}


@pytest.fixture
def serve(shared_data, archive_zips):
    """serve(honour_ranges=True, zips=None) -> (police server, ONS server); stopped after."""
    started = []

    def start(honour_ranges=True, zips=None):
        police = LocalServer(police_routes(zips or archive_zips), honour_ranges=honour_ranges)
        routes, unknown = ons_routes(shared_data)
        ons = LocalServer(routes, fallback=unknown)
        started.extend([police, ons])
        return police, ons
    yield start
    for server in started:
        server.stop()
