"""The whole year through the real Dagster jobs: raw counts equal what the generator wrote."""

import duckdb
import pandas as pd


def _con(path):
    return duckdb.connect(str(path), read_only=True)


def test_every_generated_row_is_in_raw_with_its_lineage(pipeline_run):
    files = pd.read_csv(pipeline_run.settings.data_dir / "sample_truth" / "files.csv")
    with _con(pipeline_run.settings.warehouse_path) as con:
        loaded = con.execute(
            "select input, period, version, file_rows from raw.batches order by all").fetchall()
        rejected = con.execute("select count(*) from raw.rejected_files").fetchall()[0][0]
        raw_registry = con.execute("select count(*) from raw.registry_rows").fetchall()[0][0]
    expected = sorted((r.input, r.period, int(r.version), int(r.data_rows)) for r in files.itertuples())
    assert loaded == expected
    assert rejected == 0
    assert raw_registry == len(pipeline_run.services)


def test_counted_plus_excluded_equals_ingested_per_version(pipeline_run):
    with _con(pipeline_run.settings.warehouse_path) as con:
        rows = con.execute("""
            with ingested as (select batch_id, count(*) as n from raw.registry_rows group by all),
            counted as (select batch_id, count(*) as n from intermediate.int_services_counted group by all),
            excluded as (select batch_id, count(*) as n from intermediate.int_registry_exclusions group by all)
            select ingested.batch_id, ingested.n, coalesce(counted.n, 0) + coalesce(excluded.n, 0)
            from ingested left join counted using (batch_id) left join excluded using (batch_id)
        """).fetchall()
    assert rows and all(n == total for _, n, total in rows)


def test_rows_the_generator_expects_in_the_report_are_exactly_the_counted_ones(pipeline_run):
    truth = pipeline_run.services
    expected = set(zip(truth.loc[truth.in_report, "source_file"], truth.loc[truth.in_report, "source_row"],
                       strict=True))
    with _con(pipeline_run.settings.warehouse_path) as con:
        counted = set(con.execute("""
            select b.source_file, s.source_row
            from intermediate.int_services_counted s join raw.batches b using (batch_id)
        """).fetchall())
    assert counted == expected
