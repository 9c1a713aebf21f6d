"""The strategic assessment: every category and ward side by side, each figure as the
command that makes it alone makes it."""
from __future__ import annotations

import io

import pandas as pd
import pytest

from sia.analysis.assessment import check_weights
from sia.analysis.change import rate_change
from sia.analysis.priorities.register import load_register
from sia.categories import ANTI_SOCIAL_BEHAVIOUR, CRIME_CATEGORIES
from sia.errors import InputError

from support import real_ingest_args, run_sia


def table(*args) -> pd.DataFrame:
    result = run_sia(*args)
    assert result.returncode == 0, result.stderr
    return pd.read_csv(io.StringIO(result.stdout), keep_default_na=False, na_values=[""])


def test_volumes_and_changes_equal_counts_and_change_for_every_category(real_data_dir):
    assessed = table("assess", "--fy", "2014-15", "--data-dir", str(real_data_dir)).set_index("category")
    counts = table("counts", "--fy", "2014-15", "--by", "crime_type", "--data-dir", str(real_data_dir))
    assert assessed["count"].to_dict() == counts.set_index("crime_type")["count"].to_dict()
    change = table("change", "--data-dir", str(real_data_dir))  # the last two years, matched months
    summed = change.groupby("category")[["count_2014-15", "count_2019-20"]].sum()
    for category in CRIME_CATEGORIES:
        before, after = summed.loc[category]
        assert (assessed.loc[category, "count_2014-15"], assessed.loc[category, "count_2019-20"]) == (before, after)
        months = assessed.loc[category, "matched_months"]
        expected = rate_change(int(before), int(after), months, months)
        assert assessed.loc[category, "rate_ratio"] == pytest.approx(expected.rate_ratio)
        assert assessed.loc[category, "p_value"] == pytest.approx(expected.p_value)
    asb = table("change", "--crime-type", "Anti-social behaviour", "--data-dir", str(real_data_dir))
    assert assessed.loc[ANTI_SOCIAL_BEHAVIOUR, "count_2019-20"] == asb["count_2019-20"].sum()
    assert pd.isna(assessed.loc[ANTI_SOCIAL_BEHAVIOUR, "score"])  # shown apart, never scored with crime


def test_ward_changes_equal_change_by_ward(real_data_dir):
    assessed = table("assess", "--fy", "2019-20", "--by", "ward", "--data-dir", str(real_data_dir)).set_index("ward")
    change = table("change", "--by", "ward", "--data-dir", str(real_data_dir)).set_index("ward")
    assert len(assessed) == 17
    for column in ("count_2014-15", "count_2019-20", "rate_ratio", "p_value"):
        assert assessed[column].to_dict() == pytest.approx(change[column].to_dict())


def test_covered_flags_follow_the_registers_set_for_the_year(real_data_dir):
    assessed = table("assess", "--fy", "2019-20", "--data-dir", str(real_data_dir)).set_index("category")
    register = load_register()
    for category in CRIME_CATEGORIES:
        expected = {p.id for p in register.in_set("city-2019-20") if category in p.categories}
        got = set(str(assessed.loc[category, "covered_by"]).split("; ")) - {"nan", ""}
        assert got == expected, category
    result = run_sia("assess", "--fy", "2019-20", "--data-dir", str(real_data_dir))
    said = result.stderr
    assert "changes against 2014-15 on matched months (September only" in said
    assert "priorities open data cannot measure: Preventing Terrorism and Extremism (terrorism-2019)" in said
    assert "ranked high by the data, and covered by no priority of the year:" in said


def test_the_analyst_sets_the_weights(real_data_dir):
    by_volume = table("assess", "--fy", "2014-15", "--data-dir", str(real_data_dir), *[
        a for c in ("rate", "change", "trend", "concentration", "no_suspect") for a in ("--weight", f"{c}=0")])
    crime = by_volume[by_volume["category"] != ANTI_SOCIAL_BEHAVIOUR]
    assert list(crime["category"]) == list(crime.sort_values("count", ascending=False)["category"])
    harmed = table("assess", "--fy", "2014-15", "--data-dir", str(real_data_dir), "--harm", "Robbery=10")
    assert harmed.iloc[0]["category"] == "Robbery"


def test_weights_out_of_bounds_are_refused():
    for weights, harm, message in (({"volume": -1}, None, "not a number from 0 to 100"),
                                   ({"loudness": 1}, None, "'loudness' is not a column"),
                                   (None, {"Anti-social behaviour": 2}, "is not a crime category"),
                                   ({c: 0 for c in ("volume", "rate", "change", "trend", "concentration",
                                                    "no_suspect")}, None, "every column's weight is 0"),
                                   ({"volume": float("nan")}, None, "not a number from 0 to 100")):
        with pytest.raises(InputError, match=message):
            check_weights(weights, harm)


