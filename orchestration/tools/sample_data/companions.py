"""The inputs that accompany a month's registry: acts (R4), questionnaires (R2), phone calls (R3).

All three describe what really happened, so they use the true (``t_*``) values of a row,
not what the registry wrote — an act is signed with the client's EDS and carries the real
IIN/BIN, a questionnaire is filled by the client, a call reaches the real client. Frames
are keyed by the form's column names from input_columns.csv; dates are ordinals.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from orchestration.tools.sample_data import text, vocab
from orchestration.tools.sample_data.catalogue import Catalogue
from orchestration.tools.sample_data.dates import format_days
from orchestration.tools.sample_data.frames import Table, object_frame

SCORE_P = np.array([0.02, 0.03, 0.10, 0.30, 0.55])  # 1..5, skewed positive
QUESTIONNAIRE_SHARE = {"online": 0.30, "offline": 0.04}
CALL_SHARE = 0.02
MIN_CALLS_PER_MONTH = 10
CALL_COLUMNS = (  # the registry columns a call is made from
    "x_subtype",
    "end_date",
    "t_channel",
    "t_place_short",
    "settlement",
    "t_region",
    "t_client_id",
    "t_person_name",
    "t_mobile_phone",
    "t_work_phone",
    "t_manager",
)
OUTCOME_P = {"answered": 0.70, "no_answer": 0.15, "refused": 0.07, "wrong_number": 0.08}


def _names(cat: Catalogue, sub: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Service and sub-type names for sub-type positions in services.csv."""
    services = np.array(cat.service_names, dtype=object)[cat.subtype_service[sub]]
    return services, np.array(cat.subtype_names, dtype=object)[sub]


def make_acts(
    rng: np.random.Generator, cat: Catalogue, registry: Table, period: str, last_day: int
) -> tuple[pd.DataFrame, np.ndarray]:
    """One act per (client, service, sub-type, service date) that an act confirms.

    Returns the acts in file order and, per registry row, the index of its act (-1: none).
    """
    kind = registry["x_defect"]
    eligible = (kind != "duplicate_row") & (kind != "act_missing")
    act_date_shift = registry["x_act_date"]
    service_date = np.where(act_date_shift >= 0, act_date_shift, registry["end_date"])
    subtype = np.where(
        registry["x_act_subtype"] != "", registry["x_act_subtype"], registry["t_service_subtype"]
    )
    subtype_index = {c: i for i, c in enumerate(cat.subtype_codes)}
    subtype_no = registry["x_subtype"].copy()
    changed = np.flatnonzero(registry["x_act_subtype"] != "")
    subtype_no[changed] = [subtype_index[c] for c in subtype[changed].tolist()]
    # one act per (client, sub-type, service date): group rows on an integer key
    key = (registry["x_client"].astype(np.int64) * 64 + subtype_no) * 1024 + service_date % 1024
    _, group = np.unique(key, return_inverse=True)
    n_groups = group.max() + 1 if len(group) else 0
    present = np.zeros(n_groups, dtype=bool)
    present[group[eligible]] = True  # group ids are dense: a mask, not another unique (docs/performance.md)
    eligible_groups = np.flatnonzero(present)
    first_row = np.full(n_groups, -1, dtype=np.int64)
    rows_e = np.flatnonzero(eligible)
    first_row[group[rows_e][::-1]] = rows_e[::-1]  # the first eligible row of each group
    first_row = first_row[eligible_groups]
    n = len(first_row)
    day = service_date[first_row]
    act_date = np.maximum(
        np.minimum(day + np.where(rng.random(n) < 0.7, 0, rng.integers(1, 3, n)), last_day), day
    )
    online = registry["t_channel"][first_row] == "online"
    method = text.pick(
        [cat.confirmation_names[m] for m in ("eds", "two_factor", "three_factor")],
        np.where(~online, 0, np.where(rng.random(n) < 0.7, 1, 2)),
    )
    services, subtypes = _names(cat, subtype_no[first_row])
    client = registry["t_client_id"][first_row]
    order = np.lexsort((registry["x_client"][first_row], act_date))
    acts = object_frame(
        {
            "act_number": text.objects(text.join(f"АВР-{period}-", text.digits(np.arange(1, n + 1), 6))),
            "act_date": act_date[order],
            "iin_bin": client[order],
            "service": services[order],
            "service_subtype": subtypes[order],
            "service_date": day[order],
            "confirmation_method": method[order],
        }
    )
    position_of_group = np.full(len(first_row) and group.max() + 1, -1, dtype=np.int64)
    position_of_group[eligible_groups[order]] = np.arange(n)
    act_of = np.where(eligible, position_of_group[group] if n else -1, -1)
    return acts, act_of


def _options(rng: np.random.Generator, options: tuple[str, ...], counts: np.ndarray) -> np.ndarray:
    """For each row, ``counts[i]`` distinct options in catalogue order, joined by '; '.

    Vectorised: a random ranking per row picks the options; the chosen set becomes a bit
    mask, and each distinct mask is joined once.
    """
    m = len(options)
    ranks = np.argsort(rng.random((len(counts), m)), axis=1)
    chosen = np.arange(m)[None, :] < counts[:, None]
    masks = np.zeros(len(counts), dtype=np.int64)
    for j in range(m):
        masks |= np.where(chosen[:, j], 1 << ranks[:, j], 0)
    unique, inverse = np.unique(masks, return_inverse=True)
    table = np.array(
        ["; ".join(options[b] for b in range(m) if mask >> b & 1) for mask in unique.tolist()], dtype=object
    )
    return table[inverse]


