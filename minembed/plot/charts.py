r"""Training curves as SVG: the loss per step or epoch and the held-out accuracy, in stacked panels.

Drawn with :mod:`minembed.svg`'s primitives, no plotting library. Each panel has round ticks, a
legend above it, and dashed reference levels (the loss before training, a baseline accuracy), so a
curve is read against what it started from.
"""
import numpy as np

from . import svg
from .svg import text_width


COLOURS = ("#1f77b4", "#d62728", "#2ca02c", "#9467bd")


def curves_svg(path, panels, title=None, width=720, panel_height=230):
    """Write training curves to ``path`` as SVG: one panel per dict in ``panels``, stacked.

    A panel is ``{"xlabel": str, "ylabel": str, "lines": [line, ...], "levels": [(y, label), ...]}``;
    a line is ``{"label": str, "x": (n,), "y": (n,), "dots": bool, "faint": bool}``; ``levels``
    are dashed reference lines (e.g. the loss before training), named at their right end. The
    axes start at 0 when every value is >= 0 (steps, epochs, a loss), so a curve's fall is seen at
    its true size.
    """
    top = 46 if title else 16
    height = top + len(panels) * (panel_height + 30)
    body = [svg.text(width / 2, 28, title, size=17, anchor="middle", extra=' font-weight="bold"')] if title else []
    for panel in panels:
        body += _panel(panel, (76, top + 30, width - 24, top + panel_height - 30))
        top += panel_height + 30
    svg.write_svg(path, width, height, body)


def _panel(panel, frame):
    x0, y0, x1, y1 = frame
    lines = panel["lines"]
    for line in lines:
        svg.check_finite(np.asarray(line["y"], dtype=np.float64), f"curves_svg: {line['label']!r}")
    xs = np.concatenate([np.asarray(line["x"], dtype=np.float64) for line in lines])
    ys = np.concatenate([np.asarray(line["y"], dtype=np.float64) for line in lines]
                        + [np.array([y for y, _ in panel.get("levels", ())])])
    low = 0.0 if ys.min() >= 0 else ys.min()
    yticks = svg.nice_ticks(low, ys.max(), 5)
    xticks = svg.nice_ticks(0.0 if xs.min() >= 0 else xs.min(), xs.max(), 7)
    xlow, xhigh = min(xs.min(), xticks[0]), max(xs.max(), xticks[-1])
    px = lambda v: x0 + (np.asarray(v, dtype=np.float64) - xlow) / ((xhigh - xlow) or 1.0) * (x1 - x0)  # noqa: E731
    py = lambda v: y1 - (np.asarray(v, dtype=np.float64) - yticks[0]) / ((yticks[-1] - yticks[0]) or 1.0) * (y1 - y0)  # noqa: E731
    body = [f'<rect x="{x0}" y="{y0}" width="{x1 - x0}" height="{y1 - y0}" fill="none" stroke="#bbb"/>\n']
    for tick in yticks:
        body.append(svg.line(x0, py(tick), x1, py(tick), "#eee"))
        body.append(svg.text(x0 - 6, py(tick) + 3.5, svg.tick_label(tick), size=10, anchor="end", fill="#555"))
    for tick in xticks:
        if xlow <= tick <= xhigh:
            body.append(svg.line(px(tick), y1, px(tick), y1 + 4, "#888"))
            body.append(svg.text(px(tick), y1 + 16, svg.tick_label(tick), size=10, anchor="middle", fill="#555"))
    body.append(svg.text((x0 + x1) / 2, y1 + 32, panel["xlabel"], size=12, anchor="middle"))
    cy = (y0 + y1) / 2
    body.append(svg.text(22, cy, panel["ylabel"], size=12, anchor="middle", extra=f' transform="rotate(-90 22 {cy:.1f})"'))
    halo = ' stroke="white" stroke-width="3" paint-order="stroke"'
    for value, label in panel.get("levels", ()):
        body.append(svg.line(x0, py(value), x1, py(value), "#555", 1, ' stroke-dasharray="5 4" class="level"'))
        body.append(svg.text(x1 - 4, py(value) - 5, label, size=11, anchor="end", fill="#333", extra=halo))
    legend_x = x0
    for colour, line in zip(COLOURS, lines):
        x, y = px(line["x"]), py(line["y"])
        opacity = ' stroke-opacity="0.35"' if line.get("faint") else ""
        body.append(svg.polyline(x, y, colour, 1 if line.get("faint") else 2, f' class="curve"{opacity}'))
        if line.get("dots"):
            body += [f'<circle cx="{a:.1f}" cy="{b:.1f}" r="3.5" fill="{colour}"/>\n' for a, b in zip(x, y)]
        body.append(svg.line(legend_x, y0 - 12, legend_x + 20, y0 - 12, colour, 2.5, opacity))
        body.append(svg.text(legend_x + 25, y0 - 8, line["label"], size=12))
        legend_x += 40 + text_width(line["label"], 12)
    return body
