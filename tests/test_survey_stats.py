"""The survey arithmetic (orchestration/rules/survey_stats.py) against published and hand-computed values."""

import math

import pytest

from orchestration.rules.survey_stats import (
    T_975,
    Z_95,
    initial_sample_size,
    margin_of_error,
    mean_interval,
    mean_sd,
    sample_size,
    t_quantile_975,
    wilson_interval,
    z_quantile,
)


@pytest.mark.parametrize(
    ("successes", "n", "low", "high"),
    [
        (8, 10, 0.490, 0.943),  # the textbook example: 8 of 10 at 95 %
        # Newcombe (1998), Statistics in Medicine 17:857-872, table I, method 3 (Wilson score)
        (81, 263, 0.2553, 0.3662),
        (15, 148, 0.0624, 0.1605),
        (0, 20, 0.0000, 0.1611),
        (1, 29, 0.0061, 0.1718),
        (29, 29, 0.8830, 1.0000),
    ],
)
def test_wilson_interval_matches_published_values(successes, n, low, high):
    interval = wilson_interval(successes, n)
    tolerance = 5e-4 if n == 10 else 5e-5  # the values are printed to 3 and 4 decimals
    assert interval.low == pytest.approx(low, abs=tolerance)
    assert interval.high == pytest.approx(high, abs=tolerance)


def test_wilson_interval_edges():
    assert wilson_interval(0, 0) is None
    with pytest.raises(ValueError):
        wilson_interval(3, 2)
    interval = wilson_interval(5, 10)
    assert interval.low == pytest.approx(1 - interval.high)  # symmetric around 1/2


def test_z_quantile():
    assert Z_95 == pytest.approx(1.959963984540054, abs=1e-12)
    assert z_quantile(0.90) == pytest.approx(1.644853626951, abs=1e-9)
    assert z_quantile(0.99) == pytest.approx(2.575829303549, abs=1e-9)


@pytest.mark.parametrize(
    ("df", "published"),  # two-sided 95 % critical values as printed in t tables (3 decimals)
    [(1, 12.706), (2, 4.303), (3, 3.182), (5, 2.571), (10, 2.228), (20, 2.086), (29, 2.045),
     (30, 2.042), (31, 2.040), (40, 2.021), (60, 2.000), (120, 1.980), (1000, 1.962), (10**9, 1.960)],
)
def test_t_quantile_matches_t_tables(df, published):
    assert round(t_quantile_975(df), 3) == pytest.approx(published)


def _regularised_incomplete_beta(a: float, b: float, x: float) -> float:
    """I_x(a, b) by its continued fraction (Lentz), for an independent check of the t table."""
    if x <= 0:
        return 0.0
    if x >= 1:
        return 1.0
    if x > (a + 1) / (a + b + 2):
        return 1 - _regularised_incomplete_beta(b, a, 1 - x)
    front = math.exp(math.lgamma(a + b) - math.lgamma(a) - math.lgamma(b) + a * math.log(x) + b * math.log(1 - x)) / a
    tiny = 1e-300
    c, d = 1.0, 1 - (a + b) * x / (a + 1)
    d = 1 / (d if abs(d) > tiny else tiny)
    h = d
    for m in range(1, 500):
        for numerator in (m * (b - m) * x / ((a + 2 * m - 1) * (a + 2 * m)),
                          -(a + m) * (a + b + m) * x / ((a + 2 * m) * (a + 2 * m + 1))):
            d = 1 + numerator * d
            d = 1 / (d if abs(d) > tiny else tiny)
            c = 1 + numerator / c
            c = c if abs(c) > tiny else tiny
            h *= d * c
        if abs(d * c - 1) < 1e-15:
            break
    return front * h


def _t_cdf(t: float, df: int) -> float:
    tail = 0.5 * _regularised_incomplete_beta(df / 2, 0.5, df / (df + t * t))
    return 1 - tail if t > 0 else tail


@pytest.mark.parametrize("df", [*range(1, 41), 45, 50, 75, 100, 250, 1000])
def test_t_quantile_is_the_975_point_of_students_t(df):
    assert _t_cdf(t_quantile_975(df), df) == pytest.approx(0.975, abs=2e-8)


def test_t_table_is_decreasing_towards_z():
    values = [*T_975, *(t_quantile_975(df) for df in range(31, 200))]
    assert all(a > b for a, b in zip(values, values[1:], strict=False))
    assert values[-1] > Z_95


def test_mean_interval_by_hand():
    # n = 10, mean 5, s = 1: 5 ± 2.262157 / √10 = 5 ± 0.715357
    interval = mean_interval(5.0, 1.0, 10, scale=None)
    assert interval.low == pytest.approx(4.284643, abs=1e-6)
    assert interval.high == pytest.approx(5.715357, abs=1e-6)
    assert mean_interval(4.0, None, 1) is None
    # on the 1-5 scale the interval is clamped: 4.5 ± 12.706 · 0.7071 / √2 = 4.5 ± 6.35
    assert mean_interval(4.5, math.sqrt(0.5), 2) == mean_interval(4.5, math.sqrt(0.5), 2, scale=(1, 5))
    assert (mean_interval(4.5, math.sqrt(0.5), 2).low, mean_interval(4.5, math.sqrt(0.5), 2).high) == (1.0, 5.0)
    assert mean_interval(4.2, 0.8, 100).high == pytest.approx(4.2 + 1.984217 * 0.08, abs=1e-6)
    mean, sd = mean_sd([1, 2, 3, 4, 5])
    assert (mean, sd) == (3.0, pytest.approx(math.sqrt(2.5)))


@pytest.mark.parametrize(
    ("population", "margin", "expected"),
    [
        (None, 0.10, 97),  # n0 = 1.96² · 0.25 / 0.01 = 96.04 → 97
        (500, 0.10, 81),  # 96.04 / (1 + 95.04/500) = 80.70 → 81
        (1000, 0.10, 88),  # 96.04 / 1.09504 = 87.70 → 88
        (100, 0.10, 50),  # 96.04 / 1.9504 = 49.24 → 50
        (50, 0.10, 34),  # 96.04 / 2.9008 = 33.11 → 34
        (10, 0.10, 10),  # 96.04 / 10.504 = 9.14 → 10: everyone
        (None, 0.05, 385),  # 384.16 → 385
        (0, 0.10, 0),
    ],
)
def test_sample_size_formula_against_hand_computed_values(population, margin, expected):
    assert sample_size(population, margin) == expected


def test_initial_sample_size_and_margin_are_inverse():
    assert initial_sample_size(0.10) == pytest.approx(96.0365, abs=1e-4)
    for population in (None, 80, 500, 5000):
        n = sample_size(population, 0.10)
        assert margin_of_error(n, population) <= 0.10 + 1e-12
        assert margin_of_error(n - 1, population) > 0.10
