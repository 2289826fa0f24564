"""Contract of the phone-survey results (R3, Appendix 4).

Fixed by the regulation: question 2 is a 1–5 score ("по 5 бальной шкале"); questions 1,
3 and 4 are yes/no questions. The call outcome is one of seed ``call_outcomes`` (code
or Russian name) or its spellings in seed ``value_aliases``; answers are yes/no in
Russian, Kazakh or English plus the 'answer' spellings of ``value_aliases``. Values are
compared the way dbt staging looks them up (``contract.lookup_key``), so the contract
never rejects what staging would resolve.
"""

from __future__ import annotations

from schemas.contract import build_schema, one_of, score_1_to_5, spellings

# Yes and no in Russian, Kazakh and English, whatever the seeds add; seed value_aliases
# (domain 'answer') may add more, e.g. «частично» for question 3.
YES_NO = ("да", "нет", "иә", "жоқ", "yes", "no")
ANSWERS = list(dict.fromkeys([*YES_NO, *spellings("answer")]))
ANSWER_COLUMNS = ("q1_received", "q3_helped", "q4_interested")
OUTCOMES = spellings("call_outcome", "call_outcomes", ("outcome_code", "name_ru"))

SCHEMA = build_schema(
    "phone_survey",
    {
        "q2_quality": [score_1_to_5()],
        "call_outcome": [one_of(OUTCOMES, "one_of_call_outcomes")],
        **{name: [one_of(ANSWERS, "one_of_answers")] for name in ANSWER_COLUMNS},
    },
)
