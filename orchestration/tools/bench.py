"""Benchmark harness: a generated year through the real Dagster jobs, against a floor.

``python -m orchestration.tools.bench --rows-per-month 50000`` (``make bench ROWS_PER_MONTH=…``):

1. Inputs: a year from the sample generator — the operator's .xlsx below 200,000 rows a
   month, CSV from there up (``--format`` overrides) — under
   ``<bench-dir>/inputs/<year>-<rows>-s<seed>-d<defect rate>-<format>/``. A folder whose
   ``complete.json`` names the same parameters is reused (generation is not timed).
2. Overheads, measured separately: process start-up (a fresh Python importing Dagster and
   the code location), dbt start-up (a dbt invocation that selects nothing: process,
   adapter, manifest), and, from the real runs, Dagster's share of each run (run wall time
   minus its steps) and dbt's share of its step (step time minus dbt's own node timings).
3. The pipeline exactly as production: ``run_year.year_stages`` executed on a fresh Dagster
   instance and data folder (ingest, build — deadlines, dbt build, letters, call lists,
   publish — then one run for the year's reports), dbt's parse prepared for its warehouse
   beforehand as `make install` prepares it for ./data (``parse_state.prepare``, not timed).
   Peak resident memory is the sum over the whole process tree (this process, dbt, anything
   they start), sampled by a thread.
4. The floor: one DuckDB query over the same raw registry files that computes I1–I9 for the
   year with plain distinct counts and no validation (CSV: ``read_csv`` directly; xlsx:
   DuckDB cannot read .xlsx without an extension, so the floor is the fastest read of the
   sheets — fastexcel into Arrow, as the pipeline's reader — plus the same query over that Arrow table).
5. ``--incremental``: after the 11-month year, month 12 is ingested and built again,
   against a fresh run of month 12 alone; ``incremental_ratio`` = the first / the second.
6. ``--repeat N``: the year, and each side of the incremental comparison, run N times (the
   year on a fresh folder each time, month 12 added to the same 11 built months restored
   from a copy); the figures are the fastest run's, and every run's total is listed. On this
   shared virtual machine the same run varies markedly from one minute to the next (a
   co-tenant's load: every model of a run slower alike), and the fastest of a few runs is
   the least disturbed measure of the pipeline's own cost (the spread: docs/performance.md).

The last line printed is one JSON object (``rows_per_month``, ``rows``, ``total_s``,
``floor_s``, ``ratio``, ``peak_rss_mb``, ``stages``, ``overhead_s``, ``rows_per_s``, …).
A tool, not a test: nothing here asserts a timing.
"""

import argparse
import json
import os
import platform
import shutil
import subprocess
import sys
import threading
import time
from dataclasses import asdict, dataclass
from pathlib import Path

import psutil

from orchestration.settings import DBT_PROJECT_DIR, PROJECT_ROOT

CSV_FROM_ROWS = 200_000
DEFAULT_BENCH_DIR = Path("/tmp/bench")
REGISTRY_COLUMNS = (
    "region", "settlement", "place_of_service", "enterprise_name", "client_full_name", "iin_bin", "gender",
    "birth_date", "age", "disability", "legal_form", "sme_category", "oked_sector", "oked_subsector",
    "service", "service_subtype", "manager_full_name", "start_date", "end_date", "work_phone",
    "mobile_phone", "email", "provider", "channel",
)


@dataclass(frozen=True)
class InputSpec:
    year: int
    rows_per_month: int
    seed: int
    defect_rate: float
    file_format: str
    months: tuple[int, ...] = tuple(range(1, 13))

    @property
    def name(self) -> str:
        return f"{self.year}-{self.rows_per_month}-s{self.seed}-d{self.defect_rate}-{self.file_format}"


