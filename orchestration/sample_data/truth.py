"""Ground truth: what was injected where, and what every registry row really is.

Why a separate truth: tests of detection (every injected defect flagged by the right
rule, no clean row excluded) and of the indicators (I1-I9 computed independently of the
warehouse) need the generator's own answer, kept outside the landing folder.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
import pyarrow as pa

from orchestration.sample_data import defects, schedule
from orchestration.sample_data.catalogue import Catalogue
from orchestration.sample_data.dates import EPOCH_1970
from orchestration.sample_data.frames import object_frame

if TYPE_CHECKING:
    from orchestration.sample_data.generator import MonthData, RegistryVersion

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


def _dates(ordinals: np.ndarray) -> np.ndarray:
    return (np.asarray(ordinals, dtype=np.int64) - EPOCH_1970).astype("datetime64[D]")


def _strings(values: np.ndarray) -> pa.Array:
    """Object strings to Arrow through their distinct values (several times faster than pa.array)."""
    codes, uniques = pd.factorize(values)
    dictionary = pa.array(np.asarray(uniques, dtype=object), type=pa.string())
    return pa.DictionaryArray.from_arrays(pa.array(codes.astype(np.int32)), dictionary).cast(pa.string())


def normalise_name(name: str) -> str:
    """The person-key name (issue 3): lower case, ё→е, single spaces."""
    return " ".join(name.lower().replace("ё", "е").split())


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


def services_truth(cat: Catalogue, period: str, v: RegistryVersion, version_used: bool) -> pa.Table:
    """One row per registry row of a version (see the package docstring for the columns)."""
    rows = v.rows
    n = len(rows)
    kind = rows["x_defect"]
    kind_codes, kinds = pd.factorize(kind)
    kinds = np.asarray(kinds, dtype=object)
    rule = np.array([defects.EXPECTED_RULE.get(k, "") for k in kinds.tolist()], dtype=object)[kind_codes]
    severity = np.array(
        [cat.rule_severity.get(defects.EXPECTED_RULE.get(k, ""), "") for k in kinds.tolist()], dtype=object
    )[kind_codes]
    row_ok = severity != "error"
    codes, uniques = pd.factorize(rows["t_person_name"])
    names = np.array([normalise_name(n) for n in uniques.tolist()], dtype=object)[codes]
    birth = _dates(rows["t_birth_date"])
    act_row = rows["x_act_row"]
    columns = {
        "period": np.full(n, period, dtype=object),
        "version": np.full(n, v.version, dtype=np.int32),
        "source_file": np.full(n, v.relative_path, dtype=object),
        "source_row": np.arange(n, dtype=np.int64) + v.first_data_row,
        "defect_kind": kind,
        "expected_rule_id": rule,
        "severity": severity,
        "row_ok": row_ok,
        "version_used": np.full(n, version_used),
        "in_report": row_ok & version_used,
        "kato_code": rows["t_kato"],
        "region": rows["t_region"],
        "client_id": rows["t_client_id"],
        "identifier_kind": rows["t_identifier_kind"],
        "person_key": names + "|" + birth.astype(str).astype(object),
        "person_name": names,
        "birth_date": birth,
        "gender_code": rows["t_gender"],
        "age": rows["t_age"],
        "legal_form_code": rows["t_legal_form"],
        "sme_category_code": rows["t_sme_category"],
        "oked_section_code": rows["t_oked_section"],
        "oked_division_code": rows["t_oked_division"],
        "service_code": rows["t_service"],
        "service_subtype_code": rows["t_service_subtype"],
        "place_code": rows["t_place"],
        "channel_code": rows["t_channel"],
        "provider_code": rows["t_provider"],
        "start_date": _dates(rows["t_start_date"]),
        "end_date": _dates(rows["t_end_date"]),
        "regular_client": rows["t_regular_client"],
    }
    arrays = {k: _strings(v) if v.dtype == object else pa.array(v) for k, v in columns.items()}
    arrays["act_row"] = pa.array(act_row + ACTS_FIRST_DATA_ROW, mask=act_row < 0, type=pa.int64())
    return pa.table(arrays)


def submissions_truth(m: MonthData) -> pd.DataFrame:
    due = schedule.due_at(m.year, m.month)
    used = m.used_version
    return pd.DataFrame(
        [
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
            }
            for v in m.versions
        ]
    )
