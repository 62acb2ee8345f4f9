"""The HTML report: one self-contained page (inline CSS and SVG, no script, no CDN) rendered
from the same dict as the JSON report by our own Jinja template."""

from __future__ import annotations

from functools import cache
from typing import Any

from jinja2 import Environment
from jinja2 import PackageLoader
from jinja2 import select_autoescape

WIDTH, HEIGHT, PAD = 760, 240, 44
PALETTE = (
    "#2563eb",
    "#dc2626",
    "#16a34a",
    "#9333ea",
    "#ea580c",
    "#0891b2",
    "#be185d",
    "#4d7c0f",
    "#854d0e",
    "#475569",
    "#ca8a04",
    "#0f766e",
    "#a21caf",
    "#65a30d",
    "#1e3a8a",
    "#9f1239",
)


@cache
def _environment() -> Environment:
    """Jinja with autoescaping (target URLs and messages come from outside)."""
    return Environment(
        loader=PackageLoader("mockscim.load", "templates"), autoescape=select_autoescape(["html", "j2"])
    )


def chart(lines: dict[str, list[tuple[float, float]]], unit: str) -> dict[str, Any]:
    """Coordinates for an SVG line chart: one polyline per label, axes scaled to the data."""
    points = [p for line in lines.values() for p in line]
    x_max = max((x for x, _ in points), default=1) or 1
    y_max = max((y for _, y in points), default=1) or 1

    def place(x: float, y: float) -> str:
        return (
            f"{PAD + x / x_max * (WIDTH - 2 * PAD):.1f},{HEIGHT - PAD - y / y_max * (HEIGHT - 2 * PAD):.1f}"
        )

    series = [
        {
            "label": label,
            "colour": PALETTE[i % len(PALETTE)],
            "points": " ".join(place(x, y) for x, y in line),
        }
        for i, (label, line) in enumerate(sorted(lines.items()))
    ]
    ticks = [
        {"y": HEIGHT - PAD - f * (HEIGHT - 2 * PAD), "label": f"{y_max * f:.0f}"}
        for f in (0, 0.25, 0.5, 0.75, 1)
    ]
    return {
        "width": WIDTH,
        "height": HEIGHT,
        "pad": PAD,
        "series": series,
        "ticks": ticks,
        "x_max": x_max,
        "unit": unit,
    }


def charts(timeline: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """Throughput per operation, and latency percentiles of all requests, over time."""
    throughput: dict[str, list[tuple[float, float]]] = {}
    for row in timeline:
        for op, point in row["operations"].items():
            throughput.setdefault(op, []).append((row["t"], point["requests"]))
    latency = {name: [(row["t"], row["all"][name]) for row in timeline] for name in ("p50", "p95", "p99")}
    return {"throughput": chart(throughput, "requests/s"), "latency": chart(latency, "ms")}


def render_html(report: dict[str, Any]) -> str:
    """The report page."""
    return (
        _environment().get_template("report.html.j2").render(report=report, charts=charts(report["timeline"]))
    )
