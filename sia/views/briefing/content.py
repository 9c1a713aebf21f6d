"""Briefing packs: one ward, or one SIA priority, over a period, as a handout for a meeting.

A Briefing is plain content (key figures, sentences, charts, tables, caveats, sources),
made from the dataset by the same functions the dashboard's pages use, so the pack and
the dashboard agree; sia.views.briefing.files writes it as a PDF or one self-contained HTML file.
Every sentence is generated from the figures beside it.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

import altair as alt
import pandas as pd

from sia.analysis.assessment import assess, check_weights
from sia.analysis.filters import ASB, CRIME, MEASURES, Filters
from sia.analysis.hotspots.runs import (
    HotCount,
    HotspotRun,
    NoTest,
    hotspots_for_filters,
    unit_hotspot_sentence,
)
from sia.analysis.measures import (
    Selection,
    categories_against_city,
    category_mix,
    comparable,
    comparison_basis,
    has_residents,
    matched_months,
    measures_for,
    monthly_series,
    months_counted,
    per_1000_a_year,
    select,
    top_locations,
    ward_change,
    ward_measures,
)
from sia.analysis.outcomes import load_outcome_groups, outcome_mix
from sia.analysis.priorities.evidence import (
    SecondIndicator,
    change_between,
    indicator_filters,
    named_against_found,
    second_indicator,
    volumes,
    ward_ranking,
)
from sia.analysis.priorities.register import CITY, INDICATORS, Priority, Register
from sia.categories import CRIME_CATEGORIES
from sia.dataset.denominators import deprivation_of
from sia.dataset.store import Dataset
from sia.errors import InputError, Problem
from sia.periods import month_label, period_text, require_held
from sia.views import charts
from sia.views.assessment import assessment_lines, shown_table
from sia.views.outcomes import CityMix, open_cautions, outcome_sentences, outcome_table
from sia.views.stops import FIND_RATE_CAVEAT, search_rate_text, wards_table, year_sentence, years_table
from sia.views.wording import (
    DATA_SOURCES,
    NO_POPULATION,
    RANKED_BY,
    change_sentence,
    no_hotspot_sentence,
    no_population_note,
    rank_text,
    wards_sentence,
)
from sia.words import ordinal, plural

CAVEAT_LOCATIONS = ("police.uk moves every incident to an anonymised map point on or near its street, "
                    "so places are approximate and several incidents often share one point.")
CAVEAT_RECORDING = ("Crime recording practice tightened after the 2014 national inspection of crime "
                    "recording, so part of any rise since 2014-15 (violence and public order above all) "
                    "reflects recording, not only behaviour.")
CAVEAT_CHANGE = ("Changes compare incidents a month with an exact Poisson test at the 5% level; real "
                 "counts vary more than the test assumes, so treat borderline results with care.")
CAVEAT_DEMO = ("SYNTHETIC DEMO DATA: the incidents and ward shapes are invented for trying the "
               "dashboard. These are not real crime figures.")


@dataclass(frozen=True)
class KeyFigure:
    label: str
    value: str
    note: str = ""


@dataclass(frozen=True)
class Exhibit:
    """A chart in the pack, with the words a reader of the text alone needs."""
    title: str
    chart: alt.TopLevelMixin
    description: str


@dataclass(frozen=True)
class PackTable:
    title: str
    table: pd.DataFrame
    note: str = ""


@dataclass
class Briefing:
    title: str
    subtitle: str
    stem: str  # a file name without its suffix
    figures: list[KeyFigure] = field(default_factory=list)
    narrative: list[str] = field(default_factory=list)  # **bold** marks emphasis
    exhibits: list[Exhibit] = field(default_factory=list)
    tables: list[PackTable] = field(default_factory=list)
    caveats: list[str] = field(default_factory=list)
    sources: tuple[str, ...] = DATA_SOURCES
    demo: bool = False
    made: str = ""
    area: str = ""  # the area's name, the packs' author ('Derby community safety dashboard')


# --- shared checks ---------------------------------------------------------------------

def briefing_years(dataset: Dataset, fys: tuple[str, ...] | list[str], default: tuple[str, ...] = ()
                   ) -> tuple[str, ...]:
    """One year, or two to compare (earlier first), each held by the dataset; by default the
    years the page would show: ``default`` where the dataset holds them, else its last two
    (as the sidebar starts)."""
    held = dataset.financial_years
    chosen = tuple(sorted(dict.fromkeys(fys))) or (tuple(fy for fy in default if fy in held)[-2:]
                                                   or tuple(held[-2:]))
    if len(chosen) > 2:
        raise InputError(Problem(f"{len(chosen)} financial years given", "--fy",
                                 "give one year, or two to compare"))
    require_held(chosen, held)
    return chosen


def ward_named(dataset: Dataset, name: str) -> str:
    """The dataset's spelling of a ward name given in any case."""
    names = sorted(dataset.wards["ward_name"])
    match = [w for w in names if w.casefold() == name.strip().casefold()]
    if not match:
        raise InputError(Problem(f"no ward called {name!r}", "--ward", "use one of: " + ", ".join(names)))
    return match[0]


