"""A ward legitimately without residents (a best-fit lookup that assigns it no LSOA) has no
rate and no rank anywhere: every page, both packs, the map and the command line say "no
population" with the reason, never 0, inf or a rank made from it. On the real data, with
Abbey's eight LSOAs given to Allestree in the lookup."""
from __future__ import annotations

import csv
import re

import pytest
from test_app import run_app

from sia.cli import main
from sia.dataset.store import open_dataset
from sia.views.briefing.content import ward_briefing
from sia.views.briefing.files import briefing_html

from support import real_ingest_args, run_sia, unescaped

PAGES = ["pages/overview.py", "pages/map.py", "pages/ward.py", "pages/priorities.py", "pages/violence.py",
         "pages/assessment.py", "pages/data.py", "pages/about.py"]
NOT_A_FIGURE = re.compile(r"\b(inf|nan|NaN|<NA>)\b|: None\b")


@pytest.fixture(scope="module")
def abbey_without_residents(shared_data, tmp_path_factory):
    folder = tmp_path_factory.mktemp("abbey")
    lookup = folder / "lookup.csv"
    with open(shared_data / "lookups" / "lsoa11_to_ward19_derby.csv", newline="") as f:
        rows = list(csv.DictReader(f))
    for r in rows:
        if r["WD19NM"] == "Abbey":
            r["WD19CD"], r["WD19NM"] = "E05001768", "Allestree"
    with open(lookup, "w", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    data_dir = folder / "data"
    args = real_ingest_args(shared_data, data_dir)
    args[args.index("--lsoa-lookup") + 1] = str(lookup)
    assert main(["ingest", *args]) == 0
    return data_dir


def page_text(at) -> str:
    parts = []
    for kind in ("title", "subheader", "markdown", "caption", "info", "warning", "error", "metric"):
        for element in getattr(at, kind):
            parts += [str(v) for v in (getattr(element, "value", None), getattr(element, "label", None))
                      if v is not None]
    return unescaped(" | ".join(parts))


def test_the_build_keeps_abbey_without_residents(abbey_without_residents):
    wards = open_dataset(abbey_without_residents).wards.set_index("ward_name")
    assert wards.loc["Abbey", ["population_2014-15", "population_2019-20"]].isna().all()
    assert wards["population_2019-20"].sum() == 257_302  # Abbey's residents are Allestree's, not lost


@pytest.mark.parametrize("fys", [["2019-20"], ["2014-15", "2019-20"]], ids=["one year", "two years"])
@pytest.mark.parametrize("page", PAGES)
def test_every_page_shows_no_rate_and_no_rank_for_it(monkeypatch, abbey_without_residents, page, fys):
    at = run_app(monkeypatch, abbey_without_residents, page, {"fy": fys, "measure": "rate", "ward": "Abbey"})
    text = page_text(at)
    assert not NOT_A_FIGURE.search(text), NOT_A_FIGURE.search(text)
    if page == "pages/ward.py":
        rates = [m.value for m in at.metric if m.label.startswith("Per 1,000 residents a year")]
        assert rates == ["no population"] * len(fys)
        assert f"**{fys[-1]}**: not ranked by rate per 1,000 residents (no population)" in text
        assert f"Abbey has no residents in the {' and '.join(fys)} population figures" in text
        assert "No deprivation figures for Abbey: no LSOA of the area is assigned to it" in text
    if page == "pages/map.py":
        assert "Rank: **not ranked (no population)**" in text
        top_five = text[text.index("Top five wards"):]
        assert "Abbey" not in top_five.split("How concentrated")[0]


def test_the_map_says_no_population_in_its_tooltip_and_legend(abbey_without_residents):
    from sia.analysis.filters import Filters
    from sia.analysis.measures import select, ward_measures
    from sia.views.maps import map_legend, ward_map

    dataset = open_dataset(abbey_without_residents)
    table = ward_measures(select(dataset.incidents, Filters(fys=("2019-20",), measure="rate")), dataset.wards)
    html = ward_map(dataset.wards, table, fy="2019-20", measure_label="Per 1,000 residents a year").get_root().render()
    html = html.replace("\\u003c", "<").replace("\\u003e", ">")  # the tooltips, as the GeoJSON carries them
    assert "Per 1,000 residents a year: no population<br>Rank by per 1,000 residents a year: not ranked " \
           "(no population)" in html
    assert "Rank by per 1,000 residents a year: 1st of 16 wards" in html  # Arboretum, of the wards ranked
    assert "no population (1)" in map_legend(table, fy="2019-20", measure_label="Per 1,000 residents a year")
    counts = ward_measures(select(dataset.incidents, Filters(fys=("2019-20",))), dataset.wards)
    assert "no data" not in map_legend(counts, fy="2019-20", measure_label="Incidents")  # every ward has a count


@pytest.mark.parametrize("ward", ["Abbey", "Arboretum"])
def test_the_packs_rank_no_ward_without_residents(abbey_without_residents, ward):
    pack = ward_briefing(open_dataset(abbey_without_residents), ward, ("2014-15", "2019-20"), measure="rate")
    text = " ".join([*(f"{f.label} {f.value} {f.note}" for f in pack.figures), *pack.narrative])
    assert not NOT_A_FIGURE.search(text)
    if ward == "Abbey":
        assert "141.0 a month; not ranked by rate per 1,000 residents (no population)" in text
        assert "Abbey has no residents in the 2019-20 population figures" in text
    else:
        assert "346.7 per 1,000 residents a year; 1st of 16 wards by rate per 1,000 residents" in text
    body = re.sub(r"<[^>]*>", " ", briefing_html(pack).split("<body")[1])  # the text, not the images' data
    assert not NOT_A_FIGURE.search(body) and ("not ranked" in body) == (ward == "Abbey")


def test_the_command_line_names_the_ward_without_residents(abbey_without_residents):
    result = run_sia("hotspots", "--data-dir", str(abbey_without_residents), "--unit", "ward", "--fy", "2019-20",
                     "--measure", "rate")
    assert result.returncode == 2
    assert "rate is missing for 1 area(s) (Abbey (E05001767)): no population, so no rate" in result.stderr
