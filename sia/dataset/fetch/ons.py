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

from sia.dataset.area import CSP_CODE, Area, area_name
from sia.dataset.fetch.cache import DownloadCache
from sia.dataset.fetch.http import HttpClient, Service
from sia.dataset.fetch.police_archive import check_force
from sia.errors import InputError, Problem
from sia.words import slug

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
    """One edition of the ward geography, as ONS services publish it, and the months its
    wards serve (police.uk months: the wards elected in May are in force from that May)."""

    label: str
    boundaries: str  # feature service of ward polygons (generalised, clipped: BGC)
    lookup: str  # table service: LSOA -> ward -> local authority
    ward_field: str
    lad_field: str
    first_month: str | None  # None: from police.uk's first month
    last_month: str | None  # None: to this day
    lsoa_boundaries: str  # feature service of the LSOA polygons the lookup's LSOAs are of (BGC)
    lsoa_field: str


# The services fetch reads, one row per ward vintage, oldest first. ONS renames services now
# and then (a _v2 suffix, a new naming scheme): when a query answers that a service does not
# exist, find its current name on https://geoportal.statistics.gov.uk and change it here; when
# ONS publishes the wards of a new May's elections, add a row and end the one before it.
#
# For each month fetch uses the vintage in force; consecutive vintages whose wards are the
# same for the area (the same codes) make one ward set, drawn by the later vintage. December
# 2019 wards serve every month up to April 2023: Derby's 17 wards (E05001767 to E05001783)
# kept their codes and boundaries from 2003 until its re-warding of May 2023. Districts
# re-warded between 2010 and 2019 get their 2019 wards for those years too: give their
# earlier wards to ingest ('--wards FILE --wards YYYY-MM=FILE') where it matters.
WARDS_2019 = WardVintage(
    label="December 2019 wards", boundaries="Wards_December_2019_Boundaries_UK_BGC",
    lookup="LSOA11_WD19_LAD19_EW_LU", ward_field="WD19CD", lad_field="LAD19CD",
    first_month=None, last_month="2023-04",
    lsoa_boundaries="Lower_Layer_Super_Output_Areas_December_2011_Boundaries_EW_BGC", lsoa_field="LSOA11CD")
WARDS_2023 = WardVintage(
    label="May 2023 wards", boundaries="Wards_May_2023_Boundaries_UK_BGC",
    lookup="LSOA21_WD23_LAD23_EW_LU", ward_field="WD23CD", lad_field="LAD23CD",
    first_month="2023-05", last_month="2024-04",
    lsoa_boundaries="Lower_layer_Super_Output_Areas_December_2021_Boundaries_EW_BGC_V5", lsoa_field="LSOA21CD")
WARDS_2024 = WardVintage(
    label="December 2024 wards", boundaries="Wards_December_2024_Boundaries_UK_BGC",
    lookup="LSOA21_WD24_LAD24_EW_LU", ward_field="WD24CD", lad_field="LAD24CD",
    first_month="2024-05", last_month=None,
    lsoa_boundaries="Lower_layer_Super_Output_Areas_December_2021_Boundaries_EW_BGC_V5", lsoa_field="LSOA21CD")
WARD_VINTAGES = (WARDS_2019, WARDS_2023, WARDS_2024)


def ward_vintages(months: list[str]) -> list[tuple[WardVintage, list[str]]]:
    """The vintages in force over ``months``, oldest first, each with its months."""
    out = []
    for vintage in WARD_VINTAGES:
        mine = [m for m in months if (vintage.first_month or "") <= m
                and (vintage.last_month is None or m <= vintage.last_month)]
        if mine:
            out.append((vintage, mine))
    return out


@dataclass
class WardGeography:
    vintage: WardVintage
    boundaries: str  # cache name of the ward GeoJSON
    lookup: str  # cache name of the LSOA to ward lookup CSV
    lsoa_boundaries: str | None  # cache name of the LSOA GeoJSON (None when not asked for)
    sources: list[dict]  # their cache entries (file, sha256, bytes, url)
    wards: int
    lsoas: int
    codes: frozenset[str]  # the ward codes: a vintage of the same codes is the same ward set


