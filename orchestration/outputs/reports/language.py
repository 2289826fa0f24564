"""The report's languages: Russian and Kazakh (the state language), one edition each.

A `Language` names the module holding every word of an edition (texts_ru, texts_kk: the same
public names), the suffix of the marts' and seeds' name columns the edition prints
(``region_name`` / ``region_name_kk``) and the suffix of its file names. The layout code is
written once and takes the language; the figures are read once and shared.
"""

from __future__ import annotations

from dataclasses import dataclass
from types import ModuleType

from orchestration.outputs.reports import texts_kk, texts_ru


@dataclass(frozen=True)
class Language:
    code: str  # 'ru' | 'kk'
    texts: ModuleType
    column_suffix: str  # of the name columns: '' (Russian) | '_kk'
    file_suffix: str  # of the report's files: 'report_<period>.docx' | 'report_<period>_kk.docx'


RUSSIAN = Language("ru", texts_ru, "", "")
KAZAKH = Language("kk", texts_kk, "_kk", "_kk")
LANGUAGES = {language.code: language for language in (RUSSIAN, KAZAKH)}


def languages(codes: tuple[str, ...]) -> tuple[Language, ...]:
    """The editions of settings.report_languages() ('ru', 'kk'), in that order."""
    return tuple(LANGUAGES[code] for code in codes)
