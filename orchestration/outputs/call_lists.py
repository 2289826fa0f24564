"""Call lists for the phone survey (clause 16, Appendix 4): who the call centre rings each quarter.

For a reporting quarter ('2019-Q1'; Q4 is October-November, clause 12) the clients served
in it (int_services_counted) are split into strata — the region, and optionally the kind of
centre — and a simple random sample is drawn in each stratum, sized for a target margin of
error at 95 % confidence (``survey_stats.sample_size``):

    n0 = z²·p(1−p)/e²                   (p = 0.5, the worst case; e = 0.10 → n0 = 96.04)
    n  = n0 / (1 + (n0 − 1)/N)          (finite-population correction, N the stratum's clients)
    calls = min(N, ceil(max(n, minimum per stratum) / expected response rate))

A client counts in one stratum only — that of their latest counted service in the quarter
(the service Q1 then asks about), so nobody is called twice. The draw is reproducible: each
stratum's generator is seeded with a hash of the period and the stratum, and the population
is ordered by client_key first, so the same data give the same list, and one stratum's list
does not change when another stratum's clients do.

The workbook (data/call_lists/<YYYY-Qn>.xlsx) has exactly the phone-survey form's columns
(seeds/input_columns.csv, input 'phone_survey'): a title row, the header on row 2, data from
row 3 — the layout of landing/phone_survey/<YYYY-Qn>.xlsx — so the sheet, once the call
centre has filled in the answers, is ingested back unchanged. Question 1 is pre-filled per
client. It carries personal data (IIN/BIN, names, phones), read from raw.registry_rows for
the sampled services only: the folder is owner-only (0o700), the file 0o600,
written to a temporary sibling and renamed into place. Nothing here imports Dagster.
"""

from __future__ import annotations

import hashlib
import math
import os
import tempfile
from collections.abc import Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import pyarrow as pa
import xlsxwriter
from xlsxwriter.utility import xl_col_to_name

from orchestration.outputs.safe_text import write_text
from orchestration.reference import input_columns
from orchestration.rules.survey_stats import CONFIDENCE, margin_of_error, sample_size

DIR_MODE = 0o700
FILE_MODE = 0o600
FORM = "phone_survey"
SHEET = "Опрос"
LISTS_SHEET = "Справочник"
DATE_FORMAT = "dd.mm.yyyy"
ANSWERS_YES_NO = ("Да", "Нет")
ANSWERS_HELPED = ("Да", "Нет", "Частично")
SCORES = ("1", "2", "3", "4", "5")


@dataclass(frozen=True)
class SamplingSettings:
    """How a quarter's call list is drawn (defaults: ±10 points per region at 95 %)."""

    margin: float = 0.10  # target margin of error per stratum, as a fraction (±10 points)
    confidence: float = CONFIDENCE
    anticipated_share: float = 0.5  # p in n0 = z²·p(1−p)/e²; 0.5 is the worst case
    min_per_stratum: int = 30  # never fewer calls in a stratum (unless it has fewer clients)
    by_centre_kind: bool = False  # strata region × kind of centre instead of region
    expected_response_rate: float = 1.0  # < 1 inflates the calls so the answers reach n
    seed_salt: str = "call-list"  # part of every stratum's seed; change it to draw afresh

    def __post_init__(self) -> None:
        if not 0 < self.expected_response_rate <= 1:
            raise ValueError("expected_response_rate must lie in (0, 1]")
        if self.min_per_stratum < 0:
            raise ValueError("min_per_stratum must not be negative")


@dataclass(frozen=True)
class Stratum:
    region_code: str
    centre_kind: str | None  # None when strata are regions only
    population: int  # clients in the stratum
    target: int  # completed interviews the margin asks for (after the minimum)
    calls: int  # rows on the list

    @property
    def expected_margin(self) -> float | None:
        """The ± margin if every call on the list is answered (FPC included)."""
        return margin_of_error(self.calls, self.population)


