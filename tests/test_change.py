"""The change test against an exact Poisson test computed by hand (enumerating the
conditional binomial), and against R's poisson.test on its documented example."""
import math

import pytest

from sia.analysis.change import rate_change
from sia.errors import InputError


def reference_p(before: int, after: int, t0: float, t1: float) -> float:
    """Two-sided exact p: the probability of every split of the total no more likely than
    the one observed (the rule of R's binom.test)."""
    n, p = before + after, t1 / (t0 + t1)
    probs = [math.comb(n, k) * p**k * (1 - p) ** (n - k) for k in range(n + 1)]
    return min(1.0, sum(q for q in probs if q <= probs[after] * (1 + 1e-7)))


def tail_root(f, target):
    lo, hi = 0.0, 1.0
    for _ in range(200):
        mid = (lo + hi) / 2
        lo, hi = (mid, hi) if f(mid) > target else (lo, mid)
    return (lo + hi) / 2


def reference_interval(before: int, after: int, t0: float, t1: float):
    """Clopper-Pearson bounds for the share after, turned into rate ratios, by bisection."""
    n = before + after

    def at_least(p):  # P(X >= after)
        return sum(math.comb(n, k) * p**k * (1 - p) ** (n - k) for k in range(after, n + 1))

    def at_most(p):  # P(X <= after)
        return sum(math.comb(n, k) * p**k * (1 - p) ** (n - k) for k in range(after + 1))

    low = tail_root(lambda p: 1 - at_least(p), 1 - 0.025) if after else 0.0
    high = tail_root(at_most, 0.025)
    return low / (1 - low) * t0 / t1, high / (1 - high) * t0 / t1


@pytest.mark.parametrize("before,after,t0,t1", [
    (10, 20, 1, 1),      # doubled over a month
    (120, 168, 7, 7),    # up 40% over like-for-like months
    (30, 4, 7, 1),       # seven months against one, per month almost level
    (0, 5, 1, 1),
    (57, 41, 1, 1),
])
def test_agrees_with_a_hand_computed_exact_poisson_test(before, after, t0, t1):
    change = rate_change(before, after, t0, t1)
    assert change.p_value == pytest.approx(reference_p(before, after, t0, t1), rel=1e-9)
    if before:
        assert change.rate_ratio == pytest.approx((after / t1) / (before / t0))
        low, high = reference_interval(before, after, t0, t1)
        assert change.ci_low == pytest.approx(low, rel=1e-6)
        assert change.ci_high == pytest.approx(high, rel=1e-6)


def test_matches_r_poisson_test_documented_example():
    # R: poisson.test(c(11, 6+8+7), c(800, 1083+1050+878)): rate ratio 1.971488,
    # 95% CI 0.8584264 to 4.2772659, p-value 0.07967.
    change = rate_change(before=21, after=11, exposure_before=3011, exposure_after=800)
    assert change.rate_ratio == pytest.approx(1.971488, rel=1e-6)
    assert (change.ci_low, change.ci_high) == pytest.approx((0.8584264, 4.2772659), rel=1e-6)
    assert change.p_value == pytest.approx(0.07967, abs=5e-6)


def test_verdicts_in_words():
    assert rate_change(100, 140, 1, 1).verdict().startswith("up 40%, significant")
    assert rate_change(10, 12, 1, 1).verdict().startswith("up 20%, not significant (p = ")
    assert rate_change(200, 100, 2, 1).verdict().startswith("no change, not significant")
    assert rate_change(0, 9, 1, 1).verdict().startswith("up from none, significant")
    assert not rate_change(0, 0, 1, 1).testable


def test_bad_input_says_what_to_do():
    with pytest.raises(InputError) as caught:
        rate_change(-1, 3.5, 0, 1)
    text = str(caught.value)
    assert "count before is -1" in text and "count after is 3.5" in text
    assert "exposure before is 0" in text and "greater than 0" in text
