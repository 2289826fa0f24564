"""Realistic sample inputs for the monitoring pipeline, with a ground truth (issue 2).

``python -m orchestration.tools.sample_data --year 2019 --rows-per-month 20000 --defect-rate 0.03
--seed 7 --out data/landing [--truth-dir DIR] [--format xlsx|csv] [--encoding utf-8|cp1251]
[--months 1-12] [--missing-months 8] [--anomalies | --no-anomalies]`` writes, per month, into the
landing layout (a contract):

- ``registry/<YYYY-MM>/v<N>.xlsx`` (or ``.csv``) + ``v<N>.meta.json`` {"submitted_at": ISO
  with the Almaty offset}. xlsx: a title row, the header (titles from input_columns.csv),
  a row of column numbers 1..24, then data (first data row = 4). CSV: header then data
  (first data row = 2), ``;``-delimited, dates ``dd.mm.yyyy``. Month 2 of every year has a
  corrected v2, month 3 is late, and the seed picks one more of each (``schedule``).
- ``acts/<YYYY-MM>.xlsx`` and ``questionnaires/<YYYY-MM>.xlsx`` (header only, data from row
  2; ``.csv`` like the registry when ``--format csv``, so a million-row month stays quick),
  ``phone_survey/<YYYY-Qn>.xlsx`` (a title row, header on row 2, data from row 3; built
  from the months generated in the run). A month of ``--missing-months`` gets no registry
  file at all (it never arrives); its acts, questionnaires and calls are written.
- With ``--anomalies`` (the default from 1000 rows a month, so `make demo` has them) the year
  carries the data-quality review's anomalies (``anomalies``): a manager's 40 services on one
  day, 10 services on 1 January, a centre's fivefold month, a region's halved third quarter, a
  region-month with acts for 60 % of its services.

The ground truth goes to ``<out>/../sample_truth/`` (never inside the landing folder):

- ``defects.csv`` — one row per injected defect: period, version, source_file, source_row
  (the row number Excel shows), column (form column name; empty for duplicate_row and
  act_missing), defect_kind, expected_rule_id (validation_rules.csv), severity,
  secondary_rule_ids (a rule the defect also trips unavoidably, see ``defects``),
  original_value, injected_value (dates 'dd.mm.yyyy'; an Excel-mangled IIN/BIN as its 11
  digits — an IIN of someone born 2001-2009, else a BIN registered 2001-2009),
  related_file, related_row (duplicate_row: the original's row in the same file;
  act_date_mismatch / act_service_mismatch: the act's row in acts/<YYYY-MM>.xlsx, whose
  service_date / service_subtype holds the injected value).
- ``services.parquet`` — one row per registry row written, every version: period, version,
  source_file, source_row, defect_kind, expected_rule_id, severity, row_ok (no error-level
  defect), version_used (the version the report uses: the latest, none for a late month —
  R5/R7/R8), in_report (row_ok and version_used), kato_code, region (official name on the
  end date), client_id (true IIN/BIN), identifier_kind, person_key ("<normalised name>|<birth
  date ISO>"), person_name (normalised), birth_date, gender_code, age (on end_date),
  legal_form_code, sme_category_code, oked_section_code, oked_division_code, service_code,
  service_subtype_code, place_code, channel_code, provider_code, start_date, end_date,
  regular_client, act_row (the confirming act's row in the acts file, null if none).
  Values are the clean canonical ones even where a defect changed the written value.
- ``submissions.csv`` — period, version, source_file, submitted_at, due_at, timeliness
  (on_time | late | correction | not_delivered), on_time, version_used, data_rows, defects,
  delivered (false, with no file and no submitted_at, for a month whose registry never
  arrived; such a month has no rows in services.parquet or defects.csv).
- ``files.csv`` — input, period, version (1 for inputs other than the registry), source_file,
  data_rows, first_data_row.
- ``anomalies.csv`` (only with ``--anomalies``) — anomaly (manager_day_overload, new_year_block,
  centre_surge, region_drop, acts_gap), period, region_code, place_code (the surge centre),
  manager (the overloaded manager's name), day (ISO), services (planted, moved, dropped or left
  without an act; the surge: the centre's services that month).

The truth files describe the months of the last run only (they are overwritten).

Importable API (``generator``): ``GeneratorConfig``, ``generate_month(config, month) ->
MonthData`` (in memory), ``generate_year(config, out=None, truth_dir=None, months=...) ->
YearResult`` (with ``.defects``, ``.services``, ``.submissions``, ``.anomalies``, ``.phone_survey()``).
"""

from orchestration.tools.sample_data.generator import (
    Generator,
    GeneratorConfig,
    MonthData,
    RegistryVersion,
    YearResult,
    generate_month,
    generate_year,
)

__all__ = [
    "Generator",
    "GeneratorConfig",
    "MonthData",
    "RegistryVersion",
    "YearResult",
    "generate_month",
    "generate_year",
]
