"""Emerging hot spot analysis (after Esri): the Mann-Kendall wiring (pymannkendall on each
unit's z-scores in time order), every pattern reached by a hand-made series, the rules
excluding each other on every short series, the parameters, and the rules' wording."""
import itertools

import numpy as np
import pandas as pd
import pymannkendall
import pytest

from sia.analysis.hotspots import (
    EHSA_PATTERNS,
    NO_PATTERN,
    EhsaRules,
    ehsa_classify,
    ehsa_pattern,
    ehsa_rules,
    z_trend,
)
from sia.errors import InputError

MONTHS = [f"2014-{m:02d}" for m in range(1, 11)]

# Hot spot series over ten periods: significance (+1 hot, -1 cold, 0 neither) and, where
# the trend matters, the Gi* z-scores (else 3 x the significance: flat, no trend).
HOT_SERIES = {
    "new hotspot": ([0] * 9 + [1], None),
    "consecutive hotspot": ([0] * 7 + [1, 1, 1], None),
    "intensifying hotspot": ([1] * 10, [2.0 + 0.5 * t for t in range(10)]),
    "persistent hotspot": ([1] * 10, [3.0, 4.0] * 5),
    "diminishing hotspot": ([1] * 10, [6.5 - 0.5 * t for t in range(10)]),
    "sporadic hotspot": ([1, 0, 0, 1, 0, 0, 0, 1, 0, 1], None),
    "oscillating hotspot": ([-1, 0, 0, 0, 0, 0, 0, 0, 0, 1], None),
    "historical hotspot": ([1] * 9 + [0], None),
}


def mirrored(name: str) -> str:
    return name.replace("hotspot", "coldspot")


SERIES = {**HOT_SERIES,
          **{mirrored(name): ([-s for s in sig], None if z is None else [-v for v in z])
             for name, (sig, z) in HOT_SERIES.items()},
          # Hot before and not at the end: sfhotspot's 'former', no pattern here.
          NO_PATTERN: ([1, 1, 1] + [0] * 7, None)}


def frames(series: dict) -> tuple[pd.DataFrame, pd.DataFrame]:
    significance = pd.DataFrame([sig for sig, _ in series.values()], index=list(series), columns=MONTHS)
    z = pd.DataFrame([z if z is not None else [3.0 * s + 0.1 for s in sig] for sig, z in series.values()],
                     index=list(series), columns=MONTHS)
    return significance, z


def test_each_pattern_arises_from_its_series():
    assert set(SERIES) == set(EHSA_PATTERNS)  # every pattern, hot and cold, has a series
    significance, z = frames(SERIES)
    result = ehsa_classify(significance, z)
    assert result["pattern"].to_dict() == {name: name for name in SERIES}
    assert result.attrs["periods"] == 10


def test_the_trend_is_pymannkendall_on_the_z_scores_in_time_order():
    rng = np.random.default_rng(7)
    z = pd.DataFrame(rng.normal(size=(30, 8)).cumsum(axis=1), columns=MONTHS[:8])
    z.iloc[3, 2] = np.nan  # a period without a z-score is skipped, as pymannkendall does
    trend = z_trend(z)
    for i, values in enumerate(z.to_numpy()):
        expected = pymannkendall.original_test(values, alpha=0.05)
        assert trend["trend_tau"].iloc[i] == pytest.approx(expected.Tau)
        assert trend["trend_p"].iloc[i] == pytest.approx(expected.p)
        assert trend["trend"].iloc[i] == {"increasing": 1, "decreasing": -1, "no trend": 0}[expected.trend]
    # In time order: read backwards, every trend turns round.
    backwards = z_trend(z[z.columns[::-1]])
    assert np.allclose(backwards["trend_tau"], -trend["trend_tau"])
    assert (backwards["trend"] == -trend["trend"]).all()
    assert trend["trend"].abs().sum() > 0  # some trends are significant, so the last check bites
    # The classes read the same wiring: rising z-scores intensify a hot spot, and the
    # same series backwards diminishes it.
    rising = pd.DataFrame([[2.0 + t for t in range(8)]], columns=MONTHS[:8])
    always_hot = pd.DataFrame([[1] * 8], columns=MONTHS[:8])
    assert ehsa_classify(always_hot, rising)["pattern"].iloc[0] == "intensifying hotspot"
    flipped = rising[rising.columns[::-1]].set_axis(MONTHS[:8], axis=1)
    assert ehsa_classify(always_hot, flipped)["pattern"].iloc[0] == "diminishing hotspot"


