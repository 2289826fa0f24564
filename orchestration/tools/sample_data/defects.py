"""Injected defects: each defective row carries exactly one, recorded for the manifest.

Why one per row: the validation layer must prove it flags every injected defect with the
right rule and excludes no clean row; one cause per row keeps that expectation exact.
Where a defect unavoidably trips a second rule, the manifest says so
(``secondary_rule_ids``): acts are signed with the client's EDS and carry the *true*
IIN/BIN and sub-type, so a registry row with a mistyped check digit has no act
(act_missing), and one with a wrong sub-type has an act for another sub-type
(act_service_mismatch).

Registry-side defects change the registry file (and a corrected v2 reverts them); act-side
defects (act_missing, act_date_mismatch, act_service_mismatch) change the acts file and so
persist into v2. Act-side defects target clients served exactly once in the year (the
month's fresh clients), so no other act of the same client can confirm the row.
"""

from __future__ import annotations

from datetime import date

import numpy as np

from orchestration.tools.sample_data import vocab
from orchestration.tools.sample_data.catalogue import Catalogue
from orchestration.tools.sample_data.dates import age_at, format_days
from orchestration.tools.sample_data.frames import Table

ACT_SIDE = ("act_missing", "act_date_mismatch", "act_service_mismatch")
REGISTRY_SIDE = (
    "iin_bin_check_digit",
    "iin_birth_date_mismatch",
    "start_after_end",
    "unknown_region",
    "duplicate_row",
    "iin_bin_leading_zero_restored",
    "email_invalid",
    "required_missing",
    "service_subtype_mismatch",
)
KINDS = REGISTRY_SIDE + ACT_SIDE
# defect kind -> the rule the validation layer must flag (ids from validation_rules.csv)
EXPECTED_RULE = {kind: kind for kind in KINDS}
SECONDARY_RULES = {"iin_bin_check_digit": "act_missing", "service_subtype_mismatch": "act_service_mismatch"}
# columns the validation rules name for act-side defects (validation_rules.csv column_name)
ACT_COLUMN = {"act_missing": "", "act_date_mismatch": "end_date", "act_service_mismatch": "service_subtype"}
REQUIRED_BLANKABLE = ("settlement", "enterprise_name", "client_full_name", "manager_full_name")
FUTURE_REGIONS = ("Абайская область", "Жетысуская область", "Улытауская область")
UNKNOWN_SUBTYPES = ("Прочие услуги", "Консультация", "Иное")


def plan(rng: np.random.Generator, n_rows: int, rate: float) -> dict[str, int]:
    """How many rows get each kind: ``round(rate * n_rows)`` split evenly, remainder by lot."""
    total = round(rate * n_rows)
    base, rest = divmod(total, len(KINDS))
    counts = dict.fromkeys(KINDS, base)
    for i in rng.choice(len(KINDS), rest, replace=False).tolist():
        counts[KINDS[i]] += 1
    return counts


def _mark(frame: Table, rows: np.ndarray, kind: str, column: str, original: object, injected: object) -> None:
    def spread(value: object) -> np.ndarray:
        if isinstance(value, str):
            return np.full(len(rows), value, dtype=object)
        return np.asarray(value, dtype=object)

    frame["x_defect"][rows] = spread(kind)
    frame["x_column"][rows] = spread(column)
    frame["x_original"][rows] = spread(original)
    frame["x_injected"][rows] = spread(injected)
    frame["x_secondary"][rows] = spread(SECONDARY_RULES.get(kind, ""))


def _pick(rng: np.random.Generator, candidates: np.ndarray, taken: np.ndarray, k: int) -> np.ndarray:
    pool = np.flatnonzero(candidates & ~taken)
    chosen = (
        np.sort(rng.choice(pool, min(k, len(pool)), replace=False))
        if k and len(pool)
        else np.array([], dtype=int)
    )
    taken[chosen] = True
    return chosen


