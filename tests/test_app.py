"""Every page run headless with Streamlit's AppTest, on the real data and on the demo."""
import html

import pytest
from streamlit.testing.v1 import AppTest

from sia.analysis.counts import count_incidents
from sia.analysis.priorities.register import REGISTER, load_register
from sia.categories import CRIME_CATEGORIES
from sia.dataset.store import open_dataset

from support import ROOT, unescaped

PAGES = {"pages/overview.py": "Derby community safety overview", "pages/map.py": "Hotspot map",
         "pages/ward.py": "Ward profile", "pages/priorities.py": "Priorities",
         "pages/violence.py": "Serious violence and weapons searches", "pages/assessment.py": "Strategic assessment",
         "pages/data.py": "Data and quality", "pages/about.py": "About this dashboard"}


def run_app(monkeypatch, data_dir=None, page=None, params=None) -> AppTest:
    if data_dir is None:
        monkeypatch.delenv("SIA_DATA_DIR", raising=False)
    else:
        monkeypatch.setenv("SIA_DATA_DIR", str(data_dir))
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)
    for key, value in (params or {}).items():
        at.query_params[key] = value
    if page:
        at.switch_page(page)
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def metric(at, label) -> str:
    """The value of the metric whose label is ``label`` (followed, comparing, by its period)."""
    return next(m.value for m in at.metric if m.label == label or m.label.startswith(label + " ("))


@pytest.mark.parametrize("page,title", PAGES.items())
def test_every_page_on_real_data(monkeypatch, real_data_dir, page, title):
    at = run_app(monkeypatch, real_data_dir, page)
    assert at.title[0].value.startswith(title)
    assert "2014-15: 7 of 12 months" in at.info[0].value  # the data banner on every page
    assert not at.warning


@pytest.mark.parametrize("page,title", PAGES.items())
def test_every_page_on_the_demo_says_it_is_synthetic(monkeypatch, page, title):
    at = run_app(monkeypatch, None, page)
    assert at.title[0].value.startswith(title)
    assert "Synthetic demo data" in at.warning[0].value


def test_overview_headline_matches_counts(monkeypatch, real_data_dir):
    at = run_app(monkeypatch, real_data_dir)
    counts = count_incidents(open_dataset(real_data_dir).incidents, ["fy", "crime_type"])
    asb = counts[counts["crime_type"] == "Anti-social behaviour"].set_index("fy")["count"]
    crime = counts[counts["crime_type"] != "Anti-social behaviour"].groupby("fy")["count"].sum()
    # Two years compare on the months both hold: September, here; all months when asked.
    incidents = open_dataset(real_data_dir).incidents
    september_asb = int(((incidents["month"] == "2014-09") & (incidents["category"] == "Anti-social behaviour")).sum())
    assert metric(at, "Crime, 2019-20") == f"{crime['2019-20']:,}"
    assert metric(at, "Anti-social behaviour, 2014-15") == f"{september_asb:,}"
    cards = next(m.value for m in at.markdown if m.value.startswith("**Incidents per month**"))
    assert "2014-15: Sep 2014, 1 month; 2019-20: Sep 2019, 1 month (the months of the year both years hold)" in cards
    assert next(m.delta for m in at.metric if m.label == "Crime, 2019-20") == "+34% on 2014-15"
    at = run_app(monkeypatch, real_data_dir, params={"lfl": "0"})
    assert metric(at, "Anti-social behaviour, 2014-15") == f"{asb['2014-15'] / 7:,.0f}"
    cards = next(m.value for m in at.markdown if m.value.startswith("**Incidents per month**"))
    assert "2014-15: Apr to Oct 2014, 7 months; 2019-20: Sep 2019, 1 month (every month each year holds)" in cards


