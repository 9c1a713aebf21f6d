"""Ward and LSOA boundaries, and placing incidents in wards.

Placement is point-in-polygon in British National Grid (EPSG:27700), so distances are in
metres. police.uk snaps each incident to a nearby street point, and a few of those fall
just outside the generalised ward polygons: a point outside every ward but within
``SNAP_DISTANCE_M`` of one goes to the nearest ward; further out it is outside the area.
"""
from __future__ import annotations

import re
import unicodedata
import warnings
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from pyproj import Transformer

from sia.dataset.area import DISTRICT_CODE
from sia.dataset.limits import MAX_BOUNDARY_FILE, require_file
from sia.errors import InputError, Problem, first_line
from sia.words import plural

BNG = "EPSG:27700"
WGS84 = "EPSG:4326"
SNAP_DISTANCE_M = 100.0

_TO_BNG = Transformer.from_crs(WGS84, BNG, always_xy=True)

WARD_CODE_FIELD = re.compile(r"^WD[0-9]{2}CD$", re.IGNORECASE)
WARD_NAME_FIELD = re.compile(r"^WD[0-9]{2}NM$", re.IGNORECASE)
LSOA_CODE_FIELD = re.compile(r"^LSOA[0-9]{2}CD$", re.IGNORECASE)
DISTRICT_CODE_FIELD = re.compile(r"^LAD[0-9]{2}CD$", re.IGNORECASE)
DISTRICT_NAME_FIELD = re.compile(r"^LAD[0-9]{2}NM$", re.IGNORECASE)
LSOA_NAME_FIELD = re.compile(r"^LSOA[0-9]{2}NM$", re.IGNORECASE)


def read_wards(path: Path, code_field: str | None = None, name_field: str | None = None,
               ) -> gpd.GeoDataFrame:
    """Ward polygons as (ward_code, ward_name, geometry) in British National Grid.

    GeoJSON, GeoPackage and shapefile all read through pyogrio. ONS field names
    (``WD13CD``/``WD13NM`` and other years) are found without being named.
    """
    label = str(path)
    gdf = read_boundaries(path, "ward")
    if gdf.empty:
        raise InputError(Problem("the boundary file has no features", label,
                                 "give the ward polygons of the area"))
    code_field = _field(gdf, code_field, WARD_CODE_FIELD, "ward code", "--ward-code-field", label)
    name_field = _field(gdf, name_field, WARD_NAME_FIELD, "ward name", "--ward-name-field", label)
    codes = _text_field(gdf, code_field, "ward code", label)
    names = _text_field(gdf, name_field, "ward name", label)
    check_polygons(gdf, label, "ward boundaries", "the boundary file",
                   "give the ward areas, not points or lines", names=names)
    wards = gpd.GeoDataFrame({"ward_code": codes, "ward_name": names}, geometry=gdf.geometry.values,
                             crs=gdf.crs).to_crs(BNG)
    wards["geometry"], repaired = polygonal(wards.geometry, names, label)
    if wards["ward_code"].duplicated().any():
        # Multi-part wards stored as several features: dissolve them into one.
        wards = wards.dissolve(by=["ward_code", "ward_name"], as_index=False)
    pairs = wards[["ward_code", "ward_name"]]
    for key, other, what in (("ward_code", "ward_name", "code"), ("ward_name", "ward_code", "name")):
        shared = pairs.groupby(key)[other].nunique()
        shared = shared[shared > 1]
        if len(shared):
            detail = "; ".join(f"{k!r}: {', '.join(map(repr, sorted(pairs.loc[pairs[key] == k, other])))}"
                               for k in shared.index[:5])
            raise InputError(Problem(f"a ward {what} is given to more than one ward ({detail})", label,
                                     "each ward needs its own code and name: check the code and name "
                                     "fields (--ward-code-field, --ward-name-field)"))
    check_names_distinct(wards["ward_name"], label)
    wards = wards.sort_values("ward_code").reset_index(drop=True)
    check_partition(wards.geometry.values, wards["ward_name"], label, "wards")
    wards.attrs["repaired"] = repaired  # the names of boundaries repaired, for the ingest report
    return wards