def _name_apart(wards: list[dict], lookup: list[dict], vintage: WardVintage) -> None:
    """Wards of different districts sharing a name (two 'Abbey' wards in a partnership of
    two districts) get their district's name after theirs, 'Abbey (Erewash)', in place: a
    dataset names each ward once."""
    name_field, district_name = vintage.ward_field[:-2] + "NM", vintage.lad_field[:-2] + "NM"
    district_of = {str(r.get(vintage.ward_field) or ""): str(r.get(district_name) or "").strip() for r in lookup}
    names = [str((f.get("properties") or {}).get(name_field) or "") for f in wards]
    shared = {n for n in names if names.count(n) > 1}
    for feature in wards:
        properties = feature.get("properties") or {}
        if properties.get(name_field) in shared and district_of.get(str(properties.get(vintage.ward_field))):
            properties[name_field] = f"{properties[name_field]} ({district_of[str(properties[vintage.ward_field])]})"


def _districts_tag(districts: tuple[str, ...]) -> str:
    """The districts in a cache file's name: 'E06000015', or a digest for several."""
    if len(districts) == 1:
        return districts[0]
    return f"{len(districts)}-districts-{hashlib.sha256(','.join(districts).encode()).hexdigest()[:12]}"


def fetch_ward_geography(client: HttpClient, cache: DownloadCache, base_url: str, districts: tuple[str, ...],
                         vintage: WardVintage, lsoas: bool = True) -> WardGeography:
    """The districts' wards, their LSOA lookup and (with ``lsoas``) the LSOAs the lookup
    lists, from the cache or the ONS services."""
    districts = tuple(sorted({check_area_code(d) for d in districts}))
    area = ", ".join(districts)
    tag, wtag = _districts_tag(districts), vintage.ward_field[:4].lower()
    lookup_name = f"ons/lsoa-{wtag}-lookup-{tag}.csv"
    wards_name = f"ons/{wtag}-boundaries-{tag}.geojson"
    lsoas_name = f"ons/{vintage.lsoa_field[:6].lower()}-{wtag}-boundaries-{tag}.geojson"
    if vintage is WARDS_2019 and len(districts) == 1:  # as caches filled before ward vintages named it
        lsoas_name = f"ons/{vintage.lsoa_field[:6].lower()}-boundaries-{tag}.geojson"
    if not (cache.verified(lookup_name) and cache.verified(wards_name)):
        base = base_url.rstrip("/")
        where = (f"{vintage.lad_field} = '{districts[0]}'" if len(districts) == 1 else
                 f"{vintage.lad_field} IN ({', '.join(repr(d) for d in districts)})")
        rows = _query(client, base, vintage.lookup, where, f"LSOA to ward lookup for {area}")
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
        _name_apart(wards, table, vintage)
        _store(cache, lookup_name, _csv(table), f"{base}/{vintage.lookup}")
        collection = {"type": "FeatureCollection", "features": wards}
        _store(cache, wards_name, json.dumps(collection).encode(), f"{base}/{vintage.boundaries}")
    lookup, boundaries = cache.verified(lookup_name), cache.verified(wards_name)
    with open(cache.path(boundaries["file"])) as f:
        features = json.load(f)["features"]
    with open(cache.path(lookup["file"]), newline="") as f:
        table = list(csv.DictReader(f))
    listed = [str(row.get(vintage.lsoa_field) or "").strip() for row in table]
    codes = frozenset(str(r.get(vintage.ward_field) or "").strip() for r in table) - {""}
    sources = [boundaries, lookup]
    if lsoas:
        if not cache.verified(lsoas_name):  # also for a cache filled before LSOAs were fetched
            _fetch_lsoas(client, cache, base_url.rstrip("/"), vintage, listed, area, lsoas_name)
        sources.append(cache.verified(lsoas_name))
    return WardGeography(vintage, wards_name, lookup_name, lsoas_name if lsoas else None, sources, len(features),
                         len(listed), codes)


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


@dataclass(frozen=True)
class AreaLookup:
    """ONS's lookup of local authority districts to Community Safety Partnerships to police
    force areas (a table service), and its fields."""

    service: str
    district: str
    district_name: str
    csp: str
    csp_name: str
    force_name: str


# Renamed like the services above: change it here.
AREA_LOOKUP = AreaLookup("LAD23_CSP23_PFA23_EW_LU", "LAD23CD", "LAD23NM", "CSP23CD", "CSP23NM", "PFA23NM")
FORCE_AREA_FIELD = "PFA23CD"
FORCE_AREA_CODE = re.compile(r"(?:E23|W15)[0-9]{6}")
# The districts' polygons (generalised, clipped), for the area against its force.
DISTRICT_BOUNDARIES = "Local_Authority_Districts_December_2023_Boundaries_UK_BGC"
DISTRICT_FIELD = "LAD23CD"
# Police force areas whose police.uk file names are not their ONS names in lower case with hyphens.
POLICE_UK_FORCES = {"metropolitan police": "metropolitan", "london, city of": "city-of-london",
                    "city of london": "city-of-london"}