def stratum_calls(population: int, settings: SamplingSettings) -> tuple[int, int]:
    """(target interviews, calls on the list) for a stratum of ``population`` clients."""
    if population <= 0:
        return 0, 0
    n = sample_size(population, settings.margin, settings.confidence, settings.anticipated_share)
    target = min(population, max(n, settings.min_per_stratum))
    calls = min(population, math.ceil(target / settings.expected_response_rate - 1e-9))
    return target, calls


def stratum_seed(period: str, stratum: tuple[str, ...], salt: str = "call-list") -> int:
    """A 64-bit seed from the period and the stratum (stable across runs and machines)."""
    digest = hashlib.sha256("|".join((salt, period, *stratum)).encode("utf-8")).digest()
    return int.from_bytes(digest[:8], "big")


def draw_sample(clients: pd.DataFrame, period: str, settings: SamplingSettings) -> tuple[pd.DataFrame, list[Stratum]]:
    """The stratified sample of ``clients`` (one row per client: client_key, region_code,
    centre_kind, …) and the strata with their sizes. Reproducible for (period, settings, data)."""
    keys = stratum_keys(settings)
    picked: list[pd.DataFrame] = []
    strata: list[Stratum] = []
    for values, group in clients.groupby(keys, sort=True, dropna=False):
        values = values if isinstance(values, tuple) else (values,)
        population = group.sort_values("client_key", kind="stable").reset_index(drop=True)
        stratum, chosen = draw_stratum(values, len(population), period, settings)
        picked.append(population.iloc[chosen])
        strata.append(stratum)
    sample = pd.concat(picked, ignore_index=True) if picked else clients.iloc[0:0].copy()
    return sample, strata


def stratum_keys(settings: SamplingSettings) -> list[str]:
    return ["region_code", "centre_kind"] if settings.by_centre_kind else ["region_code"]


def draw_stratum(values: Sequence[object], population: int, period: str,
                 settings: SamplingSettings) -> tuple[Stratum, np.ndarray]:
    """One stratum's size and the positions drawn in it (0-based, in client_key order)."""
    labels = tuple("" if v is None or pd.isna(v) else str(v) for v in values)
    target, calls = stratum_calls(population, settings)
    rng = np.random.default_rng(stratum_seed(period, labels, settings.seed_salt))
    chosen = np.sort(rng.choice(population, size=calls, replace=False))
    return Stratum(labels[0], labels[1] if settings.by_centre_kind else None, population, target, calls), chosen


def centre_phrase(centre_kind: str | None, short_name: str | None, settlement: str | None) -> str:
    """Where the service was received, as Appendix-4 question 1 names it.

    ЦОП / ЦПП: the centre («ЦОП г. Кокшетау»); МЦПП: the settlement the bus visited; online:
    «онлайн-формате».
    """
    settlement = (settlement or "").strip()
    if centre_kind == "online":
        return "онлайн-формате"
    if centre_kind == "mcpp":
        return f"{settlement} (мобильный центр поддержки предпринимательства)" if settlement \
            else "мобильном центре поддержки предпринимательства"
    name = (short_name or "").strip() or "центре"
    return f"{name} {settlement}".strip()


def question_1(service_date: date, centre_kind: str | None, short_name: str | None, settlement: str | None) -> str:
    """Appendix 4, question 1, filled in for one client."""
    return (f"Получали ли Вы консультацию либо услугу {service_date:%d.%m.%Y} "
            f"в {centre_phrase(centre_kind, short_name, settlement)}?")


# --------------------------------------------------------------------------- warehouse


def closed_quarters(con: duckdb.DuckDBPyConnection) -> list[tuple[str, date, date]]:
    """(label 'YYYY-Qn', start, end) of every closed reporting quarter (marts.reporting_periods)."""
    rows = con.execute(
        "select period_label, period_start, period_end from marts.reporting_periods "
        "where period_type = 'quarter' order by period_start"
    ).fetchall()
    return [(str(label), start, end) for label, start, end in rows]


