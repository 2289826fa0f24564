-- I1 (clause 5.1 item 1): clients served, by region.
-- A client is a distinct client_key (the IIN/BIN, pseudonymised); a client served in two
-- regions counts in each, and once in the all-regions row. Counting: macros/marts_clients_by.sql.

{{ marts_clients_by([]) }}