def _measure(dataset: Dataset, fys: tuple[str, ...], measure: str | None) -> str:
    """The measure asked for (the page's), where the years can be shown in it; by default,
    rates where every year has residents, else incidents a month."""
    if measure in measures_for(dataset.wards, fys):
        return measure
    return "rate" if has_residents(dataset.wards, fys) else "per_month"


def _period_note(dataset: Dataset, fy: str, months: tuple[str, ...]) -> str:
    """'Sep 2014, 1 month, of the 7 held' where fewer months are counted than the year holds
    (matched months), else 'Apr to Oct 2014, 7 months'."""
    held = int(dataset.coverage.set_index("fy").loc[fy, "months_covered"])
    return period_text(months) + (f", of the {held} held" if len(months) < held else "")


def _coverage(dataset: Dataset, fys: tuple[str, ...]) -> dict[str, str]:
    """'7 of 12 months held, April to October 2014' per year."""
    table = dataset.coverage.set_index("fy")
    return {fy: f"{table.loc[fy, 'months_covered']} of 12 months held, {table.loc[fy, 'span']}" for fy in fys}


def _made(dataset: Dataset) -> str:
    return f"Made on {date.today():%-d %B %Y} from dataset {dataset.build_id}."


def _common_caveats(dataset: Dataset, fys: tuple[str, ...]) -> list[str]:
    caveats = [CAVEAT_DEMO] if dataset.is_demo else []
    caveats.append("Months held: " + "; ".join(f"{fy}: {text}" for fy, text in _coverage(dataset, fys).items())
                   + ". Figures a month and per 1,000 residents a year are over the months held, "
                     "so partial years compare fairly; totals do not.")
    caveats.append(CAVEAT_LOCATIONS)
    caveats += [wards] if (wards := wards_sentence(dataset)) else []
    if len(fys) == 2:
        caveats += [CAVEAT_CHANGE, CAVEAT_RECORDING]
    return caveats


def _rate_words(measure: str) -> str:
    return {"rate": "per 1,000 residents a year", "per_month": "a month"}.get(measure, "by incidents")


def _value_text(row, measure: str) -> str:
    """The figures a ranking rests on; a rate without a population is left to rank_text
    ('not ranked (no population)')."""
    if measure == "rate" and pd.notna(row["rate"]):
        return f"{row['per_month']:,.1f} a month, {row['rate']:,.1f} per 1,000 residents a year"
    return f"{row['per_month']:,.1f} a month"


def _standing(row, measure: str, area: str) -> str:
    """'the 3rd highest of Derby's 17 wards per 1,000 residents a year', or 'not ranked'."""
    if pd.isna(row["rank"]):
        return rank_text(row)
    return (f"the {ordinal(int(row['rank']))} highest of {area}'s {int(row['ranked'])} wards by "
            f"{RANKED_BY[measure]}")


