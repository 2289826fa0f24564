"""The operator scorecard (annex Г, issue 24) recomputed from the generator's truth, as of a time.

Shared by tests/test_data_quality_sample_year.py (a backfilled year: everything in, ``as_of``
None) and tests/test_simulated_year.py (each report revision at its production time). Written
here in pandas from the truth's submissions, defects and services, the rules seed and the
working-day calendar — never from orchestration's scorecard code or the marts — so a figure the
scorecard prints wrongly, or with an input it could not have had at its time, fails the tests.

What is in at ``as_of`` (clauses 7–9, 14): the registry versions submitted by then; a month is
expected once its deadline (the 1st of the next month) has passed or a version of it arrived; a
month's registry "has errors" when a version in by then carries an error-level row defect (what a
letter is written about), and is "corrected in time" when that version was the original and a
correction the truth marks as within its 3 working days is in by then.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import numpy as np
import pandas as pd
import yaml

ROOT = Path(__file__).resolve().parents[1]
SEEDS = ROOT / "dbt_project" / "seeds"
VARS = yaml.safe_load((ROOT / "dbt_project" / "dbt_project.yml").read_text())["vars"]
ALMATY = ZoneInfo("Asia/Almaty")
RATE_KEYS = ("expected", "received", "on_time", "late", "errors", "corrected")
# the scorecard's pattern rows (scorecard_patterns' row keys 'pattern=<key>')
PATTERN_KEYS = ("outliers:centre", "outliers:centre:extreme", "outliers:manager", "outliers:manager:extreme",
                "manager_day_overload", "non_working_day", "repeated_service", "minor_entrepreneur")


def _instant(value: object) -> datetime | None:
    if value is None or (isinstance(value, float) and np.isnan(value)) or value == "":
        return None
    return value if isinstance(value, datetime) else datetime.fromisoformat(str(value))


def _in_by(subs: pd.DataFrame, as_of: datetime | None) -> pd.Series:
    """The delivered versions submitted by ``as_of`` (all delivered ones when None)."""
    delivered = subs.delivered.astype(bool)
    if as_of is None:
        return delivered
    return delivered & subs.submitted_at.map(lambda s: (t := _instant(s)) is not None and t <= as_of)


def row_error_rules() -> set[str]:
    rules = pd.read_csv(SEEDS / "validation_rules.csv")
    return set(rules[(rules.severity == "error") & (rules.kind == "row")].rule_id)


def month_rates(subs: pd.DataFrame, defects: pd.DataFrame, is_working_day: Callable[[date], bool],
                as_of: datetime | None = None) -> dict[date, dict[str, int]]:
    """Per month expected at ``as_of``: registries expected, received, on time, lateness in working
    days (after the due date up to the day the original was submitted, Almaty), with errors,
    corrected in time (see the module docstring)."""
    row_errors = row_error_rules()
    arrived = subs[_in_by(subs, as_of)]
    out = {}
    for period, versions in subs.groupby("period"):
        first = versions[versions.version == 1].iloc[0]
        due = _instant(first.due_at)
        mine = arrived[arrived.period == period]
        if as_of is not None and due > as_of and mine.empty:
            continue  # not due yet and nothing in: no row
        received = bool((mine.version == 1).any())
        on_time = received and bool(first.on_time)
        late_days = 0
        if received and not on_time:
            due_day = due.astimezone(ALMATY).date()
            sent = _instant(first.submitted_at).astimezone(ALMATY).date()
            late_days = sum(1 for k in range(1, (sent - due_day).days + 1)
                            if is_working_day(date.fromordinal(due_day.toordinal() + k)))
        errors = defects[(defects.period == period) & defects.expected_rule_id.isin(row_errors)
                         & defects.version.isin(list(mine.version))]
        corrected = len(errors[errors.version == 1]) > 0 and (mine.timeliness == "correction").any()
        out[date(int(period[:4]), int(period[5:7]), 1)] = {
            "expected": 1, "received": int(received), "on_time": int(on_time), "late": late_days,
            "errors": int(len(errors) > 0), "corrected": int(corrected)}
    return out


def rate_totals(rates: dict[date, dict[str, int]], months: Iterable[date]) -> dict[str, float | None] | None:
    """A period's sums over its months with a row (None: no month has one) and its two shares."""
    months = [m for m in months if m in rates]
    if not months:
        return None
    total: dict[str, float | None] = {key: sum(rates[m][key] for m in months) for key in RATE_KEYS}
    total["on_time_rate"] = total["on_time"] / total["expected"]
    total["corrected_rate"] = total["corrected"] / total["errors"] if total["errors"] else None
    return total


def original_rule_hits(defects: pd.DataFrame, subs: pd.DataFrame, as_of: datetime | None = None) -> pd.DataFrame:
    """(period, rule, row) of the original registries (version 1) in by ``as_of``: every error-level
    row or act rule a defect's row breaks, its secondary rules included, each row once per rule."""
    rules = pd.read_csv(SEEDS / "validation_rules.csv")
    counted = set(rules[(rules.severity == "error") & rules.kind.isin(["row", "act"])].rule_id)
    arrived = set(subs[_in_by(subs, as_of) & (subs.version == 1)].period)
    hits = []
    for d in defects[(defects.version == 1) & defects.period.isin(arrived)].itertuples():
        secondary = d.secondary_rule_ids if isinstance(d.secondary_rule_ids, str) else ""
        for rule in {d.expected_rule_id, *[r for r in re.split(r"[;, ]+", secondary) if r]}:
            if rule in counted:
                hits.append((d.period, rule, d.source_row))
    return pd.DataFrame(hits, columns=["period", "rule", "row"]).drop_duplicates()


