"""Charts for the places where a picture reads faster than a table.

Plain matplotlib on the Agg backend (no display on a server), rendered to PNG bytes at
print resolution and sized to the page so the document never rescales them. The functions
take labels and numbers only: what to draw is decided by the document writer, the wording
by texts_ru.
"""

from __future__ import annotations

import io
from collections.abc import Sequence

import matplotlib

matplotlib.use("Agg")  # before pyplot: a server has no display

import matplotlib.pyplot as plt  # noqa: E402
from matplotlib.ticker import FuncFormatter  # noqa: E402

from orchestration.outputs.reports.formatting import fmt_int, fmt_share  # noqa: E402

DPI = 200  # print resolution
WIDTH_IN = 20 / 2.54  # the width the document places a chart at, so fonts print at their size
COLOURS = ("#1f4e79", "#8fb4d9", "#c55a11", "#7f7f7f")
FONT = {"font.family": "DejaVu Sans", "font.size": 9}

Series = tuple[str, Sequence[float | None]]


def horizontal_bars(
    labels: Sequence[str],
    series: Sequence[Series],
    axis_label: str,
    *,
    share: bool = False,
    reference: tuple[str, float] | None = None,
    width_in: float = WIDTH_IN,
) -> bytes:
    """Grouped horizontal bars, first label at the top (the official order of regions reads down)."""
    height_in = max(2.2, 0.2 * len(labels) * max(1, len(series)) ** 0.6 + 0.9)
    with plt.rc_context(FONT):
        fig, ax = plt.subplots(figsize=(width_in, height_in), dpi=DPI)
        bar = 0.8 / len(series)
        positions = range(len(labels))
        biggest = max((v or 0 for _, values in series for v in values), default=0) or 1
        for index, (name, values) in enumerate(series):
            ys = [p + (index - (len(series) - 1) / 2) * bar for p in positions]
            xs = [v or 0 for v in values]
            ax.barh(ys, xs, height=bar * 0.92, color=COLOURS[index % len(COLOURS)], label=name)
            for y, v in zip(ys, values, strict=True):
                if v is not None:
                    ax.text(v + biggest * 0.01, y, _fmt(v, share), va="center", fontsize=7)
        ax.set_yticks(list(positions), labels)
        ax.invert_yaxis()
        ax.set_xlim(0, biggest * 1.12)
        ax.xaxis.set_major_formatter(FuncFormatter(lambda x, _: _fmt(x, share, axis=True)))
        ax.set_xlabel(axis_label)
        if reference is not None:
            ax.axvline(
                reference[1],
                color=COLOURS[2],
                linestyle="--",
                linewidth=1,
                label=f"{reference[0]}: {_fmt(reference[1], share)}",
            )
        _finish(ax, "x", legend=len(series) > 1 or reference is not None)
        return _png(fig)


def vertical_bars(
    labels: Sequence[str],
    series: Sequence[Series],
    axis_label: str,
    width_in: float = WIDTH_IN,
    height_in: float = 3.2,
) -> bytes:
    """Grouped vertical bars for an ordered scale (age groups)."""
    with plt.rc_context(FONT):
        fig, ax = plt.subplots(figsize=(width_in, height_in), dpi=DPI)
        bar = 0.8 / len(series)
        biggest = max((v or 0 for _, values in series for v in values), default=0) or 1
        for index, (name, values) in enumerate(series):
            xs = [p + (index - (len(series) - 1) / 2) * bar for p in range(len(labels))]
            ax.bar(
                xs,
                [v or 0 for v in values],
                width=bar * 0.92,
                color=COLOURS[index % len(COLOURS)],
                label=name,
            )
            for x, v in zip(xs, values, strict=True):
                if v is not None:
                    ax.text(x, v + biggest * 0.01, fmt_int(v), ha="center", va="bottom", fontsize=7)
        ax.set_xticks(range(len(labels)), labels)
        ax.set_ylim(0, biggest * 1.15)
        ax.yaxis.set_major_formatter(FuncFormatter(lambda y, _: fmt_int(y)))
        ax.set_ylabel(axis_label)
        _finish(ax, "y", legend=len(series) > 1)
        return _png(fig)


def monthly_lines(
    labels: Sequence[str],
    series: Sequence[Series],
    axis_label: str,
    width_in: float = WIDTH_IN,
    height_in: float = 3.4,
) -> bytes:
    """Lines over the months; a month without data (None) is a gap in its line, never a zero."""
    with plt.rc_context(FONT):
        fig, ax = plt.subplots(figsize=(width_in, height_in), dpi=DPI)
        biggest = max((v or 0 for _, values in series for v in values), default=0) or 1
        for index, (name, values) in enumerate(series):
            ys = [float("nan") if v is None else v for v in values]
            ax.plot(range(len(labels)), ys, marker="o", markersize=3, linewidth=1.4,
                    color=COLOURS[index % len(COLOURS)], label=name)
        ax.set_xticks(range(len(labels)), labels)
        ax.set_ylim(0, biggest * 1.15)
        ax.yaxis.set_major_formatter(FuncFormatter(lambda y, _: fmt_int(y)))
        ax.set_ylabel(axis_label)
        _finish(ax, "y", legend=True)
        return _png(fig)


def _fmt(value: float, share: bool, axis: bool = False) -> str:
    if share:
        return fmt_share(value, 0 if axis else 1)
    return fmt_int(value)


def _finish(ax: plt.Axes, grid_axis: str, legend: bool) -> None:
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    ax.grid(axis=grid_axis, color="#dddddd", linewidth=0.6)
    ax.set_axisbelow(True)
    if legend:
        # above the plot, so it never covers a bar
        ax.legend(frameon=False, loc="lower center", bbox_to_anchor=(0.5, 1.0), ncol=4, fontsize=8)


def _png(fig: plt.Figure) -> bytes:
    fig.tight_layout()
    # tight_layout leaves a placeholder layout engine behind, and savefig draws a figure with
    # any engine twice (a dry run to lay it out first): the layout is done, so drop it. The
    # PNG is byte for byte the same, and a chart is cheaper (docs/performance.md).
    fig.set_layout_engine(None)
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=DPI)
    plt.close(fig)
    return buffer.getvalue()