def _city_text(table: pd.DataFrame, fy: str, measure: str) -> str:
    """The whole city's figure (not a mean of ward figures): per 1,000 residents a year on
    rates, else a month."""
    mine = table[table["fy"] == fy]
    per_month = mine["count"].sum() / mine["months"].iloc[0]
    if measure == "rate":
        return f"{per_1000_a_year(per_month, mine['population'].sum(min_count=1)):,.1f} per 1,000 residents a year"
    return f"{per_month:,.1f} a month"


# --- a ward --------------------------------------------------------------------------

def ward_briefing(dataset: Dataset, ward: str, fys: tuple[str, ...] | list[str] = (), measure: str | None = None,
                  like_for_like: bool = True) -> Briefing:
    """Crime and anti-social behaviour (never added together) in one ward: figures and
    rank each year, categories against the city, where incidents concentrate, whether the
    ward is a Gi* hotspot and, over two years, the tested change. Counted as the page counts
    with the same filters: ranks by ``measure`` (the page's; by default rates where there are
    residents), two years on matched months unless ``like_for_like`` is off."""
    ward = ward_named(dataset, ward)
    fys = briefing_years(dataset, fys)
    measure = _measure(dataset, fys, measure)
    by = RANKED_BY[measure]
    selections = {kind: select(dataset.incidents, Filters(fys=fys, incident_type=kind, measure=measure,
                                                          like_for_like=like_for_like)) for kind in (CRIME, ASB)}
    tables = {kind: ward_measures(selection, dataset.wards) for kind, selection in selections.items()}
    periods = {fy: period_text(ms) for fy, ms in selections[CRIME].months.items()}
    words = {CRIME: ("crime", "crimes"), ASB: ("anti-social behaviour", "ASB incidents")}
    last, area = fys[-1], dataset.area.name

    brief = Briefing(title=f"{ward}: crime and anti-social behaviour",
                     subtitle=f"{area} ward briefing, {' and '.join(fys)}",
                     stem=ward_stem(ward, fys), demo=dataset.is_demo, made=_made(dataset), area=dataset.area.name)
    for fy in fys:
        for kind, table in tables.items():
            row = table[(table["ward_name"] == ward) & (table["fy"] == fy)].iloc[0]
            label = "Crimes" if kind == CRIME else "ASB incidents"
            brief.figures.append(KeyFigure(
                f"{label}, {fy}", f"{row['count']:,.0f}",
                f"{periods[fy]}; {_value_text(row, measure)}; {rank_text(row, by=by)}"))

    for fy in fys:
        crime = tables[CRIME]
        row = crime[(crime["ward_name"] == ward) & (crime["fy"] == fy)].iloc[0]
        asb = tables[ASB][(tables[ASB]["ward_name"] == ward) & (tables[ASB]["fy"] == fy)].iloc[0]
        brief.narrative.append(
            f"In {fy} ({_period_note(dataset, fy, selections[CRIME].months[fy])}), "
            f"**{ward} recorded {plural(int(row['count']), 'crime')}**, "
            f"{_value_text(row, measure)}: {_standing(row, measure, area)} ({area}: {_city_text(crime, fy, measure)}). "
            f"Anti-social behaviour, counted apart from crime, came to {plural(int(asb['count']), 'incident')} "
            f"({_value_text(asb, measure)}; {rank_text(asb, by=by)}).")
        if measure == "rate" and pd.isna(row["rate"]):
            brief.narrative.append(no_population_note(ward, fy))
    as_page = Filters(fys=fys, like_for_like=like_for_like)
    against = categories_against_city(dataset.incidents, dataset.wards, as_page, ward)  # the last year
    selection = select(dataset.incidents, Filters(fys=fys, incident_type=CRIME, like_for_like=like_for_like))
    brief.narrative += _category_sentences(selection, ward, last, against, area)
    quiet, small = [], []  # where no ward is a hot spot: why, and what the LSOAs show (as the pages say)
    for kind in (CRIME, ASB):
        run = hotspots_for_filters(dataset, Filters(fys=(last,), incident_type=kind), last, "ward")
        if isinstance(run, HotspotRun):
            brief.narrative.append(unit_hotspot_sentence(run, ward, words[kind][0]))
            count = run.hot_count()
            if not count.hot:
                quiet.append((words[kind][0], count))
                if dataset.lsoas is not None:
                    small.append((words[kind][0], _lsoa_hot_count(dataset, Filters(fys=(last,), incident_type=kind),
                                                                  last)))
    why = no_hotspot_sentence(quiet, small if dataset.lsoas is not None else None)
    brief.narrative += [why] if why else []  # '' when a ward is a hot spot: no empty paragraph
    if len(fys) == 2:
        for kind in (CRIME, ASB):
            brief.narrative.append(_change_sentence(dataset, ward, Filters(fys=fys, incident_type=kind,
                                                                           like_for_like=like_for_like),
                                                    words[kind][0]))
    brief.narrative += _deprivation_sentences(dataset, ward)
    # Each year's crimes, every month it holds (as the page): an outcome mix is no change between years.
    _add_outcomes(brief, select(dataset.incidents, Filters(fys=fys, like_for_like=False)).rows, ward, "crimes", area)

    _add_monthly(brief, monthly_series(selection, ward), f"Crimes per month in {ward}")
    crime_last = tables[CRIME][tables[CRIME]["fy"] == last]
    brief.exhibits.append(Exhibit(
        f"Crime by ward, {last}: {by}",
        charts.ward_choropleth(dataset.wards, crime_last, MEASURES[measure],
                               f"Crime by ward, {last}: {by}", outlined=(ward,)),
        f"{ward} is outlined. Classes are natural breaks; each ward carries its rank by {by}."))
    if against["ward"].notna().any():
        brief.exhibits.append(Exhibit(
            f"{ward} against {area} by category, {last}",
            charts.against_city(against, ward, area, f"{ward} against {area} by category, {last}"),
            "Rates per 1,000 residents a year; anti-social behaviour included, shown as its own category."))
    brief.tables.append(PackTable(f"Incidents by category in {ward}, {last}",
                                  _category_table(dataset, ward, as_page, against),
                                  f"Ratio: the ward's rate over the city's (above 1: higher than {area})."))
    places = top_locations(selection, ward)
    brief.tables.append(PackTable(f"Places with most crimes in {ward}", places.rename_axis("Location").reset_index(),
                                  "Anonymised police.uk map points ('On or near ...'), not addresses."))
    brief.caveats = _common_caveats(dataset, fys) + [
        f"Ward hotspots use Getis-Ord Gi* over {area}'s {len(dataset.wards)} wards with their neighbours, p-values "
        "adjusted for multiple testing; with so few, large units it finds only broad clusters."] + brief.caveats
    return brief


