"""Data-quality anomalies (issue 24) planted in a sample year, for the review to find.

The row-level defects (defects.py) are what the rule table catches, one row at a time; these
are what only the data-quality review sees, looking at the data as a whole:

- ``manager_day_overload``: a manager new that month with 40 services on one working day
  (dq_implausible_patterns: more than a working day holds);
- ``new_year_block``: a block of 10 services dated 1 January, a public holiday
  (dq_implausible_patterns: services on a day off);
- ``centre_surge``: a centre whose month is five times its usual volume — the extra services
  moved in from other regions' single-visit clients, by four managers new that month
  (dq_outliers);
- ``region_drop``: a region whose quarter's services drop by half (dq_consistency_over_time);
- ``acts_gap``: a region-month of which acts confirm only 60 % of the services (a little more
  where its single-visit clients are fewer than 40 % of its rows)
  (dq_source_consistency, the acts-to-registry ratio): the others carry the act_missing
  defect, so the defects manifest lists them too (single-visit clients' rows, as the act-side
  defects: no act of the client's other services can confirm them).

Each is placed where the review can see it and nothing else moves: in months whose registry
is used (not late, not missing); on single-visit ("fresh") clients' clean rows, so no
duplicate, repeat visit or act of another row is touched; the surge centre and the regions
that drop or lose acts are of a size where a month's noise stays within the outlier score
(a centre of about 8 services a month in a region of at least 100; a region of about 30 — the
smallest the consistency check scores with a margin — halved; one of about 60 losing acts), and
no manager with history gains or loses more than a few services. What was planted is returned as rows of
``anomalies.csv`` (the truth).

Randomness: its own stream per month (generator purpose 10), so a year with anomalies has
the same rows as one without everywhere else.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import numpy as np
import pandas as pd

from orchestration.tools.sample_data import text, vocab
from orchestration.tools.sample_data.catalogue import Catalogue
from orchestration.tools.sample_data.dates import age_at
from orchestration.tools.sample_data.frames import Table
from orchestration.tools.sample_data.people import Words, make_persons

OVERLOAD_SERVICES = 40
NEW_YEAR_SERVICES = 10
SURGE_FACTOR = 5
SURGE_NEW_MANAGERS = 4
DROP_SHARE = 0.5
ACTS_COVERED = 0.6
SURGE_CENTRE_SIZE = 8  # expected services a month of the surge centre (dq_outlier_min_median is 5)
SURGE_REGION_SIZE = 100  # its region's: the extra services stay well within the consistency band
SMALL_REGION_SIZE = 30  # of the regions that drop or lose acts (dq_consistency_min_reference is 20)
# Regions whose name and borders hold from 2019 on (no rename, no split), where rows may move.
STABLE_REGIONS = ("75", "79", "61", "31", "15", "43", "39", "55", "23", "27", "11", "47", "59")
PLACES_OFFLINE = ("cop", "cpp", "mcpp")
COLUMNS = ("anomaly", "period", "region_code", "place_code", "manager", "day", "services")


@dataclass(frozen=True)
class AnomalyPlan:
    """Where each anomaly goes in a year: decided once from the schedule and the volumes."""

    overload: tuple[int, str]  # (month, region)
    new_year: tuple[int, str]
    surge: tuple[int, str, str]  # (month, region, place code)
    drop: tuple[tuple[int, ...], str]  # (the quarter's months, region)
    acts: tuple[int, str]


def plan_year(cat: Catalogue, rows_per_month: int, unusable: set[int]) -> AnomalyPlan:
    """``unusable``: months whose registry is late or never arrives (their rows are not counted)."""
    weights = {code: vocab.REGION_WEIGHTS[code] for code in cat.current_regions}
    total = sum(weights.values())
    size = {code: rows_per_month * weights[code] / total for code in STABLE_REGIONS if code in weights}
    by_size = sorted(size, key=lambda code: -size[code])
    places = dict(zip(cat.place_codes, cat.place_p.tolist(), strict=True))

    def usable_from(first: int) -> int:
        return next(m for m in range(first, 13) if m not in unusable)

    small = sorted((code for code in size if size[code] >= SMALL_REGION_SIZE), key=lambda code: size[code])
    drop_region = small[0]
    # 40 % of its services from single-visit clients (about half its rows): twice the size
    acts_region = next(code for code in small if size[code] >= 2 * SMALL_REGION_SIZE and code != drop_region)
    centres = [(abs(size[code] * places[place] - SURGE_CENTRE_SIZE), code, place)
               for code in by_size if size[code] >= SURGE_REGION_SIZE and code not in (drop_region, acts_region)
               for place in PLACES_OFFLINE]
    _, surge_region, surge_place = min(centres)
    # the surge month needs six counted months before it (dq_outlier_min_history)
    surge_month = next(m for m in range(8, 13) if m not in unusable
                       and sum(1 for k in range(1, m) if k not in unusable) >= 6)
    return AnomalyPlan(
        overload=(usable_from(5), by_size[0]),
        new_year=(1, by_size[1]),
        surge=(surge_month, surge_region, surge_place),
        drop=((7, 8, 9), drop_region),
        acts=(usable_from(6), acts_region),
    )


def plant(rng: np.random.Generator, cat: Catalogue, words: Words, managers: dict[str, np.ndarray],
          rows: Table, plan: AnomalyPlan, year: int, month: int) -> tuple[Table, pd.DataFrame]:
    """The month's rows (after defects.inject, before the acts are made) with its anomalies."""
    period = f"{year}-{month:02d}"
    found: list[dict] = []
    known = {name for pool in managers.values() for name in pool.tolist()}
    new_names = [name for name in text.objects(make_persons(rng, words, year, 12, (9000, 9999))["name"]).tolist()
                 if name not in known]
    if month == plan.new_year[0]:
        region = plan.new_year[1]
        day = date(year, 1, 1).toordinal()
        picked = _pick(rng, rows, _free(rows) & (rows["t_kato"] == region), NEW_YEAR_SERVICES)
        _set_day(rows, picked, day)
        found.append(_record("new_year_block", period, region, "", "", day, len(picked)))
    if month == plan.overload[0]:
        region = plan.overload[1]
        free = _free(rows) & (rows["t_kato"] == region)
        days, counts = np.unique(rows["end_date"][rows["t_kato"] == region], return_counts=True)
        day = int(days[np.argmax(counts)])  # the region's busiest day: a working day
        picked = _pick(rng, rows, free, OVERLOAD_SERVICES)
        _set_day(rows, picked, day)
        _set_manager(rows, picked, new_names[0])
        found.append(_record("manager_day_overload", period, region, "", new_names[0], day, len(picked)))
    if month == plan.surge[0]:
        _, region, place = plan.surge
        at_centre = int(((rows["t_kato"] == region) & (rows["t_place"] == place)).sum())
        moved = _pick(rng, rows, _free(rows) & np.isin(rows["t_kato"], [region], invert=True),
                      (SURGE_FACTOR - 1) * at_centre)
        _move(rng, cat, rows, moved, region, place, new_names[1:1 + SURGE_NEW_MANAGERS])
        found.append(_record("centre_surge", period, region, place, "", None, at_centre + len(moved)))
    if month in plan.drop[0]:
        region = plan.drop[1]
        in_region = int((rows["t_kato"] == region).sum())
        removed = _pick(rng, rows, _free(rows, fresh_only=False) & (rows["t_kato"] == region),
                        round(DROP_SHARE * in_region))
        rows = _without(rows, removed)
        found.append(_record("region_drop", period, region, "", "", None, len(removed)))
    if month == plan.acts[0]:
        region = plan.acts[1]
        in_region = int((rows["t_kato"] == region).sum())
        free = _free(rows) & (rows["t_kato"] == region)  # at most all its single-visit clients' rows
        picked = _pick(rng, rows, free, min(round((1 - ACTS_COVERED) * in_region), int(free.sum())))
        rows["x_defect"][picked] = "act_missing"  # no act is made for them (companions.make_acts)
        found.append(_record("acts_gap", period, region, "", "", None, len(picked)))
    return rows, pd.DataFrame(found, columns=list(COLUMNS))