def test_overview_says_how_concentrated_as_the_commands_do(monkeypatch, real_data_dir):
    """The board member's sentence: its share and Gini are those 'sia concentration' and
    'sia stability' print for the same grid."""
    import json

    from support import run_sia

    at = run_app(monkeypatch, real_data_dir)
    text = " ".join(unescaped(m.value) for m in at.markdown)
    for fy in ("2014-15", "2019-20"):
        figures = json.loads(run_sia("concentration", "--data-dir", str(real_data_dir), "--unit", "lsoa",
                                     "--fy", fy, "--format", "json").stdout)
        share = figures["share_of_units_for_half"]
        assert figures["units"] == 151
        assert f"Half of all crime in {fy} was recorded in **{share:.0%}** of the 151 LSOAs" in text
        assert f"Gini {figures['gini']:.2f}" in text
    moved = json.loads(run_sia("stability", "--data-dir", str(real_data_dir), "--unit", "lsoa", "--from", "2014-15",
                               "--to", "2019-20", "--format", "json").stdout)
    assert f"held **{moved['hit_rate']:.0%}** of 2019-20's incidents: {moved['pai']:.1f} times" in text
    assert [c for c in at.get("vega_lite_chart") if "Lorenz curve" in c.proto.spec]


def test_ward_profile_opens_the_ward_in_the_link(monkeypatch, real_data_dir):
    at = run_app(monkeypatch, real_data_dir, "pages/ward.py", {"ward": "Normanton", "fy": "2019-20"})
    assert at.title[0].value == "Ward profile: Normanton"
    count = count_incidents(open_dataset(real_data_dir).incidents, ["ward"], fy=["2019-20"],
                            crime_types=list(CRIME_CATEGORIES)).set_index("ward")["count"]
    assert metric(at, "Incidents per month, 2019-20") == f"{count['Normanton']:,.1f}"


def test_filters_live_in_the_url(monkeypatch, real_data_dir):
    at = run_app(monkeypatch, real_data_dir, "pages/overview.py",
                 {"fy": "2019-20", "type": "asb", "measure": "rate"})
    assert at.query_params["type"] in ("asb", ["asb"]) and at.query_params["measure"] in ("rate", ["rate"])
    assert at.sidebar.radio[0].value == "asb"
    assert at.title[0].value == "Derby community safety overview"
    assert "Showing anti-social behaviour" in at.caption[0].value


def test_matched_months_switch_appears_when_years_cover_different_months(monkeypatch, real_data_dir):
    at = run_app(monkeypatch, real_data_dir)
    toggle = at.sidebar.toggle[0]
    assert toggle.value is True and "lfl" not in at.query_params  # matched months, the default
    assert "2014-15: Sep 2014, 1 month; 2019-20: Sep 2019, 1 month (the months of the year both years hold)" \
        in at.caption[0].value
    toggle.set_value(False).run()
    assert "2014-15: Apr to Oct 2014, 7 months; 2019-20: Sep 2019, 1 month (all months each year holds)" \
        in at.caption[0].value
    assert at.query_params["lfl"] in ("0", ["0"])


def test_data_page_downloads(monkeypatch, real_data_dir):
    at = run_app(monkeypatch, real_data_dir, "pages/data.py")
    labels = [b.label for b in at.get("download_button")]
    # Every table on the page has CSV and XLSX downloads beneath it (the months covered, the
    # counts by year and by ward, the files read), then come the filtered tables.
    assert labels[:8] == ["CSV", "XLSX"] * 4
    assert labels[8:12] == ["Ward figures (CSV)", "Ward figures (XLSX)", "Counts by ward, type and month (CSV)",
                            "Counts by ward, type and month (XLSX)"]
    incidents = open_dataset(real_data_dir).incidents  # filtered: two years on September
    crimes = ((incidents["category"] != "Anti-social behaviour")
              & incidents["month"].isin(["2014-09", "2019-09"])).sum()
    assert labels[12:] == ["Crimes by ward and outcome (CSV)", "Crimes by ward and outcome (XLSX)"]
    # The incidents are made when asked (a button), then saved: what goes wrong is said on the page.
    made = [b for b in at.button if b.label.startswith("Incidents")]
    assert [b.label for b in made] == [f"Incidents, {crimes:,} rows (CSV)", f"Incidents, {crimes:,} rows (XLSX)"]
    made[0].click().run(timeout=120)
    saved = [b for b in at.get("download_button") if b.label.startswith("Save: Incidents")]
    assert [b.label for b in saved] == [f"Save: Incidents, {crimes:,} rows (CSV)"]
    assert not at.exception and not at.error


