"""Line charts drawn as SVG on the server: the geometry of points, axes and labels.

Coordinates are floats (pixels, not money); the values they plot come as Decimals
and are shown as text by the page's table beside each chart.

>>> import datetime as dt
>>> chart = line_chart(
...     [dt.date(2003, 1, 31), dt.date(2003, 2, 28)],
...     {"Outstanding": [Decimal("0"), Decimal("100")]},
...     width=200, height=100,
... )
>>> chart.series[0].points
'40.0,80.0 190.0,10.0'
>>> chart.series[0].markers
((40.0, 80.0), (190.0, 10.0))

A single date sits in the middle of the width, and its point is drawn as a marker
(a polyline of one point draws nothing).
"""

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal

LEFT, RIGHT, TOP, BOTTOM = 40, 10, 10, 20


@dataclass(frozen=True)
class Series:
    name: str
    index: int  # the series' colour (a class of the stylesheet)
    points: str  # "x,y x,y …" for an SVG polyline; gaps where a value is missing split nothing
    markers: tuple[tuple[float, float], ...]  # the same points, each drawn as a dot


@dataclass(frozen=True)
class Chart:
    width: int
    height: int
    series: list[Series]
    x_labels: list[tuple[float, str]]
    y_labels: list[tuple[float, str]]
    zero_y: float | None  # where the value 0 is, when it is inside the range

    @property
    def empty(self) -> bool:
        return not any(s.points for s in self.series)


def line_chart(
    dates: Sequence[dt.date],
    series: Mapping[str, Sequence[Decimal | None]],
    *,
    width: int = 640,
    height: int = 220,
    unit: str = "money",
) -> Chart:
    """One line per series over `dates` (ascending), scaled to fit; None values are skipped."""
    values = [v for vs in series.values() for v in vs if v is not None]
    low = min([Decimal(0), *values])
    high = max([Decimal(0), *values])
    if high == low:
        high = low + 1
    first = dates[0].toordinal() if dates else 0
    span = (dates[-1].toordinal() - first) if len(dates) > 1 else 1

    def x(day: dt.date) -> float:
        if len(dates) == 1:
            return round(LEFT + (width - LEFT - RIGHT) / 2, 1)
        return round(LEFT + (day.toordinal() - first) / span * (width - LEFT - RIGHT), 1)

    def y(value: Decimal) -> float:
        share = float((value - low) / (high - low))
        return round(TOP + (1 - share) * (height - TOP - BOTTOM), 1)

    lines = []
    for index, (name, vs) in enumerate(series.items()):
        markers = tuple((x(d), y(v)) for d, v in zip(dates, vs, strict=True) if v is not None)
        lines.append(Series(name, index, " ".join(f"{a},{b}" for a, b in markers), markers))
    ticks = [dates[0], dates[len(dates) // 2], dates[-1]] if dates else []
    x_labels = [(x(d), d.isoformat()) for d in dict.fromkeys(ticks)]
    y_labels = [(y(v), _short(v, unit)) for v in (high, (high + low) / 2, low)]
    return Chart(width, height, lines, x_labels, y_labels, y(Decimal(0)) if low < 0 else None)


def _short(value: Decimal, unit: str) -> str:
    """An axis label: "$12.5M", "$850K", "15%"."""
    if unit == "percent":
        return f"{value * 100:.0f}%"
    size = abs(value)
    if size >= 1_000_000:
        return f"${value / 1_000_000:.1f}M"
    if size >= 1_000:
        return f"${value / 1_000:.0f}K"
    return f"${value:.0f}"
