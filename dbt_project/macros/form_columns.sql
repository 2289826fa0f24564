{#-
    The canonical columns of each input form, in form order: the raw tables hold exactly
    these (orchestration/warehouse/raw.py builds them from seeds/input_columns.csv). Staging
    needs them at compile time; tests/assert_form_columns_match_input_columns_seed.sql
    fails if this list and the seed ever disagree.
-#}
{% macro form_columns(input_name) -%}
    {%- set columns = {
        'registry': [
            'region', 'settlement', 'place_of_service', 'enterprise_name', 'client_full_name',
            'iin_bin', 'gender', 'birth_date', 'age', 'disability', 'legal_form', 'sme_category',
            'oked_sector', 'oked_subsector', 'service', 'service_subtype', 'manager_full_name',
            'start_date', 'end_date', 'work_phone', 'mobile_phone', 'email', 'provider', 'channel',
        ],
        'questionnaires': [
            'questionnaire_id', 'fill_date', 'client_full_name', 'iin_bin', 'manager_full_name',
            'service', 'service_subtype', 'service_date', 'score_usefulness', 'score_organisation',
            'score_expectations', 'score_satisfaction', 'visit_purpose', 'financial_support_wanted',
            'non_financial_support_wanted',
        ],
        'acts': [
            'act_number', 'act_date', 'iin_bin', 'service', 'service_subtype', 'service_date',
            'confirmation_method',
        ],
        'phone_survey': [
            'call_id', 'region', 'iin_bin', 'client_full_name', 'mobile_phone', 'work_phone',
            'service', 'service_subtype', 'service_date', 'place_of_service', 'settlement',
            'manager_full_name', 'question_1', 'call_date', 'call_outcome', 'q1_received',
            'q2_quality', 'q3_helped', 'q4_interested', 'q4_instrument',
        ],
    } -%}
    {{- return(columns[input_name]) -}}
{%- endmacro %}