def _add_monthly(brief: Briefing, series: pd.DataFrame, title: str) -> None:
    """Incidents per month (monthly_series) as a trend chart where a year holds two months or
    more; one month is no trend, so where no year holds more, a small table instead."""
    months = series.groupby("fy")["month"].nunique()
    if months.max() >= 2:
        single = [fy for fy, n in months.items() if n == 1]
        note = "One line per financial year, April to March; months not held are left out." + (
            f" {' and '.join(single)} {'holds' if len(single) == 1 else 'hold'} one month, drawn as a point."
            if single else "")
        brief.exhibits.append(Exhibit(title, charts.monthly_trend(series, title).properties(height=240), note))
        return
    table = pd.DataFrame({"Year": series["fy"], "Month": series["month"].map(month_label),
                          "Incidents": series["count"]})
    brief.tables.append(PackTable(title, table, "Each year here holds one month: too few for a trend, so no chart."))


def _lsoa_hot_count(dataset: Dataset, filters: Filters, fy: str) -> HotCount | str:
    """How many LSOAs are Gi* hot spots (as the map finds them), or why none could be tested."""
    run = hotspots_for_filters(dataset, filters, fy, "lsoa")
    return run.reason if isinstance(run, NoTest) else run.hot_count()


def _add_outcomes(brief: Briefing, rows: pd.DataFrame, ward: str | None, what: str, area: str) -> None:
    """What happened after the crimes among ``rows`` were reported (in ``ward``, set against
    the whole ``area``, or in the area): sentences, the mix by year as a chart and a table, and the caution
    for years with many still open (into ``brief.caveats``, which the caller extends)."""
    groups = load_outcome_groups()
    city = outcome_mix(rows, groups)
    mix = outcome_mix(rows[rows["ward_name"] == ward], groups) if ward else city
    where, beside = ward or area, CityMix(area, city) if ward else None
    brief.narrative += outcome_sentences(mix, groups, f"in {where}", beside)
    brief.exhibits.append(Exhibit(f"Outcomes of {what} in {where}, by year",
                                  charts.outcome_mix(mix, f"Outcomes of {what} in {where}, by year"),
                                  "Each year's crimes shared between the outcome groups: the latest outcome "
                                  "police.uk records for each."))
    brief.tables.append(PackTable(f"Outcomes of {what} in {where}", outcome_table(mix, beside),
                                  "Shares in per cent of the year's crimes" + (f", {area}'s beside them." if ward
                                                                               else ".")))
    brief.caveats += [f"{c}." for c in open_cautions(mix, groups)]