def make_questionnaires(
    rng: np.random.Generator, cat: Catalogue, registry: Table, period: str, last_day: int
) -> pd.DataFrame:
    """Online quality questionnaires (Appendix 2) for a share of the month's services."""
    real = np.flatnonzero(registry["x_defect"] != "duplicate_row")
    online = registry["t_channel"][real] == "online"
    share = np.where(online, QUESTIONNAIRE_SHARE["online"], QUESTIONNAIRE_SHARE["offline"])
    rows = registry.take(
        real[rng.random(len(real)) < share],
        ["x_subtype", "end_date", "t_person_name", "t_client_id", "t_manager"],
    )
    n = len(rows)
    services, subtypes = _names(cat, rows["x_subtype"])
    end = rows["end_date"]
    base = rng.choice(5, n, p=SCORE_P) + 1
    scores = {}
    for column in ("score_usefulness", "score_organisation", "score_expectations", "score_satisfaction"):
        scores[column] = np.clip(base + rng.choice([-1, 0, 0, 0, 1], n), 1, 5)
    return object_frame(
        {
            "questionnaire_id": [f"АН-{period}-{i:05d}" for i in range(1, n + 1)],
            "fill_date": np.minimum(end + rng.integers(0, 4, n), last_day),
            "client_full_name": rows["t_person_name"],
            "iin_bin": rows["t_client_id"],
            "manager_full_name": rows["t_manager"],
            "service": services,
            "service_subtype": subtypes,
            "service_date": end,
            **scores,
            "visit_purpose": np.array(vocab.VISIT_PURPOSES, dtype=object)[
                rng.integers(0, len(vocab.VISIT_PURPOSES), n)
            ],
            "financial_support_wanted": _options(
                rng, cat.financial_options, rng.choice(3, n, p=[0.4, 0.45, 0.15])
            ),
            "non_financial_support_wanted": _options(
                rng, cat.non_financial_options, rng.choice(4, n, p=[0.35, 0.4, 0.2, 0.05])
            ),
        }
    )


def make_calls(
    rng: np.random.Generator, cat: Catalogue, registry: Table, quarter_end: int, error_kinds: frozenset[str]
) -> pd.DataFrame:
    """This month's share of the quarter's phone survey (Appendix 4), drawn from counted rows."""
    counted = np.flatnonzero(~np.isin(registry["x_defect"], list(error_kinds)))
    k = min(len(counted), max(MIN_CALLS_PER_MONTH, round(len(counted) * CALL_SHARE)))
    rows = registry.take(
        counted[np.sort(rng.choice(len(counted), k, replace=False))],
        CALL_COLUMNS,
    )
    services, subtypes = _names(cat, rows["x_subtype"])
    end = rows["end_date"]
    online = rows["t_channel"] == "online"
    where = np.where(online, "онлайн-формате", rows["t_place_short"] + " " + rows["settlement"])
    question = "Получали ли Вы консультацию либо услугу " + format_days(end) + " в " + where + "?"
    outcome_codes = np.array(list(OUTCOME_P), dtype=object)[
        rng.choice(len(OUTCOME_P), k, p=list(OUTCOME_P.values()))
    ]
    answered = outcome_codes == "answered"
    received = answered & (rng.random(k) < 0.95)
    interested = answered & (rng.random(k) < 0.45)
    instrument = np.array(cat.financial_options, dtype=object)[rng.integers(0, len(cat.financial_options), k)]
    call_date = np.minimum(end + rng.integers(5, 41, k), quarter_end + 10)
    return object_frame(
        {
            "region": rows["t_region"],
            "iin_bin": rows["t_client_id"],
            "client_full_name": rows["t_person_name"],
            "mobile_phone": rows["t_mobile_phone"],
            "work_phone": rows["t_work_phone"],
            "service": services,
            "service_subtype": subtypes,
            "service_date": end,
            "place_of_service": rows["t_place_short"],
            "settlement": rows["settlement"],
            "manager_full_name": rows["t_manager"],
            "question_1": question,
            "call_date": np.maximum(call_date, end + 1),
            "call_outcome": np.array([cat.outcome_names[c] for c in outcome_codes.tolist()], dtype=object),
            "q1_received": np.where(answered, np.where(received, "Да", "Нет"), ""),
            "q2_quality": np.where(received, (rng.choice(5, k, p=SCORE_P) + 1).astype(str), ""),
            "q3_helped": np.where(
                received,
                np.array(["Да", "Частично", "Нет"], dtype=object)[rng.choice(3, k, p=[0.6, 0.3, 0.1])],
                "",
            ),
            "q4_interested": np.where(answered, np.where(interested, "Да", "Нет"), ""),
            "q4_instrument": np.where(interested & (rng.random(k) < 0.8), instrument, ""),
        }
    )