def test_a_misconfigured_data_dir_is_explained(monkeypatch, tmp_path):
    monkeypatch.setenv("SIA_DATA_DIR", str(tmp_path))
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60).run()
    assert not at.exception
    shown = unescaped(at.error[0].value)
    assert "holds no dataset" in shown and "SIA_DATA_DIR" in shown
    assert str(tmp_path) not in shown  # the server's folders are not shown to viewers


def test_the_map_year_and_points_reopen_from_a_link(monkeypatch, real_data_dir):
    at = run_app(monkeypatch, real_data_dir, "pages/map.py", {"map_fy": "2014-15", "points": "1"})
    year = next(r for r in at.radio if r.label == "Year on the map")
    assert year.value == "2014-15"
    assert next(t for t in at.toggle if t.label == "Show incidents as points").value is True
    assert at.query_params["map_fy"] in ("2014-15", ["2014-15"])


def test_priorities_page_figures_agree_with_counts(monkeypatch, real_data_dir):
    at = run_app(monkeypatch, real_data_dir, "pages/priorities.py", {"priority": "youth-violence-2019"})
    assert at.selectbox(key="w_priority").value == "youth-violence-2019"  # the link opened that priority
    dataset = open_dataset(real_data_dir)
    proxies = ["Possession of weapons", "Robbery", "Violence and sexual offences"]
    counts = count_incidents(dataset.incidents, ["fy", "crime_type"])
    counts = counts[counts["crime_type"].isin(proxies)].groupby("fy")["count"].sum()
    september = count_incidents(dataset.incidents[dataset.incidents["month"] == "2014-09"], ["crime_type"])
    september = september[september["crime_type"].isin(proxies)]["count"].sum()
    assert metric(at, "Incidents per month, 2014-15") == f"{september:,.1f}"  # on the months both years hold
    assert metric(at, "Incidents per month, 2019-20") == f"{counts['2019-20']:,.1f}"
    summary = next(d.value for d in at.dataframe if "SIA" in d.value.columns)
    row = summary[summary["SIA"] == "2019-20 #1"].iloc[0]
    assert row["2019-20 a month (Sep 2019, 1 month)"] == counts["2019-20"]
    assert row["2014-15 a month (Sep 2014, 1 month)"] == september
    assert row["Change"].startswith("up ") and row["Significant?"].startswith("yes")
    text = " ".join(m.value for m in at.markdown)
    assert "Protecting victims from Cyber Crime" in text and "Action Fraud" in text


def test_the_named_wards_table_and_its_count_agree(monkeypatch, real_data_dir):
    at = run_app(monkeypatch, real_data_dir, "pages/priorities.py", {"priority": "asb-2014"})
    named = next(d.value for d in at.dataframe if "Named" in d.value.columns)
    wards = ("Normanton", "Arboretum", "Sinfin", "Alvaston", "Chaddesden", "Derwent")
    assert set(named.loc[named["Named"] == "yes", "Ward"]) == set(wards)
    in_top = ((named["Named"] == "yes") & (named["Rank"] <= len(wards))).sum()
    assert 0 < in_top < len(wards)  # the real data ranks some named wards lower
    assert any(c.value.startswith(f"{in_top} of the 6 named wards are among the 6 highest")
               for c in at.caption)


def test_the_force_priorities_are_listed_with_the_city_priorities_they_feed(monkeypatch, real_data_dir):
    at = run_app(monkeypatch, real_data_dir, "pages/priorities.py")
    listed = next(d.value for d in at.dataframe if "Feeds the city priority" in d.value.columns)
    register = load_register(REGISTER)
    force = next(s for s in register.sets.values() if s.kind == "force")
    assert list(listed["Priority"]) == [p.title for p in register.in_set(force.id)]
    assert list(listed["#"]) == sorted(listed["#"])
    assert any(feeds != "–" for feeds in listed["Feeds the city priority"])


def test_choosing_a_priority_puts_it_in_the_link(monkeypatch, real_data_dir):
    at = run_app(monkeypatch, real_data_dir, "pages/priorities.py")
    at.selectbox(key="w_priority").select("drugs-alcohol-2019").run()
    assert at.query_params["priority"] in ("drugs-alcohol-2019", ["drugs-alcohol-2019"])
    assert any(
        m.value.startswith("#### Reducing the misuse of both drugs and alcohol") for m in at.markdown)


