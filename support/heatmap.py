"""The geometry of the report's "when tickets arrive" heatmap (weekday × hour), drawn as SVG by a
template. Pure Python: counts in, rectangles out."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

# Light to dark: no tickets, then five steps up to the busiest cell.
LEVEL_COLORS = ("#f1f3f8", "#dbe5fb", "#b3c8f5", "#7fa1ec", "#4a77dc", "#1f47b8")
# One colour per region's strip of on-shift hours (colour-blind friendly, from Okabe & Ito).
REGION_COLORS = ("#e69f00", "#009e73", "#cc79a7", "#d55e00", "#56b4e9", "#0072b2")
CELL_W, CELL_H, LEFT, TOP, STRIP, GAP = 26, 22, 52, 20, 5, 12


@dataclass(frozen=True)
class Cell:
    x: int
    y: int
    day: int
    hour: int
    count: int
    fill: str
    dark: bool  # the count is written in white
    uncovered: bool


@dataclass(frozen=True)
class Strip:
    x: int
    y: int
    width: int
    color: str
    code: str


@dataclass(frozen=True)
class Layout:
    width: int
    height: int
    cells: list[Cell]
    strips: list[Strip]
    day_rows: list[tuple[int, int]]  # (weekday, y of the label)
    hour_labels: list[tuple[int, str]]  # (x, "00")
    peak: int


def level(count: int, peak: int) -> int:
    if count <= 0 or peak <= 0:
        return 0
    return max(1, min(5, -(-5 * count // peak)))


def layout(
    counts: Sequence[Sequence[int]],
    *,
    uncovered: Sequence[Sequence[bool]],
    regions: Sequence[tuple[str, Sequence[Sequence[bool]]]] = (),
) -> Layout:
    """Cells for 7 weekdays × 24 hours (`counts[day][hour]`), cells marked `uncovered`, and under each
    day one thin strip per region (`regions`: code and on-shift[day][hour]) for its hours."""
    peak = max((max(row) for row in counts), default=0)
    row_height = CELL_H + len(regions) * STRIP + GAP
    cells, strips, day_rows = [], [], []
    for day in range(7):
        y = TOP + day * row_height
        day_rows.append((day, y + CELL_H // 2 + 4))
        for hour in range(24):
            x = LEFT + hour * CELL_W
            step = level(counts[day][hour], peak)
            cells.append(
                Cell(x, y, day, hour, counts[day][hour], LEVEL_COLORS[step], step >= 4, uncovered[day][hour])
            )
        for index, (code, on_shift) in enumerate(regions):
            color = REGION_COLORS[index % len(REGION_COLORS)]
            strip_y = y + CELL_H + index * STRIP + 1
            hour = 0
            while hour < 24:
                if not on_shift[day][hour]:
                    hour += 1
                    continue
                start = hour
                while hour < 24 and on_shift[day][hour]:
                    hour += 1
                strips.append(Strip(LEFT + start * CELL_W, strip_y, (hour - start) * CELL_W, color, code))
    return Layout(
        width=LEFT + 24 * CELL_W + 2,
        height=TOP + 7 * row_height,
        cells=cells,
        strips=strips,
        day_rows=day_rows,
        hour_labels=[(LEFT + hour * CELL_W + CELL_W // 2, f"{hour:02d}") for hour in range(0, 24, 3)],
        peak=peak,
    )