def _record(anomaly: str, period: str, region: str, place: str, manager: str, day: int | None,
            services: int) -> dict:
    return {"anomaly": anomaly, "period": period, "region_code": region, "place_code": place,
            "manager": manager, "day": "" if day is None else date.fromordinal(day).isoformat(),
            "services": services}


def _free(rows: Table, fresh_only: bool = True) -> np.ndarray:
    """Clean rows that no duplicate copies (free to change or drop); of single-visit clients
    (``fresh_only``) where a changed date or place must not meet the client's other services."""
    free = rows["x_defect"] == ""
    if fresh_only:
        free &= ~rows["t_regular_client"]
    originals = rows["x_related"][rows["x_related"] >= 0]
    free[originals] = False
    return free


def _pick(rng: np.random.Generator, rows: Table, mask: np.ndarray, count: int) -> np.ndarray:
    candidates = np.flatnonzero(mask)
    if len(candidates) < count:
        raise ValueError(f"{len(candidates)} free rows for an anomaly of {count}: too few rows per month")
    return np.sort(rng.choice(candidates, count, replace=False))


def _set_day(rows: Table, picked: np.ndarray, day: int) -> None:
    for column in ("start_date", "end_date", "t_start_date", "t_end_date"):
        rows[column][picked] = day
    age = age_at(rows["t_birth_date"][picked], np.full(len(picked), day))
    rows["age"][picked] = age
    rows["t_age"][picked] = age


