"""The command line: ``python -m sia`` ingest, fetch, counts, outcomes, stops, change, hotspots,
concentration, stability, demo, report, priorities, brief.

Problems with the input print one line each (what, where, what to do) and exit 2;
nothing is written when an input is bad.
"""
from __future__ import annotations

import argparse
import json
import math
import os
import re
import sys
from datetime import date
from pathlib import Path

import pandas as pd

from sia.analysis.assessment import WEIGHTED, assess
from sia.analysis.counts import GROUPINGS, count_incidents, crime_or_asb
from sia.analysis.filters import ASB, CRIME, Filters
from sia.analysis.hotspots import (
    CORRECTIONS,
    MAX_PERMUTATIONS,
    PATTERN_METHODS,
    PERMUTATIONS,
    SEED,
    PatternRules,
)
from sia.analysis.measures import (
    change_by_ward_and_category,
    comparison_basis,
    matched_months,
    select,
    ward_change,
    ward_measures,
)
from sia.analysis.outcomes import OUTCOME_GROUPINGS, count_outcomes, load_outcome_groups
from sia.analysis.peers import peer_table
from sia.analysis.priorities.draft import draft_set
from sia.analysis.priorities.evidence import evidence_table
from sia.analysis.priorities.register import (
    CITY,
    TEMPLATE,
    Register,
    compare,
    load_register,
    load_register_into,
    read_register,
    register_in_use,
)
from sia.analysis.stability import TOP_SHARE, check_top_share
from sia.analysis.stops import STOP_GROUPINGS, WEAPON_OBJECTS, WEAPONS, StopFilters, count_stops, require_stops
from sia.categories import ANTI_SOCIAL_BEHAVIOUR, CRIME_CATEGORIES
from sia.dataset.area import DISTRICT_CODE, Area, area_name
from sia.dataset.demo import build_demo, demo_data_dir
from sia.dataset.fetch.dataset import (
    DEFAULT_AREA,
    FetchRequest,
    fetch_dataset,
    ons_base_url,
    police_base_url,
    retry_policy,
)
from sia.dataset.fetch.http import MAX_RETRIES, MAX_WAIT_S, MIN_TIMEOUT_S
from sia.dataset.fetch.progress import StderrProgress
from sia.dataset.geography import vintage_first_month
from sia.dataset.ingest import EarlierWards, WardInputs, build_dataset
from sia.dataset.location import DATA_DIR_VARIABLE, configured_data_dir, load, real_data_dir
from sia.dataset.police_csv import AGE_RANGES
from sia.dataset.sources import SourceSelection
from sia.dataset.store import area_in, current_build
from sia.errors import InputError, Problem
from sia.paths import ROOT
from sia.periods import MONTH_PATTERN, fy_months, parse_financial_year, require_held
from sia.views.assessment import assessment_lines
from sia.views.exports import neutralised
from sia.words import quoted

EXIT_INPUT = 2


class _Parser(argparse.ArgumentParser):
    def error(self, message: str):  # one line, no usage dump
        self.exit(EXIT_INPUT, f"error: {message}; see '{self.prog} --help'\n")