class PeakRss:
    """Samples the memory of a process and all its descendants, keeps the peak, overall and per
    ``label`` (set by the caller to the run under way), and which processes made the peak.

    Two measures: the sum of each process's resident set (RSS, every 0.25 s: cheap, but a
    page shared by a forked reader worker and its parent counts in both), and the sum of
    proportional set sizes (PSS, every 2 s: each shared page counted once across the tree —
    the memory the tree really occupies). Reading PSS makes the kernel walk each process's
    page tables: done every second it cost a measurable share of the CPU of a two-core run
    (docs/performance.md), time taken from the pipeline being measured.
    """

    def __init__(self, interval: float = 0.25, pss_every: int = 8) -> None:
        self.interval = interval
        self.pss_every = pss_every
        self.label = ""
        self.peaks: dict[str, dict[str, int]] = {"rss": {}, "pss": {}}
        self.at_peak: dict[str, list[tuple[str, int]]] = {}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._root = psutil.Process()

    @property
    def peak(self) -> int:
        return max(self.peaks["rss"].values(), default=0)

    @property
    def peak_pss(self) -> int:
        return max(self.peaks["pss"].values(), default=0)

    def _sample(self, kind: str) -> None:
        parts = []
        for proc in [self._root, *self._root.children(recursive=True)]:
            try:
                parts.append((proc, proc.memory_info().rss if kind == "rss" else proc.memory_full_info().pss))
            except psutil.Error:
                pass
        total = sum(size for _, size in parts)
        if total > max(self.peaks[kind].values(), default=0):  # name the processes of a new peak only
            self.at_peak[kind] = [(_name(proc), size) for proc, size in parts]
        if total > self.peaks[kind].get(self.label, 0):
            self.peaks[kind][self.label] = total

    def _run(self) -> None:
        count = 0
        while not self._stop.is_set():
            self._sample("rss")
            if count % self.pss_every == 0:
                self._sample("pss")
            count += 1
            self._stop.wait(self.interval)

    def __enter__(self) -> "PeakRss":
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()
        self._sample("rss")
        self._sample("pss")

    def summary(self) -> dict[str, object]:
        mb = 2**20
        return {
            "peak_rss_mb": round(self.peak / mb),
            "peak_pss_mb": round(self.peak_pss / mb),
            "peak_mb_by_run": {label: {"rss": round(self.peaks["rss"].get(label, 0) / mb),
                                       "pss": round(self.peaks["pss"].get(label, 0) / mb)}
                               for label in self.peaks["rss"] if label},
            "processes_at_peak_mb": {kind: [[name, round(size / mb)] for name, size in parts if size >= 50 * mb]
                                     for kind, parts in self.at_peak.items()},
        }


def _name(proc: psutil.Process) -> str:
    try:
        return " ".join(proc.cmdline()[:3])[-60:]
    except psutil.Error:
        return f"pid {proc.pid}"


def log(message: str) -> None:
    print(f"[bench] {message}", file=sys.stderr, flush=True)


# --- inputs ---------------------------------------------------------------------------------

def ensure_inputs(spec: InputSpec, bench_dir: Path) -> tuple[Path, bool, float]:
    """The landing folder of ``spec``; (path, reused, generation seconds)."""
    folder = bench_dir / "inputs" / spec.name
    marker = folder / "complete.json"
    wanted = asdict(spec)
    wanted["months"] = list(spec.months)
    if marker.exists():
        done = json.loads(marker.read_text())
        if done.get("spec") == wanted:
            log(f"inputs {spec.name} already generated, reused ({folder})")
            return folder / "landing", True, float(done.get("seconds", 0.0))
    log(f"generating {spec.name} into {folder} …")
    started = time.perf_counter()
    # The generator holds the months of one invocation in memory (gigabytes for a 1M-row month:
    # docs/performance.md): from CSV_FROM_ROWS up, one month per invocation (two at a time, each with its own truth
    # folder; a quarter's phone survey then holds the calls of its last month only). A month
    # whose truth is complete is kept, so an interrupted generation resumes.
    if spec.rows_per_month < CSV_FROM_ROWS:
        shutil.rmtree(folder, ignore_errors=True)
        batches = [(spec.months, folder / "sample_truth")]
    else:
        batches = [((m,), folder / "sample_truth" / f"{m:02d}") for m in spec.months
                   if not (folder / "sample_truth" / f"{m:02d}" / "files.csv").exists()]
    folder.mkdir(parents=True, exist_ok=True)
    running: list[subprocess.Popen] = []
    every: list[subprocess.Popen] = []
    for months, truth in batches:
        while len(running) >= 2:
            running = [p for p in running if p.poll() is None]
            time.sleep(0.5)
        running.append(subprocess.Popen(
            [sys.executable, "-m", "orchestration.tools.sample_data", "--year", str(spec.year),
             "--rows-per-month", str(spec.rows_per_month), "--seed", str(spec.seed),
             "--defect-rate", str(spec.defect_rate), "--format", spec.file_format, "--no-anomalies",
             "--months", ",".join(str(m) for m in months),
             "--out", str(folder / "landing"), "--truth-dir", str(truth)],
            cwd=PROJECT_ROOT, stdout=sys.stderr))
        every.append(running[-1])
    if any(p.wait() != 0 for p in every):
        raise RuntimeError("sample generation failed")
    seconds = time.perf_counter() - started
    marker.write_text(json.dumps({"spec": wanted, "seconds": round(seconds, 1)}) + "\n")
    return folder / "landing", False, seconds


