"""The raw layer: a batch is replaced exactly, atomically, and keeps when it was first seen."""

from datetime import UTC, datetime

import duckdb
import pyarrow as pa
import pytest

from orchestration.reference import input_columns
from orchestration.warehouse.raw import Batch, load_batch, record_rejection


def _rows(n: int, marker: str = "x") -> pa.Table:
    columns = {spec.name: pa.array([f"{marker}{i}" for i in range(n)], pa.string())
               for spec in input_columns("acts")}
    columns["source_row"] = pa.array(range(4, 4 + n), pa.int32())
    columns["extra_columns"] = pa.array([None] * n, pa.string())
    return pa.table(columns)


def _batch(sha: str = "a" * 64, seen_at: datetime = datetime(2019, 2, 1, 5, tzinfo=UTC)) -> Batch:
    return Batch(input="acts", period="2019-01", version=1, source_file="acts/2019-01.xlsx",
                 source_sha256=sha, submitted_at=None, seen_at=seen_at)


def test_reloading_a_batch_replaces_it_and_keeps_first_receipt(tmp_path):
    con = duckdb.connect(str(tmp_path / "w.duckdb"))
    load_batch(con, _batch(), _rows(5))
    later = datetime(2019, 3, 1, tzinfo=UTC)
    load_batch(con, _batch(seen_at=later), _rows(5))
    assert con.execute("select count(*) from raw.acts_rows").fetchall() == [(5,)]
    received = con.execute("select received_at, submitted_at_source, file_rows from raw.batches").fetchall()
    assert received == [(datetime(2019, 2, 1, 5, tzinfo=UTC), "first_seen", 5)]
    # A changed file (new hash) is a new delivery: it replaces the rows and is dated now.
    load_batch(con, _batch(sha="b" * 64, seen_at=later), _rows(3, "y"))
    assert con.execute("select count(*), min(act_number) from raw.acts_rows").fetchall() == [(3, "y0")]
    assert con.execute("select received_at from raw.batches").fetchall() == [(later,)]


def test_a_failing_load_leaves_the_previous_batch_untouched(tmp_path):
    con = duckdb.connect(str(tmp_path / "w.duckdb"))
    load_batch(con, _batch(), _rows(5))
    broken = _rows(2).drop_columns(["act_date"])  # a column the insert needs is missing
    with pytest.raises(duckdb.Error):
        load_batch(con, _batch(sha="c" * 64), broken)
    assert con.execute("select count(*), min(act_number) from raw.acts_rows").fetchall() == [(5, "x0")]
    assert con.execute("select source_sha256 from raw.batches").fetchall() == [("a" * 64,)]


def test_rejection_is_recorded_without_touching_loaded_rows(tmp_path):
    con = duckdb.connect(str(tmp_path / "w.duckdb"))
    load_batch(con, _batch(), _rows(2))
    record_rejection(con, _batch(sha="d" * 64), "acts/2019-01.xlsx: required column missing")
    assert con.execute("select count(*) from raw.acts_rows").fetchall() == [(2,)]
    assert con.execute("select reason from raw.rejected_files").fetchall() == [
        ("acts/2019-01.xlsx: required column missing",)]