def vintage_first_month(path: Path) -> str | None:
    """The month a ward file's wards came in, read from its ONS code field: WD23CD -> '2023-05'
    (wards are elected in May; ONS's December vintage of a year holds that May's wards). None
    for a file without one such field."""
    fields = [c for c in read_boundaries(path, "ward").columns if WARD_CODE_FIELD.match(str(c))]
    return f"20{fields[0][2:4]}-05" if len(fields) == 1 else None


def read_districts(path: Path) -> gpd.GeoDataFrame:
    """The local authority districts of a police force as (district_code, district_name,
    geometry) in British National Grid, by code (ONS's LADyyCD and LADyyNM fields), checked
    as ward files are."""
    label = str(path)
    gdf = read_boundaries(path, "district")
    if gdf.empty:
        raise InputError(Problem("the district boundary file has no features", label,
                                 "give the polygons of the force's districts"))
    # Codes as --district takes them: e06000015 is E06000015.
    codes = _text_field(gdf, _field(gdf, None, DISTRICT_CODE_FIELD, "district code", None, label, "LAD23CD"),
                        "district code", label).str.strip().str.upper()
    odd = [c for c in codes if not DISTRICT_CODE.fullmatch(c)]
    if odd:
        raise InputError(Problem(f"{odd[0][:40]!r} is not a local authority district code (E06, E07, E08, E09 or "
                                 "W06 and six digits)", label, "give the districts' ONS codes (LADyyCD)"))
    names = _text_field(gdf, _field(gdf, None, DISTRICT_NAME_FIELD, "district name", None, label, "LAD23NM"),
                        "district name", label)
    check_polygons(gdf, label, "district boundaries", "the district file", "give the district areas", names=names)
    if codes.duplicated().any() or names.duplicated().any():
        raise InputError(Problem("a district code or name is given twice", label, "give one feature per district"))
    districts = gpd.GeoDataFrame({"ward_code": codes, "ward_name": names}, geometry=gdf.geometry.values,
                                 crs=gdf.crs).to_crs(BNG)
    districts["geometry"], _ = polygonal(districts.geometry, names, label)
    districts = districts.sort_values("ward_code").reset_index(drop=True)
    check_partition(districts.geometry.values, districts["ward_name"], label, "districts")
    return districts.rename(columns={"ward_code": "district_code", "ward_name": "district_name"})


def read_lsoas(path: Path) -> gpd.GeoDataFrame:
    """LSOA polygons as (lsoa_code, lsoa_name, geometry) in British National Grid, by code.

    ONS field names (``LSOA11CD``/``LSOA11NM``, any year) are found without being named; a
    file without a name field is named by its codes. Checked as ward files are (polygons,
    a CRS, in the UK, codes and names as text), and no code may be given twice.
    """
    label = str(path)
    gdf = read_boundaries(path, "LSOA")
    if gdf.empty:
        raise InputError(Problem("the LSOA boundary file has no features", label,
                                 "give the LSOA polygons of the area"))
    code_field = _field(gdf, None, LSOA_CODE_FIELD, "LSOA code", None, label, "LSOA11CD")
    columns = [c for c in gdf.columns if c != gdf.geometry.name]
    name_field = (_field(gdf, None, LSOA_NAME_FIELD, "LSOA name", None, label, "LSOA11NM")
                  if any(LSOA_NAME_FIELD.match(c) for c in columns) else code_field)
    codes = _text_field(gdf, code_field, "LSOA code", label)
    names = _text_field(gdf, name_field, "LSOA name", label)
    check_polygons(gdf, label, "LSOA boundaries", "the LSOA file",
                   "give the LSOA areas, not points or lines", names=codes)
    repeated = codes[codes.duplicated()].unique()
    if len(repeated):
        raise InputError(Problem(f"LSOA codes given to more than one feature: "
                                 f"{', '.join(map(repr, repeated[:5]))}", label,
                                 "give one feature per LSOA (dissolve multi-part LSOAs first)"))
    lsoas = gpd.GeoDataFrame({"lsoa_code": codes, "lsoa_name": names}, geometry=gdf.geometry.values,
                             crs=gdf.crs).to_crs(BNG)
    lsoas["geometry"], repaired = polygonal(lsoas.geometry, codes, label)
    lsoas = lsoas.sort_values("lsoa_code").reset_index(drop=True)
    check_partition(lsoas.geometry.values, lsoas["lsoa_code"], label, "LSOAs")
    lsoas.attrs["repaired"] = repaired  # the codes of boundaries repaired, for the ingest report
    return lsoas