def registry_files(landing: Path, months: list[int] | None = None) -> list[Path]:
    files = sorted(p for p in (landing / "registry").glob("*/v*.*") if p.suffix in (".csv", ".xlsx"))
    if months is not None:
        files = [p for p in files if int(p.parent.name[5:7]) in months]
    return files


def landing_subset(source: Path, target: Path, months: list[int]) -> None:
    """A landing folder holding only ``months`` (symlinked files; phone survey quarters whose
    last month is among them)."""
    for path in source.rglob("*"):
        if path.is_dir():
            continue
        rel = path.relative_to(source)
        period = rel.parts[1] if rel.parts[0] == "registry" else path.name.split(".")[0]
        if "-Q" in period:
            month = int(period[-1]) * 3
        else:
            month = int(period[5:7])
        if month in months:
            (target / rel).parent.mkdir(parents=True, exist_ok=True)
            (target / rel).symlink_to(path)


# --- overheads ------------------------------------------------------------------------------

def python_startup_s() -> float:
    """A fresh Python that imports Dagster and builds the code location (as every run does)."""
    started = time.perf_counter()
    subprocess.run([sys.executable, "-c", "import orchestration.defs.definitions"], check=True, cwd=PROJECT_ROOT,
                   env=os.environ.copy())
    return time.perf_counter() - started


def dbt_startup_s() -> float:
    """A dbt invocation that selects nothing, started as a run starts dbt (forked from this
    process, which has the code location imported: forked_dbt.py): adapter, manifest load
    (partial parse, from the state prepared for this run's warehouse, as its runs start from)."""
    import tempfile

    from orchestration.defs.resources import dbt_executable
    from orchestration.runtime import parse_state
    from orchestration.runtime.forked_dbt import start_dbt
    from orchestration.settings import load_settings

    warehouse = load_settings().warehouse_path
    with tempfile.TemporaryDirectory(dir=DBT_PROJECT_DIR / "target") as target:
        parse_state.restore(Path(target), warehouse)
        started = time.perf_counter()
        dbt = start_dbt([dbt_executable(), "ls", "--select", "tag:__bench_selects_nothing__", "--quiet",
                         "--profiles-dir", str(DBT_PROJECT_DIR), "--project-dir", str(DBT_PROJECT_DIR),
                         "--target-path", target], os.environ.copy(), DBT_PROJECT_DIR)
        output = dbt.stdout.read() if dbt.stdout else b""
        if dbt.wait() != 0:
            raise RuntimeError(f"dbt ls failed: {output.decode(errors='replace')[-500:]}")
        return time.perf_counter() - started


# --- the pipeline ---------------------------------------------------------------------------

@dataclass
class StageRun:
    name: str
    wall_s: float
    steps: dict[str, float]
    run_id: str


def run_pipeline(stages: list, instance, rss: PeakRss) -> list[StageRun]:  # noqa: ANN001 - Dagster objects
    from orchestration.defs.definitions import build_definitions
    from orchestration.defs.runner import run_stages
    from orchestration.settings import load_settings

    defs = build_definitions(load_settings())  # this run's data folder (the environment)

    runs = []
    for stage in stages:
        name = stage.name if not stage.partition_key else f"{stage.name} {stage.partition_key}"
        rss.label = name
        wall = run_stages([stage], instance=instance, definitions=defs)[stage.name]
        run = instance.get_runs(limit=1)[0]
        steps = {s.step_key: (s.end_time or 0) - (s.start_time or 0) for s in instance.get_run_step_stats(run.run_id)}
        runs.append(StageRun(name, wall, steps, run.run_id))
    return runs