@pytest.mark.parametrize("params", [{"unit": "grid", "layer": "gistar"}, {"layer": "grid"}],
                         ids=["link", "link-made-before-units"])
def test_the_map_shades_gi_star_hotspots_from_a_link(monkeypatch, real_data_dir, params):
    at = run_app(monkeypatch, real_data_dir, "pages/map.py", {**params, "fy": "2014-15"})
    assert next(r for r in at.selectbox if r.label == "Map shows").value == "gistar"
    assert next(r for r in at.radio if r.label == "Units").value == "grid"
    assert any("Getis-Ord Gi*" in c.value and "Benjamini-Hochberg" in c.value for c in at.caption)
    assert at.query_params["unit"] == "grid" and at.query_params["layer"] == "gistar"


@pytest.mark.parametrize("unit,label", [("grid", "Incidents per month, 2019-20: grid squares of 250 m"),
                                        ("hex", "Incidents per month, 2019-20: hexagons of 250 m"),
                                        ("lsoa", "Per 1,000 residents a year, 2019-20: LSOAs")])
def test_the_map_shades_small_areas_by_the_measure(monkeypatch, real_data_dir, unit, label):
    at = run_app(monkeypatch, real_data_dir, "pages/map.py", {"unit": unit, "fy": "2019-20", "measure": "rate"})
    legend = next(h.proto.body for h in at.get("html") if "sia-legend" in h.proto.body)
    assert label in legend and "no incidents (" in legend
    assert any("no residents' figures" in i.value for i in at.info) == (unit != "lsoa")


def map_legend_text(at) -> str:
    """The legend beside the map, as a reader sees it (its HTML unescaped)."""
    return html.unescape(next(h.proto.body for h in at.get("html") if "sia-legend" in h.proto.body))


@pytest.mark.parametrize("layer,title", [("ehsa", "Emerging hot spot analysis (Esri's classes)"),
                                         ("sfhotspot", "sfhotspot-style patterns")])
def test_the_map_shades_the_space_time_pattern_of_each_lsoa(monkeypatch, real_data_dir, layer, title):
    """The legend counts the units of each pattern as 'sia hotspots --across month' finds
    them for the same year and units."""
    from sia.analysis.hotspots.runs import HotspotQuery, run_hotspots

    at = run_app(monkeypatch, real_data_dir, "pages/map.py", {"unit": "lsoa", "layer": layer, "fy": "2014-15"})
    assert next(r for r in at.selectbox if r.label == "Map shows").value == layer
    legend = map_legend_text(at)
    assert "Space-time pattern, 2014-15: LSOAs" in legend and title in legend and "each of 7 months" in legend
    run = run_hotspots(open_dataset(real_data_dir), HotspotQuery(unit="lsoa", fy="2014-15", across="month",
                                                                 method=layer))
    patterns = run.table["pattern"].value_counts()
    assert patterns.get("persistent hotspot", 0) > 0
    for pattern, n in patterns.items():
        assert f"{pattern[:1].upper() + pattern[1:]} ({n:,})" in legend, pattern
    assert at.query_params["layer"] == layer


def test_a_year_of_one_month_has_no_pattern_and_says_why(monkeypatch, real_data_dir):
    at = run_app(monkeypatch, real_data_dir, "pages/map.py", {"unit": "lsoa", "layer": "ehsa", "fy": "2019-20"})
    info = " ".join(i.value for i in at.info)
    assert "No pattern over the months for this selection: only 1 month with incidents" in info
    assert "choose a year with more months" in info
    assert "Incidents, 2019-20: LSOAs" in map_legend_text(at)  # the measure instead


def test_the_map_shows_where_the_hotspots_were_in_each_year(monkeypatch, real_data_dir):
    """'Hotspots in each year' counts what 'sia hotspots --compare-years' counts."""
    from sia.analysis.hotspots.runs import HotspotQuery, run_compare_years

    at = run_app(monkeypatch, real_data_dir, "pages/map.py",
                 {"unit": "lsoa", "layer": "shift", "fy": ["2014-15", "2019-20"]})
    legend = map_legend_text(at)
    shifts = run_compare_years(open_dataset(real_data_dir), HotspotQuery(unit="lsoa"), "2014-15", "2019-20"
                               ).table["hot_in"].value_counts()
    for shift, label in (("both years", "Hot in both 2014-15 and 2019-20"),
                         ("earlier year only", "Hot in 2014-15 only"), ("later year only", "Hot in 2019-20 only"),
                         ("neither year", "Hot in neither year")):
        if shifts.get(shift):
            assert f"{label} ({shifts[shift]:,})" in legend, shift
    assert shifts.get("both years") and shifts.get("neither year")


