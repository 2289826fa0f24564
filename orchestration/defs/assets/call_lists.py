"""Phone-survey call lists (clause 16, Appendix 4): data/call_lists/YYYY-Qn.xlsx per closed quarter.

Runs after the dbt models (it reads int_services_counted, reporting_periods and, for the sampled
rows only, the phones and names in raw.registry_rows). The sampling is in the pure
module orchestration/outputs/call_lists.py. The files carry personal data (owner-only); the
metadata and logs carry counts per stratum only.
"""


import dagster as dg
from dagster_duckdb import DuckDBResource
from pydantic import Field

from orchestration.defs.resources import WAREHOUSE_POOL, MonitoringSettings
from orchestration.defs.ui import OWNERS, asset_tags, files_metadata
from orchestration.outputs.call_lists import SamplingSettings, closed_quarters, produce_call_lists

CALL_LISTS_KEY = dg.AssetKey(["call_lists", "phone_survey_call_lists"])
COUNTED_KEY = dg.AssetKey(["intermediate", "int_services_counted"])
PERIODS_KEY = dg.AssetKey(["marts", "reporting_periods"])


class CallListConfig(dg.Config):
    """Which quarters, and how the sample is sized (defaults: ±10 points per region at 95 %)."""

    period: str | None = Field(default=None, description="One quarter 'YYYY-Qn'; default: every closed quarter.")
    overwrite: bool = Field(default=False, description="Redraw a list that already exists (the call centre "
                            "may be working from it; the same data give the same list).")
    margin: float = Field(default=0.10, description="Target margin of error per stratum (0.10 = ±10 points).")
    confidence: float = 0.95
    min_per_stratum: int = 30
    by_centre_kind: bool = Field(default=False, description="Strata region × kind of centre.")
    expected_response_rate: float = Field(default=1.0, description="< 1 inflates the calls per stratum.")

    def sampling(self) -> SamplingSettings:
        return SamplingSettings(margin=self.margin, confidence=self.confidence,
                                min_per_stratum=self.min_per_stratum, by_centre_kind=self.by_centre_kind,
                                expected_response_rate=self.expected_response_rate)


@dg.asset(
    key=CALL_LISTS_KEY,
    deps=[COUNTED_KEY, PERIODS_KEY],
    group_name="call_lists",
    kinds={"xlsx"},
    owners=OWNERS,
    tags=asset_tags("call_lists", pii=True),
    pool=WAREHOUSE_POOL,
    description="Списки клиентов для телефонного опроса за квартал (п. 16, приложение 4): случайная "
                "стратифицированная выборка.\n\nA reproducible stratified random sample of the quarter's "
                "clients, sized for ±10 points per region at 95 %, as `data/call_lists/ГГГГ-Qn.xlsx` in the "
                "phone-survey form (question 1 pre-filled) — personal data, owner-only files.",
)
def phone_survey_call_lists(context: dg.AssetExecutionContext, config: CallListConfig,
                            monitoring: MonitoringSettings, warehouse: DuckDBResource) -> dg.MaterializeResult:
    settings = monitoring.get()
    sampling = config.sampling()
    out_dir = settings.call_lists_dir
    with warehouse.get_connection() as con:
        quarters = closed_quarters(con)
        if config.period is not None:
            quarters = [q for q in quarters if q[0] == config.period]
            if not quarters:
                raise dg.Failure(f"{config.period} is not a closed reporting quarter of the warehouse")
        results = produce_call_lists(con, out_dir, quarters, sampling, config.overwrite)
    for r in results:
        context.log.info(f"{r.period}: {r.calls} calls of {r.clients} clients in {len(r.strata)} strata, written"
                         if r.written else f"{r.period}: kept, already there (drawn when it was written)")
    return dg.MaterializeResult(metadata={
        "call_lists_dir": dg.MetadataValue.path(str(out_dir)),
        **files_metadata([r.path for r in results], out_dir),
        "quarters": len(results),
        "written": sum(r.written for r in results),
        "calls": sum(r.calls for r in results),  # in the lists written by this run (a kept one is not redrawn)
        "margin": sampling.margin,
        "min_per_stratum": sampling.min_per_stratum,
        "strata": dg.MetadataValue.json([
            {"period": r.period, "written": r.written, "region_code": s.region_code, "centre_kind": s.centre_kind,
             "clients": s.population, "target": s.target, "calls": s.calls,
             "expected_margin": None if s.expected_margin is None else round(s.expected_margin, 4)}
            for r in results for s in r.strata
        ]),
    })