def dbt_invocation(run_ids: list[str]) -> dict[str, object]:
    """The main dbt build of these runs (its run_results.json, in the invocation's own target
    folder, which dagster-dbt names after the run: warehouse_models-<run id[:7]>-…): dbt's
    elapsed seconds, seconds by node type, and the slowest nodes."""
    candidates = [p for run_id in run_ids
                  for p in (DBT_PROJECT_DIR / "target").glob(f"warehouse_models-{run_id[:7]}-*/run_results.json")]
    if not candidates:
        return {}
    data = json.loads(max(candidates, key=lambda p: p.stat().st_mtime).read_text())
    nodes = {r["unique_id"]: float(r.get("execution_time") or 0.0) for r in data.get("results", [])}
    by_type: dict[str, float] = {}
    for unique_id, seconds in nodes.items():
        by_type[unique_id.split(".")[0]] = by_type.get(unique_id.split(".")[0], 0.0) + seconds
    slowest = sorted(nodes.items(), key=lambda kv: -kv[1])[:8]
    return {"elapsed_s": round(float(data.get("elapsed_time", 0.0)), 2),
            "nodes": len(nodes),
            "by_type_s": {k: round(v, 2) for k, v in sorted(by_type.items())},
            "slowest_s": {k.split(".", 2)[-1]: round(v, 2) for k, v in slowest}}


def summarise(runs: list[StageRun]) -> tuple[dict[str, float], float]:
    """Stage → seconds (ingest, deadlines, dbt, letters, call_lists, publish, report), and
    Dagster's own share (run wall time not spent in steps)."""
    stages: dict[str, float] = {}
    dagster = 0.0
    for run in runs:
        dagster += max(run.wall_s - sum(run.steps.values()), 0.0)
        for step, seconds in run.steps.items():
            name = ("ingest" if "landing_files" in step else "deadlines" if "deadlines" in step
                    else "dbt" if "warehouse_models" in step else "call_lists" if "call_lists" in step
                    else "letters" if "letters" in step else "publish" if "analytics" in step
                    else "report" if "report" in step else step)
            stages[name] = stages.get(name, 0.0) + seconds
    return {k: round(v, 2) for k, v in stages.items()}, dagster


# --- the floor ------------------------------------------------------------------------------

def floor_query(source: str) -> str:
    """I1–I9 for the year from ``source`` (one row per registry row of the used file, all
    text, plus ``month``): plain distinct counts by period (month, quarter, year to date),
    region and dimension, with no validation, lookup or hashing.

    Each row counts in its month and its quarter (Q4 = October–November); a year to date
    counts a key once from the first month it appears in (its minimum month), so no row is
    copied into every period it belongs to — at 12 million rows that copy spilled tens of
    gigabytes to disk.
    """
    dims = {
        "i1": ("iin_bin", None), "i2": ("iin_bin", "oked_sector"), "i3": ("iin_bin", "legal_form"),
        "i4": ("person", "gender"), "i5": ("person", "age"), "i6": ("iin_bin", "sme_category"),
        "i7": (None, "service_subtype"), "i8": (None, "provider"), "i9": (None, "channel"),
    }
    parts = []
    for mart, (key, dim) in dims.items():
        columns = ["region"] if dim is None else ["region", dim]
        sets = [columns, ["region"], [dim], []] if dim else [columns, []]
        grouping = ", ".join(f"({', '.join(c)})" for c in sets)
        if key is None:  # services: a plain count
            by_period = f"select period, count(*) as n from periodic group by period, grouping sets ({grouping})"
            to_date = (f"select e, count(*) as n from registry inner join ends on registry.month <= ends.e "
                       f"group by e, grouping sets ({grouping})")
        else:
            keyed = ", ".join(f"({', '.join([*c, key])})" for c in sets)
            by_period = (f"select period, count(distinct {key}) as n from periodic "
                         f"group by period, grouping sets ({grouping})")
            listed = ", ".join(columns)
            to_date = (f"select e, count(*) as n from (select grouping_id({listed}) as level, {listed}, "
                       f"min(month) as first_month from registry group by grouping sets ({keyed})) as firsts "
                       f"inner join ends on firsts.first_month <= ends.e group by e, level, {listed}")
        parts.append(f"select '{mart}' as mart, count(*) as cells, sum(n) as total from "
                     f"({by_period} union all {to_date})")
    return f"""
        with registry as materialized (
            select month, region, iin_bin, client_full_name || '|' || birth_date as person, gender, age,
                legal_form, sme_category, oked_sector, service_subtype, provider, channel
            from {source}
        ),
        periodic as not materialized (
            select 'month ' || month as period, * from registry
            union all
            select 'quarter ' || ((month + 2) // 3), * from registry where month <= 11
        ),
        ends as (select unnest([3, 6, 9, 11]) as e)
        {' union all '.join(parts)}
    """


