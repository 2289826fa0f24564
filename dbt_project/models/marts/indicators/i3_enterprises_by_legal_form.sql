-- I3 (clause 5.1 item 3): client enterprises by organisational-legal form, by region.
-- An enterprise is a client (distinct client_key): legal entities and individual
-- entrepreneurs alike, each under its legal form (ТОО, АО, ИП, КХ, …); one whose services
-- in a period carry two legal forms counts under each, once in totals.
-- Counting: macros/marts_clients_by.sql.

{{ marts_clients_by(['legal_form'], count_column='enterprises') }}