# Neighbouring areas share their edges; generalised boundaries overlap by hairlines (Derby's
# LSOAs by at most 1.4e-9 of the smaller, its wards not at all). Two areas overlapping by
# more than this share of the smaller one would each claim the incidents in the overlap.
MAX_OVERLAP_SHARE = 0.005
# Two polygons whose overlap is all but the whole of both (within this share) are one
# polygon given twice.
SAME_POLYGON_SHARE = 1e-6
PAIRS_SHOWN = 3


def check_partition(geometry: np.ndarray, names: pd.Series, label: str, kind: str) -> None:
    """Refuse areas (``kind``: 'wards', 'LSOAs') that overlap one another by more than a
    sliver: each incident must fall in one of them. A polygon given twice is said plainly.
    Candidate pairs come from an STRtree; areas only of their intersections, in metres
    (British National Grid)."""
    if len(geometry) < 2:
        return
    tree = shapely.STRtree(geometry)
    left, right = tree.query(geometry, predicate="intersects")
    pair = left < right
    left, right = left[pair], right[pair]
    if not len(left):
        return
    area = shapely.area(geometry)
    smaller = np.minimum(area[left], area[right])
    # Generalised neighbours all overlap by hairlines, so no cheaper test narrows the pairs:
    # a few thousand LSOAs (some 10,000 pairs) take about half a second.
    try:
        shared = shapely.area(shapely.intersection(geometry[left], geometry[right]))
    except shapely.errors.GEOSException:  # a topology fault in a repaired polygon: snap to 1 cm
        shared = shapely.area(shapely.intersection(geometry[left], geometry[right], grid_size=0.01))
    over = np.flatnonzero(shared > MAX_OVERLAP_SHARE * smaller)
    if not len(over):
        return
    name = names.to_numpy()
    larger = np.maximum(area[left], area[right])
    same = over[shared[over] >= (1 - SAME_POLYGON_SHARE) * larger[over]]
    if len(same):
        shown = "; ".join(f"{name[left[i]]!r} and {name[right[i]]!r}" for i in same[:PAIRS_SHOWN])
        more = f"; and {plural(len(same) - PAIRS_SHOWN, 'more pair')}" if len(same) > PAIRS_SHOWN else ""
        raise InputError(Problem(
            f"the same polygon is given for {kind} {shown}{more}", label,
            f"give each of the {kind} its own boundary (look for a feature copied under another name): "
            "every incident in a polygon given twice goes to one of its names, none to the other"))
    # The largest shares first (equal ones, to a millionth, in the file's order).
    over = over[np.lexsort((right[over], left[over], -np.round(shared[over] / smaller[over], 6)))]

    def described(i: int, verb: str) -> str:
        a, b = left[i], right[i]
        less = name[a] if area[a] <= area[b] * (1 + 1e-9) else name[b]  # the first of two alike
        return (f"{name[a]!r} and {name[b]!r} {verb} {_area_text(shared[i])} "
                f"({_share_text(shared[i] / smaller[i])} of {less})")

    if len(over) == 1:
        what = f"{kind} {described(over[0], 'overlap by')}"
    else:
        more = f"; and {plural(len(over) - PAIRS_SHOWN, 'more pair')}" if len(over) > PAIRS_SHOWN else ""
        what = (f"{len(over):,} pairs of {kind} overlap: "
                + "; ".join(described(i, "by") for i in over[:PAIRS_SHOWN]) + more)
    raise InputError(Problem(
        what, label,
        f"give {kind} that do not overlap (each incident must fall in one), such as ONS's boundaries "
        f"of one year; overlaps under {MAX_OVERLAP_SHARE:.1%} of the smaller area are taken as slivers"))


