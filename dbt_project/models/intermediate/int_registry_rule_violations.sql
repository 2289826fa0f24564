-- The validation rules of the registry (issue 3, "Validated layer"): every rule a row
-- breaks, one row per (registry row, rule). This file is the one place the row rules are
-- written; their ids, severities and titles are seeds/validation_rules.csv (kind = 'row').
-- Messages name the column and the bad value, except for personal data (IIN/BIN, names,
-- birth date, phones, e-mail), whose values are never repeated here.

with

-- read where it is used (each reader scans only its columns; materialised, the whole
-- registry was copied and spilled)
services as not materialized (
    select * from {{ ref('stg_registry__services') }}
),

rules as (
    select rule_id, severity, sort_order
    from {{ ref('validation_rules') }}
    where kind = 'row'
),

form_columns as (
    select column_name, title_ru, required
    from {{ ref('input_columns') }}
    where input = 'registry'
),

column_titles as (
    select map(list(column_name), list(title_ru)) as title_by_column from form_columns
),

required_columns as (
    select list(column_name) as required_columns from form_columns where required
),

-- the first row of a batch with the same client, person, service, sub-type and dates counts.
-- Rows are grouped by a 64-bit hash of those six values (a window over the values themselves
-- held gigabytes at 14M rows), and a later row is a duplicate only when the first row of its
-- group holds the very same values: a hash collision can never make a row a duplicate.
keyed_rows as (
    select
        batch_id,
        source_row,
        hash(client_key, person_key, service_code, subtype_code, start_date, end_date) as duplicate_key
    from services
    where client_key is not null
        and person_key is not null
        and service_code is not null
        and subtype_code is not null
        and start_date is not null
        and end_date is not null
),

group_firsts as (
    select
        batch_id,
        source_row,
        min(source_row) over (partition by batch_id, duplicate_key) as first_source_row
    from keyed_rows
),

duplicate_rows as (
    select
        group_firsts.batch_id,
        group_firsts.source_row,
        group_firsts.first_source_row
    from group_firsts
    inner join services as later
        on later.batch_id = group_firsts.batch_id
        and later.source_row = group_firsts.source_row
    inner join services as earlier
        on earlier.batch_id = group_firsts.batch_id
        and earlier.source_row = group_firsts.first_source_row
    where group_firsts.first_source_row < group_firsts.source_row
        and later.client_key = earlier.client_key
        and later.person_key = earlier.person_key
        and later.service_code = earlier.service_code
        and later.subtype_code = earlier.subtype_code
        and later.start_date = earlier.start_date
        and later.end_date = earlier.end_date
),

checked as (
    select
        services.*,
        list_filter(services.empty_columns, lambda c: list_contains(required_columns.required_columns, c))
            as missing_required_columns,
        duplicate_rows.first_source_row
    from services
    cross join required_columns
    left join duplicate_rows
        on duplicate_rows.batch_id = services.batch_id
        and duplicate_rows.source_row = services.source_row
),