def _change_sentence(dataset: Dataset, ward: str, filters: Filters, subject: str) -> str:
    """The tested change in the ward, on like-for-like months where the years share any."""
    filters = comparable(filters, dataset.months)
    if filters is None:
        return ""
    selection = select(dataset.incidents, filters)
    change = ward_change(ward_measures(selection, dataset.wards), filters.fys).loc[ward]
    return (f"**Change in {subject}**: {change_sentence(change, *filters.fys)}; "
            f"on {comparison_basis(selection.months, matched_months(dataset.months, filters))}.")


def _category_sentences(selection: Selection, ward: str, last: str, against: pd.DataFrame, area: str) -> list[str]:
    """The largest crime category in the last year and, given rates, the one furthest
    above the city's (``against``: categories_against_city for that year)."""
    mine = selection.rows[(selection.rows["ward_name"] == ward) & (selection.rows["fy"] == last)]
    counts = mine.groupby("category", observed=True).size()
    counts = counts[counts.index.isin(CRIME_CATEGORIES)].sort_values(ascending=False)
    if counts.empty:
        return []
    top = counts.index[0]
    out = [f"The largest crime category in {last} was {top.lower()} "
           f"({plural(int(counts.iloc[0]), 'crime')}, {counts.iloc[0] / counts.sum():.0%} of the ward's crime)."]
    if against["ward"].notna().any():
        # A category stands out only with enough incidents for its rate to mean something.
        enough = against[against["category"].map(counts).fillna(0) >= 20].sort_values("ratio", ascending=False)
        if len(enough) and enough["ratio"].iloc[0] >= 1.5:
            high = enough.iloc[0]
            out.append(f"Against the city, {high['category'].lower()} stood out: "
                       f"{high['ratio']:.1f} times {area}'s rate per resident.")
    return out


def _category_table(dataset: Dataset, ward: str, filters: Filters, against: pd.DataFrame) -> pd.DataFrame:
    """The ward's incidents by category in the filters' last year, on the months the page
    counts (matched months when two years are compared), with the rates beside the area's."""
    fy = filters.fys[-1]
    mix = category_mix(dataset.incidents, filters, ward)
    mix = mix[mix["fy"] == fy].set_index("category").reindex(against["category"])
    table = pd.DataFrame({"Category": against["category"], "Incidents": mix["count"].astype(int).to_numpy(),
                          "A month": mix["per_month"].to_numpy()})
    if against["ward"].notna().any():
        table["Per 1,000 a year"] = against["ward"].to_numpy()
        table[f"{dataset.area.name} per 1,000 a year"] = against["city"].to_numpy()
        table["Ratio"] = against["ratio"].to_numpy()
    return table.sort_values("Incidents", ascending=False).reset_index(drop=True)


def _deprivation_sentences(dataset: Dataset, ward: str) -> list[str]:
    return [f"Deprivation (IMD {d.edition}): {d.decile1_share:.0%} of the ward's {d.lsoas} "
            f"neighbourhoods (LSOAs) are among the most deprived 10% in England."
            for d in deprivation_of(dataset.wards, ward)[-1:]]


# --- a priority ------------------------------------------------------------------------

