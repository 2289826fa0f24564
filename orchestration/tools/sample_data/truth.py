"""Ground truth: what was injected where, and what every registry row really is.

Why a separate truth: tests of detection (every injected defect flagged by the right
rule, no clean row excluded) and of the indicators (I1-I9 computed independently of the
warehouse) need the generator's own answer, kept outside the landing folder.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from orchestration.tools.sample_data import defects, schedule
from orchestration.tools.sample_data.catalogue import Catalogue
from orchestration.tools.sample_data.dates import EPOCH_1970, format_days
from orchestration.tools.sample_data.frames import object_frame

if TYPE_CHECKING:
    from orchestration.tools.sample_data.generator import MonthData, RegistryVersion

DEFECT_COLUMNS = (
    "period",
    "version",
    "source_file",
    "source_row",
    "column",
    "defect_kind",
    "expected_rule_id",
    "severity",
    "secondary_rule_ids",
    "original_value",
    "injected_value",
    "related_file",
    "related_row",
)
ACTS_FIRST_DATA_ROW = 2  # acts files carry the header only


SERVICES_BLOCK_ROWS = 50_000  # truth rows built at a time (small: see csvtext.BLOCK_ROWS)
# services.parquet: its columns and types, fixed so that every block (and month) agrees.
SERVICES_SCHEMA = pa.schema(
    [
        ("period", pa.string()),
        ("version", pa.int32()),
        ("source_file", pa.string()),
        ("source_row", pa.int64()),
        ("defect_kind", pa.string()),
        ("expected_rule_id", pa.string()),
        ("severity", pa.string()),
        ("row_ok", pa.bool_()),
        ("version_used", pa.bool_()),
        ("in_report", pa.bool_()),
        ("kato_code", pa.string()),
        ("region", pa.string()),
        ("client_id", pa.string()),
        ("identifier_kind", pa.string()),
        ("person_key", pa.string()),
        ("person_name", pa.string()),
        ("birth_date", pa.date32()),
        ("gender_code", pa.string()),
        ("age", pa.int64()),
        ("legal_form_code", pa.string()),
        ("sme_category_code", pa.string()),
        ("oked_section_code", pa.string()),
        ("oked_division_code", pa.string()),
        ("service_code", pa.string()),
        ("service_subtype_code", pa.string()),
        ("place_code", pa.string()),
        ("channel_code", pa.string()),
        ("provider_code", pa.string()),
        ("start_date", pa.date32()),
        ("end_date", pa.date32()),
        ("regular_client", pa.bool_()),
        ("act_row", pa.int64()),
    ]
)
TRUTH_OF = {  # services column -> the registry Table column holding its canonical value
    "kato_code": "t_kato",
    "region": "t_region",
    "client_id": "t_client_id",
    "identifier_kind": "t_identifier_kind",
    "gender_code": "t_gender",
    "age": "t_age",
    "legal_form_code": "t_legal_form",
    "sme_category_code": "t_sme_category",
    "oked_section_code": "t_oked_section",
    "oked_division_code": "t_oked_division",
    "service_code": "t_service",
    "service_subtype_code": "t_service_subtype",
    "place_code": "t_place",
    "channel_code": "t_channel",
    "provider_code": "t_provider",
    "regular_client": "t_regular_client",
}


def _dates(ordinals: np.ndarray) -> pa.Array:
    return pa.array((np.asarray(ordinals, dtype=np.int64) - EPOCH_1970).astype(np.int32), pa.date32())


def _iso_days(ordinals: np.ndarray) -> pa.Array:
    """'YYYY-MM-DD' per row, formatted once per distinct day."""
    days, inverse = np.unique(np.asarray(ordinals, dtype=np.int64), return_inverse=True)
    return pa.array(format_days(days, "%Y-%m-%d"), pa.string()).take(pa.array(inverse.astype(np.int32)))


def _by_value(values: np.ndarray, table: dict[str, str]) -> pa.Array:
    """``table[value]`` per row (missing: ''), looked up once per distinct value."""
    codes, uniques = pd.factorize(values)
    looked_up = pa.array([table.get(u, "") for u in uniques.tolist()], pa.string())
    return looked_up.take(pa.array(codes.astype(np.int32)))


def normalise_name(name: str) -> str:
    """The person-key name (issue 3): lower case, ё→е, single spaces."""
    return " ".join(name.lower().replace("ё", "е").split())


# What str.split() splits on (str.isspace): ASCII controls, NEL and the Unicode separators.
_WHITESPACE_RUN = r"[\t\n\x{0b}\x{0c}\r\x{1c}-\x{1f}\x{85}\p{Zs}\p{Zl}\p{Zp}]+"


# UTF-8 bytes that can start such whitespace (besides the single ASCII space), and "  ".
_WHITESPACE_BYTES = (
    *(bytes([b]) for b in (*range(0x09, 0x0E), *range(0x1C, 0x20))),
    b"\xc2\x85",
    b"\xc2\xa0",
    b"\xe1\x9a\x80",
    b"\xe2\x80",
    b"\xe2\x81\x9f",
    b"\xe3\x80\x80",
    b"  ",
)


def normalise_names(names: pa.Array) -> pa.Array:
    """``normalise_name`` with Arrow kernels, for a million names at once.

    The whitespace regex (costly over a million names: docs/performance.md) runs only if the
    bytes show something for it to collapse; generated names have single spaces.
    """
    lowered = pc.replace_substring(pc.utf8_lower(names), "ё", "е")
    data = lowered.buffers()[2]
    raw = data.to_pybytes() if data is not None else b""
    if any(pattern in raw for pattern in _WHITESPACE_BYTES):
        lowered = pc.replace_substring_regex(lowered, _WHITESPACE_RUN, " ")
    return pc.utf8_trim(lowered, " ")


def defects_manifest(cat: Catalogue, period: str, v: RegistryVersion, acts_file: str) -> pd.DataFrame:
    rows = v.rows
    hit = np.flatnonzero(rows["x_defect"] != "")
    sub = rows.take(hit)
    kind = sub["x_defect"]
    rule = np.array([defects.EXPECTED_RULE[k] for k in kind.tolist()], dtype=object)
    is_act_ref = np.isin(kind, ["act_date_mismatch", "act_service_mismatch"])
    is_dup = kind == "duplicate_row"
    related_row = np.where(
        is_act_ref,
        sub["x_act_row"] + ACTS_FIRST_DATA_ROW,
        np.where(is_dup, sub["x_related"] + v.first_data_row, -1),
    )
    out = object_frame(
        {
            "period": np.full(len(hit), period, dtype=object),
            "version": np.full(len(hit), v.version),
            "source_file": np.full(len(hit), v.relative_path, dtype=object),
            "source_row": hit + v.first_data_row,
            "column": sub["x_column"],
            "defect_kind": kind,
            "expected_rule_id": rule,
            "severity": np.array([cat.rule_severity[r] for r in rule.tolist()], dtype=object),
            "secondary_rule_ids": sub["x_secondary"],
            "original_value": sub["x_original"],
            "injected_value": sub["x_injected"],
            "related_file": np.where(is_act_ref, acts_file, np.where(is_dup, v.relative_path, "")),
        }
    )
    out["related_row"] = pd.array(np.where(related_row >= 0, related_row, 0), dtype="Int64")
    out.loc[related_row < 0, "related_row"] = pd.NA
    return out[list(DEFECT_COLUMNS)]


def services_blocks(cat: Catalogue, period: str, v: RegistryVersion, version_used: bool) -> Iterator[pa.Table]:
    """The truth of a version's rows, ``SERVICES_BLOCK_ROWS`` at a time (see the package docstring).

    Why blocks: a million-row version's truth is large as Arrow (docs/performance.md);
    ``write_truth`` streams the blocks into services.parquet, so that never exists at once.
    Text columns go to Arrow with ``pa.array`` and derived text (person key, rule, severity)
    is built by Arrow kernels or looked up once per distinct value.
    """
    rows = v.rows
    rule_of = {k: defects.EXPECTED_RULE.get(k, "") for k in (*defects.KINDS, "")}
    severity_of = {k: cat.rule_severity.get(r, "") for k, r in rule_of.items()}
    for lo in range(0, max(len(rows), 1), SERVICES_BLOCK_ROWS):
        hi = min(lo + SERVICES_BLOCK_ROWS, len(rows))
        n = hi - lo
        kind = rows["x_defect"][lo:hi]
        severity = _by_value(kind, severity_of)
        row_ok = pc.not_equal(severity, "error")
        names = normalise_names(pa.array(rows["t_person_name"][lo:hi], pa.string()))
        birth = rows["t_birth_date"][lo:hi]
        act_row = rows["x_act_row"][lo:hi]
        columns: dict[str, pa.Array] = {
            "period": pa.repeat(pa.scalar(period, pa.string()), n),
            "version": pa.array(np.full(n, v.version, dtype=np.int32)),
            "source_file": pa.repeat(pa.scalar(v.relative_path, pa.string()), n),
            "source_row": pa.array(np.arange(lo, hi, dtype=np.int64) + v.first_data_row),
            "defect_kind": pa.array(kind, pa.string()),
            "expected_rule_id": _by_value(kind, rule_of),
            "severity": severity,
            "row_ok": row_ok,
            "version_used": pa.repeat(pa.scalar(version_used), n),
            "in_report": pc.and_(row_ok, pa.scalar(version_used)),
            "person_key": pc.binary_join_element_wise(names, _iso_days(birth), "|"),
            "person_name": names,
            "birth_date": _dates(birth),
            "start_date": _dates(rows["t_start_date"][lo:hi]),
            "end_date": _dates(rows["t_end_date"][lo:hi]),
            "act_row": pa.array(act_row + ACTS_FIRST_DATA_ROW, mask=act_row < 0, type=pa.int64()),
        }
        for name, source in TRUTH_OF.items():
            columns[name] = pa.array(rows[source][lo:hi], SERVICES_SCHEMA.field(name).type)
        yield pa.table([columns[f.name] for f in SERVICES_SCHEMA], schema=SERVICES_SCHEMA)


def services_truth(cat: Catalogue, period: str, v: RegistryVersion, version_used: bool) -> pa.Table:
    """One row per registry row of a version (see the package docstring for the columns)."""
    return pa.concat_tables(services_blocks(cat, period, v, version_used))


def submissions_truth(m: MonthData) -> pd.DataFrame:
    """One row per registry version delivered; a month whose registry never arrived has one
    row with ``delivered`` false, timeliness 'not_delivered' and no file or submission time."""
    due = schedule.due_at(m.year, m.month)
    used = m.used_version
    rows = [
        {
            "period": m.period,
            "version": v.version,
            "source_file": v.relative_path,
            "submitted_at": v.submission.iso,
            "due_at": due.isoformat(),
            "timeliness": v.submission.timeliness,
            "on_time": v.submission.submitted_at <= due,
            "version_used": v.version == used,
            "data_rows": len(v.rows),
            "defects": int((v.rows["x_defect"] != "").sum()),
            "delivered": True,
        }
        for v in m.versions
    ]
    if not m.delivered:
        rows.append({"period": m.period, "version": 1, "source_file": "", "submitted_at": "",
                     "due_at": due.isoformat(), "timeliness": "not_delivered", "on_time": False,
                     "version_used": False, "data_rows": 0, "defects": 0, "delivered": False})
    return pd.DataFrame(rows)
