"""The caches' keys: filters and tables that differ never share a cached figure."""
import dataclasses

import numpy as np
import pandas as pd
import pytest

from sia.analysis.filters import Filters
from sia.app.caching import KEYS, cache_data, digest

BASE = Filters(fys=("2014-15", "2019-20"))
# A different value for each field of Filters: a field added later without one fails here.
OTHER = {"fys": ("2019-20",), "incident_type": "asb", "crime_types": ("Burglary",),
         "months": ("Apr",), "like_for_like": False, "measure": "rate", "ward": "Normanton"}


def test_every_field_of_the_filters_is_in_their_key():
    assert {f.name for f in dataclasses.fields(Filters)} == set(OTHER)
    key = KEYS[Filters]
    for name, value in OTHER.items():
        assert key(dataclasses.replace(BASE, **{name: value})) != key(BASE), name
    assert key(Filters(fys=("2014-15", "2019-20"))) == key(BASE)


def test_a_ward_named_none_is_not_no_ward():
    key = KEYS[Filters]
    assert key(dataclasses.replace(BASE, ward="None")) != key(BASE)
    assert key(dataclasses.replace(BASE, crime_types=("a, b",))) != key(
        dataclasses.replace(BASE, crime_types=("a", "b")))


TABLE = pd.DataFrame({"ward_name": ["Abbey", "Normanton"], "count": [3, 5],
                      "rate": [1.5, np.nan]}, index=pd.Index([0, 1], name="row"))


@pytest.mark.parametrize("changed", [
    TABLE.assign(count=[3, 6]),
    TABLE.assign(rate=[1.5, 0.0]),
    TABLE.astype({"count": "float64"}),
    TABLE.rename(columns={"count": "incidents"}),
    TABLE.set_axis(pd.Index([1, 0], name="row")),
    TABLE.rename_axis("Location"),
    TABLE.astype({"ward_name": "category"}),
    TABLE.head(1),
])
def test_tables_that_differ_have_different_digests(changed):
    assert digest(changed) != digest(TABLE)


def test_equal_tables_share_a_digest():
    assert digest(TABLE.copy()) == digest(TABLE)


def test_a_cached_figure_is_reused_for_equal_filters_and_made_again_for_others():
    calls = []

    @cache_data(max_entries=8)
    def figure(filters: Filters, table: pd.DataFrame) -> int:
        calls.append(filters)
        return int(table["count"].sum()) + len(filters.fys)

    assert figure(BASE, TABLE) == 10
    assert figure(Filters(fys=("2014-15", "2019-20")), TABLE.copy()) == 10
    assert len(calls) == 1
    assert figure(dataclasses.replace(BASE, ward="Normanton"), TABLE) == 10
    assert figure(BASE, TABLE.assign(count=[1, 1])) == 4
    assert len(calls) == 3


def test_a_chart_is_keyed_by_all_its_inputs():
    lineage = {"retained": [{"2014-15": {"title": "Violence", "rank": 1}, "rank_change": 0}]}
    moved = {"retained": [{"2014-15": {"title": "Violence", "rank": 2}, "rank_change": 0}]}
    curve = np.linspace(0, 1, 5)
    assert digest(("priority_lineage", (lineage,), {})) == digest(("priority_lineage", (dict(lineage),), {}))
    assert digest(("priority_lineage", (lineage,), {})) != digest(("priority_lineage", (moved,), {}))
    assert digest(("lorenz_curves", ({"2019-20": curve},), {})) != digest(
        ("lorenz_curves", ({"2019-20": curve ** 2},), {}))
    assert digest(("ward_ranking", (TABLE,), {"selected": ["Abbey"]})) != digest(
        ("ward_ranking", (TABLE,), {"selected": []}))
