-- Personal data stays in raw: no staging or intermediate table has a column named like a
-- personal-data column of the forms (input_columns.personal_data) or like a phone/e-mail/
-- name/birth-date/IIN column.

select columns.table_schema, columns.table_name, columns.column_name
from information_schema.columns as columns
left join (
    select distinct column_name from {{ ref('input_columns') }} where personal_data
) as personal on personal.column_name = columns.column_name
where columns.table_schema in ('staging', 'intermediate')
    and (
        personal.column_name is not null
        or columns.column_name in ('iin_bin', 'iin', 'bin', 'birth_date', 'phone', 'email', 'full_name', 'client_name')
        or columns.column_name like '%full_name%'
    )