def used_files(files: list[Path]) -> list[Path]:
    """The latest version of each month (what a report counts, decided here without rules)."""
    latest: dict[str, Path] = {}
    for path in files:
        latest[path.parent.name] = path
    return sorted(latest.values())


def measure_floor(landing: Path, threads: int, memory_limit: str, temp_dir: Path) -> tuple[float, dict[str, float]]:
    import duckdb

    files = registry_files(landing)
    used = used_files(files)
    started = time.perf_counter()
    con = duckdb.connect()
    con.execute(f"set threads = {threads}; set memory_limit = '{memory_limit}'; set preserve_insertion_order = false; "
                f"set temp_directory = '{temp_dir}'")
    parts: dict[str, float] = {}
    if all(p.suffix == ".csv" for p in files):
        names = ", ".join(f"'{c}'" for c in REGISTRY_COLUMNS)
        listed = ", ".join(f"'{p}'" for p in files)
        keep = ", ".join(f"'{p}'" for p in used)
        source = (f"(select *, cast(regexp_extract(filename, '/registry/\\d{{4}}-(\\d{{2}})/', 1) as integer) as month "
                  f"from read_csv([{listed}], delim = ';', header = true, all_varchar = true, quote = '\"', "
                  f"names = [{names}], filename = true) where filename in ({keep}))")
    else:
        import fastexcel
        import pyarrow as pa

        tables = []
        for path in files:  # every file is read, as the pipeline must; the used ones are kept
            sheet = fastexcel.read_excel(str(path)).load_sheet(
                0, header_row=None, skip_rows=3, dtypes="string",  # title, header, column numbers
                use_columns=list(range(len(REGISTRY_COLUMNS))))
            body = sheet.to_arrow()
            if path not in used:
                continue
            columns = dict(zip(REGISTRY_COLUMNS, body.columns, strict=True))
            columns["month"] = pa.array([int(path.parent.name[5:7])] * body.num_rows, pa.int32())
            tables.append(pa.table(columns))
        registry_arrow = pa.concat_tables(tables)  # noqa: F841 - read by DuckDB's replacement scan
        con.register("registry_arrow", registry_arrow)
        source = "registry_arrow"
        parts["read_s"] = time.perf_counter() - started
    query_started = time.perf_counter()
    con.execute(floor_query(source)).fetchall()
    parts["query_s"] = time.perf_counter() - query_started
    con.close()
    return time.perf_counter() - started, {k: round(v, 2) for k, v in parts.items()}


# --- one benchmark --------------------------------------------------------------------------

def prepare_run_dir(bench_dir: Path, name: str) -> Path:
    run_dir = bench_dir / "runs" / name
    shutil.rmtree(run_dir, ignore_errors=True)
    (run_dir / "dh").mkdir(parents=True)
    shutil.copy(PROJECT_ROOT / "dagster_home" / "dagster.yaml", run_dir / "dh" / "dagster.yaml")
    return run_dir


def point_environment_at(run_dir: Path) -> None:
    """This run folder's data, warehouse and Dagster instance, and dbt's parse prepared for its
    warehouse as `make install` prepares it for ./data (not timed)."""
    from orchestration.defs.resources import dbt_executable
    from orchestration.runtime import parse_state
    from orchestration.settings import load_settings

    os.environ["MONITORING_DATA_DIR"] = str(run_dir / "data")
    os.environ["MONITORING_WAREHOUSE_PATH"] = str(run_dir / "data" / "warehouse.duckdb")
    os.environ["DAGSTER_HOME"] = str(run_dir / "dh")
    parse_state.prepare(load_settings().warehouse_path, dbt_executable())


def machine() -> dict[str, object]:
    load = os.getloadavg()
    return {"cores": os.cpu_count(), "ram_gb": round(psutil.virtual_memory().total / 2**30, 1),
            "load_avg": [round(x, 2) for x in load], "python": platform.python_version(),
            "cpu_probe_s": cpu_probe_s()}


def cpu_probe_s(repeats: int = 5) -> float:
    """The fastest of a few runs of a fixed pure-Python loop: the same code measured an hour
    apart on this (virtual) machine varied markedly (docs/performance.md), and this says how fast
    the host was."""
    best = float("inf")
    for _ in range(repeats):
        started = time.perf_counter()
        sum(range(10**7))
        best = min(best, time.perf_counter() - started)
    return round(best, 3)