violations as (
    select batch_id, source_row, 'required_missing' as rule_id,
        array_to_string(missing_required_columns, ', ') as column_name,
        'не заполнено' as detail
    from checked where len(missing_required_columns) > 0

    union all
    select batch_id, source_row, 'iin_bin_format', 'iin_bin',
        'должен состоять из 12 цифр, в ячейке ' || iin_bin_length || ' знак(ов) без пробелов'
    from checked where iin_bin_status = 'bad_format'

    union all
    select batch_id, source_row, 'iin_bin_leading_zero_restored', 'iin_bin',
        '11 цифр: ведущий ноль утрачен (число в Excel) и восстановлен, контрольный разряд верен'
    from checked where iin_bin_status = 'leading_zero_restored'

    union all
    select batch_id, source_row, 'iin_bin_check_digit', 'iin_bin',
        'неверный контрольный разряд (Постановление Правительства РК № 406)'
    from checked where iin_bin_status = 'ok' and not iin_bin_check_digit_ok

    union all
    select batch_id, source_row, 'iin_birth_date_mismatch', 'birth_date',
        'не совпадает с датой рождения в ИИН индивидуального предпринимателя (цифры 1–7)'
    from checked where not iin_birth_date_agrees and is_individual_entrepreneur is distinct from false

    union all
    select batch_id, source_row, 'iin_gender_mismatch', 'gender',
        'пол «' || gender_text || '» не совпадает с 7-й цифрой ИИН индивидуального предпринимателя'
    from checked where not iin_gender_agrees and is_individual_entrepreneur is distinct from false

    union all
    select batch_id, source_row, 'identifier_kind_mismatch', 'legal_form',
        'для формы «' || legal_form_text || '» требуется '
        || case legal_form_identifier_kind when 'iin' then 'ИИН' when 'bin' then 'БИН' else 'ИИН или БИН' end
        || ', а указан '
        || case identifier_kind when 'iin' then 'ИИН' when 'bin' then 'БИН'
            else 'номер, не являющийся ни ИИН, ни БИН (5-я цифра)' end
    from checked
    -- legal_forms.identifier_kind: 'iin', 'bin', or 'iin_or_bin' where the law allows both
    -- (personal or joint individual entrepreneurship; the seed cites the articles)
    where iin_bin_status in ('ok', 'leading_zero_restored')
        and legal_form_code is not null
        and not coalesce(
            identifier_kind = legal_form_identifier_kind
            or (legal_form_identifier_kind = 'iin_or_bin' and identifier_kind in ('iin', 'bin')),
            false
        )

    union all
    select batch_id, source_row, 'gender_unknown', 'gender',
        'значение «' || gender_text || '» не распознано'
    from checked where gender_text is not null and gender_code is null

    union all
    select batch_id, source_row, 'birth_date_invalid', 'birth_date',
        case
            when birth_date_status = 'unparseable' then 'дата не распознана или невозможна'
            else 'возраст на дату окончания услуги ' || age_at_service || ' — вне допустимых 14–100 лет'
        end
    from checked
    where birth_date_status = 'unparseable' or age_at_service not between 14 and 100

    union all
    select batch_id, source_row, 'age_mismatch', 'age',
        'указано «' || age_text || '», по дате рождения на дату окончания услуги — ' || age_at_service
    from checked
    where age_text is not null and age_at_service is not null and reported_age is distinct from age_at_service

    union all
    select batch_id, source_row, 'unknown_region', 'region',
        'значение «' || region_text || '» не найдено в справочнике областей, действующем на дату услуги'
    from checked where region_text is not null and region_code is null

    union all
    select batch_id, source_row, 'unknown_place_of_service', 'place_of_service',
        'значение «' || place_of_service_text || '» — не ЦОП, ЦПП, МЦПП и не онлайн'
    from checked where place_of_service_text is not null and place_code is null

    union all
    select batch_id, source_row, 'unknown_channel', 'channel',
        'значение «' || channel_text || '» — не онлайн и не офлайн'
    from checked where channel_text is not null and channel_code is null

    union all
    select batch_id, source_row, 'unknown_provider', 'provider',
        'значение «' || provider_text || '» — не оператор и не сервисная компания'
    from checked where provider_text is not null and provider_code is null

    union all
    select batch_id, source_row, 'unknown_legal_form', 'legal_form',
        'значение «' || legal_form_text || '» не найдено в справочнике'
    from checked where legal_form_text is not null and legal_form_code is null

    union all
    select batch_id, source_row, 'unknown_sme_category', 'sme_category',
        'значение «' || sme_category_text || '» — не микро, малое или среднее предпринимательство'
    from checked where sme_category_text is not null and sme_category_code is null

    union all
    select batch_id, source_row, 'unknown_oked_sector', 'oked_sector',
        'значение «' || oked_sector_text || '» не найдено в ОКЭД (НК РК 03-2019)'
    from checked where oked_sector_text is not null and oked_section is null

    union all
    select batch_id, source_row, 'oked_subsector_mismatch', 'oked_subsector',
        case
            when oked_division is null then 'значение «' || oked_subsector_text || '» не найдено в ОКЭД'
            else 'раздел ' || oked_division || ' относится к секции ' || oked_division_section
                || ', а не к секции ' || oked_section
        end
    from checked
    where oked_subsector_text is not null
        and (oked_division is null or (oked_section is not null and oked_division_section <> oked_section))

    union all
    select batch_id, source_row, 'unknown_service', 'service',
        'значение «' || service_text || '» не найдено в перечне услуг'
    from checked where service_text is not null and service_code is null

    union all
    select batch_id, source_row, 'service_subtype_mismatch', 'service_subtype',
        case
            when subtype_code is null then 'значение «' || service_subtype_text || '» не найдено в перечне подвидов'
            else 'подвид «' || service_subtype_text || '» не относится к услуге «' || service_text || '»'
        end
    from checked
    where service_subtype_text is not null
        and (subtype_code is null or (service_code is not null and subtype_service_code <> service_code))

    union all
    select batch_id, source_row, 'date_invalid',
        case
            when start_date is null and start_date_text is not null
                and end_date is null and end_date_text is not null then 'start_date, end_date'
            when start_date is null and start_date_text is not null then 'start_date'
            else 'end_date'
        end,
        'дата не распознана или невозможна: «'
        || array_to_string(list_filter([
            case when start_date is null then start_date_text end,
            case when end_date is null then end_date_text end
        ], lambda t: t is not null), '», «') || '»'
    from checked
    where (start_date is null and start_date_text is not null)
        or (end_date is null and end_date_text is not null)

    union all
    select batch_id, source_row, 'start_after_end', 'start_date',
        'начало ' || strftime(start_date, '%d.%m.%Y') || ' позже окончания ' || strftime(end_date, '%d.%m.%Y')
    from checked where start_date > end_date

    union all
    select batch_id, source_row, 'end_outside_month', 'end_date',
        strftime(end_date, '%d.%m.%Y') || ' — вне отчетного месяца ' || strftime(reporting_month, '%m.%Y')
    from checked where date_trunc('month', end_date) <> reporting_month

    union all
    select batch_id, source_row, 'future_date',
        case when end_date > submitted_on then 'end_date' else 'start_date' end,
        strftime(greatest(start_date, end_date), '%d.%m.%Y') || ' — позже даты представления реестра '
        || strftime(submitted_on, '%d.%m.%Y')
    from checked where start_date > submitted_on or end_date > submitted_on

    union all
    select batch_id, source_row, 'phone_invalid',
        case
            when not work_phone_ok and not mobile_phone_ok then 'work_phone, mobile_phone'
            when not mobile_phone_ok then 'mobile_phone'
            else 'work_phone'
        end,
        'не казахстанский номер из 11 цифр (+7 или 8)'
    from checked where not work_phone_ok or not mobile_phone_ok

    union all
    select batch_id, source_row, 'email_invalid', 'email',
        'не имеет вида имя@домен.зона'
    from checked where not email_ok

    union all
    select batch_id, source_row, 'duplicate_row', 'client_full_name, iin_bin, service, service_subtype, start_date, end_date',
        'повтор строки ' || first_source_row || ' (тот же клиент, услуга, подвид и даты); учитывается первая строка'
    from checked where first_source_row < source_row
),

described as (
    select
        violations.batch_id,
        violations.source_row,
        violations.rule_id,
        violations.column_name,
        '«' || array_to_string(
            list_transform(string_split(violations.column_name, ', '), lambda c: coalesce(column_titles.title_by_column[c], c)),
            '», «'
        ) || '»: ' || violations.detail as message_ru
    from violations
    cross join column_titles
),

final as (
    select
        described.batch_id || ':' || described.source_row || ':' || described.rule_id as violation_id,
        described.batch_id,
        services.period,
        services.version,
        described.source_row,
        described.rule_id,
        rules.severity,
        rules.sort_order as rule_sort_order,
        described.column_name,
        described.message_ru
    from described
    inner join rules on rules.rule_id = described.rule_id
    inner join services
        on services.batch_id = described.batch_id
        and services.source_row = described.source_row
)

select * from final
