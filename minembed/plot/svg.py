r"""SVG by hand: the few primitives minembed's pictures are drawn with (see :mod:`minembed.viz`).

SVG is XML text a browser draws; a picture here is a list of element strings written into one
``<svg>`` file. Text is XML-escaped, so a label like ``<unk>`` or ``"&"`` cannot break the file,
and files are written atomically.

**How big is a label?** SVG does not say until a browser lays the text out, so labels are placed
with an *upper bound* of each character's width: no glyph of Helvetica/Arial (Liberation Sans) or
DejaVu Sans (what Linux uses when those are missing) is wider, so two boxes that do not overlap here
cannot overlap on screen:

    width(text) = font_size * sum(char_em(c) for c in text)      # 0.64 em for most lowercase letters
    box         = [x - anchor_shift, y - ASCENT * size] .. [.. + width, y + DESCENT * size]
"""
from xml.sax.saxutils import escape

import numpy as np

from ..core.fileio import atomic_write

FONT = "font-family:Helvetica,Arial,sans-serif"
ASCENT, DESCENT = 1.0, 0.25             # of the font size, above and below the baseline


def char_em(ch):
    """Upper bound of one character's width, in em (1 em = the font size): 0.64 for a digit or a
    lowercase letter but m and w, else 1 (no glyph of those fonts is wider).

    >>> char_em("e"), char_em("m"), char_em("W")
    (0.64, 1.0, 1.0)
    """
    return 0.64 if (ch.islower() and ch not in "mw") or ch.isdigit() else 1.0


def check_finite(array, what):
    """Refuse NaN and infinity: a picture of them would draw nothing, or garbage, silently."""
    if not np.all(np.isfinite(array)):
        raise ValueError(f"{what} contain NaN or infinity")


def text_width(text, size):
    """Upper bound of the width in pixels of ``text`` at font size ``size``: ``text_width("ab", 10) -> 12.8``."""
    return size * sum(char_em(ch) for ch in text)


def text_box(x, y, text, size, anchor="start"):
    """The box ``(x0, y0, x1, y1)`` that surely holds ``text`` drawn at baseline ``(x, y)``."""
    width = text_width(text, size)
    left = x - {"start": 0.0, "middle": width / 2, "end": width}[anchor]
    return (left, y - ASCENT * size, left + width, y + DESCENT * size)


def overlap(a, b):
    """Whether boxes ``(x0, y0, x1, y1)`` ``a`` and ``b`` overlap (touching edges do not)."""
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


# ---------------------------------------------------------------------------- elements
def text(x, y, content, size=12, anchor="start", fill="#222", cls=None, extra=""):
    """One ``<text>`` element (``content`` is escaped)."""
    klass = f' class="{cls}"' if cls else ""
    return (f'<text{klass} x="{x:.1f}" y="{y:.1f}" text-anchor="{anchor}" font-size="{size}" fill="{fill}"'
            f'{extra}>{escape(str(content))}</text>\n')


def line(x1, y1, x2, y2, stroke="#222", width=1.0, extra=""):
    return (f'<line x1="{x1:.1f}" y1="{y1:.1f}" x2="{x2:.1f}" y2="{y2:.1f}" stroke="{stroke}" '
            f'stroke-width="{width}"{extra}/>\n')


def polyline(xs, ys, stroke, width=1.5, extra=""):
    points = " ".join(f"{x:.1f},{y:.1f}" for x, y in zip(xs, ys))
    return f'<polyline points="{points}" fill="none" stroke="{stroke}" stroke-width="{width}"{extra}/>\n'


def arrow_head(marker_id, colour):
    """A ``<defs>`` with an arrow-head marker; use it as ``marker-end="url(#marker_id)"``."""
    return (f'<defs><marker id="{marker_id}" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="7" '
            f'markerHeight="7" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" fill="{colour}"/>'
            f'</marker></defs>\n')


def write_svg(path, width, height, body):
    """Write the elements ``body`` into an SVG file of ``width`` x ``height`` pixels on white."""
    head = (f'<svg xmlns="http://www.w3.org/2000/svg" width="{width:.0f}" height="{height:.0f}" '
            f'viewBox="0 0 {width:.0f} {height:.0f}" style="{FONT}">\n'
            f'<rect width="{width:.0f}" height="{height:.0f}" fill="white"/>\n')
    with atomic_write(path) as f:
        f.write('<?xml version="1.0" encoding="UTF-8"?>\n' + head + "".join(body) + "</svg>\n")


# ---------------------------------------------------------------------------- scales
def nice_ticks(low, high, count=5):
    """About ``count`` round tick values covering [low, high]: ``nice_ticks(0, 1) -> [0.0, 0.25, 0.5, 0.75, 1.0]``."""
    if not high > low:
        high = low + 1.0
    raw = (high - low) / max(count - 1, 1)
    power = 10.0 ** np.floor(np.log10(raw))
    step = next(m * power for m in (1, 2, 2.5, 5, 10) if m * power >= raw)
    first = np.floor(low / step + 1e-9) * step
    ticks = np.arange(first, high + step * 0.999, step)
    return [round(float(t), 10) for t in ticks]


def tick_label(value):
    """``0.25 -> "0.25"``, ``3.0 -> "3"``, ``1500.0 -> "1,500"``."""
    if abs(value - round(value)) < 1e-9:
        return f"{int(round(value)):,}"
    return f"{value:.3g}"


# viridis (matplotlib's perceptually uniform map) at 9 evenly spaced stops: dark purple -> yellow,
# never pale, so a weight near the middle of the scale is as readable as one at its ends
VIRIDIS = ((68, 1, 84), (71, 44, 122), (59, 81, 139), (44, 113, 142), (33, 144, 141), (39, 173, 129),
           (92, 200, 99), (170, 220, 50), (253, 231, 37))


def viridis(t):
    """The colour at ``t`` in [0, 1] as ``rgb(r,g,b)``, and whether dark text reads on it."""
    t = min(max(float(t), 0.0), 1.0) * (len(VIRIDIS) - 1)
    i = min(int(t), len(VIRIDIS) - 2)
    low, high = np.array(VIRIDIS[i]), np.array(VIRIDIS[i + 1])
    r, g, b = np.round(low + (high - low) * (t - i)).astype(int)
    luminance = 0.299 * r + 0.587 * g + 0.114 * b
    return f"rgb({r},{g},{b})", luminance > 140