def run_once(landing: Path, run_dir: Path, stages: list) -> dict[str, object]:  # noqa: ANN001
    from orchestration.defs.runner import current_instance

    data = run_dir / "data"
    data.mkdir(parents=True, exist_ok=True)
    if not (data / "landing").exists():
        (data / "landing").symlink_to(landing, target_is_directory=True)
    instance = current_instance()
    started = time.perf_counter()
    with PeakRss() as rss:
        runs = run_pipeline(stages, instance, rss)
    total = time.perf_counter() - started
    stages, dagster_s = summarise(runs)
    return {"total_s": total, "stages": stages, "dagster_s": dagster_s, "memory": rss.summary(),
            "runs": {r.name: round(r.wall_s, 2) for r in runs}, "dbt": dbt_invocation([r.run_id for r in runs])}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows-per-month", type=int, required=True)
    parser.add_argument("--year", type=int, default=2019)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--defect-rate", type=float, default=0.03)
    parser.add_argument("--format", choices=("auto", "xlsx", "csv"), default="auto")
    parser.add_argument("--bench-dir", type=Path, default=Path(os.environ.get("BENCH_DIR", DEFAULT_BENCH_DIR)))
    parser.add_argument("--incremental", action="store_true",
                        help="also time adding month 12 to a built 11-month year, against month 12 alone")
    parser.add_argument("--repeat", type=int, default=1,
                        help="run the year (and each side of --incremental) this many times; report the fastest")
    parser.add_argument("--no-floor", action="store_true")
    parser.add_argument("--floor-only", action="store_true", help="only the floor, on the (generated) inputs")
    parser.add_argument("--generate-only", action="store_true", help="prepare the inputs and stop")
    args = parser.parse_args(argv)
    os.environ.setdefault("MONITORING_DEMO", "1")  # generated sample data, the public development key

    file_format = args.format if args.format != "auto" else ("csv" if args.rows_per_month >= CSV_FROM_ROWS else "xlsx")
    spec = InputSpec(args.year, args.rows_per_month, args.seed, args.defect_rate, file_format)
    bench_dir = args.bench_dir.resolve()
    landing, reused, generation_s = ensure_inputs(spec, bench_dir)
    if args.generate_only:
        return 0
    if args.floor_only:
        floor_s, floor_parts = measure_floor(landing, threads=os.cpu_count() or 2, memory_limit="3GB",
                                             temp_dir=bench_dir / "floor_spill")
        print(json.dumps({"rows_per_month": spec.rows_per_month, "format": file_format, "floor_s": round(floor_s, 2),
                          "floor": floor_parts, "machine": machine()}), flush=True)
        return 0
    rows = 0
    for truth in sorted((landing.parent / "sample_truth").rglob("files.csv")):
        with truth.open(encoding="utf-8") as fh:
            header = fh.readline().strip().split(",")
            for line in fh:
                record = dict(zip(header, line.strip().split(","), strict=True))
                if record["input"] == "registry":
                    rows += int(record["data_rows"])
    env = machine()
    run_dir = prepare_run_dir(bench_dir, f"{spec.name}-full")
    point_environment_at(run_dir)

    log("measuring overheads (python start-up, dbt start-up) …")
    startup_s = python_startup_s()
    dbt_s = dbt_startup_s()

    log(f"running the year through Dagster ({rows} registry rows) …")
    from orchestration.tools.run_year import year_stages

    results = []
    for attempt in range(args.repeat):
        if attempt:
            run_dir = prepare_run_dir(bench_dir, f"{spec.name}-full")
            point_environment_at(run_dir)
        results.append(run_once(landing, run_dir, year_stages(spec.year, 12)))
    result = fastest(results)
    total = float(result["total_s"])
    stages = dict(result["stages"])  # type: ignore[arg-type]
    dbt_run = dict(result["dbt"])  # type: ignore[arg-type]
    floor_s, floor_parts = (0.0, {})
    if not args.no_floor:
        log("measuring the floor …")
        try:
            floor_s, floor_parts = measure_floor(landing, threads=os.cpu_count() or 2, memory_limit="3GB",
                                                 temp_dir=bench_dir / "floor_spill")
        except Exception as exc:  # e.g. the disk filled with spill: the pipeline's figures still count
            log(f"the floor failed: {exc}")
            floor_parts = {"error": f"{type(exc).__name__}: {exc}"[:300]}
        finally:
            shutil.rmtree(bench_dir / "floor_spill", ignore_errors=True)

    line: dict[str, object] = {
        "rows_per_month": spec.rows_per_month,
        "rows": rows,
        "format": file_format,
        "total_s": round(total, 2),
        "floor_s": round(floor_s, 2),
        "floor": floor_parts,
        "ratio": round(total / floor_s, 2) if floor_s else None,
        # memory: the run that used the most
        **max((r["memory"] for r in results), key=lambda memory: memory["peak_rss_mb"]),  # type: ignore[index]
        "rows_per_s": round(rows / total),
        "stages": stages,
        "runs": result["runs"],
        "total_runs_s": totals(results),
        "overhead_s": {
            "python_startup": round(startup_s, 2),
            "dbt_startup": round(dbt_s, 2),
            "dagster_runs": round(float(result["dagster_s"]), 2),  # type: ignore[arg-type]
            # the dbt step beyond dbt's own elapsed time: start-up, manifest, Dagster's events
            "dbt_step_beyond_dbt": round(float(stages.get("dbt", 0.0)) - float(dbt_run.get("elapsed_s", 0.0)), 2)
            if dbt_run else None,
        },
        "dbt": dbt_run,
        "inputs_reused": reused,
        "generation_s": round(generation_s, 1),
        "machine": env,
    }
    if args.incremental:
        line["incremental"] = incremental(spec, landing, bench_dir, args.repeat)
    print(json.dumps(line, ensure_ascii=False), flush=True)
    return 0


