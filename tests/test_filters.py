from sia.analysis.filters import ASB, Filters, format_value, from_query_params
from sia.categories import CRIME_CATEGORIES

FYS = ["2014-15", "2019-20"]
WARDS = ["Arboretum", "Normanton"]


def test_defaults_compare_the_last_two_years_on_all_crime():
    parsed = from_query_params({}, FYS, WARDS)
    assert parsed.filters == Filters(fys=("2014-15", "2019-20"))
    assert parsed.notes == []
    assert "Anti-social behaviour" not in parsed.filters.categories


def test_round_trip_through_the_url():
    f = Filters(fys=("2019-20",), crime_types=("Burglary", "Robbery"), months=("Sep",),
                like_for_like=True, measure="rate", ward="Normanton")
    params = {k: v if isinstance(v, list) else [v] for k, v in f.to_query_params().items()}
    assert from_query_params(params, FYS, WARDS).filters == f


def test_defaults_are_left_out_of_links():
    assert Filters(fys=("2014-15", "2019-20")).to_query_params() == {"fy": ["2014-15", "2019-20"]}


def test_asb_is_never_counted_with_crime():
    f = from_query_params({"type": [ASB], "crime": ["Burglary"]}, FYS, WARDS).filters
    assert f.categories == ("Anti-social behaviour",)
    assert f.subject() == "anti-social behaviour"


def test_bad_values_are_dropped_with_a_note():
    parsed = from_query_params({"fy": ["2016-17"], "crime": ["Piracy", "burglary"], "measure": ["x"],
                                "ward": ["normanton"], "type": ["nope"]}, FYS, WARDS)
    f = parsed.filters
    assert f.fys == ("2014-15", "2019-20") and f.crime_types == ("Burglary",)
    assert f.measure == "count" and f.ward == "Normanton" and f.incident_type == "crime"
    assert len(parsed.notes) == 4
    assert any("Piracy" in n for n in parsed.notes)


def test_subject_in_words():
    assert Filters(fys=FYS).subject() == "all crime"
    assert Filters(fys=FYS, crime_types=("Burglary",)).subject() == "Burglary"
    assert Filters(fys=FYS, crime_types=CRIME_CATEGORIES[:5]).subject() == "5 crime types"


def test_values_formatted_for_their_measure():
    assert format_value(639.0, "count") == "639"
    assert format_value(1234.56, "rate") == "1,234.6"
    assert format_value(float("nan"), "rate") == "no population"  # a rate without a whole denominator
    assert format_value(float("nan"), "per_month") == "no data"


def test_careless_links_are_read_as_meant_or_noted():
    parsed = from_query_params({"month": ["Sept", "apr", "Smarch"], "lfl": ["true"], "type": ["ASB"],
                                "ward": [" Normanton ", "Abbey"], "measure": ["RATE"]},
                               ["2014-15", "2019-20"], ["Abbey", "Normanton"])
    f = parsed.filters
    assert f.months == ("Apr", "Sep") and f.like_for_like and f.incident_type == "asb"
    assert f.measure == "rate" and f.ward == "Normanton"
    assert parsed.notes == ["unknown month 'Smarch' (use Apr, May, ...)", "only the first ward is used ('Normanton')"]
    odd = from_query_params({"lfl": ["maybe"], "ward": ["x" * 500]}, ["2019-20"], ["Abbey"])
    assert sorted(odd.notes) == [f"no ward called '{'x' * 40}…'", "unknown lfl value 'maybe' (use 1 or 0)"]