def priority_briefing(dataset: Dataset, register: Register, priority_id: str,
                      fys: tuple[str, ...] | list[str] = ()) -> Briefing:
    """One SIA priority: what the document says, its open-data indicator and how good it
    is, the volumes each year and the tested change, where it concentrates, and the wards
    the document names against those the data ranks highest."""
    priority = _priority(register, priority_id)
    own_fy = register.fy_of(priority)
    # By default the years the Priorities page shows: those of the register's city sets.
    fys = briefing_years(dataset, fys, default=tuple(sorted(s.fy for s in register.sets.values() if s.kind == CITY)))
    document = register.document_for(priority)
    city = register.sets[priority.set]
    n_in_set, area = len(register.in_set(priority.set)), dataset.area.name
    brief = Briefing(title=priority.title, subtitle=f"{area} SIA priority briefing, {' and '.join(fys)}",
                     stem=priority_stem(priority.id, fys), demo=dataset.is_demo, made=_made(dataset), area=area)
    brief.narrative.append(f"**Priority {priority.rank} of {n_in_set}** in the {city.name} ({document.title}). "
                           f"{priority.summary}")
    brief.narrative.append(_lineage_sentence(register, priority))
    if priority.figures:
        brief.narrative.append("Figures the document gives: " + "; ".join(
            f"{f.what}: {f.text()}" for f in priority.figures) + ".")
    if not priority.measurable:
        brief.narrative.append(f"**No open-data indicator.** {priority.indicator_note} "
                               f"What would measure it: {priority.measure_with}")
        brief.caveats = _common_caveats(dataset, fys)[:1] if dataset.is_demo else []
        brief.caveats.append("police.uk street-level data has no category for this priority, so this "
                             "pack gives no figures rather than a stand-in.")
        return brief

    brief.narrative.append(f"**{INDICATORS[priority.indicator]}** in police.uk data: "
                           f"{', '.join(priority.categories)}. {priority.indicator_note}"
                           + (f" Better measured by: {priority.measure_with}" if priority.measure_with else ""))
    table = volumes(dataset.incidents, dataset.wards, priority, fys)
    counted = months_counted(dataset.months, indicator_filters(priority, fys))
    for row in table.itertuples():
        rate = "" if pd.isna(row.rate) else f", {row.rate:,.1f} per 1,000 residents a year"
        brief.figures.append(KeyFigure(f"Incidents, {row.fy}", f"{row.count:,}",
                                       f"{row.per_month:,.1f} a month over {row.period}{rate}"))
        brief.narrative.append(f"In {row.fy} ({_period_note(dataset, row.fy, counted[row.fy])}) {area} recorded "
                               f"**{plural(row.count, 'incident')}** of these categories: "
                               f"{row.per_month:,.1f} a month{rate}.")
    if len(fys) == 2:
        found = change_between(dataset.incidents, priority, dataset.months, fys)
        if found is not None:
            c = found.change
            brief.figures.append(KeyFigure(f"Change, {fys[0]} to {fys[1]}", c.direction(), c.significance()))
            brief.narrative.append(f"**From {fys[0]} to {fys[1]}: {c.verdict()}** (rate ratio {c.rate_ratio:.2f}, "
                                   f"{c.interval_text()}), on {found.basis()}.")

    ranking_fy = own_fy if own_fy in fys else fys[-1]
    _add_second_indicator(brief, second_indicator(priority, dataset.stops, dataset.stop_months, dataset.wards,
                                                  dataset.lsoas, fys, ranking_fy))
    ranking = ward_ranking(dataset.incidents, dataset.wards, priority, ranking_fy)
    measure = ranking["measure"].iloc[0]
    against = named_against_found(ranking, priority.wards)
    brief.narrative.append(_named_sentence(priority, against, ranking_fy, measure, int(ranking["ranked"].iloc[0])))
    value_title = MEASURES[measure]
    brief.exhibits.append(Exhibit(
        f"Wards by {value_title.lower()}, {ranking_fy}",
        charts.ward_ranking(ranking, measure, value_title, f"{priority.title}: wards by {value_title.lower()}, "
                                                           f"{ranking_fy}", selected=priority.wards),
        "Wards the document names are in orange." if priority.wards else
        "The document names no wards for this priority."))
    brief.exhibits.append(Exhibit(
        f"Where it concentrates, {ranking_fy}",
        charts.ward_choropleth(dataset.wards, ranking, value_title, f"{priority.title}, {ranking_fy}",
                               outlined=priority.wards),
        "Wards the document names are outlined." if priority.wards else "Classes are natural breaks."))
    brief.tables.append(PackTable("Incidents each year", table.drop(columns="months").rename(columns={
        "fy": "Year", "period": "Months counted", "count": "Incidents", "per_month": "A month",
        "population": "Residents", "rate": "Per 1,000 a year"})))
    brief.tables.append(PackTable((f"Named in the document against found in the data, {ranking_fy}" if priority.wards
                                   else f"The wards the data ranks highest, {ranking_fy}"),
                                  pd.DataFrame({"Ward": against["ward"],
                                                "Named": against["named"].map({True: "yes", False: "no"}),
                                                "Rank": against["rank"], value_title: against["value"]})))
    crimes = tuple(c for c in priority.categories if c in CRIME_CATEGORIES)
    if crimes:
        every_month = Filters(fys=fys, crime_types=crimes, like_for_like=False)  # each year's crimes, as the page
        _add_outcomes(brief, select(dataset.incidents, every_month).rows, None, "these crimes", dataset.area.name)
    brief.caveats = _common_caveats(dataset, fys) + brief.caveats
    if priority.indicator == "partial":
        brief.caveats.append("The indicator is a partial proxy: it counts related crimes, not the "
                             "priority itself (see above for what it misses).")
    return brief