def fastest(results: list[dict[str, object]]) -> dict[str, object]:
    return min(results, key=lambda result: float(result["total_s"]))  # type: ignore[arg-type]


def totals(results: list[dict[str, object]]) -> list[float]:
    """Every run's total, in the order run (what ``--repeat`` chose the fastest from)."""
    return [round(float(result["total_s"]), 2) for result in results]  # type: ignore[arg-type]


def incremental(spec: InputSpec, landing: Path, bench_dir: Path, repeat: int = 1) -> dict[str, object]:
    """Month 12 added to a built 11-month year, against month 12 built alone (each ``repeat`` times,
    in turn; the 11 built months are restored from a copy before each addition).

    As in production (the landing sensor): the new month's ingestion is one partition run,
    followed by a build. Month 12 completes no reporting period (the final report ends with
    November), so neither side writes a report.
    """
    from orchestration.defs.runner import Stage
    from orchestration.tools.run_year import year_stages

    month12 = [Stage("ingest", "ingest_landing_files", partition_key=f"{spec.year}-12"),
               Stage("build", "build_warehouse")]
    eleven = prepare_run_dir(bench_dir, f"{spec.name}-incremental")
    subset = eleven / "landing"
    landing_subset(landing, subset, list(range(1, 12)))
    point_environment_at(eleven)
    run_once(subset, eleven, year_stages(spec.year, 11, with_reports=False))
    built = eleven.with_name(f"{eleven.name}-built")  # no process holds the folder between runs
    shutil.rmtree(built, ignore_errors=True)
    shutil.copytree(eleven, built, symlinks=True)
    added_runs, alone_runs = [], []
    for attempt in range(repeat):
        if attempt:
            shutil.rmtree(eleven)
            shutil.copytree(built, eleven, symlinks=True)
            point_environment_at(eleven)
        landing_subset(landing, subset, [12])
        added_runs.append(run_once(subset, eleven, month12))

        alone = prepare_run_dir(bench_dir, f"{spec.name}-month12")
        landing_subset(landing, alone / "landing", [12])
        point_environment_at(alone)
        alone_runs.append(run_once(alone / "landing", alone, month12))
    shutil.rmtree(built, ignore_errors=True)
    added, single = fastest(added_runs), fastest(alone_runs)
    return {"added_month_s": round(float(added["total_s"]), 2),  # type: ignore[arg-type]
            "month_alone_s": round(float(single["total_s"]), 2),  # type: ignore[arg-type]
            "ratio": round(float(added["total_s"]) / float(single["total_s"]), 2),  # type: ignore[arg-type]
            "added_runs_s": totals(added_runs), "alone_runs_s": totals(alone_runs),
            "added_stages": added["stages"], "alone_stages": single["stages"]}


if __name__ == "__main__":
    sys.exit(main())