# One row per client of the period ($start–$end): their latest counted service (then the
# lowest service_id), with what sampling and the list need — no personal data yet.
_PERIOD_CLIENTS = """
    select
        service_id, client_key, end_date, region_code, region, region_sort_order,
        centre_kind, place_code, service, service_subtype, settlement, batch_id, source_row
    from intermediate.int_services_counted
    where end_date between $start and $end
    qualify row_number() over (partition by client_key order by end_date desc, service_id) = 1
"""


def period_clients(con: duckdb.DuckDBPyConnection, start: date, end: date) -> pd.DataFrame:
    """Every client of the period (see _PERIOD_CLIENTS), as a frame: for inspection and tests;
    the lists are drawn in the warehouse (``sample_period``)."""
    return con.execute(_PERIOD_CLIENTS, {"start": start, "end": end}).df()


def sample_period(con: duckdb.DuckDBPyConnection, start: date, end: date, period: str,
                  settings: SamplingSettings) -> tuple[pd.DataFrame, list[Stratum]]:
    """``draw_sample`` over the period's clients without bringing them out of DuckDB.

    The same draw (strata, sizes, seeds and positions in client_key order, so the same
    sample): DuckDB counts each stratum and numbers its clients, Python draws the positions,
    and only the drawn rows are fetched — at a million services a month a quarter's clients
    as a frame were gigabytes and most of the call lists' time. The clients are a temporary
    table of the connection for the call (the period query, run twice, was a measurable cost
    at a million rows a month: docs/performance.md).
    """
    keys = stratum_keys(settings)
    listed = ", ".join(keys)
    ordered = ", ".join(f"{key} nulls last" for key in keys)
    # the period's clients once, in DuckDB (it spills them past its memory limit), for the
    # stratum sizes and then the numbering: the period query is a window over the services
    con.execute(f"create or replace temp table period_clients as {_PERIOD_CLIENTS}", {"start": start, "end": end})
    try:
        sizes = con.execute(f"select {listed}, count(*) from period_clients group by all order by {ordered}").fetchall()
        strata: list[Stratum] = []
        drawn: dict[str, list[object]] = {key: [] for key in [*keys, "position"]}
        for *values, population in sizes:
            stratum, chosen = draw_stratum(values, population, period, settings)
            strata.append(stratum)
            for key, value in zip(keys, values, strict=True):
                drawn[key] += [value] * len(chosen)
            drawn["position"] += chosen.tolist()
        chosen_rows = pa.table({key: pa.array(drawn[key], pa.string()) for key in keys}
                               | {"position": pa.array(drawn["position"], pa.int64())})
        matches = " and ".join(f"numbered.{key} is not distinct from chosen_rows.{key}" for key in keys)
        con.register("chosen_rows", chosen_rows)
        try:
            sample = con.execute(
                f"""
                select numbered.* exclude (position)
                from (
                    select *, row_number() over (partition by {listed} order by client_key) - 1 as position
                    from period_clients
                ) as numbered
                inner join chosen_rows on {matches} and numbered.position = chosen_rows.position
                order by {", ".join(f"numbered.{key} nulls last" for key in keys)}, numbered.position
                """).df()
        finally:
            con.unregister("chosen_rows")
    finally:
        con.execute("drop table if exists period_clients")
    return sample, strata


def with_contacts(con: duckdb.DuckDBPyConnection, sample: pd.DataFrame) -> pd.DataFrame:
    """The sampled services with what the call centre needs: the place's short name and, from
    raw.registry_rows (joined by batch_id and source_row), the client's IIN/BIN, name and
    phones, the manager, and the settlement as the operator wrote it."""
    con.register("sampled_services", sample)
    try:
        return con.execute(
            """
            select
                sampled.*,
                places.short_name_ru as place_short_name,
                coalesce(nullif(trim(raw.settlement), ''), sampled.settlement) as contact_settlement,
                raw.iin_bin, raw.client_full_name, raw.mobile_phone, raw.work_phone, raw.manager_full_name
            from sampled_services as sampled
            inner join raw.registry_rows as raw
                on raw.batch_id = sampled.batch_id and raw.source_row = sampled.source_row
            left join reference.places_of_service as places on places.place_code = sampled.place_code
            """
        ).df().drop(columns="settlement").rename(columns={"contact_settlement": "settlement"})
    finally:
        con.unregister("sampled_services")