def _set_manager(rows: Table, picked: np.ndarray, name: str) -> None:
    rows["manager_full_name"][picked] = name
    rows["t_manager"][picked] = name


def _move(rng: np.random.Generator, cat: Catalogue, rows: Table, moved: np.ndarray, region: str, place: str,
          names: list[str]) -> None:
    """Serve ``moved`` at ``place`` of ``region``, by the new managers ``names``."""
    index = cat.place_codes.index(place)
    for ordinal in np.unique(rows["end_date"][moved]).tolist():  # the name in force on each day
        on_day = moved[rows["end_date"][moved] == ordinal]
        day = date.fromordinal(int(ordinal))
        shown = cat.shown_region(region, day)
        name = next(v.name_ru for v in cat.region_versions if v.kato == shown and v.valid_on(day))
        for column in ("region", "t_region"):
            rows[column][on_day] = name
        rows["t_kato"][on_day] = shown
    settlements = np.array(vocab.SETTLEMENTS[region], dtype=object)
    rows["settlement"][moved] = settlements[rng.integers(0, len(settlements), len(moved))]
    managers = np.array(names, dtype=object)[rng.integers(0, len(names), len(moved))]
    rows["manager_full_name"][moved] = managers
    rows["t_manager"][moved] = managers
    rows["place_of_service"][moved] = cat.place_short[index]
    rows["t_place"][moved] = place
    rows["t_place_short"][moved] = cat.place_short[index]
    rows["t_channel"][moved] = "offline"
    rows["channel"][moved] = cat.channel_names["offline"]


def _without(rows: Table, removed: np.ndarray) -> Table:
    """``rows`` less ``removed`` (none of them a duplicate's original), duplicate links renumbered."""
    keep = np.ones(len(rows), dtype=bool)
    keep[removed] = False
    new_index = np.cumsum(keep) - 1
    kept = rows.take(np.flatnonzero(keep))
    linked = kept["x_related"] >= 0
    kept["x_related"][linked] = new_index[kept["x_related"][linked]]
    return kept