def test_shading_by_years_needs_two_years(monkeypatch, real_data_dir):
    at = run_app(monkeypatch, real_data_dir, "pages/map.py", {"layer": "shift", "fy": "2014-15"})
    assert next(r for r in at.selectbox if r.label == "Map shows").value == "measure"
    assert "shift" not in next(r for r in at.selectbox if r.label == "Map shows").options


@pytest.mark.parametrize("params,says", [
    ({"unit": "bogus"}, "Link ignored: unit 'bogus' is not offered here (one of: ward, lsoa, grid, hex)"),
    ({"layer": "shift", "fy": "2014-15"}, "Link ignored: layer 'shift' is not offered here"),
    ({"map_fy": "2099-00"}, "Link ignored: map_fy '2099-00' is not offered here"),
    ({"unit": ["grid", "hex"]}, "Link ignored: only the first unit is used ('grid')"),
    ({"unit": "x" * 5000}, "Link ignored: unit '" + "x" * 40 + "…' is not offered here"),
], ids=["unknown", "one-year", "year-not-chosen", "repeated", "long"])
def test_map_links_the_page_cannot_follow_say_so(monkeypatch, real_data_dir, params, says):
    """The map's own settings from a link, as the sidebar's filters do: a value the page
    cannot show is named (and the page shows its default), a repeated one uses the first."""
    at = run_app(monkeypatch, real_data_dir, "pages/map.py", params)
    toasts = [unescaped(t.value) for t in at.toast]
    assert any(says in t for t in toasts), toasts
    if params.get("unit") == ["grid", "hex"]:
        assert next(r for r in at.radio if r.label == "Units").value == "grid"


def test_the_map_says_how_concentrated_incidents_are_over_its_units(monkeypatch, real_data_dir):
    """The sentence beside the map is the concentration of the units shown, the figures
    'sia concentration' prints for the same year and units."""
    from sia.analysis.hotspots.runs import HotspotQuery, run_concentration
    from sia.views.wording import percent

    at = run_app(monkeypatch, real_data_dir, "pages/map.py", {"unit": "lsoa", "fy": ["2014-15", "2019-20"],
                                                               "map_fy": "2014-15"})
    result, _ = run_concentration(open_dataset(real_data_dir), HotspotQuery(unit="lsoa", fy="2014-15"))
    text = " ".join(m.value for m in at.markdown)
    assert (f"Half of all crime in 2014-15 was recorded in **{percent(result.share_of_units_for_half)}** "
            f"of the 151 LSOAs") in text and f"Gini {result.gini:.2f}" in text
    assert "The busiest 10% of LSOAs in 2014-15" in text  # and whether they stayed busy


def outcome_counts(data_dir, *args) -> list[dict]:
    import json

    from support import run_sia

    result = run_sia("outcomes", "--data-dir", str(data_dir), "--format", "json", *args)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_the_ward_profile_shows_the_outcome_mix_sia_outcomes_counts(monkeypatch, real_data_dir):
    at = run_app(monkeypatch, real_data_dir, "pages/ward.py", {"ward": "Arboretum", "fy": ["2014-15", "2019-20"]})
    table = next(d.value for d in at.dataframe if "Outcome" in d.value.columns)
    rows = outcome_counts(real_data_dir, "--by", "ward", "--by", "fy", "--by", "outcome_group")
    from sia.analysis.outcomes import load_outcome_groups

    titles = load_outcome_groups().titles
    for r in rows:
        if r["ward"] == "Arboretum":
            found = table.loc[table["Outcome"] == titles[r["outcome_group"]], f"{r['fy']} crimes"].iloc[0]
            assert found == r["count"], r
    text = unescaped(" ".join(m.value for m in at.markdown))
    assert "Of the " in text and "crimes in Arboretum in 2019-20, no suspect was identified for" in text
    assert "(Derby: " in text
    # 2019-20 is mostly open: its sentence says so beside the shares, not in a grey caption below.
    sentence = next(unescaped(m.value) for m in at.markdown if "crimes in Arboretum in 2019-20" in m.value)
    assert "were charged or summonsed, or had a court result — but **46% of 2019-20's crimes were still open**" \
        in sentence
    assert not any("still open" in c.value for c in at.caption)


