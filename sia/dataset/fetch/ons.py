"""Ward and LSOA boundaries and the LSOA to ward lookup from the ONS Open Geography Portal.

The portal serves its datasets as ArcGIS REST feature services:
``{ons_base}/<service>/FeatureServer/0/query?where=...&outFields=*&outSR=4326&f=geojson``,
a page of at most a few thousand features at a time (``resultOffset``, and
``exceededTransferLimit`` while more remain).

Population is not fetched: the ONS small area population estimates are published as
spreadsheets, not as feature services, so they (and the IMD) stay optional inputs given
as files (``--population``, ``--imd``).
"""
from __future__ import annotations

import csv
import hashlib
import io
import json
import re
from dataclasses import dataclass

from sia.dataset.fetch.cache import DownloadCache
from sia.dataset.fetch.http import HttpClient, Service
from sia.errors import InputError, Problem

ONS_BASE_URL = "https://services1.arcgis.com/ESMARspQHYMw9BZ9/arcgis/rest/services"
ONS = Service("the ONS ArcGIS services", "--ons-base-url", "SIA_ONS_BASE_URL")
PAGE_SIZE = 2000
# ONS GSS codes, the only text that reaches a query or a cache file name: a local authority
# in England (E06 unitary, E07 district, E08 metropolitan, E09 London borough) or Wales
# (W06), whose wards the England and Wales lookups hold; a ward (E05, W05); an LSOA (E01, W01).
AREA_CODE = re.compile(r"(?:E0[6-9]|W06)[0-9]{6}")
WARD_CODE = re.compile(r"[EW]05[0-9]{6}")
LSOA_CODE = re.compile(r"[EW]01[0-9]{6}")
# LSOA codes asked for in one query: a where clause of about 1.5 kB, well within a URL.
LSOAS_PER_QUERY = 100


def check_area_code(area: str) -> str:
    """The area as an ONS local authority code, or InputError before anything is fetched."""
    code = area.strip().upper() if isinstance(area, str) else ""
    if not AREA_CODE.fullmatch(code):
        raise InputError(Problem(f"{area!r} is not an ONS local authority code", "the area",
                                 "give a code such as E06000015 (Derby): E06, E07, E08 or E09 and six "
                                 "digits in England, W06 in Wales"))
    return code


@dataclass(frozen=True)
class WardVintage:
    """One edition of the ward geography, as ONS services publish it."""

    label: str
    boundaries: str  # feature service of ward polygons (generalised, clipped: BGC)
    lookup: str  # table service: LSOA -> ward -> local authority
    ward_field: str
    lad_field: str
    last_month: str  # the last month the wards are used for
    lsoa_boundaries: str  # feature service of the LSOA polygons the lookup's LSOAs are of (BGC)
    lsoa_field: str


# The services fetch reads. ONS renames services now and then (a _v2 suffix, a new
# naming scheme): when a query answers that a service does not exist, find its current
# name on https://geoportal.statistics.gov.uk and update it here.
#
# December 2019 wards serve every month up to April 2023: Derby's 17 wards (E05001767 to
# E05001783) kept their codes and boundaries from 2003 until the re-warding of May 2023,
# so they are right for 2014-15 and 2019-20 alike.
WARDS_2019 = WardVintage(
    label="December 2019 wards",
    boundaries="Wards_December_2019_Boundaries_UK_BGC",
    lookup="LSOA11_WD19_LAD19_EW_LU",
    ward_field="WD19CD",
    lad_field="LAD19CD",
    last_month="2023-04",
    lsoa_boundaries="Lower_Layer_Super_Output_Areas_December_2011_Boundaries_EW_BGC",
    lsoa_field="LSOA11CD",
)


def ward_vintage(months: list[str]) -> WardVintage:
    late = [m for m in months if m > WARDS_2019.last_month]
    if late:
        raise InputError(Problem(
            f"fetch knows ward boundaries only up to {WARDS_2019.last_month} ({WARDS_2019.label}); "
            f"{', '.join(late[:3])}{' ...' if len(late) > 3 else ''} came after Derby's re-warding "
            "of May 2023", "", "fetch earlier years, or upload the newer ward boundaries on the "
            "Data page (or give them to 'python -m sia ingest --wards')"))
    return WARDS_2019


@dataclass
class WardGeography:
    boundaries: str  # cache name of the ward GeoJSON
    lookup: str  # cache name of the LSOA to ward lookup CSV
    lsoa_boundaries: str  # cache name of the LSOA GeoJSON
    sources: list[dict]  # their cache entries (file, sha256, bytes, url)
    wards: int
    lsoas: int