def inject(
    rng: np.random.Generator,
    cat: Catalogue,
    clean: Table,
    counts: dict[str, int],
    first_day: int,
    last_day: int,
) -> Table:
    """``clean`` with defects applied and ``x_*`` columns describing them (changed in place).

    Duplicate copies are appended after their originals; the frame comes back in file order.
    """
    frame = clean  # modified in place: the clean frame is not needed afterwards
    n = len(frame)
    for column, default in (
        ("x_defect", ""),
        ("x_column", ""),
        ("x_original", ""),
        ("x_injected", ""),
        ("x_secondary", ""),
        ("x_act_subtype", ""),
    ):
        frame[column] = default
    frame["x_related"] = -1
    frame["x_act_date"] = -1
    taken = np.zeros(n, dtype=bool)
    fresh = ~frame["t_regular_client"]
    everyone = np.ones(n, dtype=bool)

    # Act-side first: they need the scarce single-visit clients.
    rows = _pick(rng, fresh, taken, counts["act_missing"])
    _mark(frame, rows, "act_missing", "", "", "")
    end = frame["end_date"]

    rows = _pick(rng, fresh, taken, counts["act_date_mismatch"])
    shift = rng.integers(1, 4, len(rows)) * np.where(rng.random(len(rows)) < 0.5, -1, 1)
    act_day = np.where(
        (end[rows] + shift > last_day) | (end[rows] + shift <= first_day),
        end[rows] - shift,
        end[rows] + shift,
    )
    frame["x_act_date"][rows] = act_day
    _mark(frame, rows, "act_date_mismatch", "end_date", format_days(end[rows]), format_days(act_day))

    rows = _pick(rng, fresh, taken, counts["act_service_mismatch"])
    subtype_index = {c: i for i, c in enumerate(cat.subtype_codes)}
    current = np.array([subtype_index[c] for c in frame["t_service_subtype"][rows]], dtype=int)
    other = (current + rng.integers(1, len(cat.subtype_codes), len(rows))) % len(cat.subtype_codes)
    frame["x_act_subtype"][rows] = np.array(cat.subtype_codes, dtype=object)[other]
    _mark(
        frame,
        rows,
        "act_service_mismatch",
        "service_subtype",
        frame["service_subtype"][rows],
        np.array(cat.subtype_names, dtype=object)[other],
    )

    iin = frame["iin_bin"]
    rows = _pick(rng, everyone, taken, counts["iin_bin_check_digit"])
    bad = np.array(
        [
            s[:11] + str((int(s[11]) + int(d)) % 10)
            for s, d in zip(iin[rows].tolist(), rng.integers(1, 10, len(rows)).tolist(), strict=True)
        ],
        dtype=object,
    )
    _mark(frame, rows, "iin_bin_check_digit", "iin_bin", iin[rows], bad)
    frame["iin_bin"][rows] = bad

    is_iin = frame["t_identifier_kind"] == "iin"
    rows = _pick(rng, is_iin, taken, counts["iin_birth_date_mismatch"])
    birth = frame["birth_date"]
    new_birth = birth[rows] - rng.integers(1, 400, len(rows))  # older, so never under 14
    _mark(
        frame, rows, "iin_birth_date_mismatch", "birth_date", format_days(birth[rows]), format_days(new_birth)
    )
    frame["birth_date"][rows] = new_birth
    frame["age"][rows] = age_at(new_birth, end[rows])  # the age agrees: only the IIN disagrees

    rows = _pick(rng, end < last_day, taken, counts["start_after_end"])
    room = np.minimum(10, last_day - end[rows])
    new_start = end[rows] + 1 + (rng.integers(0, 1 << 30, len(rows)) % room)
    _mark(
        frame,
        rows,
        "start_after_end",
        "start_date",
        format_days(frame["start_date"][rows]),
        format_days(new_start),
    )
    frame["start_date"][rows] = new_start

    rows = _pick(rng, everyone, taken, counts["unknown_region"])
    options = list(vocab.UNKNOWN_REGIONS)
    if not cat.region_exists("10", date.fromordinal(last_day)):
        options += FUTURE_REGIONS  # the 2022 oblasts before they existed
    names = np.array(options, dtype=object)[rng.integers(0, len(options), len(rows))]
    _mark(frame, rows, "unknown_region", "region", frame["region"][rows], names)
    frame["region"][rows] = names

    # exactly one leading zero, so the number Excel keeps has 11 digits (born 2001-2009)
    first_two = iin.astype("U2")
    zero = (first_two >= "01") & (first_two <= "09")
    wanted = counts["iin_bin_leading_zero_restored"]
    rows = _pick(rng, zero & is_iin, taken, wanted)  # the classic case: born 2000-2009
    rows = np.concatenate([rows, _pick(rng, zero, taken, wanted - len(rows))]).astype(int)
    mangled = np.array([s[1:] for s in iin[rows].tolist()], dtype=object)
    _mark(frame, rows, "iin_bin_leading_zero_restored", "iin_bin", iin[rows], mangled)
    frame["iin_bin"][rows] = mangled
    frame["x_iin_number"][rows] = True

    email = frame["email"]
    rows = _pick(rng, email != "", taken, counts["email_invalid"])
    how = rng.integers(0, 4, len(rows))
    broken = []
    for e, h in zip(email[rows].tolist(), how.tolist(), strict=True):
        local, domain = e.split("@")
        broken.append(
            (
                local + domain,
                f"{local}@{domain.replace('.', '')}",
                f"{local} @{domain}",
                f"{local}@@{domain}",
            )[h]
        )
    _mark(frame, rows, "email_invalid", "email", email[rows], broken)
    frame["email"][rows] = np.array(broken, dtype=object)

    rows = _pick(rng, everyone, taken, counts["required_missing"])
    columns = np.array(REQUIRED_BLANKABLE, dtype=object)[rng.integers(0, len(REQUIRED_BLANKABLE), len(rows))]
    for column in REQUIRED_BLANKABLE:
        sub = rows[columns == column]
        _mark(frame, sub, "required_missing", column, frame[column][sub], [""] * len(sub))
        frame[column][sub] = ""

    rows = _pick(rng, everyone, taken, counts["service_subtype_mismatch"])
    service_names = np.array(cat.service_names, dtype=object)
    subtype_names = np.array(cat.subtype_names, dtype=object)
    written_service = frame["service"][rows]
    wrong = []
    for s_name, r in zip(written_service.tolist(), rng.random(len(rows)).tolist(), strict=True):
        s = int(np.flatnonzero(service_names == s_name)[0])
        foreign = subtype_names[cat.subtype_service != s]
        wrong.append(UNKNOWN_SUBTYPES[int(r * 10) % 3] if r < 0.3 else foreign[int(r * 1000) % len(foreign)])
    _mark(frame, rows, "service_subtype_mismatch", "service_subtype", frame["service_subtype"][rows], wrong)
    frame["service_subtype"][rows] = np.array(wrong, dtype=object)

    originals = _pick(rng, everyone, taken, counts["duplicate_row"])
    return _with_duplicates(rng, frame, originals)


def _with_duplicates(rng: np.random.Generator, frame: Table, originals: np.ndarray) -> Table:
    """Insert exact copies of ``originals``, each a little after its original (one reorder in place)."""
    n = len(frame)
    position = np.concatenate(
        [
            np.arange(n, dtype=float),
            originals + rng.uniform(0.1, 1.0, len(originals)) * np.minimum(40, n - originals),
        ]
    )
    order = np.argsort(position, kind="stable")
    source = np.concatenate([np.arange(n), originals])[order]
    is_copy = order >= n
    frame.reorder(source)
    new_index = np.empty(len(order), dtype=np.int64)
    new_index[order] = np.arange(len(order))
    copies = np.flatnonzero(is_copy)
    frame["x_defect"][copies] = "duplicate_row"
    frame["x_related"][copies] = new_index[originals[order[copies] - n]]
    return frame