def test_the_overview_and_priorities_show_outcomes_and_asb_has_none(monkeypatch, real_data_dir):
    at = run_app(monkeypatch, real_data_dir, "pages/overview.py", {"fy": "2014-15"})
    crimes = sum(r["count"] for r in outcome_counts(real_data_dir, "--fy", "2014-15", "--by", "fy"))
    assert any(m.value.startswith(f"Of the {crimes:,} crimes in Derby in 2014-15") for m in at.markdown)
    at = run_app(monkeypatch, real_data_dir, "pages/overview.py", {"fy": "2014-15", "type": "asb"})
    assert any("no outcomes for anti-social behaviour" in i.value for i in at.info)
    at = run_app(monkeypatch, real_data_dir, "pages/priorities.py", {"priority": "drugs-alcohol-2019"})
    drugs = sum(r["count"] for r in outcome_counts(real_data_dir, "--fy", "2019-20", "--crime-type", "Drugs"))
    assert any(m.value.startswith(f"Of the {drugs:,} crimes in Derby in 2019-20") for m in at.markdown)


def test_the_ward_profile_says_whether_the_ward_is_a_hotspot(monkeypatch, real_data_dir):
    at = run_app(monkeypatch, real_data_dir, "pages/ward.py", {"ward": "Normanton", "fy": "2019-20"})
    statement = next(m.value for m in at.markdown if m.value.startswith("2019-20: Normanton"))
    assert "hotspot" in statement and "Getis-Ord Gi*" in statement and "(fdr_bh)" in statement


def lsoa_link(at):
    """The link to the map's LSOA hot spots, as (label, page, query string)."""
    links = [(e.proto.label, e.proto.page, e.proto.query_string) for e in at.get("page_link")
             if "LSOA hot spots" in e.proto.label]
    return links[0] if links else None


def test_the_ward_profile_says_why_no_ward_is_a_hotspot_and_links_the_lsoas(monkeypatch, real_data_dir):
    """Arboretum, far the busiest ward, is no significant hotspot: the page says why, how many
    LSOAs are (the figure the map's LSOA layer counts), and links to them keeping the view."""
    from test_briefing import lsoa_hot_spots

    at = run_app(monkeypatch, real_data_dir, "pages/ward.py", {"ward": "Arboretum", "fy": "2019-20"})
    texts = [m.value for m in at.markdown]
    finding = next(i for i, t in enumerate(texts) if t.startswith("2019-20: Arboretum is **not a significant"))
    why = texts[finding + 1]
    assert why.startswith("No ward is a significant hot spot for all crime in 2019-20: with 17 wards, each compared "
                          "with its neighbours, Gi* has little power")
    hot = lsoa_hot_spots(real_data_dir, "2019-20")
    assert why.endswith(f"**{hot.hot} of the {hot.units} LSOAs were hot spots at 99%**.")
    label, page, query = lsoa_link(at)
    assert page == "map" and label == "Show the LSOA hot spots on the map (2019-20)"
    assert set(query.split("&")) == {"ward=Arboretum", "fy=2019-20", "unit=lsoa", "layer=gistar"}
    # The link's view: the LSOAs' hot spots, whose legend counts the same 9.
    at = run_app(monkeypatch, real_data_dir, "pages/map.py", dict(q.split("=") for q in query.split("&")))
    assert f"Hotspot 99% ({hot.hot})" in map_legend_text(at) and lsoa_link(at) is None
    assert not any(m.value.startswith("No ward is a significant") for m in at.markdown)


