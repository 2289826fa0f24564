"""Survey statistics for the quality audit (clauses 5.2, 15, 16): the reference implementation.

The marts compute their intervals in SQL (dbt_project/macros/quality_stats.sql); this module
is the same arithmetic in plain Python, tested against published values, and the test suite
checks that the marts agree with it. Keep the two in step: the constants below (z, the
t table, the expansion) are written out identically in the macro.

- Wilson score interval for a proportion x/n (Wilson 1927; Newcombe 1998, method 3):
  centre (p + z²/2n) / (1 + z²/n), half-width z/(1 + z²/n) · √(p(1−p)/n + z²/4n²).
- t interval for a mean: mean ± t(0.975; n−1) · s/√n, s the sample standard deviation,
  clamped to the 1-5 scale of the scores.
  t(0.975; ν) is tabulated exactly for ν = 1..30 and, above 30, taken from the
  Cornish–Fisher expansion of Student's t in the normal quantile (Abramowitz & Stegun
  26.7.5), whose error there is below 1e-6.
- Sample size for a target margin of error e at confidence 1−α (proportion p, worst case
  0.5): n0 = z²·p(1−p)/e², and with the finite-population correction for a stratum of N
  n = n0 / (1 + (n0 − 1)/N), rounded up (Cochran, *Sampling Techniques*, 3rd ed., 4.2).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from statistics import NormalDist

CONFIDENCE = 0.95
# Φ⁻¹(0.975): the two-sided 95 % normal quantile.
Z_95 = NormalDist().inv_cdf(0.975)  # 1.959963984540054

# t(0.975; ν) for ν = 1..30 (two-sided 95 %), to 15 significant digits.
T_975: tuple[float, ...] = (
    12.7062047361747,
    4.30265272974946,
    3.18244630528371,
    2.77644510519779,
    2.57058183563631,
    2.44691185114497,
    2.36462425159278,
    2.30600413520417,
    2.26215716279820,
    2.22813885198627,
    2.20098516009164,
    2.17881282966723,
    2.16036865646279,
    2.14478668791780,
    2.13144954555977,
    2.11990529922125,
    2.10981557783331,
    2.10092204024104,
    2.09302405440831,
    2.08596344726586,
    2.07961384472768,
    2.07387306790403,
    2.06865761041905,
    2.06389856162803,
    2.05953855275329,
    2.05552943864287,
    2.05183051648028,
    2.04840714179525,
    2.04522964213270,
    2.04227245630123,
)


@dataclass(frozen=True)
class Interval:
    low: float
    high: float


def z_quantile(confidence: float = CONFIDENCE) -> float:
    """The two-sided normal quantile for a confidence level (0.95 → 1.95996…)."""
    if not 0 < confidence < 1:
        raise ValueError(f"confidence must lie in (0, 1), got {confidence}")
    return NormalDist().inv_cdf(0.5 + confidence / 2)


def t_quantile_975(df: int) -> float:
    """t(0.975; df): the table for df ≤ 30, the Cornish–Fisher expansion above."""
    if df < 1:
        raise ValueError(f"degrees of freedom must be at least 1, got {df}")
    if df <= len(T_975):
        return T_975[df - 1]
    z, v = Z_95, float(df)
    g1 = (z**3 + z) / 4
    g2 = (5 * z**5 + 16 * z**3 + 3 * z) / 96
    g3 = (3 * z**7 + 19 * z**5 + 17 * z**3 - 15 * z) / 384
    g4 = (79 * z**9 + 776 * z**7 + 1482 * z**5 - 1920 * z**3 - 945 * z) / 92160
    return z + g1 / v + g2 / v**2 + g3 / v**3 + g4 / v**4


def wilson_interval(successes: int, n: int, z: float = Z_95) -> Interval | None:
    """Wilson score interval for successes/n; None when n is 0."""
    if n <= 0:
        return None
    if not 0 <= successes <= n:
        raise ValueError(f"successes must lie in 0..n, got {successes} of {n}")
    p = successes / n
    z2 = z * z
    denominator = 1 + z2 / n
    centre = (p + z2 / (2 * n)) / denominator
    half = z / denominator * math.sqrt(p * (1 - p) / n + z2 / (4 * n * n))
    return Interval(max(0.0, centre - half), min(1.0, centre + half))


SCORE_SCALE = (1.0, 5.0)  # the 1-5 scores of Appendix 2 and Appendix 4 question 2


def mean_interval(mean: float, sd: float | None, n: int,
                  scale: tuple[float, float] | None = SCORE_SCALE) -> Interval | None:
    """t interval for a mean from its sample standard deviation, clamped to the score scale
    (None: not clamped); None when n < 2."""
    if n < 2 or sd is None:
        return None
    half = t_quantile_975(n - 1) * sd / math.sqrt(n)
    low, high = mean - half, mean + half
    if scale is not None:
        low, high = max(scale[0], low), min(scale[1], high)
    return Interval(low, high)


def mean_sd(values: list[float]) -> tuple[float, float | None]:
    """Mean and sample standard deviation (None for a single value)."""
    n = len(values)
    if n == 0:
        raise ValueError("no values")
    mean = sum(values) / n
    if n < 2:
        return mean, None
    return mean, math.sqrt(sum((v - mean) ** 2 for v in values) / (n - 1))


def initial_sample_size(margin: float, confidence: float = CONFIDENCE, p: float = 0.5) -> float:
    """n0 = z²·p(1−p)/e² — the sample for an infinite population (not rounded)."""
    if not 0 < margin < 1:
        raise ValueError(f"margin of error must lie in (0, 1), got {margin}")
    if not 0 < p < 1:
        raise ValueError(f"anticipated proportion must lie in (0, 1), got {p}")
    z = z_quantile(confidence)
    return z * z * p * (1 - p) / (margin * margin)


def sample_size(population: int | None, margin: float, confidence: float = CONFIDENCE, p: float = 0.5) -> int:
    """Completed interviews needed for ±margin at the confidence level, with the FPC.

    ``population`` None means infinite. n = n0 / (1 + (n0 − 1)/N), rounded up, never above N.
    """
    n0 = initial_sample_size(margin, confidence, p)
    if population is None:
        return math.ceil(n0 - 1e-9)
    if population <= 0:
        return 0
    n = n0 / (1 + (n0 - 1) / population)
    return min(population, math.ceil(n - 1e-9))


def margin_of_error(n: int, population: int | None = None, confidence: float = CONFIDENCE,
                    p: float = 0.5) -> float | None:
    """The ± half-width a simple random sample of n gives (inverse of ``sample_size``)."""
    if n <= 0:
        return None
    z = z_quantile(confidence)
    fpc = 1.0 if population is None or population <= 1 else max(0.0, (population - n) / (population - 1))
    return z * math.sqrt(p * (1 - p) / n * fpc)