def original_rows(subs: pd.DataFrame, periods: Iterable[str], as_of: datetime | None = None) -> int:
    """Data rows of the original registries of ``periods`` in by ``as_of``."""
    chosen = subs[_in_by(subs, as_of) & (subs.version == 1) & subs.period.isin(list(periods))]
    return int(chosen.data_rows.sum())


def modified_z_flags(values: pd.DataFrame, months: list[date]) -> dict[tuple[str, date], tuple[bool, bool]]:
    """(unit, month) → (outlier, extreme) on any measure: the modified z-score over the preceding
    months with counted services, as issue 24 defines it, with the thresholds of dbt_project.yml."""
    flags: dict[tuple[str, date], tuple[bool, bool]] = {}
    for unit, rows in values.groupby("unit"):
        first = rows.month.min()
        for measure in ("services", "clients"):
            series = {m: 0 for m in months if m >= first} | dict(zip(rows.month, rows[measure], strict=True))
            ordered = sorted(series)
            for index, month in enumerate(ordered):
                lower = date(month.year - 1, month.month, 1)
                history = np.array([series[m] for m in ordered[:index] if m >= lower], dtype=float)
                if len(history) < VARS["dq_outlier_min_history"]:
                    continue
                median = float(np.median(history))
                if median < VARS["dq_outlier_min_median"]:
                    continue
                mad, mean_ad = float(np.median(abs(history - median))), float(np.mean(abs(history - median)))
                if mad > 0:
                    z = 0.6745 * (series[month] - median) / mad
                elif mean_ad > 0:
                    z = 0.7979 * (series[month] - median) / mean_ad
                else:
                    continue
                old = flags.get((unit, month), (False, False))
                flags[(unit, month)] = (old[0] or abs(z) > VARS["dq_outlier_threshold"],
                                        old[1] or abs(z) > VARS["dq_outlier_extreme_threshold"])
    return flags


def pattern_counts(counted: pd.DataFrame, spans: Iterable[tuple[date, date]],
                   is_working_day: Callable[[date], bool]) -> dict[tuple[date, date], dict[str, int]]:
    """(start, end) → pattern key → count, from the counted services (columns client_id,
    service_subtype_code, identifier_kind, age, manager, centre, end (date), month (first day)):
    unit-months flagged as outliers (centres, managers), manager-days over the day's capacity,
    services on days off, repeats of a sub-type to a client within the window, minors."""
    months = sorted(set(counted.month))
    flags = {}
    for kind in ("centre", "manager"):
        values = counted.groupby([kind, "month"]).agg(services=("client_id", "size"),
                                                      clients=("client_id", "nunique")).reset_index()
        flags[kind] = modified_z_flags(values.rename(columns={kind: "unit"}), months)
    day_counts = counted.groupby(["manager", "end"]).size()
    overloads = [end for (_, end), n in day_counts.items() if n > VARS["dq_max_services_per_manager_day"]]
    rows = counted.sort_values(["client_id", "service_subtype_code", "end"]).reset_index(drop=True)
    repeated = []
    for _, group in rows.groupby(["client_id", "service_subtype_code"]):
        ends = list(group.end)
        for i, day in enumerate(ends):
            if any(0 <= (day - other).days <= VARS["dq_repeat_window_days"] for other in ends[:i]):
                repeated.append(group.month.iloc[i])
    off = list(counted[~counted.end.map(is_working_day)].month)
    minors = list(counted[(counted.identifier_kind == "iin") & (counted.age < VARS["dq_min_entrepreneur_age"])].month)
    out = {}
    for start, end in spans:
        def within(day: date, start: date = start, end: date = end) -> bool:
            return start <= day <= end

        counts = {"manager_day_overload": sum(map(within, overloads)), "non_working_day": sum(map(within, off)),
                  "repeated_service": sum(map(within, repeated)), "minor_entrepreneur": sum(map(within, minors))}
        for kind in ("centre", "manager"):
            counts[f"outliers:{kind}"] = sum(o for (_, m), (o, _) in flags[kind].items() if within(m))
            counts[f"outliers:{kind}:extreme"] = sum(x for (_, m), (_, x) in flags[kind].items() if within(m))
        out[(start, end)] = counts
    return out


def with_managers(services: pd.DataFrame, registry_rows: pd.DataFrame) -> pd.DataFrame:
    """The services with the columns pattern_counts needs: each row's manager as the raw registry
    holds it (``registry_rows``: source_file, source_row, manager_full_name), lower-cased and
    blank-normalised; end, month as dates; centre as region/place."""
    frame = services.merge(registry_rows, on=["source_file", "source_row"], how="left", validate="many_to_one")
    frame["manager"] = frame.manager_full_name.str.lower().str.split().str.join(" ")
    frame["end"] = pd.to_datetime(frame.end_date).dt.date
    frame["month"] = pd.to_datetime(frame.period + "-01").dt.date
    frame["centre"] = frame.kato_code + "/" + frame.place_code
    return frame