def _area_text(m2: float) -> str:
    return f"{m2 / 1e6:,.2f} km²" if m2 >= 10_000 else f"{m2:,.0f} m²"


def _share_text(share: float) -> str:
    return f"{share:.0%}" if share >= 0.0995 else f"{share:.1%}"  # 31%, 0.6%


def fold_name(name: str) -> str:
    """A name as a link matches it: NFKC, without case and without any spaces."""
    folded = unicodedata.normalize("NFKC", unicodedata.normalize("NFKC", name).casefold())
    return "".join(folded.split())


def check_names_distinct(names: pd.Series, label: str) -> None:
    """Refuse ward names that differ only in case or spaces ('Abbey', 'ABBEY',
    'North  East'): a link names a ward without regard to those, so it must reach one."""
    folded = names.map(fold_name)
    clashing = folded[folded.duplicated(keep=False)]
    if not len(clashing):
        return
    groups = [names[clashing.index[clashing == key]].tolist() for key in clashing.unique()]  # in file order
    shown = "; ".join(_and_list([repr(n) for n in group]) for group in groups[:PAIRS_SHOWN])
    more = f"; and {len(groups) - PAIRS_SHOWN:,} more" if len(groups) > PAIRS_SHOWN else ""
    raise InputError(Problem(
        f"ward names {shown}{more} differ only in case or spaces: a link must reach exactly one ward", label,
        "give each ward a name of its own, or the right name field (--ward-name-field)"))


def _and_list(items: list[str]) -> str:
    return items[0] if len(items) == 1 else f"{', '.join(items[:-1])} and {items[-1]}"


# An LSOA belongs to the area when at least this share of it lies in the wards: generalised
# boundaries of other vintages overlap their neighbours by slivers, never by half.
MIN_SHARE_IN_WARDS = 0.5


# The share of the wards' area an LSOA file must cover for the build's notes to stay quiet
# (boundaries of one vintage drawn at different generalisations differ by well under this).
MIN_LSOA_COVER = 0.97