def call_list_frame(sample: pd.DataFrame) -> pd.DataFrame:
    """The sample as the phone-survey form: every form column, answers empty."""
    ordered = sample.sort_values(["region_sort_order", "region_code", "centre_kind", "end_date", "client_key"],
                                 kind="stable").reset_index(drop=True)
    end_dates = [pd.Timestamp(d).date() for d in ordered["end_date"]]
    frame = pd.DataFrame({
        "call_id": np.arange(1, len(ordered) + 1),
        "region": ordered["region"],
        "iin_bin": ordered["iin_bin"],
        "client_full_name": ordered["client_full_name"],
        "mobile_phone": ordered["mobile_phone"],
        "work_phone": ordered["work_phone"],
        "service": ordered["service"],
        "service_subtype": ordered["service_subtype"],
        "service_date": end_dates,
        "place_of_service": ordered["place_short_name"],
        "settlement": ordered["settlement"],
        "manager_full_name": ordered["manager_full_name"],
        "question_1": [
            question_1(d, k, s, t)
            for d, k, s, t in zip(end_dates, ordered["centre_kind"], ordered["place_short_name"],
                                  ordered["settlement"], strict=True)
        ],
    })
    for spec in input_columns(FORM):
        if spec.name not in frame:
            frame[spec.name] = None
    return frame[[spec.name for spec in input_columns(FORM)]]


# --------------------------------------------------------------------------- the workbook


def call_list_title(period: str) -> str:
    year, quarter = period.split("-Q")
    return f"Список для телефонного опроса получателей услуг за {quarter} квартал {year} года"


def write_call_list(path: Path, frame: pd.DataFrame, period: str, outcomes: Sequence[str],
                    instruments: Sequence[str]) -> Path:
    """Write the form (title row, header row 2, data from row 3) owner-only and atomically.

    Answer columns get drop-down lists (values from the ``Справочник`` sheet) so that the
    call centre writes answers the ingestion recognises; filled answers in ``frame`` are kept.
    """
    specs = input_columns(FORM)
    names = [s.name for s in specs]
    path.parent.mkdir(parents=True, exist_ok=True)
    os.chmod(path.parent, DIR_MODE)
    fd, tmp_name = tempfile.mkstemp(prefix=f".{path.stem}.", suffix=".xlsx", dir=path.parent)
    os.close(fd)
    tmp = Path(tmp_name)
    try:
        os.chmod(tmp, FILE_MODE)
        _write_book(tmp, frame, names, [s.title_ru for s in specs], period, outcomes, instruments)
        os.chmod(tmp, FILE_MODE)
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)
    return path