def test_a_unit_without_z_scores_has_no_trend():
    z = pd.DataFrame([[np.nan] * 6, [np.nan] * 5 + [1.0]], columns=MONTHS[:6])
    trend = z_trend(z)
    assert trend["trend_tau"].isna().all() and trend["trend_p"].isna().all() and (trend["trend"] == 0).all()
    result = ehsa_classify(pd.DataFrame(0, index=z.index, columns=z.columns), z)
    assert (result["pattern"] == NO_PATTERN).all()


@pytest.mark.parametrize("n", [5, 6, 7])
def test_every_series_gets_exactly_one_pattern(n):
    """Every sequence of hot, cold and neither over n periods, with each trend: the rules
    exclude each other (ehsa_pattern raises if two apply) and every pattern is reached."""
    reached = {share: set() for share in (0.8, 0.9)}
    for sequence in itertools.product((-1, 0, 1), repeat=n):
        sig = np.array(sequence)
        for trend, share in itertools.product((-1, 0, 1), reached):
            reached[share].add(ehsa_pattern(sig > 0, sig < 0, trend, share))
    assert reached[0.8] == set(EHSA_PATTERNS)
    # With fewer than ten periods, 'at least 90%' means every period, so a unit that is not
    # a spot in the last period cannot be historical.
    assert reached[0.9] == set(EHSA_PATTERNS) - {"historical hotspot", "historical coldspot"}


def test_the_share_is_a_parameter():
    # Hot in 8 of 10 periods, the last among them, no trend: 'less than 90%' by default.
    significance = pd.DataFrame([[0, 1, 0] + [1] * 7], columns=MONTHS)
    z = significance * 3.0
    assert ehsa_classify(significance, z)["pattern"].iloc[0] == "sporadic hotspot"
    assert ehsa_classify(significance, z, EhsaRules(share=0.8))["pattern"].iloc[0] == "persistent hotspot"
    # The trend's threshold: a weak rise is a trend only with a looser test.
    rising = pd.DataFrame([[3, 3.2, 3.1, 3.3, 3.2, 3.4, 3.3, 3.2, 3.5, 3.4]], columns=MONTHS)
    always = pd.DataFrame([[1] * 10], columns=MONTHS)
    p = pymannkendall.original_test(rising.iloc[0].to_numpy()).p
    assert 0.01 < p < 0.05
    assert ehsa_classify(always, rising)["pattern"].iloc[0] == "intensifying hotspot"
    assert ehsa_classify(always, rising, EhsaRules(trend_alpha=0.01))["pattern"].iloc[0] == "persistent hotspot"


def test_too_few_periods_and_bad_rules_are_refused():
    assert EhsaRules().fewest_periods() == 5  # a rise in every period reaches p < 0.05 from 5 on
    four = pd.DataFrame([[1, 1, 1, 1]], columns=MONTHS[:4])
    with pytest.raises(InputError, match="only 4 periods with incidents to test.*needs at least 5"):
        ehsa_classify(four, four * 3.0)
    with pytest.raises(InputError, match="only 1 month with incidents"):
        ehsa_classify(four.iloc[:, :1], four.iloc[:, :1] * 3.0, periods="months")
    five = pd.DataFrame([[1] * 5], columns=MONTHS[:5])
    for rules, message in ((EhsaRules(share=0.5), "share 0.5 is not between 0.5 and 1"),
                           (EhsaRules(share=1.5), "share 1.5 is not between"),
                           (EhsaRules(alpha=0), "alpha 0 is not between 0 and 1"),
                           (EhsaRules(trend_alpha=float("nan")), "trend alpha nan is not between")):
        with pytest.raises(InputError, match=message):
            ehsa_classify(five, five * 3.0, rules)
    assert ehsa_classify(five, five * 3.0, EhsaRules(share=1))["pattern"].iloc[0] == "persistent hotspot"
    with pytest.raises(ValueError, match="same units and periods"):
        ehsa_classify(five, five.iloc[:, ::-1] * 3.0)
    with pytest.raises(ValueError, match="never both in one period"):
        ehsa_pattern([True, True], [False, True], 0)


def test_the_rules_in_words():
    rules = dict(ehsa_rules())
    assert list(rules) == list(EHSA_PATTERNS)
    assert rules["persistent hotspot"].startswith("A hot spot in at least 90% of the periods")
    # A cold spot's rule is the hot spot's with hot and cold, rising and falling swapped.
    assert rules["intensifying coldspot"] == rules["intensifying hotspot"].replace("hot", "cold").replace(
        "rising", "falling")
    assert "cold spot in an earlier one" in rules["oscillating hotspot"]
    assert "hot spot in an earlier one" in rules["oscillating coldspot"]
    assert "{share}" not in " ".join(rules.values())
    assert "at least 80% of the periods" in dict(ehsa_rules(EhsaRules(share=0.8)))["historical hotspot"]