def fetch_ward_geography(client: HttpClient, cache: DownloadCache, base_url: str, area: str,
                         vintage: WardVintage) -> WardGeography:
    """The area's wards, its LSOA lookup and the LSOAs the lookup lists, from the cache or
    the ONS services."""
    area = check_area_code(area)
    tag = vintage.ward_field[:4].lower()
    lookup_name = f"ons/lsoa-{tag}-lookup-{area}.csv"
    wards_name = f"ons/{tag}-boundaries-{area}.geojson"
    lsoas_name = f"ons/{vintage.lsoa_field[:6].lower()}-boundaries-{area}.geojson"
    if not (cache.verified(lookup_name) and cache.verified(wards_name)):
        base = base_url.rstrip("/")
        rows = _query(client, base, vintage.lookup, f"{vintage.lad_field} = '{area}'",
                      f"LSOA to ward lookup for {area}")
        if not rows:
            raise InputError(Problem(f"{vintage.lookup} has no LSOAs in area {area}", base,
                                     "give the area as an ONS local authority code, e.g. "
                                     "E06000015 for Derby"))
        table = [feature.get("properties") or {} for feature in rows]
        codes = sorted({str(r.get(vintage.ward_field, "")).strip() for r in table} - {""})
        odd = [c for c in codes if not WARD_CODE.fullmatch(c)]
        if odd:  # the answer is text from outside too: only codes go into the next query
            raise InputError(Problem(f"the lookup answers with {odd[0][:40]!r}, not a ward code", base,
                                     f"check the address, {ONS.mirror_fix}"))
        where = f"{vintage.ward_field} IN ({', '.join(repr(c) for c in codes)})"
        wards = _query(client, base, vintage.boundaries, where, f"ward boundaries for {area}")
        found = {str((f.get("properties") or {}).get(vintage.ward_field)) for f in wards}
        if not wards or set(codes) - found:
            absent = ", ".join(sorted(set(codes) - found))
            raise InputError(Problem(f"{vintage.boundaries} lacks the ward(s) {absent} of the lookup",
                                     base, "check that the two services are of the same year"))
        _store(cache, lookup_name, _csv(table), f"{base}/{vintage.lookup}")
        collection = {"type": "FeatureCollection", "features": wards}
        _store(cache, wards_name, json.dumps(collection).encode(), f"{base}/{vintage.boundaries}")
    lookup, boundaries = cache.verified(lookup_name), cache.verified(wards_name)
    with open(cache.path(boundaries["file"])) as f:
        n_wards = len(json.load(f)["features"])
    with open(cache.path(lookup["file"]), newline="") as f:
        listed = [str(row.get(vintage.lsoa_field) or "").strip() for row in csv.DictReader(f)]
    if not cache.verified(lsoas_name):  # also for a cache filled before LSOAs were fetched
        _fetch_lsoas(client, cache, base_url.rstrip("/"), vintage, listed, area, lsoas_name)
    return WardGeography(wards_name, lookup_name, lsoas_name,
                         [boundaries, lookup, cache.verified(lsoas_name)], n_wards, len(listed))


def _fetch_lsoas(client: HttpClient, cache: DownloadCache, base: str, vintage: WardVintage,
                 listed: list[str], area: str, name: str) -> None:
    """The polygons of the LSOAs the lookup lists, a hundred codes a query; every one found
    once, and nothing else."""
    odd = [c for c in listed if not LSOA_CODE.fullmatch(c)]
    if odd or not listed:  # only codes go into the query
        raise InputError(Problem(f"the lookup answers with {(odd or [''])[0][:40]!r}, not an LSOA code "
                                 f"in {vintage.lsoa_field}", base, f"check the address, {ONS.mirror_fix}"))
    codes = sorted(set(listed))
    features: list[dict] = []
    for start in range(0, len(codes), LSOAS_PER_QUERY):
        chunk = codes[start:start + LSOAS_PER_QUERY]
        where = f"{vintage.lsoa_field} IN ({', '.join(repr(c) for c in chunk)})"
        features += _query(client, base, vintage.lsoa_boundaries, where, f"LSOA boundaries for {area}")
    found = [str((f.get("properties") or {}).get(vintage.lsoa_field)) for f in features]
    absent, extra = sorted(set(codes) - set(found)), sorted(set(found) - set(codes))
    repeated = sorted({c for c in found if found.count(c) > 1}) if len(found) != len(set(found)) else []
    if absent or extra or repeated:
        what = (f"answers with LSOA(s) not asked for ({', '.join(c[:40] for c in extra[:3])})" if extra else
                f"lacks the LSOA(s) {', '.join(absent[:5])} of the lookup" if absent else
                f"answers with LSOA(s) twice ({', '.join(repeated[:5])})")
        raise InputError(Problem(f"{vintage.lsoa_boundaries} {what}", base,
                                 "check that the services are of the same LSOA year, "
                                 f"{ONS.mirror_fix}"))
    collection = {"type": "FeatureCollection", "features": features}
    _store(cache, name, json.dumps(collection).encode(), f"{base}/{vintage.lsoa_boundaries}")


def _query(client: HttpClient, base: str, service: str, where: str, label: str) -> list[dict]:
    """Every feature matching ``where``, page by page."""
    url = f"{base}/{service}/FeatureServer/0/query"
    features: list[dict] = []
    while True:
        params = {"where": where, "outFields": "*", "outSR": "4326", "f": "geojson",
                  "resultOffset": str(len(features)), "resultRecordCount": str(PAGE_SIZE)}
        page_label = f"ONS {label}" + (f" (from feature {len(features) + 1})" if features else "")
        body = client.get_bytes(url, page_label, params)
        try:
            page = json.loads(body)
        except ValueError:
            raise InputError(Problem("the answer is not JSON", url,
                                     f"check the address, {ONS.mirror_fix}")) from None
        if "error" in page:  # ArcGIS reports errors in the body of an HTTP 200
            message = (page["error"] or {}).get("message", page["error"])
            raise InputError(Problem(f"the service answered '{message}'", url,
                                     f"ONS may have renamed {service}: update the table in "
                                     f"sia/dataset/fetch/ons.py, {ONS.mirror_fix}"))
        batch = page.get("features") or []
        features.extend(batch)
        more = page.get("exceededTransferLimit") or (page.get("properties") or {}).get("exceededTransferLimit")
        if not more or not batch:
            return features


def _csv(rows: list[dict]) -> bytes:
    columns = list(dict.fromkeys(k for row in rows for k in row))
    out = io.StringIO()
    writer = csv.DictWriter(out, columns, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue().encode()


def _store(cache: DownloadCache, name: str, data: bytes, url: str) -> None:
    cache.part(name).write_bytes(data)
    cache.store(name, hashlib.sha256(data).hexdigest(), {"url": url})
