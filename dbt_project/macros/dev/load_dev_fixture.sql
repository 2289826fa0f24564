{#-
    DEV ONLY. A small, hand-made set of raw rows that exercises every validation rule, act
    reconciliation and version choice end to end, for a scratch warehouse:

        MONITORING_WAREHOUSE_PATH=/tmp/scratch.duckdb .venv/bin/python -c "import duckdb; \
            from orchestration.warehouse.raw import ensure_raw_schema; \
            ensure_raw_schema(duckdb.connect('/tmp/scratch.duckdb'))"
        cd dbt_project && MONITORING_WAREHOUSE_PATH=/tmp/scratch.duckdb \
            ../.venv/bin/dbt run-operation load_dev_fixture --profiles-dir . && \
            MONITORING_WAREHOUSE_PATH=/tmp/scratch.duckdb ../.venv/bin/dbt build --profiles-dir .

    Names, identifiers, phones and e-mails below are invented (identifiers generated with
    orchestration.rules.identifiers so that their check digits are right where intended).
    It refuses to touch a warehouse that already holds other batches.
-#}
{% macro load_dev_fixture() %}
    {%- set registry_columns = form_columns('registry') -%}
    {#- source_row, then the 24 registry columns; row 4 is the first data row of the file -#}
    {%- set good = {
        'region': 'г. Алматы', 'settlement': 'Алматы', 'place_of_service': 'ЦОП',
        'enterprise_name': 'ТОО «Ромашка»', 'client_full_name': 'Иванова  Анна Петровна',
        'iin_bin': '100440000014', 'gender': 'ж', 'birth_date': '02.07.1990', 'age': '28',
        'disability': '', 'legal_form': 'ТОО', 'sme_category': 'Малое предпринимательство',
        'oked_sector': 'G - Оптовая и розничная торговля; ремонт автомобилей и мотоциклов',
        'oked_subsector': '46 Оптовая торговля, за исключением торговли автомобилями и мотоциклами',
        'service': 'Бухгалтерские услуги', 'service_subtype': 'Ведение бухгалтерского учета',
        'manager_full_name': 'Сейткали Марат', 'start_date': '2019-03-04', 'end_date': '2019-03-05',
        'work_phone': '8 727 250 10 10', 'mobile_phone': '+7 701 123 45 67', 'email': 'anna@example.kz',
        'provider': '', 'channel': '',
    } -%}
    {%- set ip = {
        'region': 'Aлматинская обл.', 'settlement': 'Талгар',
        'place_of_service': 'Мобильный центр поддержки предпринимательства',
        'enterprise_name': 'ИП Ахметов', 'client_full_name': 'Ахметов Ерлан Серикович',
        'iin_bin': '850314 300013', 'gender': 'Ер', 'birth_date': '14/03/1985', 'age': '34',
        'legal_form': 'ИП', 'sme_category': 'микро',
        'oked_sector': 'A Сельское, лесное и рыбное хозяйство', 'oked_subsector': '01',
        'service': 'Юридические услуги', 'service_subtype': 'Составление и экспертиза договоров',
        'manager_full_name': 'Сейткали  марат', 'start_date': '43538', 'end_date': '43539',
        'work_phone': '', 'mobile_phone': '87011234567', 'email': '',
    } -%}
    {%- set online = {
        'region': 'Nur-Sultan', 'settlement': 'Нур-Султан', 'place_of_service': 'Онлайн',
        'enterprise_name': 'ИП Касымов', 'client_full_name': 'Касымов Тимур',
        'iin_bin': '30520500015', 'gender': 'male', 'birth_date': '20-05-2003', 'age': '15',
        'legal_form': 'Индивидуальный предприниматель', 'sme_category': 'micro',
        'oked_sector': 'Информация и связь', 'oked_subsector': '62',
        'service': 'Информационно-технологические услуги',
        'service_subtype': 'Получение электронной цифровой подписи',
        'manager_full_name': 'Омарова Дана', 'start_date': '2019-03-20', 'end_date': '2019-03-20',
        'provider': 'Сервисная компания',
    } -%}
    {%- set v2_rows = [
        (4, good, {}),
        (5, ip, {}),
        (6, online, {}),
        (7, good, {'iin_bin': '100440000015'}),
        (8, ip, {'iin_bin': '721130400016', 'gender': 'жен.', 'birth_date': '30.11.1973', 'age': '45', 'client_full_name': 'Нурланова Гульнар'}),
        (9, ip, {'iin_bin': '900702400010', 'gender': 'М', 'birth_date': '1990-07-02', 'age': '28', 'client_full_name': 'Сапарова Айгерим'}),
        (10, good, {'legal_form': 'ТОО', 'iin_bin': '850314300013'}),
        (11, good, {'gender': 'x'}),
        (12, good, {'birth_date': '31.02.1980'}),
        (13, good, {'age': '40', 'iin_bin': '100440000024'}),
        (14, good, {'region': 'Марс'}),
        (15, good, {'region': 'Абайская область'}),
        (16, good, {'place_of_service': 'ЦОН'}),
        (17, good, {'legal_form': 'ООО'}),
        (18, good, {'sme_category': 'крупное'}),
        (19, good, {'oked_sector': 'Z Космос'}),
        (20, good, {'oked_sector': 'C. Обрабатывающая промышленность', 'oked_subsector': '01'}),
        (21, good, {'service': 'Стрижка'}),
        (22, good, {'service_subtype': 'Разработка бизнес-плана'}),
        (23, good, {'end_date': '31.02.2019'}),
        (24, good, {'start_date': '2019-03-20', 'end_date': '2019-03-10'}),
        (25, good, {'start_date': '2019-02-27', 'end_date': '2019-02-28'}),
        (26, good, {'start_date': '2019-05-01', 'end_date': '2019-05-10'}),
        (27, good, {'mobile_phone': '12345', 'iin_bin': '100440000034'}),
        (28, good, {'email': 'anna@', 'iin_bin': '100440000044'}),
        (29, good, {}),
        (30, good, {'gender': '', 'age': ' '}),
        (31, good, {'iin_bin': '990140004654'}),
        (32, good, {'iin_bin': '940140000385'}),
        (33, good, {'iin_bin': '120663000010', 'legal_form': 'КХ', 'service_subtype': 'Составление финансовой отчетности'}),
        (34, good, {'channel': 'телепатия'}),
        (35, good, {'provider': 'кто-то'}),
        (36, good, {'region': 'г. Астана', 'channel': 'Онлайн', 'iin_bin': '010109600013', 'legal_form': 'ИП', 'gender': 'Женский', 'birth_date': '09.01.2001', 'age': '18', 'client_full_name': 'Ерикова Алия'}),
    ] -%}
    {%- set v1_rows = [(4, good, {}), (5, ip, {}), (6, online, {})] -%}
    {%- set v2_batch = {'batch_id': 'registry/2019-03/v2', 'version': 2, 'submitted_at': '2019-04-03 10:00:00+06', 'rows': v2_rows} -%}
    {%- set v1_batch = {'batch_id': 'registry/2019-03/v1', 'version': 1, 'submitted_at': '2019-04-01 09:00:00+06', 'rows': v1_rows} -%}

    {%- set existing = run_query("select count(*) from raw.batches where batch_id not like '%/2019-03%' and batch_id not like '%/2019-Q1'").columns[0].values()[0] -%}
    {%- if existing > 0 -%}
        {{ exceptions.raise_compiler_error("load_dev_fixture: this warehouse holds other batches; use a scratch file") }}
    {%- endif -%}

    {%- set statements = [
        "delete from raw.registry_rows where period = '2019-03'",
        "delete from raw.acts_rows where period = '2019-03'",
        "delete from raw.questionnaires_rows where period = '2019-03'",
        "delete from raw.phone_survey_rows where period = '2019-Q1'",
        "delete from raw.batches where period in ('2019-03', '2019-Q1')",
    ] -%}
    {%- for batch in [v1_batch, v2_batch] -%}
        {%- set values = [] -%}
        {%- for source_row, base, overrides in batch['rows'] -%}
            {%- set cells = [] -%}
            {%- for column in registry_columns -%}
                {%- set value = overrides.get(column, base.get(column, good.get(column, ''))) -%}
                {#- rows that differ from `good` by one defect get their own service day, so that
                    they are not also duplicates of row 4 (row 29 is the deliberate duplicate) -#}
                {%- if column in ('start_date', 'end_date') and overrides and base is sameas good
                      and 'start_date' not in overrides and 'end_date' not in overrides -%}
                    {%- set value = '2019-03-' ~ ('%02d' | format(source_row - 6)) -%}
                {%- endif -%}
                {%- do cells.append("'" ~ (value | replace("'", "''")) ~ "'") -%}
            {%- endfor -%}
            {%- do values.append("('" ~ batch['batch_id'] ~ "', '2019-03', " ~ batch['version'] ~ ", 'registry/2019-03/v" ~ batch['version'] ~ ".xlsx', 'fixture', " ~ source_row ~ ", timestamptz '" ~ batch['submitted_at'] ~ "', timestamptz '" ~ batch['submitted_at'] ~ "', " ~ cells | join(', ') ~ ", null)") -%}
        {%- endfor -%}
        {%- do statements.append("insert into raw.registry_rows values " ~ values | join(',\n')) -%}
        {%- do statements.append("insert into raw.batches select '" ~ batch['batch_id'] ~ "', 'registry', '2019-03', " ~ batch['version'] ~ ", 'registry/2019-03/v" ~ batch['version'] ~ ".xlsx', 'fixture', " ~ batch['rows'] | length ~ ", timestamptz '" ~ batch['submitted_at'] ~ "', 'sidecar', timestamptz '" ~ batch['submitted_at'] ~ "', now()") -%}
    {%- endfor -%}

    {#- Acts: one per v2 row, except row 29's twin (4) gets a duplicate act, row 31 none
        (act_missing), row 32 a different date (act_date_mismatch), row 33 another sub-type
        (act_service_mismatch). -#}
    {%- do statements.append("""
        insert into raw.acts_rows
        select 'acts/2019-03', '2019-03', 1, 'acts/2019-03.xlsx', 'fixture', row_number() over (order by source_row, copy) + 1,
            timestamptz '2019-04-02 12:00:00+06', timestamptz '2019-04-02 12:00:00+06',
            'A-' || source_row || '-' || copy, end_date, iin_bin, service,
            case when source_row = 33 then 'Ведение бухгалтерского учета' else service_subtype end,
            case when source_row = 32 then '2019-03-06' else end_date end,
            case source_row % 3 when 0 then 'ЭЦП' when 1 then 'Двухфакторная аутентификация' else 'трехфакторная' end,
            null
        from raw.registry_rows, (select unnest([1, 2]) as copy)
        where batch_id = 'registry/2019-03/v2' and source_row <> 31 and (copy = 1 or source_row = 4)
    """) -%}
    {%- do statements.append("""
        insert into raw.questionnaires_rows values
        ('questionnaires/2019-03', '2019-03', 1, 'questionnaires/2019-03.xlsx', 'fixture', 2, timestamptz '2019-04-02 12:00:00+06', timestamptz '2019-04-02 12:00:00+06',
         'Q-1', '05.03.2019', 'Иванова Анна Петровна', '100440000014', 'Сейткали Марат', 'Бухгалтерские услуги', 'Ведение бухгалтерского учета', '2019-03-05',
         '5', '4', '5', '5', 'Консультация', 'Субсидирование процентной ставки вознаграждения; Получение грантового финансирования',
         'Участие в проекте «Школа молодого предпринимателя»', null),
        ('questionnaires/2019-03', '2019-03', 1, 'questionnaires/2019-03.xlsx', 'fixture', 3, timestamptz '2019-04-02 12:00:00+06', timestamptz '2019-04-02 12:00:00+06',
         'Q-2', '43539', 'Ахметов Ерлан', '850314300013', 'Сейткали Марат', 'Юридические услуги', 'Составление и экспертиза договоров', '',
         '6', '3.0', '', 'хорошо', '', 'Кредит под 0%', '', null)
    """) -%}
    {%- do statements.append("""
        insert into raw.phone_survey_rows values
        ('phone_survey/2019-Q1', '2019-Q1', 1, 'phone_survey/2019-Q1.xlsx', 'fixture', 2, timestamptz '2019-04-05 12:00:00+06', timestamptz '2019-04-05 12:00:00+06',
         '1', 'г. Алматы', '100440000014', 'Иванова Анна Петровна', '+7 701 123 45 67', '', 'Бухгалтерские услуги', 'Ведение бухгалтерского учета',
         '05.03.2019', 'ЦОП', 'Алматы', 'Сейткали Марат', 'Получали ли Вы услугу 05.03.2019 в ЦОП?', '2019-04-04', 'Ответил',
         'Да', '5', 'частично', 'Да', 'Получение грантового финансирования', null),
        ('phone_survey/2019-Q1', '2019-Q1', 1, 'phone_survey/2019-Q1.xlsx', 'fixture', 3, timestamptz '2019-04-05 12:00:00+06', timestamptz '2019-04-05 12:00:00+06',
         '2', 'Aлматинская обл.', '850314300013', '', '87011234567', '', 'Юридические услуги', '',
         '15.03.2019', 'МЦПП', '', '', '', '04.04.2019', 'Не отвечает',
         '', '', '', '', '', null)
    """) -%}
    {%- for input_name, batch_id, period, submitted in [
            ('acts', 'acts/2019-03', '2019-03', '2019-04-02 12:00:00+06'),
            ('questionnaires', 'questionnaires/2019-03', '2019-03', '2019-04-02 12:00:00+06'),
            ('phone_survey', 'phone_survey/2019-Q1', '2019-Q1', '2019-04-05 12:00:00+06')] -%}
        {%- do statements.append("insert into raw.batches select '" ~ batch_id ~ "', '" ~ input_name ~ "', '" ~ period ~ "', 1, '" ~ batch_id ~ ".xlsx', 'fixture', (select count(*) from raw." ~ input_name ~ "_rows where batch_id = '" ~ batch_id ~ "'), timestamptz '" ~ submitted ~ "', 'sidecar', timestamptz '" ~ submitted ~ "', now()") -%}
    {%- endfor -%}

    {%- for statement in statements -%}
        {%- do run_query(statement) -%}
    {%- endfor -%}
    {{ log("load_dev_fixture: loaded registry 2019-03 v1 (3 rows) and v2 (" ~ v2_rows | length ~ " rows), acts, questionnaires, phone survey 2019-Q1", info=true) }}
{% endmacro %}