def _financial_year(text: str) -> str:
    try:
        return parse_financial_year(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def _month(text: str) -> str:
    if not re.match(MONTH_PATTERN, text.strip()):
        raise argparse.ArgumentTypeError(f"month {quoted(text)} is not like 2014-04")
    return text.strip()


def _bounded(kind: type, low: float, high: float):
    """A whole number (kind int) or a finite number between ``low`` and ``high``."""
    def parse(text: str):
        try:
            value = kind(text)
        except (ValueError, OverflowError):
            value = None
        if value is None or not math.isfinite(value) or not low <= value <= high:
            what = "a whole number" if kind is int else "a number"
            raise argparse.ArgumentTypeError(f"{text!r} is not {what} from {low:,g} to {high:,g}")
        return value
    return parse


def _keyed_file(kind: str, check):
    def parse(text: str) -> tuple[str, Path]:
        key, sep, path = text.partition("=")
        if not sep or not path:
            raise argparse.ArgumentTypeError(f"{text!r} is not {kind}=FILE")
        try:
            return check(key.strip()), Path(path)
        except ValueError as exc:
            raise argparse.ArgumentTypeError(str(exc)) from None
    return parse


def _edition(text: str) -> str:
    # The English indices have been published since 2000 (2004, 2007, 2010, 2015, 2019, ...).
    if not re.fullmatch(r"(19|20)[0-9]{2}", text) or not 2000 <= int(text) <= date.today().year:
        raise ValueError(f"IMD edition {quoted(text)} is not a year such as 2015")
    return text


def _one_file_each(pairs: list[tuple[str, Path]], option: str) -> dict[str, Path]:
    """``--population FY=FILE`` (or ``--imd``) pairs as a dict; a key given twice is refused,
    as which file was meant cannot be guessed."""
    seen: dict[str, Path] = {}
    for key, path in pairs:
        if key in seen:
            each = "year" if option.endswith("population") else "edition"
            raise InputError(Problem(f"{key} is given twice ({seen[key].name} and {path.name})", option,
                                     f"give one {option} file for each {each}"))
        seen[key] = path
    return seen


def _add_denominators(parser: argparse.ArgumentParser, note: str = "") -> None:
    parser.add_argument("--population", action="append", default=[], metavar="FY=FILE",
                        type=_keyed_file("FY", parse_financial_year),
                        help="residents by LSOA or ward for a financial year, e.g. "
                             f"2014-15=pop2015.csv{note}")
    parser.add_argument("--district-population", action="append", default=[], metavar="FY=FILE",
                        type=_keyed_file("FY", parse_financial_year),
                        help="residents of each district of the force for a financial year (ONS mid-year "
                             f"estimates by district), for the area against its force{note}")
    parser.add_argument("--imd", action="append", default=[], metavar="EDITION=FILE",
                        type=_keyed_file("EDITION", _edition),
                        help=f"English Indices of Deprivation by LSOA, e.g. 2019=iod2019.csv{note}")


DATA_HELP = f"data directory (default: ${DATA_DIR_VARIABLE}, else the built-in demo)"
WARDS_OF_HELP = ("on the wards in force in this month, over the months they were (default: the latest wards, "
                 "for every month)")


def _load(args):
    """The dataset a command reads, on the wards --wards-of asks for (Dataset.on_wards_of)."""
    dataset = load(args.data_dir)
    return dataset.on_wards_of(args.wards_of) if getattr(args, "wards_of", None) else dataset


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="python -m sia", description="Community safety data: build and query.")
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)
    for options, _ in COMMANDS.values():
        options(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return COMMANDS[args.command][1](args)
    except InputError as exc:
        for problem in exc.problems:
            print(f"error: {problem}", file=sys.stderr)
        return EXIT_INPUT
    except BrokenPipeError:  # output piped into 'head' and the like: not an error
        sys.stdout = open(os.devnull, "w")
        return 0
    except OSError as exc:
        where = f": {exc.filename}" if exc.filename else ""
        print(f"error: {exc.strerror or exc}{where}; check the path and its permissions",
              file=sys.stderr)
        return EXIT_INPUT


def _ingest_options(sub) -> None:
    ingest = sub.add_parser("ingest", help="build a dataset from police.uk files",
                            description="Read police.uk street-level CSVs, folders in the archive "
                                        "layout or archive zips; place every incident in a ward; "
                                        "write the dataset and its report.")
    ingest.add_argument("sources", nargs="+", type=Path, metavar="SOURCE")
    ingest.add_argument("--wards", required=True, action="append", type=_ward_set, metavar="[YYYY-MM=]FILE",
                        help="ward polygons: GeoJSON, GeoPackage or shapefile; repeatable for the ward sets of "
                             "re-wardings, each after the first with the month it applies from (e.g. --wards "
                             "wd19.geojson --wards 2023-05=wd23.geojson): incidents are placed in the latest wards, "
                             "which the lookup, LSOAs and population are of, and in the wards of their month")
    ingest.add_argument("--data-dir", required=True, type=Path, metavar="DIR")
    ingest.add_argument("--ward-code-field", metavar="FIELD", help="default: the WDyyCD field")
    ingest.add_argument("--ward-name-field", metavar="FIELD", help="default: the WDyyNM field")
    ingest.add_argument("--lsoa-lookup", type=Path, metavar="FILE",
                        help="ONS LSOA to ward lookup CSV (for LSOA population and IMD by ward)")
    ingest.add_argument("--lsoas", action="append", default=[], type=_ward_set, metavar="[YYYY-MM=]FILE",
                        help="LSOA polygons (LSOA11CD/LSOA11NM or LSOA21CD/LSOA21NM), kept in the dataset with each "
                             "LSOA's ward, population and IMD, for --unit lsoa: of the latest wards, or, given with "
                             "the first month of an earlier ward set (none for the oldest, when more than one "
                             "LSOA file is given), the LSOAs of that set's time, used on its wards (--wards-of)")
    _add_denominators(ingest)
    ingest.add_argument("--force", action="append", default=[], metavar="NAME",
                        help="only files of this force, as named in the file (e.g. derbyshire)")
    ingest.add_argument("--fy", action="append", default=[], type=_financial_year,
                        help="only the months of this financial year")
    ingest.add_argument("--skip-malformed", action="store_true",
                        help="set malformed rows aside (counted in the report) instead of stopping")
    ingest.add_argument("--lsoa-change", type=Path, metavar="FILE",
                        help="ONS's lookup between 2011 and 2021 LSOAs (LSOA11CD, LSOA21CD): a population file by "
                             "LSOAs of the other census than --lsoa-lookup's is carried to the wards through it")
    ingest.add_argument("--districts", type=Path, metavar="FILE",
                        help="polygons of the police force's districts (LADyyCD, LADyyNM): the force's incidents "
                             "in each are counted, for the area against its force ('sia peers')")
    ingest.add_argument("--area-name", metavar="NAME",
                        help="the area's name in every title and sentence, as ONS writes it (default: Derby)")
    ingest.add_argument("--district", action="append", default=[], type=_district, metavar="CODE",
                        help="an ONS local authority district code of the area (repeatable; with --area-name)")


def _ward_set(text: str) -> tuple[str | None, Path]:
    month, sep, path = text.partition("=")
    if sep and re.fullmatch(MONTH_PATTERN, month):
        if not path.strip():
            raise argparse.ArgumentTypeError(f"no file after '{month}=' (YYYY-MM=FILE)")
        return month, Path(path)
    if sep and (not month or re.fullmatch(r"[0-9]{4}-[0-9]+", month)):  # meant as a month, and not one
        raise argparse.ArgumentTypeError(f"{month!r} is not a month like 2023-05 (--wards YYYY-MM=FILE)")
    return None, Path(text)


def _ward_inputs(args) -> WardInputs:
    """The latest ward set (the one with the latest first month) and the earlier ones. Of
    several sets, one given without its month has it read from its vintage (WD23CD: from May
    2023); the oldest applies from the data's first month."""
    sets = list(args.wards)
    if len(sets) > 1 and [m for m, _ in sets].count(None) > 0:
        read = [(month or vintage_first_month(path), path, month is None) for month, path in sets]
        read.sort(key=lambda s: s[0] or "")
        if read[0][2]:  # the oldest's month was read from its vintage: it applies from the first month
            read[0] = (None, read[0][1], True)
        sets = [(month, path) for month, path, _ in read]
    sets = sorted(sets, key=lambda s: s[0] or "")
    (first, latest), earlier = sets[-1], sets[:-1]
    lsoas = _lsoas_of_sets(args.lsoas, [month for month, _ in sets])
    return WardInputs(boundaries=latest, first_month=first, code_field=args.ward_code_field,
                      name_field=args.ward_name_field, lsoa_lookup=args.lsoa_lookup,
                      population=_one_file_each(args.population, "--population"),
                      imd=_one_file_each(args.imd, "--imd"), lsoas=lsoas.get(first),
                      earlier=[EarlierWards(path, month, lsoas=lsoas.get(month)) for month, path in earlier],
                      districts=args.districts,
                      lsoa_change=args.lsoa_change,
                      district_population=_one_file_each(args.district_population, "--district-population"))


def _lsoas_of_sets(given: list[tuple[str | None, Path]], firsts: list[str | None]) -> dict[str | None, Path]:
    """Each --lsoas file by the first month of the ward set it belongs to (``firsts``, oldest
    first, None for the oldest): one file alone, without a month, is the latest set's; of
    several, the one without a month is the oldest's."""
    if len(given) == 1 and given[0][0] is None:
        return {firsts[-1]: given[0][1]}
    out: dict[str | None, Path] = {}
    for month, path in given:
        if month is None and firsts[0] is not None:
            raise InputError(Problem(f"--lsoas {path.name}: the oldest ward set applies from {firsts[0]}", "--lsoas",
                                     f"give its LSOAs as --lsoas {firsts[0]}={path.name}"))
        if month not in firsts or month in out:  # (a file without a month is the oldest's: in firsts)
            raise InputError(Problem(f"--lsoas {month + '=' if month else ''}{path.name}: " + (
                "two LSOA files for one ward set" if month in out else f"no ward set begins in {month}"),
                "--lsoas", "give each ward set's LSOAs with its first month (none for the oldest): "
                           f"{', '.join(m or '(oldest)' for m in firsts)}"))
        out[month] = path
    return out


def _district(text: str) -> str:
    code = text.strip().upper()
    if not DISTRICT_CODE.fullmatch(code):
        raise argparse.ArgumentTypeError(f"{text!r} is not an ONS local authority district code, e.g. E06000015")
    return code


def _ingest_area(args) -> Area | None:
    """The area --area-name and --district give; None (Derby, as before areas were recorded)
    when neither is given."""
    if args.area_name is None:
        if args.district:
            raise InputError(Problem("--district is given without --area-name", "the area",
                                     "give the area's name with --area-name NAME"))
        return None
    return Area(area_name(args.area_name), tuple(dict.fromkeys(args.district)),
                forces=tuple(sorted({f.lower() for f in args.force})))


def _ingest(args) -> int:
    selection = SourceSelection(
        forces=frozenset(f.lower() for f in args.force),
        months=frozenset(m for fy in args.fy for m in fy_months(fy)))
    inputs = _ward_inputs(args)
    area = _ingest_area(args)  # checked before anything is read
    build, report = build_dataset(args.sources, inputs, args.data_dir, selection=selection,
                                  skip_malformed=args.skip_malformed, area=area)
    print(f"dataset written to {build}")
    print("\n".join(report.lines()))
    return 0


def _fetch_options(sub) -> None:
    fetch = sub.add_parser("fetch", help="download police.uk and ONS data and build a dataset",
                           description="Download the months asked for from the data.police.uk "
                                       "archive zips (range requests read only the force's files) "
                                       "and the ward and LSOA boundaries and the LSOA lookup from the "
                                       "ONS ArcGIS services, into DIR/downloads/ (kept, so a rerun resumes); "
                                       "then ingest them into DIR.")
    fetch.add_argument("--fy", action="append", default=[], type=_financial_year,
                       help="a financial year to fetch, e.g. 2014-15 (repeatable)")
    fetch.add_argument("--month", action="append", default=[], type=_month, metavar="YYYY-MM",
                       help="a single month to fetch (repeatable)")
    fetch.add_argument("--data-dir", required=True, type=Path, metavar="DIR")
    fetch.add_argument("--force", metavar="NAME",
                       help="police force as police.uk names its files (default: the area's, from ONS's lookup of "
                            "districts to partnerships to police force areas)")
    place = fetch.add_mutually_exclusive_group()
    place.add_argument("--area", default=DEFAULT_AREA, metavar="CODE",
                       help=f"ONS local authority district code (default: {DEFAULT_AREA}, Derby)")
    place.add_argument("--csp", metavar="CODE",
                       help="ONS Community Safety Partnership code (E22 or W22...): all its districts")
    fetch.add_argument("--police-base-url", metavar="URL",
                       help="police.uk or a mirror (default: $SIA_POLICE_BASE_URL, else "
                            "https://data.police.uk)")
    fetch.add_argument("--ons-base-url", metavar="URL",
                       help="ONS ArcGIS REST services root or a mirror (default: $SIA_ONS_BASE_URL, "
                            "else ONS's)")
    _add_denominators(fetch, " (files: not fetched)")
    fetch.add_argument("--retries", type=_bounded(int, 0, MAX_RETRIES),
                       help="retries of a failed request (default: $SIA_FETCH_RETRIES, else 4)")
    fetch.add_argument("--backoff", type=_bounded(float, 0, MAX_WAIT_S), metavar="SECONDS",
                       help="wait before the first retry, doubled for each further one "
                            "(default: $SIA_FETCH_BACKOFF, else 1)")
    fetch.add_argument("--timeout", type=_bounded(float, MIN_TIMEOUT_S, MAX_WAIT_S), metavar="SECONDS",
                       help="give up on a silent connection after this long "
                            "(default: $SIA_FETCH_TIMEOUT, else 60)")
    fetch.add_argument("--skip-malformed", action="store_true",
                       help="set malformed rows aside (counted in the report) instead of stopping")


def _fetch(args) -> int:
    request = FetchRequest(
        months=[m for fy in args.fy for m in fy_months(fy)] + args.month,
        data_dir=args.data_dir, force=args.force, area=args.area.strip().upper(), csp=args.csp,
        police_base_url=police_base_url(args.police_base_url),
        ons_base_url=ons_base_url(args.ons_base_url),
        population=_one_file_each(args.population, "--population"), imd=_one_file_each(args.imd, "--imd"),
        district_population=_one_file_each(args.district_population, "--district-population"),
        retry=retry_policy(args.retries, args.backoff, args.timeout),
        skip_malformed=args.skip_malformed)
    result = fetch_dataset(request, StderrProgress())
    print("\n".join(result.summary))
    print(f"dataset written to {result.build}")
    print("\n".join(result.report.lines()))
    return 0


def _peers_options(sub) -> None:
    peers = sub.add_parser(
        "peers", help="the area against the other districts of its police force",
        description="Each district of the force: its incidents in the year (from the force-wide files, placed in "
                    "the district boundaries), a month, per 1,000 residents a year where the districts' residents "
                    "are given (--district-population at ingest or fetch), and its rank; the area's marked.")
    peers.add_argument("--fy", required=True, type=_financial_year)
    peers.add_argument("--type", choices=["crime", "asb"], default="crime",
                       help="crime (default) or anti-social behaviour, never added together")
    peers.add_argument("--data-dir", type=Path, metavar="DIR", help=DATA_HELP)
    peers.add_argument("--format", choices=["csv", "json"], default="csv")


def _peers(args) -> int:
    dataset = load(args.data_dir)
    if dataset.peers is None:
        raise InputError(Problem("the dataset holds no districts of its force", "the dataset",
                                 "fetch it again ('python -m sia fetch' takes them), or give ingest --districts FILE"))
    _print_table(peer_table(dataset.peers, dataset.districts, dataset.area.districts, args.fy, dataset.months,
                            args.type), args.format)
    return 0


def _counts_options(sub) -> None:
    counts = sub.add_parser("counts", help="print incident counts")
    counts.add_argument("--data-dir", type=Path, metavar="DIR", help=DATA_HELP)
    counts.add_argument("--wards-of", type=_month, metavar="YYYY-MM", help=WARDS_OF_HELP)
    counts.add_argument("--by", action="append", default=[], choices=list(GROUPINGS))
    counts.add_argument("--fy", action="append", default=[], type=_financial_year)
    counts.add_argument("--crime-type", action="append", default=[], metavar="TYPE")
    counts.add_argument("--format", choices=["csv", "json"], default="csv")


def _counts(args) -> int:
    dataset = _load(args)
    table = count_incidents(dataset.incidents, args.by, fy=args.fy, crime_types=args.crime_type)
    _print_table(table, args.format)
    return 0


def _stops_options(sub) -> None:
    stops = sub.add_parser(
        "stops", help="print stop-and-search counts, and with --rates the Home Office's measures",
        description="Searches from the dataset's stop-and-search files, by the groupings asked (every ward, "
                    "month, year, age range and type appears, 0 where none). With --rates: searches per 1,000 "
                    "residents a year (of the ages asked for, where the population gives ages), the arrest rate "
                    "and the find rate with Wilson 95%% intervals, how often the 'linked to the object' field "
                    "is given and how often a no-further-action search is marked linked.")
    stops.add_argument("--data-dir", type=Path, metavar="DIR", help=DATA_HELP)
    stops.add_argument("--by", action="append", default=[], choices=list(STOP_GROUPINGS))
    stops.add_argument("--fy", action="append", default=[], type=_financial_year)
    stops.add_argument("--object", action="append", default=[], metavar="OBJECT",
                       help=f"'{WEAPONS}' ({', '.join(WEAPON_OBJECTS).lower()} and section 60 searches) or an "
                            "object as police.uk names it, e.g. 'Controlled drugs' (repeatable: any of them)")
    stops.add_argument("--age", action="append", default=[], choices=list(AGE_RANGES),
                       help="an age range as police.uk gives it (repeatable: any of them)")
    stops.add_argument("--rates", action="store_true", help="add rates per 1,000 residents, arrest and find rates")
    stops.add_argument("--format", choices=["csv", "json"], default="csv")


def _stops(args) -> int:
    dataset = load(args.data_dir)
    table = count_stops(require_stops(dataset.stops), args.by,
                        StopFilters(fys=tuple(args.fy), objects=tuple(args.object), ages=tuple(args.age)),
                        dataset.stop_months, wards=dataset.wards, lsoas=dataset.lsoas, rates=args.rates)
    _print_table(table, args.format)
    return 0


def _outcomes_options(sub) -> None:
    outcomes = sub.add_parser(
        "outcomes", help="print crime counts by outcome (what happened after a crime was reported)",
        description="Crimes (never anti-social behaviour, which has no outcomes) by the groupings asked, "
                    "each crime's police.uk outcome and its group in data/outcomes.toml.")
    outcomes.add_argument("--data-dir", type=Path, metavar="DIR", help=DATA_HELP)
    outcomes.add_argument("--wards-of", type=_month, metavar="YYYY-MM", help=WARDS_OF_HELP)
    outcomes.add_argument("--by", action="append", default=[], choices=list(OUTCOME_GROUPINGS))
    outcomes.add_argument("--fy", action="append", default=[], type=_financial_year)
    outcomes.add_argument("--crime-type", action="append", default=[], metavar="TYPE")
    outcomes.add_argument("--format", choices=["csv", "json"], default="csv")


def _outcomes(args) -> int:
    groups = load_outcome_groups()
    dataset = _load(args)
    _print_table(count_outcomes(dataset.incidents, args.by, groups, fy=args.fy, crime_types=args.crime_type),
                 args.format)
    return 0


def _change_options(sub) -> None:
    change = sub.add_parser(
        "change", help="change between two years per ward and category, with an exact Poisson test",
        description="For two financial years: per ward and category (or per ward with --by ward), "
                    "the counts, incidents a month over the months each year covers, the rate "
                    "ratio with its 95% confidence interval and the exact Poisson test.")
    change.add_argument("--data-dir", type=Path, metavar="DIR", help=DATA_HELP)
    change.add_argument("--wards-of", type=_month, metavar="YYYY-MM", help=WARDS_OF_HELP)
    change.add_argument("--fy", action="append", default=[], type=_financial_year,
                        help="give twice, earlier first (default: the dataset's last two years)")
    change.add_argument("--crime-type", action="append", default=[], metavar="TYPE",
                        help="repeatable (default: all crime); 'Anti-social behaviour' on its own for ASB")
    change.add_argument("--by", choices=["ward-category", "ward"], default="ward-category")
    months = change.add_mutually_exclusive_group()
    months.add_argument("--like-for-like", action="store_true",
                        help="count only the months of the year both years cover (the default; kept "
                             "for older scripts)")
    months.add_argument("--all-months", action="store_true",
                        help="count all the months each year holds, even where the years cover "
                             "different months of the year")
    change.add_argument("--format", choices=["csv", "json"], default="csv")


def _change(args) -> int:
    dataset = _load(args)
    held = list(dataset.financial_years)
    fys = tuple(args.fy) or tuple(held[-2:])
    if len(fys) != 2 or fys[0] == fys[1]:
        raise InputError(Problem(f"needs two different financial years, not {', '.join(fys) or 'none'}",
                                 "--fy", "give --fy twice, e.g. --fy 2014-15 --fy 2019-20"))
    require_held(fys, held)
    categories = crime_or_asb(args.crime_type)
    filters = Filters(fys=fys, incident_type=ASB if ANTI_SOCIAL_BEHAVIOUR in categories else CRIME,
                      crime_types=tuple(c for c in categories if c != ANTI_SOCIAL_BEHAVIOUR) or CRIME_CATEGORIES,
                      like_for_like=not args.all_months)
    selection = select(dataset.incidents, filters)
    if args.by == "ward":
        table = ward_change(ward_measures(selection, dataset.wards), fys).reset_index()
    else:
        table = change_by_ward_and_category(selection)
    table = table.rename(columns={"ward_name": "ward", "before": f"per_month_{fys[0]}",
                                  "after": f"per_month_{fys[1]}", "count_before": f"count_{fys[0]}",
                                  "count_after": f"count_{fys[1]}"})
    print(f"# {fys[0]} to {fys[1]} on "
          f"{comparison_basis(selection.months, matched_months(dataset.months, filters))}; exact Poisson test, "
          "each row alone", file=sys.stderr)
    _print_table(table, args.format)
    return 0


def _add_units(parser: argparse.ArgumentParser) -> None:
    """The options that say which incidents are counted in which units."""
    parser.add_argument("--data-dir", type=Path, metavar="DIR", help=DATA_HELP)
    parser.add_argument("--wards-of", type=_month, metavar="YYYY-MM", help=WARDS_OF_HELP)
    parser.add_argument("--unit", choices=["ward", "lsoa", "grid", "hex"], default="ward",
                        help="wards, LSOAs (the dataset's, or --lsoas), square grid cells or hexagons of "
                             "equal area")
    parser.add_argument("--cell-size", type=float, metavar="M",
                        help="grid or hexagon cell size in metres; a hexagon has the area of a square of "
                             "that side (default: the shorter side of the area / 50, rounded)")
    parser.add_argument("--crime-type", action="append", default=[], metavar="TYPE",
                        help="repeatable (default: all crime, without anti-social behaviour)")
    parser.add_argument("--lsoas", type=Path, metavar="FILE",
                        help="LSOA polygons for --unit lsoa instead of the dataset's, e.g. "
                             "lsoa_2011_derby.geojson (LSOA11CD/LSOA11NM)")


def _unit_query(args, **more):
    from sia.analysis.hotspots.runs import GRIDS, UNIT_NAMES, HotspotQuery

    if args.cell_size is not None and args.unit not in GRIDS:
        raise InputError(Problem(f"a cell size is for grid cells, not {UNIT_NAMES[args.unit]}", "--cell-size",
                                 "add --unit grid or --unit hex, or leave --cell-size out"))
    return HotspotQuery(unit=args.unit, crime_types=tuple(args.crime_type), cell_size=args.cell_size,
                        lsoas=args.lsoas, **more)


def _hotspots_options(sub) -> None:
    hot = sub.add_parser(
        "hotspots", help="Getis-Ord Gi* hotspots by ward, LSOA, grid cell or hexagon",
        description="Count incidents per unit, test each unit with Getis-Ord Gi* (PySAL esda) and "
                    "print one row per unit: count, rate, Gi* z-score, p-values, the p-value "
                    "adjusted for multiple testing and the hot/cold class. A summary naming the "
                    "method goes to stderr.")
    _add_units(hot)
    hot.add_argument("--fy", type=_financial_year, help="financial year (default: the latest held)")
    hot.add_argument("--lsoa-population", type=Path, metavar="FILE",
                     help="residents by LSOA for LSOA rates, instead of the dataset's "
                          "(e.g. pop_mid2019_lsoa_syoa_derby.csv)")
    hot.add_argument("--measure", choices=["count", "rate"], default="count",
                     help="the variable tested (rate: per 1,000 residents a year)")
    hot.add_argument("--correction", choices=list(CORRECTIONS), default="fdr_bh",
                     help="multiple-testing correction (default: Benjamini-Hochberg FDR)")
    hot.add_argument("--inference", choices=["analytic", "permutation"], default="analytic",
                     help="which p-value the classes use (default: analytic)")
    hot.add_argument("--permutations", type=_bounded(int, 0, MAX_PERMUTATIONS), default=PERMUTATIONS,
                     metavar="N", help=f"for the pseudo p-values (default {PERMUTATIONS}, at most "
                                       f"{MAX_PERMUTATIONS:,}; 0: none)")
    hot.add_argument("--seed", type=_bounded(int, 0, 2**32 - 1), default=SEED, metavar="N")
    when = hot.add_mutually_exclusive_group()
    when.add_argument("--across", choices=["month", "fy"],
                      help="also classify each unit's pattern across months or years (adds 'pattern')")
    when.add_argument("--compare-years", nargs=2, type=_financial_year, metavar=("EARLIER", "LATER"),
                      help="instead: where units are hot (95%% or more) in both years, only one, or neither")
    hot.add_argument("--method", choices=list(PATTERN_METHODS),
                     help="with --across: sfhotspot's classes (the default) or ArcGIS's emerging hot spot "
                          "analysis (ehsa; adds trend_tau and trend_p)")
    defaults = PatternRules()
    hot.add_argument("--hotspot-share", type=_bounded(float, 0, 1), metavar="S",
                     help=f"share of periods significant to count as a hotspot (default {defaults.hotspot_share})")
    hot.add_argument("--persistent-share", type=_bounded(float, 0, 1), metavar="S",
                     help=f"share of all periods for a persistent hotspot (default {defaults.persistent_share})")
    hot.add_argument("--recent-share", type=_bounded(float, 0, 1), metavar="S",
                     help=f"share of periods, the latest, that are recent (default {defaults.recent_share})")
    hot.add_argument("--format", choices=["csv", "json"], default="csv")


SFHOTSPOT_SHARES = ("hotspot_share", "persistent_share", "recent_share")


def _hotspots(args) -> int:
    from sia.analysis.hotspots.runs import run_compare_years, run_hotspots

    given = [f"--{name.replace('_', '-')}" for name in SFHOTSPOT_SHARES if getattr(args, name) is not None]
    if args.method is not None and not args.across:
        raise InputError(Problem("a pattern method is for patterns across periods", "--method",
                                 "add --across month, or leave --method out"))
    if given and args.method == "ehsa":
        raise InputError(Problem(f"{', '.join(given)} {'is' if len(given) == 1 else 'are'} for the sfhotspot "
                                 "patterns", "--method ehsa", "leave it out, or use --method sfhotspot"))
    if given and not args.across:
        raise InputError(Problem("a share of periods is for patterns across periods", given[0],
                                 "add --across month, or leave it out"))
    if args.compare_years and args.fy:
        raise InputError(Problem("--compare-years names its own two years", "--fy", "leave --fy out"))
    defaults = PatternRules()
    rules = PatternRules(*(getattr(defaults, name) if getattr(args, name) is None else getattr(args, name)
                           for name in SFHOTSPOT_SHARES))
    query = _unit_query(args, fy=args.fy, lsoa_population=args.lsoa_population,
                        measure=args.measure, correction=args.correction, inference=args.inference,
                        permutations=args.permutations, seed=args.seed, across=args.across,
                        method=args.method or "sfhotspot", rules=rules)
    if args.compare_years:
        compared = run_compare_years(_load(args), query, *args.compare_years)
        print(f"# {compared.summary()}", file=sys.stderr)
        _print_table(compared.table, args.format)
        return 0
    run = run_hotspots(_load(args), query)
    print(f"# {run.summary()}", file=sys.stderr)
    _print_table(run.table, args.format)
    return 0


def _concentration_options(sub) -> None:
    conc = sub.add_parser(
        "concentration", help="how concentrated incidents are over units: Lorenz curve and Gini",
        description="For one financial year: the Gini coefficient of incidents over the units, the "
                    "generalised Gini of Bernasco and Steenbeek (2017) for when incidents are fewer "
                    "than units, the smallest share of units holding half the incidents, and the "
                    "Lorenz curve (share of units, share of incidents; units with most first).")
    _add_units(conc)
    conc.add_argument("--fy", type=_financial_year, help="financial year (default: the latest held)")
    conc.add_argument("--format", choices=["csv", "json"], default="csv",
                      help="csv: the Lorenz curve, the figures on stderr; json: everything")


def _concentration(args) -> int:
    from sia.analysis.hotspots.runs import UNIT_NAMES, run_concentration

    result, fy = run_concentration(_load(args), _unit_query(args, fy=args.fy))
    summary = (f"{fy}: {result.incidents:,} incidents over {result.units:,} {UNIT_NAMES[args.unit]}; "
               f"Gini {result.gini:.3f}, generalised Gini {result.generalised_gini:.3f}"
               f"{' (fewer incidents than units: read the generalised one)' if result.sparse else ''}; "
               f"half of the incidents in {result.share_of_units_for_half:.1%} of the {UNIT_NAMES[args.unit]}")
    print(f"# {summary}", file=sys.stderr)
    if args.format == "json":
        json.dump({"fy": fy, "unit": args.unit, **result.to_dict()}, sys.stdout, indent=1)
        sys.stdout.write("\n")
    else:
        _print_table(pd.DataFrame(result.lorenz, columns=["share_of_units", "share_of_incidents"]), "csv")
    return 0


def _stability_options(sub) -> None:
    stab = sub.add_parser(
        "stability", help="do one year's top units predict another's: hit rate, PAI, Spearman",
        description="Take the top share of units by incidents in the earlier year; report the hit "
                    "rate (the share of the later year's incidents in them), the Predictive Accuracy "
                    "Index (hit rate / share of the area they cover) and Spearman's rank correlation "
                    "of unit counts between the years.")
    _add_units(stab)
    stab.add_argument("--from", dest="from_fy", required=True, type=_financial_year, metavar="FY",
                      help="the earlier financial year, whose top units are taken")
    stab.add_argument("--to", dest="to_fy", required=True, type=_financial_year, metavar="FY",
                      help="the later financial year, whose incidents are predicted")
    stab.add_argument("--top-share", type=_top_share, default=TOP_SHARE, metavar="S",
                      help="share of units taken as the top (default %(default)s: the top 10%%)")
    stab.add_argument("--format", choices=["csv", "json"], default="csv")


def _top_share(text: str) -> float:
    try:
        return check_top_share(float(text))
    except (ValueError, InputError):
        raise argparse.ArgumentTypeError(f"{text!r} is not a share between 0 and 1 (exclusive), such as 0.1") from None


def _stability(args) -> int:
    from sia.analysis.hotspots.runs import run_stability

    result = run_stability(_load(args), _unit_query(args), args.from_fy, args.to_fy, args.top_share)
    for caution in result.caution:
        print(f"# caution: {caution}", file=sys.stderr)
    figures = result.to_dict()
    if args.format == "json":
        json.dump({"unit": args.unit, **figures}, sys.stdout, indent=1)
        sys.stdout.write("\n")
    else:
        figures["top_units"] = " ".join(figures["top_units"])
        figures["caution"] = "; ".join(figures["caution"])
        _print_table(pd.DataFrame([{"unit": args.unit, **figures}]), "csv")
    return 0


def _print_table(table, fmt: str) -> None:
    if fmt == "json":  # through pandas so that missing values are null, not NaN
        json.dump(json.loads(table.to_json(orient="records")), sys.stdout, indent=1)
        sys.stdout.write("\n")
    elif fmt == "text":
        sys.stdout.write(table.to_string(index=False) + "\n")
    else:  # often opened in a spreadsheet: text that would run as a formula is neutralised
        neutralised(table).to_csv(sys.stdout, index=False, lineterminator="\n")


def _demo_options(sub) -> None:
    demo = sub.add_parser("demo", help="write and ingest the synthetic demo data")
    demo.add_argument("--data-dir", type=Path, metavar="DIR",
                      help=f"default: {demo_data_dir()}")


def _demo(args) -> int:
    build, report = build_demo(args.data_dir or demo_data_dir())
    print(f"synthetic demo dataset written to {build}")
    print("\n".join(report.lines()))
    return 0


def _report_options(sub) -> None:
    report = sub.add_parser("report", help="print a dataset's ingest report")
    report.add_argument("--data-dir", type=Path, metavar="DIR", help=DATA_HELP)


def _report(args) -> int:
    dataset = load(args.data_dir)
    print(f"dataset {dataset.build}{' (synthetic demo data)' if dataset.is_demo else ''}, "
          f"built {dataset.manifest['built_at']}")
    print(f"months: {', '.join(dataset.months)}")
    print("\n".join(dataset.report.lines()))
    return 0


def _priorities_options(sub) -> None:
    priorities = sub.add_parser(
        "priorities", help="the SIA priority register, the comparison of two years, the evidence",
        description="List the SIA priorities; with --compare, which city priorities were retained, "
                    "changed, added or dropped between two years; with --evidence, what the "
                    "police.uk data shows for each priority with an indicator.")
    priorities.add_argument("--compare", nargs=2, type=_financial_year, metavar=("EARLIER", "LATER"))
    priorities.add_argument("--evidence", action="store_true",
                            help="per priority and year: incidents, per month, rate, tested change")
    priorities.add_argument("--data-dir", type=Path, metavar="DIR", help=DATA_HELP + " (for --evidence)")
    priorities.add_argument("--register", type=Path, metavar="FILE",
                            help="default: the register loaded into the data directory ('sia register load'), "
                                 "else data/priorities.toml")
    priorities.add_argument("--format", choices=["text", "json", "csv"], default="text")


def _register_of(args) -> Register:
    """The register a command holds the data against: --register FILE, else the data
    directory's (see register_in_use)."""
    if args.register is not None:
        return load_register(args.register, _dataset_wards(configured_data_dir(args.data_dir), required=False))
    data_dir = real_data_dir(args.data_dir)
    path = register_in_use(data_dir)
    if path is None:
        raise InputError(Problem(f"{area_in(data_dir).name} has no priority register", str(data_dir),
                                 "load the partnership's with 'python -m sia register load FILE --data-dir "
                                 f"{data_dir}' "
                                 f"(a register starts from {TEMPLATE.relative_to(ROOT)}), or give one with --register"))
    return read_register(path)


def _priorities(args) -> int:
    register = _register_of(args)
    if args.compare:
        result = compare(register, *args.compare)
        if args.format == "text":
            for group, items in result.items():
                print(f"{group}:")
                for item in items:
                    print("  " + "  ->  ".join(f"{fy} #{a['rank']} {a['title']}" for fy, a in item.items()
                                              if fy in args.compare))
        else:
            json.dump(result, sys.stdout, indent=1)
            sys.stdout.write("\n")
        return 0
    if args.evidence:
        dataset = load(args.data_dir)
        _print_table(evidence_table(register, dataset.incidents, dataset.wards, dataset.months,
                                    tuple(dataset.financial_years), stops=dataset.stops,
                                    stop_months=dataset.stop_months), args.format)
        return 0
    _print_table(pd.DataFrame([{"set": p.set, "fy": register.fy_of(p), "rank": p.rank, "id": p.id,
                                "title": p.title, "indicator": p.indicator,
                                "categories": "; ".join(p.categories), "wards": "; ".join(p.wards),
                                "second_indicator": p.second_indicator or ""}
                               for p in register.priorities.values()]), args.format)
    return 0


def _weight(text: str) -> tuple[str, float]:
    name, sep, value = text.rpartition("=")
    try:
        number = float(value)
    except ValueError:
        number = None
    if not sep or not name.strip() or number is None or not math.isfinite(number) or not 0 <= number <= 100:
        raise argparse.ArgumentTypeError(f"{text!r} is not NAME=WEIGHT with a weight from 0 to 100")
    return name.strip(), number


def _assess_options(sub) -> None:
    assess_ = sub.add_parser(
        "assess", help="the strategic assessment of a year: every category and ward side by side, scored",
        description="For each crime category (anti-social behaviour apart, unscored) or each ward: volume, rate "
                    "per 1,000 residents a year, the change against another year on matched months with the exact "
                    "Poisson test, the Mann-Kendall trend over the year's months, concentration (1 - the share of "
                    "LSOAs holding half), the share with no suspect identified, the register's priorities that "
                    "cover it, and a score from weighted ranks (see the README). What the data ranks high that no "
                    "priority covers, and the priorities it does not bear out, are printed on stderr.")
    assess_.add_argument("--fy", required=True, type=_financial_year, help="the year assessed")
    assess_.add_argument("--against", type=_financial_year, metavar="FY",
                         help="the year its changes are measured against (default: the latest held before it, "
                              "else the first after it)")
    assess_.add_argument("--by", choices=["category", "ward"], default="category")
    assess_.add_argument("--weight", action="append", default=[], type=_weight, metavar="COLUMN=W",
                         help=f"a column's weight in the score, 0 to 100 (default 1 each): {', '.join(WEIGHTED)}")
    assess_.add_argument("--harm", action="append", default=[], type=_weight, metavar="CATEGORY=W",
                         help="a crime category's harm weight, 0 to 100 (default 1 each: none assumed)")
    assess_.add_argument("--data-dir", type=Path, metavar="DIR", help=DATA_HELP)
    assess_.add_argument("--wards-of", type=_month, metavar="YYYY-MM", help=WARDS_OF_HELP)
    assess_.add_argument("--format", choices=["csv", "json"], default="csv")


def _assess(args) -> int:
    dataset = _load(args)
    register = read_register(register_in_use(dataset.build.parent.parent))
    result = assess(dataset.incidents, dataset.wards, dataset.lsoas, dataset.months, register, load_outcome_groups(),
                    args.fy, args.against, dict(args.weight), dict(args.harm))
    for line in assessment_lines(result):
        print(f"# {line}", file=sys.stderr)
    _print_table(result.categories if args.by == "category" else result.wards, args.format)
    return 0


def _register_options(sub) -> None:
    register = sub.add_parser(
        "register", help="check, load or draft the partnership's priority register",
        description="The priority register belongs to the data: a data steward checks the partnership's "
                    "register, loads it into the data directory (kept like a build: published in one step, the "
                    "previous one kept, checksummed), and drafts next year's set from this year's.")
    actions = register.add_subparsers(dest="action", required=True, parser_class=_Parser)
    check = actions.add_parser("check", help="validate a register file, listing every problem")
    check.add_argument("file", type=Path, metavar="FILE")
    check.add_argument("--data-dir", type=Path, metavar="DIR",
                       help="check its wards against this dataset's (default: $SIA_DATA_DIR, else Derby's)")
    load_ = actions.add_parser("load", help="check a register and make it the data directory's")
    load_.add_argument("file", type=Path, metavar="FILE")
    load_.add_argument("--data-dir", required=True, type=Path, metavar="DIR")
    draft = actions.add_parser("draft", help="print the register with next year's set drafted from a set")
    draft.add_argument("--from-set", required=True, metavar="SET", help="a city set, e.g. city-2019-20")
    draft.add_argument("--fy", required=True, type=_financial_year, metavar="FY", help="the new set's year")
    draft.add_argument("--data-dir", type=Path, metavar="DIR", help=DATA_HELP + " (whose register)")


def _register(args) -> int:
    if args.action == "draft":
        path = register_in_use(real_data_dir(args.data_dir))
        sys.stdout.write(draft_set(read_register(path), path.read_text(encoding="utf-8"), args.from_set, args.fy))
        return 0
    data_dir = args.data_dir if args.action == "load" else configured_data_dir(args.data_dir)
    wards = _dataset_wards(data_dir, required=args.action == "load")
    if args.action == "check":
        register = load_register(args.file, wards)
        print(f"{args.file}: sound: {_register_summary(register)}"
              + ("" if wards is not None else " (wards checked against Derby's)"))
        return 0
    published, register = load_register_into(args.data_dir, args.file, str(args.file), wards)
    print(f"register loaded into {args.data_dir} ({published.parent.name}): {_register_summary(register)}")
    return 0


def _dataset_wards(data_dir: Path | None, required: bool) -> list[str] | None:
    """The ward names of the dataset in ``data_dir`` (None without one, unless ``required``)."""
    if data_dir is None:
        return None
    if current_build(data_dir) is None and not required:
        return None
    return list(load(data_dir).ward_names)


def _register_summary(register) -> str:
    city = sorted(s.fy for s in register.sets.values() if s.kind == CITY)
    return (f"{len(register.documents)} document(s), city sets for {', '.join(city) or 'no year'}, "
            f"{len(register.sets) - len(city)} force set(s), {len(register.priorities)} priorities")


def _brief_options(sub) -> None:
    brief = sub.add_parser(
        "brief", help="a briefing pack (PDF or HTML) for a ward or a priority",
        description="Write a briefing pack to hand out: key figures, a summary in plain English, "
                    "charts and a ward map as images, tables, caveats and sources. A .pdf opens "
                    "in any viewer; a .html is one self-contained file.")
    subject = brief.add_mutually_exclusive_group(required=True)
    subject.add_argument("--ward", metavar="NAME", help="a ward, e.g. Normanton")
    subject.add_argument("--priority", metavar="ID",
                         help="a priority id from 'python -m sia priorities', e.g. asb-2019")
    brief.add_argument("--fy", action="append", default=[], type=_financial_year,
                       help="one year, or give twice to compare (default: the years the page shows "
                            "first: the last two held; for a priority, its register's years held)")
    brief.add_argument("--measure", choices=["count", "per_month", "rate"],
                       help="what a ward pack ranks wards by, as the page's measure (default: rate where "
                            "the years have populations, else per month)")
    brief.add_argument("--all-months", action="store_true",
                       help="compare two years on all the months each holds, not the months of the "
                            "year both hold (the default)")
    brief.add_argument("--out", type=Path, required=True, metavar="FILE", help="FILE.pdf or FILE.html")
    brief.add_argument("--data-dir", type=Path, metavar="DIR", help=DATA_HELP)
    brief.add_argument("--wards-of", type=_month, metavar="YYYY-MM", help=WARDS_OF_HELP)
    brief.add_argument("--register", type=Path, metavar="FILE", help=argparse.SUPPRESS)


def _brief(args) -> int:
    from sia.views.briefing.content import priority_briefing, ward_briefing
    from sia.views.briefing.files import check_pack_path, write_briefing

    check_pack_path(args.out)
    dataset = _load(args)
    if args.ward is not None:
        pack = ward_briefing(dataset, args.ward, args.fy, measure=args.measure, like_for_like=not args.all_months)
    else:
        pack = priority_briefing(dataset, _register_of(args), args.priority, args.fy)
    out = write_briefing(pack, args.out)
    print(f"briefing pack written to {out} ({out.stat().st_size / 1024:,.0f} kB): {pack.title}, "
          f"{pack.subtitle}{' (synthetic demo data)' if pack.demo else ''}")
    return 0


# Each command: the function that adds its options, and the one that runs it.
COMMANDS = {
    "ingest": (_ingest_options, _ingest), "fetch": (_fetch_options, _fetch), "counts": (_counts_options, _counts),
    "outcomes": (_outcomes_options, _outcomes), "stops": (_stops_options, _stops),
    "change": (_change_options, _change), "hotspots": (_hotspots_options, _hotspots),
    "concentration": (_concentration_options, _concentration), "stability": (_stability_options, _stability),
    "demo": (_demo_options, _demo), "report": (_report_options, _report),
    "priorities": (_priorities_options, _priorities), "register": (_register_options, _register),
    "assess": (_assess_options, _assess), "peers": (_peers_options, _peers),
    "brief": (_brief_options, _brief),
}
