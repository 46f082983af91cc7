"""Bar charts drawn on the server as SVG: no script, no CDN, and the numbers also in a table."""

from __future__ import annotations

from dataclasses import dataclass

BAR_HEIGHT = 22
GAP = 8
LABEL_WIDTH = 260
PLOT_WIDTH = 360
WIDTH = LABEL_WIDTH + PLOT_WIDTH + 120


@dataclass(frozen=True)
class Bar:
    label: str
    value_text: str
    y: int
    width: int
    hidden: bool


@dataclass(frozen=True)
class Chart:
    height: int
    width: int
    label_width: int
    bars: list[Bar]


def bar_chart(rows: list[tuple[str, int | None, str]]) -> Chart:
    """One bar per (label, count or None when hidden, text shown); hidden counts as outlined stubs."""
    largest = max([count for _, count, _ in rows if count] or [1])
    bars = []
    for index, (label, count, text) in enumerate(rows):
        width = 12 if count is None else max(2, round(PLOT_WIDTH * count / largest))
        bars.append(Bar(label[:40], text, index * (BAR_HEIGHT + GAP), width, count is None))
    return Chart(max(1, len(rows)) * (BAR_HEIGHT + GAP), WIDTH, LABEL_WIDTH, bars)
