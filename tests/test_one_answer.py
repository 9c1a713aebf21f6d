"""One answer: the page, the briefing pack and the command line give the same change, rank
and figures for every ward and every measurable priority, for one year and for two, on the
real data (2014-15 holds April to October 2014, 2019-20 only September 2019, so two years
are compared on September alone by default)."""
from __future__ import annotations

import json
import re

import pytest
from test_app import run_app

from sia.analysis.priorities.register import load_register
from sia.dataset.store import open_dataset
from sia.views.briefing.content import priority_briefing, ward_briefing

from support import run_sia, unescaped

YEARS = {"one year": ("2019-20",), "two years": ("2014-15", "2019-20")}
RANK = re.compile(r"(\d+(?:st|nd|rd|th) of \d+ wards by [a-z0-9, ]+?|not ranked[^;.)]*)(?=[;.)]|$)")


@pytest.fixture(scope="module")
def dataset(real_data_dir):
    return open_dataset(real_data_dir)


@pytest.fixture(scope="module")
def cli_change(real_data_dir):
    out = run_sia("change", "--data-dir", str(real_data_dir), "--by", "ward", "--format", "json")
    assert out.returncode == 0, out.stderr
    return {r["ward"]: r for r in json.loads(out.stdout)}


@pytest.mark.parametrize("years", YEARS)
def test_every_ward_reads_the_same_on_its_page_in_its_pack_and_on_the_command_line(
        monkeypatch, real_data_dir, dataset, cli_change, years):
    fys = YEARS[years]
    for ward in dataset.ward_names:
        at = run_app(monkeypatch, real_data_dir, "pages/ward.py", {"fy": list(fys), "ward": ward})
        text = " ".join(unescaped(m.value) for m in at.markdown)
        pack = ward_briefing(dataset, ward, fys, measure="count")
        crime_figures = [f for f in pack.figures if f.label.startswith("Crimes")]
        for fy, figure in zip(fys, crime_figures):
            per_month = next(m.value for m in at.metric if m.label.startswith(f"Incidents per month, {fy}"))
            assert f"; {per_month} a month;" in figure.note, (ward, fy, per_month, figure.note)
            ranks = next(unescaped(m.value) for m in at.markdown if unescaped(m.value).startswith(f"**{fys[0]}**: "))
            page_rank = dict(part.split("**: ", 1) for part in ranks.replace("**", "", 1).split(" · **"))[fy]
            assert RANK.search(figure.note).group(1) == page_rank, (ward, fy)
            assert page_rank.endswith("by incidents")
        if len(fys) == 2:
            change = re.search(r"\*\*Change\*\*: (.+?)\. An exact Poisson test", text).group(1)
            pack_change = next(p for p in pack.narrative if p.startswith("**Change in crime**"))
            assert f"**Change in crime**: {change};" in pack_change, (ward, change, pack_change)
            assert "matched months (September only" in pack_change
            row = cli_change[ward]
            assert change.endswith(f"{row['direction']}, {row['significance']}")
            assert change.startswith(f"{row['per_month_2014-15']:,.1f} incidents a month in 2014-15, "
                                     f"{row['per_month_2019-20']:,.1f} in 2019-20")


@pytest.fixture(scope="module")
def cli_evidence(real_data_dir):
    out = run_sia("priorities", "--evidence", "--data-dir", str(real_data_dir), "--format", "json")
    assert out.returncode == 0, out.stderr
    return json.loads(out.stdout)


def test_every_measurable_priority_reads_the_same_on_the_page_in_its_pack_and_on_the_command_line(
        monkeypatch, real_data_dir, dataset, cli_evidence):
    register = load_register()
    fys = ("2014-15", "2019-20")
    measurable = [p for p in register.priorities.values() if p.measurable and register.sets[p.set].kind == "city"]
    assert len(measurable) >= 8
    for priority in measurable:
        at = run_app(monkeypatch, real_data_dir, "pages/priorities.py", {"priority": priority.id})
        text = " ".join(unescaped(m.value) for m in at.markdown)
        pack = priority_briefing(dataset, register, priority.id)  # by default the years the page shows
        assert pack.subtitle.endswith("2014-15 and 2019-20")
        cli = {r["fy"]: r for r in cli_evidence if r["priority"] == priority.id}
        for fy in fys:
            per_month = next(m.value for m in at.metric if m.label.startswith(f"Incidents per month, {fy}"))
            figure = next(f for f in pack.figures if f.label == f"Incidents, {fy}")
            assert figure.note.startswith(f"{per_month} a month over {cli[fy]['period']}")
            assert figure.value == f"{cli[fy]['count']:,}"
        change = re.search(r"\*\*Change, 2014-15 to 2019-20\*\*: (.+?)\. ", text).group(1)
        pack_change = next(f for f in pack.figures if f.label.startswith("Change"))
        assert change == f"{pack_change.value}, {pack_change.note}" == \
            f"{cli['2019-20']['change']}, {'' if cli['2019-20']['significant'] else 'not '}significant" + \
            change[change.index(" (p "):]


def test_the_overviews_default_change_is_the_matched_months_change_of_the_raw_files(
        monkeypatch, real_data_dir, shared_data):
    """Counted straight from police.uk's street files (not through the build): crime, ASB
    apart, in the months both years hold (September 2014 and September 2019)."""
    import csv

    def crimes(month: str) -> int:
        with open(shared_data / "police_uk" / month / f"{month}-derbyshire-street.csv", newline="") as f:
            return sum(row["Crime type"] != "Anti-social behaviour" for row in csv.DictReader(f))

    before, after = crimes("2014-09"), crimes("2019-09")
    at = run_app(monkeypatch, real_data_dir, "pages/overview.py", {"fy": ["2014-15", "2019-20"]})
    card = next(m for m in at.metric if m.label == "Crime, 2019-20")
    assert card.value == f"{after:,}"
    assert card.delta == f"{(after / before - 1) * 100:+.0f}% on 2014-15"