def police_uk_force(force_area: str) -> str:
    """police.uk's name for an ONS police force area: 'Devon & Cornwall' -> 'devon-and-cornwall'."""
    folded = " ".join(force_area.lower().split())
    return POLICE_UK_FORCES.get(folded) or slug(folded.replace("&", " and "))


def area_lookup_name(code: str) -> str:
    return f"ons/area-{code}.csv"


def fetch_area(client: HttpClient, cache: DownloadCache, base_url: str, district: str | None = None,
               csp: str | None = None, force: str | None = None) -> Area:
    """The area of a district (``district``) or of a Community Safety Partnership and all its
    districts (``csp``), named as ONS names it, with its police force (``force`` when given,
    else police.uk's name for the force area the lookup gives)."""
    if csp is not None:
        code = csp.strip().upper() if isinstance(csp, str) else ""
        if not CSP_CODE.fullmatch(code):
            raise InputError(Problem(f"{csp!r} is not an ONS Community Safety Partnership code", "--csp",
                                     "give a code such as E22000990: E22 or W22 and six digits"))
        field, name_field = AREA_LOOKUP.csp, AREA_LOOKUP.csp_name
    else:
        code, field, name_field = check_area_code(district or ""), AREA_LOOKUP.district, AREA_LOOKUP.district_name
    name = area_lookup_name(code)
    base = base_url.rstrip("/")
    if cache.verified(name):
        with open(cache.path(name), newline="") as f:
            return _area_of(list(csv.DictReader(f)), code, name_field, force, base)
    rows = _query(client, base, AREA_LOOKUP.service, f"{field} = '{code}'", f"the area of {code}")
    table = [feature.get("properties") or {} for feature in rows]
    if not table:
        raise InputError(Problem(f"{AREA_LOOKUP.service} has no {'partnership' if csp else 'district'} {code}",
                                 base, "give a code of a district (--area) or a Community Safety "
                                       "Partnership (--csp) of England or Wales"))
    area = _area_of(table, code, name_field, force, base)  # checked before it is kept: a bad answer is not cached
    _store(cache, name, _csv(table), f"{base}/{AREA_LOOKUP.service}")
    return area


def _area_of(table: list[dict], code: str, name_field: str, force: str | None, base: str) -> Area:
    """The area the lookup's rows give, checked: codes of their kinds, one partnership, one
    name, one police force area (unless the force is given)."""
    def text(row: dict, field: str) -> str:
        return str(row.get(field) or "").strip()
    districts = sorted({text(r, AREA_LOOKUP.district) for r in table})
    partnerships = sorted({text(r, AREA_LOOKUP.csp) for r in table})
    force_areas = sorted({text(r, AREA_LOOKUP.force_name) for r in table})
    names = sorted({text(r, name_field) for r in table})
    problem = (next((f"{d[:40]!r} is not a district code" for d in districts if not AREA_CODE.fullmatch(d)), None)
               or next((f"{c[:40]!r} is not a partnership code" for c in partnerships if not CSP_CODE.fullmatch(c)),
                       None)
               or (f"the districts fall in {len(partnerships)} partnerships" if len(partnerships) != 1 else None)
               or (f"the area has {len(names)} names" if len(names) != 1 else None))
    fix = f"check the address, {ONS.mirror_fix}"
    if problem is None and force is None and len(force_areas) != 1:
        problem = f"the districts fall in {len(force_areas)} police force areas"
        fix = "give the police force to fetch with --force NAME"
    if problem:
        raise InputError(Problem(f"{AREA_LOOKUP.service} answers for {code}, but {problem}", base, fix))
    try:
        area_title = area_name(names[0])
    except InputError:
        raise InputError(Problem(f"{AREA_LOOKUP.service} answers for {code} with a name that is not an area's "
                                 f"({names[0][:40]!r})", base, fix)) from None
    try:
        forces = [check_force(force or police_uk_force(force_areas[0]))]
    except InputError:
        raise InputError(Problem(f"{AREA_LOOKUP.service} answers for {code} with a police force area police.uk "
                                 f"has no file name for ({force_areas[0][:40]!r})", base,
                                 "give the force with --force NAME")) from None
    return Area(area_title, tuple(districts), partnerships[0], tuple(forces))