@pytest.fixture(scope="module")
def three_years(shared_data, tmp_path_factory):
    """The real months and a third year: September 2016, made from September 2019's rows
    (their places are real) with the month changed; no population for 2016-17."""
    import shutil
    root = tmp_path_factory.mktemp("three")
    police = root / "police_uk"
    shutil.copytree(shared_data / "police_uk", police)
    text = (police / "2019-09" / "2019-09-derbyshire-street.csv").read_text()
    (police / "2016-09").mkdir()
    (police / "2016-09" / "2016-09-derbyshire-street.csv").write_text(text.replace(",2019-09,", ",2016-09,"))
    data_dir = root / "data"
    assert run_sia("ingest", *real_ingest_args(shared_data, data_dir, police)).returncode == 0
    return data_dir


def test_a_dataset_of_three_years_is_assessed_against_any_of_them(three_years):
    for fy, against in (("2016-17", "2014-15"), ("2016-17", "2019-20"), ("2019-20", "2014-15"), ("2019-20", None)):
        args = ["assess", "--fy", fy, "--data-dir", str(three_years)] + (["--against", against] if against else [])
        assessed = table(*args).set_index("category")
        other = against or "2016-17"  # by default the latest year before
        counts = table("counts", "--fy", fy, "--by", "crime_type", "--data-dir", str(three_years))
        assert assessed["count"].to_dict() == counts.set_index("crime_type")["count"].to_dict()
        assert f"count_{other}" in assessed.columns
    bad = run_sia("assess", "--fy", "2019-20", "--against", "2017-18", "--data-dir", str(three_years))
    assert bad.returncode == 2 and "2017-18" in bad.stderr


PAGES = ["pages/overview.py", "pages/map.py", "pages/ward.py", "pages/priorities.py", "pages/violence.py",
         "pages/assessment.py", "pages/data.py", "pages/about.py"]


@pytest.mark.parametrize("page", PAGES)
def test_every_page_opens_on_three_years_and_compares_any_two(monkeypatch, three_years, page):
    from streamlit.testing.v1 import AppTest

    from support import ROOT
    monkeypatch.setenv("SIA_DATA_DIR", str(three_years))
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)
    at.switch_page(page)
    at.run()
    for fys in (["2014-15", "2016-17"], ["2016-17", "2019-20"], ["2014-15", "2019-20"]):
        next(m for m in at.multiselect if m.label == "Financial years").set_value(fys).run()
        assert not at.exception, (fys, [e.value for e in at.exception])
        assert next(m for m in at.multiselect if m.label == "Financial years").value == fys


def test_the_assessment_page_shows_the_tables_and_takes_the_analysts_weights(monkeypatch, real_data_dir):
    from streamlit.testing.v1 import AppTest

    from support import ROOT, unescaped
    monkeypatch.setenv("SIA_DATA_DIR", str(real_data_dir))
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)
    at.switch_page("pages/assessment.py")
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    said = unescaped(at.markdown[0].value)
    assert "Assessment of 2019-20, changes against 2014-15 on matched months" in said
    assert "Priorities open data cannot measure: Preventing Terrorism and Extremism (terrorism-2019)" in said
    categories = at.dataframe[0].value
    assert categories.iloc[-1]["Category"] == "Anti-social behaviour"
    command = table("assess", "--fy", "2019-20", "--data-dir", str(real_data_dir))
    assert list(categories["Category"]) == list(command["category"])  # the same order: one answer
    at.slider(key="w_weight_volume").set_value(5.0).run()
    at.number_input(key=f"w_harm_{list(CRIME_CATEGORIES).index('Robbery')}").set_value(50.0).run()
    assert at.dataframe[0].value.iloc[0]["Category"] == "Robbery"
    at.selectbox(key="w_against").select("no other year").run()
    assert "(no other year: no change is scored)" in unescaped(at.markdown[0].value)
    assert not any(c.startswith("Change on") for c in at.dataframe[0].value.columns)


def test_the_assessment_pack_carries_both_tables(real_data_dir):
    from sia.analysis.priorities.register import load_register
    from sia.dataset.store import open_dataset
    from sia.views.briefing.content import assessment_briefing

    brief = assessment_briefing(open_dataset(real_data_dir), load_register(), "2019-20", None)
    assert [t.title for t in brief.tables] == ["Categories, 2019-20", "Wards, all crime, 2019-20", "Weights"]
    assert any(line.startswith("Ranked high by the data, and covered by no priority") for line in brief.narrative)
    assert len(brief.tables[1].table) == 17


def test_a_category_with_nothing_recorded_is_never_named_high(tmp_path):
    """Found by a hostile tester: ten empty categories tied in the middle and were named."""
    from police_rows import row, write_street, write_test_wards
    src = tmp_path / "src"
    write_street(src, "2014-04", [row(crime_type="Burglary")] * 5 + [row(crime_type="Robbery", x=436500)] * 2
                 + [row(crime_type="Drugs")])
    data_dir = tmp_path / "data"
    wards = write_test_wards(tmp_path / "w.geojson")
    assert run_sia("ingest", str(src), "--wards", str(wards), "--data-dir", str(data_dir)).returncode == 0
    result = run_sia("assess", "--fy", "2014-15", "--data-dir", str(data_dir))
    assessed = pd.read_csv(io.StringIO(result.stdout)).set_index("category")
    assert assessed.loc["Bicycle theft", "score"] == 0 and assessed.loc["Burglary", "rank"] == 1
    named = next(line for line in result.stderr.splitlines() if "covered by no priority" in line)
    assert "Bicycle theft" not in named
