-- I2 (clause 5.1 item 2): clients by economic sector — OKED section (НК РК 03-2019) — by region.
-- A client whose services in a period carry two sections counts under each, once in totals.
-- Counting: macros/marts_clients_by.sql.

{{ marts_clients_by(['oked_section', 'oked_section_name']) }}