def test_the_map_of_ward_hotspots_says_why_it_is_blank(monkeypatch, real_data_dir):
    at = run_app(monkeypatch, real_data_dir, "pages/map.py",
                 {"unit": "ward", "layer": "gistar", "fy": ["2014-15", "2019-20"], "map_fy": "2014-15"})
    assert "No significant hotspots" in map_legend_text(at) and "Not significant (17)" in map_legend_text(at)
    why = next(m.value for m in at.markdown if m.value.startswith("No ward is a significant hot spot"))
    assert "in 2014-15: with 17 wards" in why and "**9 of the 151 LSOAs were hot spots at 99%**" in why
    # On the map itself a button switches to LSOAs, and the URL follows (as for a click on the
    # Units control): a page's link to itself would leave the browser's URL behind.
    assert lsoa_link(at) is None
    next(b for b in at.button if b.label == "Show the LSOA hot spots").click().run()
    assert next(r for r in at.radio if r.label == "Units").value == "lsoa"
    assert next(r for r in at.selectbox if r.label == "Map shows").value == "gistar"
    assert at.query_params["unit"] in ("lsoa", ["lsoa"]) and at.query_params["map_fy"] in ("2014-15", ["2014-15"])
    assert "Hotspot 99% (9)" in map_legend_text(at)
    assert not any(m.value.startswith("No ward is a significant") for m in at.markdown)


def test_ward_profile_tests_the_change(monkeypatch, real_data_dir):
    at = run_app(monkeypatch, real_data_dir, "pages/ward.py", {"ward": "Arboretum", "lfl": "1"})
    sentence = next(m.value for m in at.markdown if m.value.startswith("**Change**"))
    september = count_incidents(open_dataset(real_data_dir).incidents, ["ward", "month"],
                                crime_types=list(CRIME_CATEGORIES)).set_index(["ward", "month"])["count"]
    before, after = september[("Arboretum", "2014-09")], september[("Arboretum", "2019-09")]
    assert f"{before:,.1f} incidents a month in 2014-15, {after:,.1f} in 2019-20" in sentence
    assert "significant (p " in sentence and "matched months (September only" in sentence


@pytest.mark.parametrize("page", ["pages/overview.py", "pages/map.py", "pages/ward.py"])
@pytest.mark.parametrize("params", [{"month": "Apr", "measure": "per_month"},
                                    {"fy": ["2014-15", "2019-20"], "month": "Mar", "lfl": "1"}])
def test_a_selection_without_months_says_so_in_words(monkeypatch, real_data_dir, page, params):
    """2019-20 holds only September: asking for April (or like-for-like March) leaves a year
    with no month, which once gave a traceback on the map and 'nan' elsewhere."""
    at = run_app(monkeypatch, real_data_dir, page, params)
    assert "Nothing to show:" in at.info[0].value and "no data for the months chosen" in at.info[0].value
    assert not at.metric and not any("nan" in m.value for m in at.markdown)


def test_the_density_layer_is_made_only_when_asked_for(monkeypatch, real_data_dir):
    """The kernel density surface takes longer than the rest of the map: a view without it
    neither computes nor sends it; density=1 in the link draws it, said in the legend."""
    from sia.app import map_view

    made = []
    real = map_view.incident_density
    monkeypatch.setattr(map_view, "incident_density", lambda *a: made.append(1) or real(*a))
    at = run_app(monkeypatch, real_data_dir, "pages/map.py", {"fy": "2019-20", "type": "asb"})
    assert "Density layer" not in map_legend_text(at) and not made
    assert at.toggle(key="w_density").value is False
    at.toggle(key="w_density").set_value(True).run()
    assert "Density layer (incidents per km²)" in map_legend_text(at) and made
    assert at.query_params["density"] in ("1", ["1"])


def test_incidents_all_at_one_point_draw_a_map_without_density(monkeypatch, tmp_path):
    """police.uk snaps incidents to shared points: a selection at one point has no spread to
    choose a density bandwidth from, and the map is drawn without that layer."""
    from sia.dataset.ingest import WardInputs, build_dataset

    from police_rows import row, write_street, write_test_wards

    build_dataset([write_street(tmp_path / "s", "2019-09", [row(month="2019-09", crime_id=f"c{i}") for i in range(3)])],
                  WardInputs(boundaries=write_test_wards(tmp_path / "w.geojson")), tmp_path / "data")
    for params in ({"density": "1"}, {"layer": "grid", "density": "1"}, {"layer": "ward", "density": "1"}):
        at = run_app(monkeypatch, tmp_path / "data", "pages/map.py", params)
        assert at.title[0].value == "Hotspot map"