def _write_book(path: Path, frame: pd.DataFrame, names: list[str], titles: list[str], period: str,
                outcomes: Sequence[str], instruments: Sequence[str]) -> None:
    book = xlsxwriter.Workbook(str(path), {"strings_to_numbers": False, "strings_to_formulas": False,
                                           "strings_to_urls": False})
    book.set_properties({"created": pd.Timestamp("2019-01-01").to_pydatetime()})
    ws = book.add_worksheet(SHEET)
    header = book.add_format({"bold": True, "text_wrap": True, "valign": "top", "border": 1})
    date_fmt = book.add_format({"num_format": DATE_FORMAT})
    quoted = book.add_format({"quote_prefix": True})  # a value starting like a formula stays text
    ws.write_string(0, 0, call_list_title(period), book.add_format({"bold": True, "font_size": 12}))
    for c, title in enumerate(titles):
        ws.write_string(1, c, title, header)
    first = 2
    for r, values in enumerate(frame[names].itertuples(index=False, name=None)):
        for c, value in enumerate(values):
            if value is None or (isinstance(value, float) and math.isnan(value)) or value == "":
                continue
            if isinstance(value, date):
                ws.write_datetime(first + r, c, pd.Timestamp(value).to_pydatetime(), date_fmt)
            elif isinstance(value, (int, np.integer)) and names[c] == "call_id":
                ws.write_number(first + r, c, int(value))
            else:
                write_text(ws, first + r, c, str(value), quoted_format=quoted)
    last = first + max(len(frame), 1) - 1
    lists = book.add_worksheet(LISTS_SHEET)
    choices = {
        "call_outcome": list(outcomes),
        "q1_received": list(ANSWERS_YES_NO),
        "q2_quality": list(SCORES),
        "q3_helped": list(ANSWERS_HELPED),
        "q4_interested": list(ANSWERS_YES_NO),
        "q4_instrument": list(instruments),
    }
    lists.write_string(0, 0, "Допустимые ответы (заполняйте столбцы ответов на листе «Опрос» из списков)")
    for j, (name, values) in enumerate(choices.items()):
        lists.write_string(1, j, titles[names.index(name)], header)
        for i, value in enumerate(values):
            lists.write_string(2 + i, j, value)
        column = xl_col_to_name(j)
        ws.data_validation(first, names.index(name), last, names.index(name), {
            "validate": "list",
            "source": f"='{LISTS_SHEET}'!${column}$3:${column}${2 + len(values)}",
        })
    ws.data_validation(first, names.index("call_date"), last, names.index("call_date"), {
        "validate": "date", "criteria": ">=", "value": date(2000, 1, 1),
    })
    lists.set_column(0, len(choices) - 1, 30)
    ws.set_column(0, len(names) - 1, 18)
    ws.set_column(names.index("question_1"), names.index("question_1"), 60)
    ws.freeze_panes(2, 0)
    book.close()


# --------------------------------------------------------------------------- one quarter


@dataclass(frozen=True)
class CallListResult:
    period: str
    path: Path
    written: bool  # False: an existing list was kept (and not drawn again: no counts)
    clients: int
    calls: int
    strata: list[Stratum]


def produce_call_list(con: duckdb.DuckDBPyConnection, out_dir: Path, period: str, start: date, end: date,
                      settings: SamplingSettings, overwrite: bool = False) -> CallListResult:
    """Draw and write one quarter's list (``produce_call_lists`` of that quarter)."""
    return produce_call_lists(con, out_dir, [(period, start, end)], settings, overwrite)[0]


def produce_call_lists(con: duckdb.DuckDBPyConnection, out_dir: Path, quarters: Sequence[tuple[str, date, date]],
                       settings: SamplingSettings, overwrite: bool = False) -> list[CallListResult]:
    """Draw and write each quarter's list; all are written when this returns.

    An existing file is kept unless ``overwrite`` (the call centre may already be working
    from it), and not drawn again: each build would otherwise redraw every earlier quarter
    of the history only to count it. A workbook is written by a second thread while the
    next quarter is drawn: the draw is DuckDB, which releases the GIL, and the workbook is
    Python (xlsxwriter), so the two overlap instead of taking turns on one core.
    """
    results: list[CallListResult] = []
    paths = {period: out_dir / f"{period}.xlsx" for period, _, _ in quarters}
    drawn = {period for period, path in paths.items() if overwrite or not path.exists()}
    if drawn:  # the answers offered in the drop-down lists
        outcomes = [r[0] for r in con.execute(
            "select name_ru from reference.call_outcomes order by outcome_code <> 'answered', outcome_code").fetchall()]
        instruments = [r[0] for r in con.execute(
            "select name_ru from reference.financial_support_options order by sort_order").fetchall()]
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="call-list-writer") as writer:
        writes: list[Future[Path]] = []
        for period, start, end in quarters:
            path = paths[period]
            if period not in drawn:
                results.append(CallListResult(period, path, False, 0, 0, []))
                continue
            sample, strata = sample_period(con, start, end, period, settings)
            frame = call_list_frame(with_contacts(con, sample))
            writes.append(writer.submit(write_call_list, path, frame, period, outcomes, instruments))
            results.append(CallListResult(period, path, True, sum(s.population for s in strata), len(sample), strata))
        for write in writes:
            write.result()  # a failed write fails the call, as it did when written in turn
    return results