def lsoas_in_wards(lsoas: gpd.GeoDataFrame, wards: gpd.GeoDataFrame, lookup: pd.Series | None,
                   label: str) -> tuple[gpd.GeoDataFrame, list[str]]:
    """The LSOAs of the wards' area, each with its ward (``ward_code``, ``ward_name``): the
    lookup's ward where it names one of the wards, else the ward it overlaps most. LSOAs
    mostly outside the wards (a file of a larger area) are left out, and notes say so; a
    file with none in them is refused. Both tables in British National Grid."""
    geometry = lsoas.geometry.values
    tree = shapely.STRtree(wards.geometry.values)
    lsoa_i, ward_i = tree.query(geometry, predicate="intersects")
    shared = shapely.area(shapely.intersection(geometry[lsoa_i], wards.geometry.values[ward_i]))
    inside = np.bincount(lsoa_i, weights=shared, minlength=len(lsoas))
    order = np.lexsort((-shared, lsoa_i))  # per LSOA, the largest overlap first
    first = order[np.r_[True, lsoa_i[order][1:] != lsoa_i[order][:-1]]] if len(order) else order
    largest = np.full(len(lsoas), -1)
    largest[lsoa_i[first]] = ward_i[first]
    kept = inside >= MIN_SHARE_IN_WARDS * shapely.area(geometry)
    name = Path(label).name
    if not kept.any():
        x0, y0, x1, y1 = lsoas.total_bounds
        wx0, wy0, wx1, wy1 = wards.total_bounds
        raise InputError(Problem(
            f"none of its {len(lsoas):,} LSOAs lies in the wards: the LSOAs span E {x0:,.0f}-{x1:,.0f}, "
            f"N {y0:,.0f}-{y1:,.0f}, the wards E {wx0:,.0f}-{wx1:,.0f}, N {wy0:,.0f}-{wy1:,.0f} "
            "(British National Grid)", label,
            "give the LSOA boundaries of the wards' area, in the CRS the file says it is in"))
    codes = wards["ward_code"].to_numpy()
    by_overlap = pd.Series(codes[largest[kept]], index=lsoas.index[kept])
    out = lsoas[kept].copy()
    listed = (out["lsoa_code"].map(lookup) if lookup is not None else pd.Series(None, index=out.index)).astype(object)
    listed = listed.where(listed.isin(set(codes)), None)
    out["ward_code"] = listed.where(listed.notna(), by_overlap).astype(str).to_numpy()
    out["ward_name"] = out["ward_code"].map(dict(zip(codes, wards["ward_name"]))).to_numpy()
    notes = [f"{len(out):,} LSOAs from {name}, each with its ward: from the LSOA to ward lookup for "
             f"{int(listed.notna().sum()):,}, by the largest overlap with the wards for {int(listed.isna().sum()):,}"]
    covered = float(inside[kept].sum() / shapely.area(wards.geometry.values).sum())
    if covered < MIN_LSOA_COVER:  # incidents in the rest are on no LSOA: LSOA figures leave them out
        notes.append(f"the LSOAs of {name} cover {covered:.0%} of the wards' area: incidents elsewhere are on no LSOA "
                     "and LSOA figures leave them out; give the LSOAs of the whole area")
    if not kept.all():
        left = lsoas.loc[~kept, "lsoa_code"]
        notes.append(f"{plural(len(left), 'LSOA')} of {name} {'lies' if len(left) == 1 else 'lie'} mostly "
                     "outside the wards: left out "
                     f"({', '.join(left.iloc[:5])}{', ...' if len(left) > 5 else ''})")
    if lookup is not None:
        missing = sorted(set(lookup[lookup.isin(set(codes))].index) - set(out["lsoa_code"]))
        if missing:  # their residents would count in the wards, their incidents nowhere
            raise InputError(Problem(
                f"the LSOA to ward lookup gives the wards {plural(len(missing), 'LSOA')} that the LSOA boundaries "
                f"do not hold ({', '.join(missing[:5])}{', ...' if len(missing) > 5 else ''})", label,
                "give the LSOA boundaries and the lookup of one vintage and area"))
    return out.reset_index(drop=True), notes


# Ward codes and names are keys and labels everywhere: text of a sane length, no line breaks.
MAX_NAME = 100


def _text_field(gdf: gpd.GeoDataFrame, field: str, what: str, label: str) -> pd.Series:
    """A field of codes or names as stripped text; every feature must have one."""
    raw = gdf[field]
    # Invisible characters (zero-width spaces, marks) and composed forms would make two
    # spellings of one name look like two wards.
    values = raw.astype(str).map(lambda v: "".join(c for c in unicodedata.normalize("NFC", v)
                                                   if unicodedata.category(c) != "Cf")).str.strip()
    missing = raw.isna().to_numpy() | (values == "").to_numpy()
    if missing.any():
        raise InputError(Problem(f"{plural_features(int(missing.sum()))} no {what} in {field!r} "
                                 f"(feature {', '.join(map(str, np.flatnonzero(missing)[:5] + 1))})",
                                 label, f"give every feature a {what}"))
    odd = values.str.len().gt(MAX_NAME) | values.str.contains(r"[\x00-\x1f\x7f]", regex=True)
    if odd.any():
        raise InputError(Problem(f"the {what} of feature {int(np.flatnonzero(odd.to_numpy())[0]) + 1} is "
                                 f"longer than {MAX_NAME} characters or holds control characters",
                                 label, f"check the {what} field"))
    return values