def _add_second_indicator(brief: Briefing, second: SecondIndicator | None) -> None:
    """The priority's second indicator, as the Priorities page shows it."""
    if second is None:
        return
    if second.missing:
        brief.narrative.append(f"**Second indicator: {second.name}.** {second.note} No figures: {second.missing}.")
        return
    brief.narrative.append(f"**Second indicator: {second.name}.** {second.note}")
    for row in second.years.to_dict("records"):
        rate = row["per_1000_a_year"]
        brief.figures.append(KeyFigure(f"Weapons searches, aged 10-24, {row['fy']}", f"{row['count']:,}",
                                       search_rate_text(rate) if pd.isna(rate) else
                                       f"{search_rate_text(rate)} per 1,000 residents aged 10-24 a year"))
        brief.narrative.append(year_sentence(row, "weapons searches of people aged 10 to 24"))
    brief.tables.append(PackTable("Weapons searches of people aged 10 to 24", years_table(second.years),
                                  FIND_RATE_CAVEAT))
    brief.tables.append(PackTable(f"Most searched wards, {second.ranking_fy}", wards_table(second.wards, top=5)))


def _priority(register: Register, priority_id: str) -> Priority:
    if priority_id not in register.priorities:
        raise InputError(Problem(f"no priority with id {priority_id!r}", "--priority",
                                 "use one of: " + ", ".join(register.priorities)))
    return register.priorities[priority_id]


def _lineage_sentence(register: Register, priority: Priority) -> str:
    """How the priority stands in the other assessment, from the register's lineage."""
    own_fy = register.fy_of(priority)
    if priority.follows:
        earlier = register.priorities[priority.follows]
        how = "kept" if priority.lineage == "retained" else "carried forward with a new focus"
        return (f"It {how} the {register.fy_of(earlier)} priority '{earlier.title}' "
                f"(then #{earlier.rank}).")
    later = [p for p in register.priorities.values() if p.follows == priority.id]
    if later:
        p = later[0]
        how = "kept" if p.lineage == "retained" else "carried forward with a new focus"
        return f"It was {how} in {register.fy_of(p)} as '{p.title}' (#{p.rank})."
    others = sorted({s.fy for s in register.sets.values() if s.kind == register.sets[priority.set].kind} - {own_fy})
    if not others:
        return ""
    return (f"It has no counterpart in the {', '.join(others)} assessment: "
            + ("new in " + own_fy if own_fy > others[0] else "dropped after " + own_fy) + ".")


