"""Assessing a context indicator against its target and direction, aware of the time left.

The method starts from Open SDG's progress measure (the UN Statistics
Division's SDG progress-chart method) and is documented in
``docs/indicator-assessment.md``. Open SDG compares the observed rate with
the rate needed from the *baseline*; a target that needs +3 points in its
last year would then still count as "moderate progress". isek compares the
observed rate with the rate *still needed from the latest value in the years
left*:

With a target (T, x_T), latest value (t, x), baseline (t_0, x_0):
  observed rate  r_obs  = (x / x_0) ** (1 / (t - t_0)) - 1   (compound annual growth since the baseline)
  needed rate    r_need = (x_T / x) ** (1 / (T - t)) - 1     (what still reaches the target in time)
  ratio = r_obs / r_need
  * target reached  – the latest value is at or beyond the target (in the desired direction)
  * on track        – ratio ≥ 0.95
  * moderate        – 0.5 ≤ ratio < 0.95
  * off track       – 0 ≤ ratio < 0.5, or the target year has come without the target reached
  * deteriorating   – ratio < 0 (moving away from the target)
At the first assessment both rates start from the same point, so the verdict
equals Open SDG's; later it becomes stricter as time runs out.
Without a target, for direction up/down, the observed rate in the desired
direction decides: ≥ 1 %/year on track, > 0 moderate, 0 off track, < 0
deteriorating. Neutral indicators get a trend, never a verdict. Without a
baseline-year-later value there is no data. If a value is zero or negative the
compound rate is undefined and linear annual changes are used instead.
"""

from __future__ import annotations

from dataclasses import dataclass

ON_TRACK = 0.95
MODERATE = 0.5
NO_TARGET_ON_TRACK = 0.01

VERDICTS = ("target_reached", "on_track", "moderate", "off_track", "deteriorating", "no_data")


@dataclass(frozen=True)
class Assessment:
    verdict: str | None  # one of VERDICTS, or None for neutral indicators
    ratio: float | None = None
    observed_rate: float | None = None
    required_rate: float | None = None  # the rate still needed from the latest value to reach the target
    compound: bool = True  # rates are relative (share per year) or, if False, absolute changes per year
    years_left: int | None = None  # target year minus the latest value's year


def _rate(x0: float, x1: float, years: int) -> tuple[float, bool]:
    """Annual rate from x0 to x1: compound if both positive, else linear (absolute per year)."""
    if years <= 0:
        return 0.0, True
    if x0 > 0 and x1 > 0:
        return (x1 / x0) ** (1 / years) - 1, True
    return (x1 - x0) / years, False


def assess(direction: str, baseline: tuple[int, float], latest: tuple[int, float] | None,
           target: tuple[int, float] | None) -> Assessment:
    if direction == "neutral":
        return Assessment(None)
    if latest is None or latest[0] <= baseline[0]:
        return Assessment("no_data")
    (t0, x0), (t, x) = baseline, latest
    sign = 1 if direction == "up" else -1
    if target is None:
        r_obs, compound = _rate(x0, x, t - t0)
        good = sign * r_obs
        if not compound:  # linear change: relative to the baseline's size
            good = good / abs(x0) if x0 else good
        if good >= NO_TARGET_ON_TRACK:
            verdict = "on_track"
        elif good > 0:
            verdict = "moderate"
        elif good == 0:
            verdict = "off_track"
        else:
            verdict = "deteriorating"
        return Assessment(verdict, None, r_obs, None, compound)
    T, xT = target
    if sign * (x - xT) >= 0:
        return Assessment("target_reached", None, _rate(x0, x, t - t0)[0], None, years_left=T - t)
    compound = x0 > 0 and x > 0 and xT > 0
    if compound:
        r_obs = (x / x0) ** (1 / (t - t0)) - 1
    else:
        r_obs = (x - x0) / (t - t0)
    if T <= t:  # the target year has come and the target is not reached
        verdict = "deteriorating" if sign * r_obs < 0 else "off_track"
        return Assessment(verdict, None, r_obs, None, compound, T - t)
    r_need = (xT / x) ** (1 / (T - t)) - 1 if compound else (xT - x) / (T - t)
    ratio = r_obs / r_need  # r_need is never 0: the target is not reached
    if ratio >= ON_TRACK:
        verdict = "on_track"
    elif ratio >= MODERATE:
        verdict = "moderate"
    elif ratio >= 0:
        verdict = "off_track"
    else:
        verdict = "deteriorating"
    return Assessment(verdict, ratio, r_obs, r_need, compound, T - t)


def trend(previous: float | None, current: float | None) -> str:
    """Year-on-year movement: up, down, flat, or none when a value is missing."""
    if previous is None or current is None:
        return "none"
    if current > previous:
        return "up"
    if current < previous:
        return "down"
    return "flat"