def read_boundaries(path: Path, kind: str) -> gpd.GeoDataFrame:
    """A boundary file (GeoJSON, GeoPackage, shapefile) of ``kind`` ('ward', 'LSOA')."""
    fix = f"give a GeoJSON, GeoPackage or shapefile of {kind} polygons"
    require_file(Path(path), f"{kind} boundary file", fix, MAX_BOUNDARY_FILE)
    try:
        with warnings.catch_warnings():  # the reader's warnings on odd files: judged below, in one line
            warnings.simplefilter("ignore")
            gdf = gpd.read_file(path)
    except Exception as exc:
        raise InputError(Problem(f"cannot be read as {kind} boundaries ({first_line(exc)})", str(path),
                                 fix)) from None
    if not isinstance(gdf, gpd.GeoDataFrame) or gdf.geometry.name not in gdf:
        raise InputError(Problem("holds no geometry: it is not a boundary file", str(path), fix))
    # Boundaries are flat: a height (z) on a vertex means nothing here and can hold anything.
    return gdf.set_geometry(shapely.force_2d(gdf.geometry.values), crs=gdf.crs)


def check_polygons(gdf: gpd.GeoDataFrame, label: str, what: str, holder: str, fix: str,
                   names: pd.Series | None = None) -> None:
    """Polygons (or multipolygons), every feature with one, with a coordinate reference
    system, lying in Great Britain. ``names`` name the features in messages."""
    empty = gdf.geometry.isna().to_numpy() | gdf.geometry.is_empty.to_numpy()
    if empty.any():
        which = names[empty] if names is not None else pd.Series(np.flatnonzero(empty) + 1).map("feature {}".format)
        raise InputError(Problem(f"{plural_features(int(empty.sum()))} no geometry: "
                                 f"{', '.join(map(str, which.iloc[:5]))}", label,
                                 "give every feature its polygon, or leave the feature out"))
    kinds = set(gdf.geom_type.dropna())
    if not kinds or not kinds <= {"Polygon", "MultiPolygon"}:
        raise InputError(Problem(f"{what} must be polygons, found {', '.join(sorted(kinds)) or 'no geometry'}",
                                 label, fix))
    if gdf.crs is None:
        raise InputError(Problem(f"{holder} has no coordinate reference system", label,
                                 "add the .prj file beside a shapefile, or save it with its CRS"))
    finite = np.array([np.isfinite(shapely.get_coordinates(g)).all() for g in gdf.geometry.values])
    if not finite.all():
        which = names[~finite] if names is not None else pd.Series(np.flatnonzero(~finite) + 1).map("feature {}".format)
        raise InputError(Problem(f"{plural_features(int((~finite).sum()))} coordinates that are not numbers "
                                 f"(NaN or infinite): {', '.join(map(str, which.iloc[:5]))}", label,
                                 "fix or leave out those features"))
    check_in_uk(gdf, label, what)


# A polygon that is not valid is repaired only when that keeps its area within this share:
# a ring touching itself or a needle-thin spike (common in real files) changes nothing, a
# ring that crosses itself (a bow-tie, a fold) is another shape, which nobody can guess.
MAX_REPAIR_CHANGE = 0.01


