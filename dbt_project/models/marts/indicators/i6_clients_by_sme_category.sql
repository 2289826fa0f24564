-- I6 (clause 5.1 item 6): clients by entrepreneurship category (micro / small / medium,
-- Entrepreneurial Code art. 24), by region. A client whose category changed within a period
-- counts under each, once in totals. Counting: macros/marts_clients_by.sql.

{{ marts_clients_by(['sme_category', 'sme_category_sort_order']) }}