def _named_sentence(priority: Priority, against: pd.DataFrame, fy: str, measure: str, n_wards: int) -> str:
    """``n_wards``: how many wards the ranking ranked."""
    by = "per 1,000 residents" if measure == "rate" else "incidents a month"
    top_n = max(len(priority.wards), 5)
    top = against[against["in_top"]].sort_values("rank")["ward"].tolist()[:3]
    highest = f"The data for {fy} ranks highest, {by}: {', '.join(top)}."
    if not priority.wards:
        return f"The document names no wards for this priority. {highest}"
    named = against[against["named"]]
    ranks = ", ".join(f"{r.ward} {ordinal(int(r.rank))}" for r in named.itertuples() if pd.notna(r.rank))
    unranked = [r.ward for r in named.itertuples() if pd.isna(r.rank)]
    hits = int(named["in_top"].sum())
    return (f"The document names {', '.join(priority.wards)}. In the data for {fy} they rank {ranks} of "
            f"{n_wards} {by}"
            + (f" ({', '.join(unranked)}: not ranked, {NO_POPULATION})" if unranked else "")
            + f"; {hits} of the {len(priority.wards)} are among the {top_n} highest. {highest}")


def ward_stem(ward: str, fys: tuple[str, ...]) -> str:
    """The pack's file name without its suffix: 'briefing-normanton-2014-15'."""
    return f"briefing-{_slug(ward)}-{'-'.join(fys)}"


def priority_stem(priority_id: str, fys: tuple[str, ...]) -> str:
    return f"briefing-{_slug(priority_id)}-{'-'.join(fys)}"


def _slug(text: str) -> str:
    return "".join(c if c.isalnum() else "-" for c in text.lower()).strip("-")



def assessment_briefing(dataset: Dataset, register: Register, fy: str, against: str | None,
                        weights: dict[str, float] | None = None, harm: dict[str, float] | None = None) -> Briefing:
    """The strategic assessment of a year (sia.analysis.assessment): what the data ranks high,
    what no priority covers, what it does not bear out, and both tables."""
    a = assess(dataset.incidents, dataset.wards, dataset.lsoas, dataset.months, register, load_outcome_groups(),
               fy, against, weights, harm)
    brief = Briefing(title=f"Strategic assessment {fy}", subtitle="What the police.uk data would rank, category by "
                     "category and ward by ward", stem=f"assessment-{fy}" + (f"-against-{a.against}" if a.against
                                                                              else ""),
                     demo=dataset.is_demo, made=_made(dataset), area=dataset.area.name)
    crime = a.categories[a.categories["score"].notna()]
    for row in crime.head(3).itertuples():
        brief.figures.append(KeyFigure(f"#{row.rank} {row.category}", f"{row.count:,}",
                                       f"{row.direction or 'no change measured'}"
                                       + (" (significant)" if getattr(row, "significant", False) else "")))
    brief.narrative += [line[0].upper() + line[1:] + "." for line in assessment_lines(a)]
    brief.narrative.append("The score is the mean of each column's rank among the categories (or wards), from 0 to 1, "
                           "weighted as chosen, times the category's harm weight; the weights used are listed below.")
    brief.tables.append(PackTable(f"Categories, {fy}", shown_table(a, "category", printed=True),
                                  f"Change: on {a.against or 'no other year'}, * significant at the 5% level. "
                                  "Conc. %: 100 - the share of LSOAs "
                                  "holding half the incidents. No suspect %: crimes with no suspect identified."))
    brief.tables.append(PackTable(f"Wards, all crime, {fy}", shown_table(a, "ward", printed=True)))
    used, harms = check_weights(weights, harm)
    brief.tables.append(PackTable("Weights", pd.DataFrame({"Column": list(used), "Weight": list(used.values())}),
                                  "Harm weights: " + ("; ".join(f"{c} {w:g}" for c, w in harms.items() if w != 1)
                                                      or "none (1 for every category)") + "."))
    brief.caveats = _common_caveats(dataset, tuple(f for f in (a.against, fy) if f))
    return brief