def polygonal(geometry: gpd.GeoSeries, names: pd.Series, label: str) -> tuple[np.ndarray, list[str]]:
    """Each feature made valid (shapely.make_valid) and kept to its polygons: a ring that
    crosses itself or folds back can become lines as well, which are no part of an area.
    A feature left with no area, or whose area the repair changes by more than
    MAX_REPAIR_CHANGE, is refused. Returns the polygons and the names of those repaired."""
    values = geometry.values
    fixed = shapely.make_valid(values)
    parts = [shapely.union_all([p for p in shapely.get_parts(g) if p.geom_type in ("Polygon", "MultiPolygon")])
             if g.geom_type not in ("Polygon", "MultiPolygon") else g for g in fixed]
    flat = np.array([p.is_empty or p.area <= 0 for p in parts])
    if flat.any():
        raise InputError(Problem(f"{plural_features(int(flat.sum()))} no area (a ring that folds back "
                                 f"on itself): {', '.join(map(str, names[flat].iloc[:5]))}", label,
                                 "fix the polygons, or leave those features out"))
    invalid = ~shapely.is_valid(values)
    before, after = shapely.area(values), shapely.area(np.asarray(parts, dtype=object))
    changed = invalid & (np.abs(after - before) > MAX_REPAIR_CHANGE * np.maximum(before, after))
    if changed.any():
        raise InputError(Problem(
            f"{plural_features(int(changed.sum()))} a boundary that crosses itself: "
            f"{', '.join(map(str, names[changed].iloc[:5]))} (repairing it would change its area by more "
            f"than {MAX_REPAIR_CHANGE:.0%}, so it is not guessed)", label,
            "fix those polygons (QGIS: Vector > Geometry Tools > Check Validity), or use ONS's boundaries"))
    return np.asarray(parts, dtype=object), [str(n) for n in names[invalid]]


# Great Britain and Northern Ireland, generously, in longitude and latitude.
UK_LON = (-8.7, 1.9)
UK_LAT = (49.8, 60.95)


def check_in_uk(gdf: gpd.GeoDataFrame, label: str, what: str) -> None:
    """Refuse boundaries that do not lie in the UK once projected: latitude and longitude
    swapped, British National Grid metres read as degrees (a GeoJSON without a "crs" member
    is taken as longitude and latitude), or absurd coordinates."""
    with np.errstate(all="ignore"):
        try:
            minx, miny, maxx, maxy = gdf.to_crs(WGS84).total_bounds
        except Exception:  # noqa: BLE001 - coordinates no projection can take
            minx = miny = maxx = maxy = np.nan
    inside = (np.isfinite([minx, miny, maxx, maxy]).all() and UK_LON[0] <= minx and maxx <= UK_LON[1]
              and UK_LAT[0] <= miny and maxy <= UK_LAT[1])
    if not inside:
        x, y = gdf.total_bounds[[0, 2]], gdf.total_bounds[[1, 3]]
        raise InputError(Problem(
            f"the {what} do not lie in the UK: their coordinates run from {x[0]:,.6g} to {x[1]:,.6g} "
            f"across and {y[0]:,.6g} to {y[1]:,.6g} up, read as {gdf.crs.name if gdf.crs else 'no CRS'}",
            label, "check that longitude comes before latitude, and that a file in British National "
                   "Grid says so (a GeoJSON without a \"crs\" member is read as longitude and latitude): "
                   "save it as EPSG:4326, or with its CRS"))


def plural_features(n: int) -> str:
    return "1 feature has" if n == 1 else f"{n:,} features have"


def _field(gdf, given: str | None, pattern: re.Pattern, what: str, option: str | None, label: str,
           example: str = "") -> str:
    """The field holding ``what``: the one given, else the one field of the ONS pattern
    (without an ``option`` to name it, the file must use ONS's name, such as ``example``)."""
    columns = [c for c in gdf.columns if c != gdf.geometry.name]
    if given:
        if given not in columns:
            raise InputError(Problem(f"no field {given!r} for the {what}; fields are {', '.join(columns)}",
                                     label, f"pass one of them with {option}"))
        return given
    matches = [c for c in columns if pattern.match(c)]
    if len(matches) != 1:
        found = "none" if not matches else "several (" + ", ".join(matches) + ")"
        raise InputError(Problem(
            f"cannot tell which field holds the {what}: ONS-style fields found: {found}; "
            f"fields are {', '.join(columns)}", label,
            f"name it with {option}" if option else f"give it one field of ONS's name, such as {example}"))
    return matches[0]


