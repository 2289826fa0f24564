"""What the engineer reads in the Dagster UI: Markdown tables, local times, Russian month names,
and the owners and tags every asset carries.

Metadata written here holds counts, codes, file names and reasons only, never a value read
from a registry row (personal data stays in the warehouse and the restricted files).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import dagster as dg

from orchestration.settings import TIMEZONE

# Who answers for the assets in the UI (a team, as Dagster's owners field takes it).
OWNERS = ["team:monitoring"]

MONTHS_RU = ("январь", "февраль", "март", "апрель", "май", "июнь", "июль", "август", "сентябрь",
             "октябрь", "ноябрь", "декабрь")


def asset_tags(layer: str, pii: bool) -> dict[str, str]:
    """The tags on every asset: its layer, and whether it holds personal data."""
    return {"layer": layer, "pii": "true" if pii else "false"}


def month_ru(period: str) -> str:
    """'2019-05' → 'май 2019'."""
    year, month = period.split("-")[:2]
    return f"{MONTHS_RU[int(month) - 1]} {year}"


def local_time(moment: datetime | None) -> str:
    """A moment as Asia/Almaty wall time with its offset ('2019-06-01 09:00:00+06:00'); '—' for none.

    A naive moment is taken as UTC (how the warehouse's timestamps without a zone are written)."""
    if moment is None:
        return "—"
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(ZoneInfo(TIMEZONE)).isoformat(sep=" ", timespec="seconds")


def local_time_metadata(moment: datetime | None) -> dg.MetadataValue:
    return dg.MetadataValue.text(local_time(moment))


def _cell(value: object) -> str:
    text = "—" if value is None or value == "" else str(value)
    # A pipe would end the cell, a newline the row; angle brackets would be read as HTML.
    return (text.replace("\\", "\\\\").replace("|", "\\|").replace("\n", " ")
            .replace("<", "&lt;").replace(">", "&gt;"))


def md_table(header: Sequence[str], rows: Iterable[Sequence[object]]) -> str:
    """A Markdown table (GitHub style, as Dagster's MetadataValue.md renders it)."""
    lines = ["| " + " | ".join(_cell(h) for h in header) + " |",
             "|" + "|".join("---" for _ in header) + "|"]
    lines += ["| " + " | ".join(_cell(v) for v in row) + " |" for row in rows]
    return "\n".join(lines)


def md_table_metadata(header: Sequence[str], rows: Iterable[Sequence[object]]) -> dg.MetadataValue:
    return dg.MetadataValue.md(md_table(header, rows))


def file_size_text(size: int) -> str:
    """Bytes as an engineer reads them: '12,3 КБ'."""
    for unit, scale in (("МБ", 1024 ** 2), ("КБ", 1024)):
        if size >= scale:
            return f"{size / scale:.1f} {unit}".replace(".", ",")
    return f"{size} Б"


def files_metadata(files: Sequence[Path], root: Path) -> dict[str, dg.MetadataValue]:
    """Each file as a path the UI can copy, and one table with their names and sizes."""
    present = [f for f in files if f.is_file()]
    metadata: dict[str, dg.MetadataValue] = {
        "files": md_table_metadata(
            ["Файл", "Размер"],
            [(f"`{_relative(f, root)}`", file_size_text(f.stat().st_size)) for f in present]),
        "file_count": dg.MetadataValue.int(len(present)),
        "total_bytes": dg.MetadataValue.int(sum(f.stat().st_size for f in present)),
    }
    for f in present:
        metadata[f"file: {_relative(f, root)}"] = dg.MetadataValue.path(str(f))
    return metadata


def _relative(path: Path, root: Path) -> str:
    try:
        return path.relative_to(root).as_posix()
    except ValueError:
        return path.name