def test_the_about_page_states_each_emerging_hotspot_rule(monkeypatch):
    """The rules come from sia/analysis/hotspots/emerging.py, not from a copy on the page."""
    from sia.analysis.hotspots import ehsa_rules

    at = run_app(monkeypatch, None, "pages/about.py")
    text = unescaped(" ".join(m.value for m in at.markdown))
    for name, rule in ehsa_rules():
        assert f"| {name} | {rule} |" in text, name


@pytest.mark.parametrize("page", ["pages/overview.py", "pages/map.py", "pages/ward.py"])
def test_presentation_mode_shows_tables_large_and_no_hint_of_hidden_controls(monkeypatch, real_data_dir, page):
    """On a projector (?present=1) tables are plain tables, whose text grows with the page's
    (the interactive one draws on a canvas at a fixed size), charts are enlarged, and no
    caption or notice points at the sidebar or a control the presentation hides."""
    params = {"fy": ["2014-15", "2019-20"], "type": "asb", "present": "1"}
    at = run_app(monkeypatch, real_data_dir, page, params)
    words = " ".join(e.value for e in [*at.caption, *at.info, *at.markdown])
    assert "sidebar" not in words and "Click a ward" not in words and "switch o" not in words
    assert not at.dataframe and (page == "pages/map.py" or at.table)
    normal = run_app(monkeypatch, real_data_dir, page, {k: v for k, v in params.items() if k != "present"})
    if page != "pages/map.py":
        assert normal.dataframe and not normal.table
    charts = [c.proto.spec for c in at.get("vega_lite_chart")]
    assert (page == "pages/map.py" or charts) and all('"labelFontSize": 16.8' in spec for spec in charts)


@pytest.mark.parametrize("unit", ["ward", "lsoa"])  # the map drawn first, and after the filters
def test_the_map_pages_filters_and_controls_stay_when_its_map_cannot_be_made(monkeypatch, real_data_dir, unit):
    # The map page may draw the sidebar's filters and its own controls after the map (sia.app.
    # first_paint); a map the server is too busy to make must not take them away with it.
    from sia.app import heavy, map_view

    def busy(*args, **kwargs):
        raise heavy.Busy(heavy.QUEUE_LIMIT)
    monkeypatch.setattr(map_view, "map_view", busy)
    at = run_app(monkeypatch, real_data_dir, "pages/map.py", {"unit": unit, "fy": "2019-20"})
    assert any("Try again in a minute" in w.value for w in at.warning)
    assert [w.label for w in at.sidebar.multiselect] == ["Financial years", "Crime types", "Months of the year"]
    assert [w.label for w in at.sidebar.radio] == ["Incidents", "Measure"]
    assert [w.label for w in at.main.radio] == ["Units"] and [w.label for w in at.main.selectbox] == ["Map shows"]
    at.sidebar.radio[0].set_value("asb").run()  # and on the rerun
    assert not at.exception and any("Try again in a minute" in w.value for w in at.warning)
    assert [w.label for w in at.sidebar.multiselect] == ["Financial years", "Months of the year"]
    assert at.radio(key="w_unit").value == unit and at.query_params["type"] == "asb"


def test_the_maps_own_settings_are_kept_over_a_visit_to_another_page(monkeypatch, real_data_dir):
    # As the sidebar's filters are: the page links carry no query, and Streamlit drops the
    # values of controls the other page did not draw (found by a hostile tester).
    at = run_app(monkeypatch, real_data_dir, "pages/map.py", {"unit": "lsoa", "points": "1", "type": "asb"})
    assert at.radio(key="w_unit").value == "lsoa" and at.toggle(key="w_points").value is True
    at.switch_page("pages/overview.py").run()
    for key in list(at.query_params):
        del at.query_params[key]  # the page link's address
    at.switch_page("pages/map.py").run()
    assert not at.exception
    assert at.radio(key="w_unit").value == "lsoa" and at.toggle(key="w_points").value is True
    assert at.query_params["unit"] == "lsoa" and at.query_params["points"] == "1" and at.query_params["type"] == "asb"
