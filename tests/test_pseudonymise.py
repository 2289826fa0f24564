"""The pseudonymise() macro that dbt uses is exactly HMAC-SHA256 (RFC 2104) under the key."""

import hashlib
import hmac

import duckdb
import pytest

from orchestration.runtime.dbt_plugin import pseudonymise_macro_sql


@pytest.mark.parametrize("key", ["short", "k" * 64, "a much longer key than one SHA-256 block of sixty-four bytes!!"])
@pytest.mark.parametrize("value", ["061211600012", "иванов иван|1980-01-02", ""])
def test_sql_hmac_equals_python_hmac(key, value):
    con = duckdb.connect()
    con.execute(pseudonymise_macro_sql(key))
    got = con.execute("select pseudonymise(?)", [value]).fetchall()[0][0]
    assert got == hmac.new(key.encode(), value.encode(), hashlib.sha256).hexdigest()


def test_null_stays_null_and_the_key_matters():
    con = duckdb.connect()
    con.execute(pseudonymise_macro_sql("one"))
    assert con.execute("select pseudonymise(null)").fetchall() == [(None,)]
    first = con.execute("select pseudonymise('061211600012')").fetchall()
    con.execute(pseudonymise_macro_sql("two"))
    assert con.execute("select pseudonymise('061211600012')").fetchall() != first