def to_bng(lon: np.ndarray, lat: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    return _TO_BNG.transform(lon, lat)


def place_in_wards(lon: np.ndarray, lat: np.ndarray, wards: gpd.GeoDataFrame,
                   snap_distance: float = SNAP_DISTANCE_M) -> tuple[np.ndarray, np.ndarray]:
    """Index into ``wards`` of the ward holding each point (-1: outside the area), and
    whether the point was placed by the nearest-ward rule.

    A point on a boundary shared by two wards goes to the first of them (by ward code).
    """
    ward = np.full(len(lon), -1, dtype=np.int64)
    nearest = np.zeros(len(lon), dtype=bool)
    # A force-wide file is mostly far from the area: only points inside a generous
    # lon/lat box around it are projected and tested (exact tests follow in metres).
    candidates = np.flatnonzero(_near_box(lon, lat, wards, snap_distance))
    ward[candidates], nearest[candidates] = place_in_wards_bng(*to_bng(lon[candidates], lat[candidates]), wards,
                                                               snap_distance)
    return ward, nearest


def place_in_wards_bng(x: np.ndarray, y: np.ndarray, wards: gpd.GeoDataFrame,
                       snap_distance: float = SNAP_DISTANCE_M) -> tuple[np.ndarray, np.ndarray]:
    """place_in_wards for points already in British National Grid (``wards`` too)."""
    nearest = np.zeros(len(x), dtype=bool)
    found = np.full(len(x), -1, dtype=np.int64)
    for i, polygon in enumerate(wards.geometry.values):
        # Raw coordinates against a prepared polygon: no Point objects for every row.
        minx, miny, maxx, maxy = polygon.bounds
        open_ = np.flatnonzero((found < 0) & (x >= minx) & (x <= maxx) & (y >= miny) & (y <= maxy))
        shapely.prepare(polygon)
        found[open_[shapely.intersects_xy(polygon, x[open_], y[open_])]] = i
    ward = found  # the nearest-ward rule fills in some of the rest

    loose = np.flatnonzero(found < 0)
    if len(loose) and snap_distance > 0:
        # Distances to detailed polygons are costly: first keep the points inside the
        # area widened a little beyond the snap distance (buffers approximate round
        # corners by chords, so exactly snap_distance could miss a point), then measure.
        widened = shapely.union_all(wards.geometry.values).buffer(snap_distance * 1.01 + 1)
        shapely.prepare(widened)
        loose = loose[shapely.intersects_xy(widened, x[loose], y[loose])]
        tree = shapely.STRtree(wards.geometry.values)
        # all_matches=False still returns equidistant ties: keep one ward per point.
        near_pt, near_ward = _first_per_point(*tree.query_nearest(
            shapely.points(x[loose], y[loose]), max_distance=snap_distance, all_matches=False))
        ward[loose[near_pt]] = near_ward
        nearest[loose[near_pt]] = True
    return ward, nearest


def _near_box(lon: np.ndarray, lat: np.ndarray, wards: gpd.GeoDataFrame,
              snap_distance: float) -> np.ndarray:
    """Points within the wards' lon/lat bounds widened by the snap distance and a margin
    (0.01 degrees is at least 600 m in Great Britain)."""
    minx, miny, maxx, maxy = wards.buffer(snap_distance).to_crs(WGS84).total_bounds
    margin = 0.01
    return ((lon >= minx - margin) & (lon <= maxx + margin)
            & (lat >= miny - margin) & (lat <= maxy + margin))


def _first_per_point(point_idx: np.ndarray, ward_idx: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """From (point, ward) pairs, one pair per point: the one with the lowest ward index."""
    order = np.lexsort((ward_idx, point_idx))
    point_idx, ward_idx = point_idx[order], ward_idx[order]
    first = np.ones(len(point_idx), dtype=bool)
    first[1:] = point_idx[1:] != point_idx[:-1]
    return point_idx[first], ward_idx[first]