def fetch_force_districts(client: HttpClient, cache: DownloadCache, base_url: str, area: Area,
                          asked: str) -> tuple[str, dict, int] | None:
    """The polygons of every district of the area's police force area (the area's peers):
    their cache name, cache entry and number; None when the lookup gives the area no one
    police force area. ``asked``: the code fetch_area was given."""
    lookup = cache.verified(area_lookup_name(asked))
    with open(cache.path(lookup["file"]), newline="") as f:
        force_areas = sorted({str(r.get(FORCE_AREA_FIELD) or "").strip() for r in csv.DictReader(f)})
    base = base_url.rstrip("/")
    if len(force_areas) != 1 or not FORCE_AREA_CODE.fullmatch(force_areas[0]):
        return None  # districts of several force areas have no one force to stand beside
    name = f"ons/districts-{force_areas[0]}.geojson"
    if not cache.verified(name):
        rows = _query(client, base, AREA_LOOKUP.service, f"{FORCE_AREA_FIELD} = '{force_areas[0]}'",
                      f"the districts of police force area {force_areas[0]}")
        codes = sorted({str((r.get("properties") or {}).get(AREA_LOOKUP.district) or "").strip() for r in rows})
        odd = [c for c in codes if not AREA_CODE.fullmatch(c)]
        if odd or not set(area.districts) <= set(codes):
            raise InputError(Problem(f"{AREA_LOOKUP.service} answers for {force_areas[0]} with "
                                     f"{(odd or ['no district of the area'])[0][:40]!r}", base,
                                     f"check the address, {ONS.mirror_fix}"))
        where = f"{DISTRICT_FIELD} IN ({', '.join(repr(c) for c in codes)})"
        features = _query(client, base, DISTRICT_BOUNDARIES, where, f"district boundaries of {force_areas[0]}")
        found = {str((f.get("properties") or {}).get(DISTRICT_FIELD)) for f in features}
        if found != set(codes) or len(features) != len(codes):
            raise InputError(Problem(f"{DISTRICT_BOUNDARIES} answers with other districts than the lookup's", base,
                                     "check that the services are of the same year"))
        _store(cache, name, json.dumps({"type": "FeatureCollection", "features": features}).encode(),
               f"{base}/{DISTRICT_BOUNDARIES}")
    entry = cache.verified(name)
    with open(cache.path(entry["file"])) as f:
        count = len(json.load(f)["features"])
    return name, entry, count


# ONS's lookup between 2011 and 2021 LSOAs (a row a pair), which carries a population file of
# 2011 LSOAs to wards drawn on 2021 LSOAs. Renamed like the services above: change it here.
LSOA_CHANGE = "LSOA11_LSOA21_LAD22_EW_LU"


def fetch_lsoa_change(client: HttpClient, cache: DownloadCache, base_url: str, geography: WardGeography) -> dict:
    """The lookup's rows for the 2021 LSOAs of a ward geography drawn on them, from the cache
    or ONS (a hundred codes a query); its cache entry."""
    with open(cache.path(geography.lookup), newline="") as f:
        codes = sorted({str(r.get("LSOA21CD") or "").strip() for r in csv.DictReader(f)} - {""})
    odd = [c for c in codes if not LSOA_CODE.fullmatch(c)]
    base = base_url.rstrip("/")
    if odd or not codes:
        raise InputError(Problem(f"the lookup answers with {(odd or [''])[0][:40]!r}, not a 2021 LSOA code", base,
                                 f"check the address, {ONS.mirror_fix}"))
    name = f"ons/lsoa11-lsoa21-{hashlib.sha256(','.join(codes).encode()).hexdigest()[:16]}.csv"
    if not cache.verified(name):
        rows: list[dict] = []
        for start in range(0, len(codes), LSOAS_PER_QUERY):
            chunk = codes[start:start + LSOAS_PER_QUERY]
            rows += [f.get("properties") or {} for f in _query(
                client, base, LSOA_CHANGE, f"LSOA21CD IN ({', '.join(repr(c) for c in chunk)})",
                "the lookup between 2011 and 2021 LSOAs")]
        if not rows:
            raise InputError(Problem(f"{LSOA_CHANGE} has none of the area's 2021 LSOAs", base,
                                     f"check the address, {ONS.mirror_fix}"))
        _store(cache, name, _csv(rows), f"{base}/{LSOA_CHANGE}")
    return cache.verified(name)
