r"""Pictures of vectors: PCA by SVD, and self-contained SVG files (no plotting library).

**PCA.** Word vectors live in 64 or 100 dimensions; to look at them we project onto the
two directions along which they vary most. With the ``n`` rows of ``X`` (n, d) centred,

    X_c = X - mean(X, axis=0)                       # (n, d)
    X_c = U S V^T                                   # thin SVD: U (n, r), S (r,), V (d, r)

the columns of ``V`` are the principal directions, sorted by singular value, and

    projections         = X_c V[:, :k]  (= U[:, :k] * S[:k])       # (n, k)
    explained variance  = S^2 / (n - 1)                             # variance along each direction
    explained ratio     = S^2 / sum(S^2)

An SVD is unique only up to the sign of each (u_j, v_j) pair, so the sign is fixed: in
each direction ``v_j`` the entry of largest magnitude is made positive (scikit-learn's
convention since 1.5, so both give the same picture). The same data always gives the same
picture. The explained ratios say how much of the picture is the truth: if PC1 and PC2 hold
a small share of the variance, two words close on the page may be far apart in the full space.

**Pictures** (drawn with :mod:`minembed.svg`'s primitives): :func:`scatter_svg` writes one
``<circle>`` and one ``<text>`` per point, axis labels, and optionally arrows between labelled
points (e.g. man -> woman beside king -> queen: in a good embedding the arrows are nearly
parallel), with a legend; labels are placed so that no two overlap (:func:`place_labels`).
:func:`attention_svg` draws one sentence's attention matrix as a grid of coloured cells with
a colour scale marking the uniform level 1/T. Training curves are in :mod:`minembed.charts`.
"""
import math

from xml.sax.saxutils import escape

import numpy as np

from . import svg
from .svg import text_width

# ---------------------------------------------------------------------------- PCA
class PCAResult:
    """What :func:`pca` returns: ``projections`` (n, k), ``components`` (k, d) (rows are the
    directions ``V[:, j]``), ``explained_variance`` (k,), ``explained_variance_ratio`` (k,),
    ``mean`` (d,)."""

    def __init__(self, projections, components, explained_variance, explained_variance_ratio, mean):
        self.projections = projections
        self.components = components
        self.explained_variance = explained_variance
        self.explained_variance_ratio = explained_variance_ratio
        self.mean = mean

    def transform(self, X):
        """Project new rows onto the same directions: ``(X - mean) @ components.T``."""
        return (np.asarray(X, dtype=np.float64) - self.mean) @ self.components.T


def pca(X, n_components=2):
    """Principal component analysis of the rows of ``X`` (n, d) by SVD; see the module docstring.

    >>> result = pca([[0, 0], [1, 1], [2, 2]], n_components=1)
    >>> result.components.round(3).tolist(), result.projections.ravel().round(3).tolist()
    ([[0.707, 0.707]], [-1.414, 0.0, 1.414])
    """
    X = np.asarray(X, dtype=np.float64)
    if X.ndim != 2:
        raise ValueError(f"pca expects a 2-D array (n_points, n_features), got shape {X.shape}")
    n, d = X.shape
    if n < 2:
        raise ValueError(f"pca needs at least 2 points, got {n}")
    if not 1 <= n_components <= min(n, d):
        raise ValueError(f"n_components must be between 1 and min(n_points, n_features) = {min(n, d)}, "
                         f"got {n_components}")
    if not np.all(np.isfinite(X)):
        raise ValueError("pca: X contains NaN or infinity")
    mean = X.mean(axis=0)                                           # (d,)
    centred = X - mean                                              # (n, d)
    U, S, Vt = np.linalg.svd(centred, full_matrices=False)          # (n, r), (r,), (r, d)
    largest = np.argmax(np.abs(Vt), axis=1)                         # (r,) biggest entry of each v_j
    signs = np.sign(Vt[np.arange(len(Vt)), largest])
    signs[signs == 0] = 1.0
    Vt = Vt * signs[:, None]
    U = U * signs[None, :]
    k = n_components
    variance = S ** 2 / (n - 1)                                     # (r,)
    total = variance.sum()
    ratio = variance / total if total > 0 else np.zeros_like(variance)
    return PCAResult(U[:, :k] * S[:k], Vt[:k], variance[:k], ratio[:k], mean)


def _check_labels(labels, n, what):
    labels = [str(label) for label in labels]
    if len(labels) != n:
        raise ValueError(f"{len(labels)} labels for {n} {what}; give exactly one label each")
    return labels


# ---------------------------------------------------------------------------- scatter
ARROW = "#c0392b"
DOT = "#2c7bb6"
LABEL_SIZE = 13


MAX_LABEL = 24          # characters; a longer label is shortened with "…"


def scatter_svg(points, labels, path, title=None, arrows=(), width=720, height=560, caption=None,
                xlabel=None, ylabel=None, arrow_legend=None):
    """Write a labelled 2-D scatter plot of ``points`` (n, 2) to ``path`` as SVG.

    ``arrows`` is a list of ``(from_label, to_label)`` pairs drawn as arrows between those
    points (pairs naming an unknown label raise ``ValueError``), explained above the plot by
    ``arrow_legend`` (e.g. ``"male -> female"``). x and y share one scale, so distances and angles
    in the picture are the true ones of the projection. ``xlabel``/``ylabel`` name the axes (e.g.
    ``"PC1: 23% of the variance"``); ``caption`` is small text under the plot (``\n`` breaks lines). No two
    labels overlap: if the frame is too crowded for that, the picture grows until they fit (up to 12
    times by 20%), and if they still do not, the last labels are left off their dots. A label longer
    than MAX_LABEL characters is shortened with "…". Either way the caption says so: a picture never
    fails for its labels.
    """
    points = np.asarray(points, dtype=np.float64)
    if points.ndim != 2 or points.shape[1] != 2:
        raise ValueError(f"scatter_svg expects points of shape (n, 2), got {points.shape}; "
                         "project them first, e.g. with pca(X).projections")
    svg.check_finite(points, "scatter_svg: points")
    labels = _check_labels(labels, len(points), "points")
    index = {label: i for i, label in enumerate(labels)}
    for pair in arrows:
        missing = [label for label in pair if label not in index]
        if missing:
            raise ValueError(f"arrow {tuple(pair)}: no point labelled {missing[0]!r}")
    given = caption.split("\n") if caption else []
    shown = [label if len(label) <= MAX_LABEL else label[:MAX_LABEL - 1] + "…" for label in labels]
    n_short = sum(a != b for a, b in zip(shown, labels))
    given += [f"{n_short} label{'s' if n_short > 1 else ''} longer than {MAX_LABEL} characters shortened "
              "with …"] if n_short else []
    for keep in (len(labels), 3 * len(labels) // 4, len(labels) // 2, len(labels) // 4, 0):
        captions = given + ([f"{len(labels) - keep} of the {len(labels)} labels left out: no room for them "
                             "without overlaps"] if keep < len(labels) else [])
        size = (width, height)
        for _ in range(12 if keep == len(labels) else 1):   # each try 20% larger, until the labels fit
            frame = (64, 72 if arrows else 50, size[0] - 16, size[1] - 46 - 16 * len(captions))   # x0, y0, x1, y1
            to_pixels = _Pixels(points, frame[0] + 14, frame[1] + 14, frame[2] - 14, frame[3] - 14)
            xy = to_pixels(points)                                                  # (n, 2)
            segments = [(*xy[index[a]], *xy[index[b]]) for a, b in arrows]
            spots = place_labels(xy[:keep], shown[:keep], frame, segments)
            if spots is not None:
                break
            size = (size[0] * 1.2, size[1] * 1.2)
        if spots is not None:
            break
        width, height = size                        # (the fewer labels go on the largest picture tried)
    width, height = size
    spots = list(spots) + [None] * (len(labels) - keep)
    body = []
    if title:
        body.append(svg.text(width / 2, 28, title, size=18, anchor="middle", extra=' font-weight="bold"'))
    if arrows:
        body.append(svg.arrow_head("head", ARROW))
        legend = f"arrows: {arrow_legend or 'from the first word of each pair to the second'}"
        x = (width - 30 - text_width(legend, 12)) / 2
        body.append(svg.line(x, 52, x + 24, 52, ARROW, 1.5, ' marker-end="url(#head)"'))
        body.append(svg.text(x + 30, 56, legend, size=12))
    body += _axes(to_pixels, frame, xlabel, ylabel)
    for k, line in enumerate(captions):
        body.append(svg.text(width / 2, height - 10 - 16 * (len(captions) - 1 - k), line, size=12, anchor="middle",
                             fill="#555"))
    for x1, y1, x2, y2 in segments:
        (x1, y1), (x2, y2) = _shorten(np.array([x1, y1]), np.array([x2, y2]), 6)
        body.append(svg.line(x1, y1, x2, y2, ARROW, 1.5, ' class="arrow" marker-end="url(#head)"'))
    for (x, y), label, spot in zip(xy, shown, spots):
        dot = f'<circle cx="{x:.1f}" cy="{y:.1f}" r="4" fill="{DOT}"/>'
        if spot is None:                            # a label left out: the dot alone
            body.append(f'<g class="point">{dot}</g>\n')
            continue
        tx, ty, leader = spot
        lead = svg.line(*leader, "#777", 0.8) if leader else ""
        body.append(f'<g class="point">{lead}{dot}' + svg.text(tx, ty, label, size=LABEL_SIZE).rstrip("\n") + "</g>\n")
    svg.write_svg(path, width, height, body)


def _axes(to_pixels, frame, xlabel, ylabel):
    """The frame, round ticks on both axes (one scale), dashed lines through 0, the axis names."""
    x0, y0, x1, y1 = frame
    body = [f'<rect x="{x0}" y="{y0}" width="{x1 - x0:.1f}" height="{y1 - y0:.1f}" fill="none" stroke="#bbb"/>\n']
    (left, bottom), (right, top) = to_pixels.inverse([[x0, y1], [x1, y0]])     # the frame in data units
    for tick in svg.nice_ticks(left, right, 6):
        p = to_pixels([[tick, 0.0]])[0, 0]
        if x0 <= p <= x1:
            body.append(svg.line(p, y1, p, y1 + 4, "#888"))
            body.append(svg.text(p, y1 + 16, svg.tick_label(tick), size=10, anchor="middle", fill="#555"))
            if tick == 0:
                body.append(svg.line(p, y0, p, y1, "#ccc", 1, ' stroke-dasharray="4 3"'))
    for tick in svg.nice_ticks(bottom, top, 6):
        p = to_pixels([[0.0, tick]])[0, 1]
        if y0 <= p <= y1:
            body.append(svg.line(x0 - 4, p, x0, p, "#888"))
            body.append(svg.text(x0 - 6, p + 3.5, svg.tick_label(tick), size=10, anchor="end", fill="#555"))
            if tick == 0:
                body.append(svg.line(x0, p, x1, p, "#ccc", 1, ' stroke-dasharray="4 3"'))
    if xlabel:
        body.append(svg.text((x0 + x1) / 2, y1 + 32, xlabel, size=13, anchor="middle"))
    if ylabel:
        cy = (y0 + y1) / 2
        body.append(svg.text(20, cy, ylabel, size=13, anchor="middle", extra=f' transform="rotate(-90 20 {cy:.1f})"'))
    return body


def place_labels(xy, labels, frame, segments=(), size=LABEL_SIZE, dot_radius=4.0):
    """Where each label goes: a list of ``(x, y, leader)`` (text baseline, anchor "start"; ``leader``
    is ``None`` or a line ``(x1, y1, x2, y2)`` from the dot to a label placed away from it), or
    ``None`` if some label finds no free place.

    The rule, deterministic and greedy in the order given: each label's box
    (:func:`minembed.svg.text_box`, an upper bound of the drawn text) goes to the free position
    nearest its dot, where free means inside ``frame`` ``(x0, y0, x1, y1)``, overlapping no label
    placed before and no dot; crossing an arrow in ``segments`` costs 30 px of distance. The
    candidates are the positions of a 4-pixel grid within 24 px of the classic spot (right of the
    dot), else within 80, else of an 8-pixel grid within 240 px: a free place is found if there is
    one anywhere near.
    """
    xy = np.asarray(xy, dtype=np.float64)
    height = (svg.ASCENT + svg.DESCENT) * size
    r = dot_radius + 1.5
    dots = np.column_stack([xy - r, xy + r])                                    # (n, 4)
    samples = _segment_samples(segments)                                        # (s, 2)
    placed, spots = np.zeros((0, 4)), []
    for (x, y), label in zip(xy, labels):
        width = text_width(label, size)
        for dx, dy in SEARCH:                                                   # nearby first, then wider
            # boxes (m, 4); offset (0, 0) is the classic spot: starting 7 px right of the dot, centred on it
            left, top = x + 7 + dx, y - height / 2 + dy
            boxes = np.column_stack([left - 1, top - 1, left + width + 1, top + height + 1])   # 1 px to spare
            reach = (x - 300 - width, y - 240, x + 300 + width, y + 240)
            free = ((boxes[:, 0] >= frame[0]) & (boxes[:, 2] <= frame[2])
                    & (boxes[:, 1] >= frame[1]) & (boxes[:, 3] <= frame[3])
                    & ~_any_overlap(boxes, _near(placed, reach)) & ~_any_overlap(boxes, _near(dots, reach)))
            if free.any():
                break
        else:
            return None
        gap_x = np.maximum(np.maximum(boxes[:, 0] - x, x - boxes[:, 2]), 0)
        gap_y = np.maximum(np.maximum(boxes[:, 1] - y, y - boxes[:, 3]), 0)
        cost = np.hypot(gap_x, gap_y) + 0.01 * np.hypot(dx, dy)                 # nearest, then nearest the classic spot
        if len(samples):
            cost = cost + 30.0 * _any_inside(samples, boxes)
        best = int(np.argmin(np.where(free, cost, np.inf)))
        box = boxes[best]
        placed = np.vstack([placed, box])
        leader = None
        if np.hypot(gap_x[best], gap_y[best]) > 9:                              # away from its dot: draw a leader
            near = (min(max(x, box[0]), box[2]), min(max(y, box[1]), box[3]))
            leader = (*_shorten(np.array([x, y]), np.array(near), 5)[0], *near)
        spots.append((float(box[0] + 1), float(box[1] + 1 + svg.ASCENT * size), leader))
    return spots


def _grid(reach, step=4.0):
    """All offsets (dx, dy) of a square grid within ``reach`` pixels: two (m,) arrays."""
    axis = np.arange(-reach, reach + step / 2, step)
    return [g.ravel() for g in np.meshgrid(axis, axis)]


SEARCH = (_grid(24), _grid(80), _grid(240, step=8.0))     # where place_labels looks, nearest window first


def _near(boxes, region):
    """The rows of ``boxes`` (k, 4) that overlap ``region`` (cheap pre-filter before the (m, k) test)."""
    keep = (boxes[:, 0] < region[2]) & (region[0] < boxes[:, 2]) & (boxes[:, 1] < region[3]) & (region[1] < boxes[:, 3])
    return boxes[keep]


def _any_overlap(boxes, others):
    """(m,) whether each of ``boxes`` (m, 4) overlaps any of ``others`` (k, 4)."""
    if len(others) == 0:
        return np.zeros(len(boxes), dtype=bool)
    a, b = boxes[:, None, :], others[None, :, :]
    return ((a[..., 0] < b[..., 2]) & (b[..., 0] < a[..., 2])
            & (a[..., 1] < b[..., 3]) & (b[..., 1] < a[..., 3])).any(axis=1)


def _segment_samples(segments, per_segment=16):
    """Points along each arrow (s, 2), to test which label boxes an arrow crosses."""
    t = np.linspace(0, 1, per_segment)[:, None]
    return np.concatenate([np.array([x1, y1]) + t * np.array([x2 - x1, y2 - y1])
                           for x1, y1, x2, y2 in segments]) if segments else np.zeros((0, 2))


def _any_inside(points, boxes):
    """(m,) whether any of ``points`` (s, 2) lies in each of ``boxes`` (m, 4)."""
    px, py = points[None, :, 0], points[None, :, 1]
    return ((boxes[:, :1] < px) & (px < boxes[:, 2:3]) & (boxes[:, 1:2] < py) & (py < boxes[:, 3:4])).any(axis=1)


class _Pixels:
    """Data coordinates -> pixels in the box (left, top, right, bottom): same scale on both axes,
    centred, y pointing up. ``inverse`` maps pixels back to data."""

    def __init__(self, points, left, top, right, bottom):
        low, high = points.min(axis=0), points.max(axis=0)
        span = np.where(high - low > 0, high - low, 1.0)
        scale = min((right - left) / span[0], (bottom - top) / span[1])
        self.centre_data = (low + high) / 2
        self.centre_box = np.array([(left + right) / 2, (top + bottom) / 2])
        self.scale = scale * np.array([1.0, -1.0])

    def __call__(self, points):
        return self.centre_box + (np.asarray(points, dtype=np.float64) - self.centre_data) * self.scale  # (n, 2)

    def inverse(self, pixels):
        return self.centre_data + (np.asarray(pixels, dtype=np.float64) - self.centre_box) / self.scale


def _shorten(start, end, gap):
    """The segment start -> end with ``gap`` pixels cut off both ends (arrows stop at the dots)."""
    direction = end - start
    length = math.hypot(*direction)
    if length <= 2 * gap:
        return start, end
    unit = direction / length
    return start + gap * unit, end - gap * unit


# ---------------------------------------------------------------------------- attention heatmap
def attention_svg(matrix, tokens, path, title=None, cell=44):
    """Write an attention matrix (T, T) as an SVG heatmap with the tokens along both axes.

    Row ``i`` (token on the left) is the query: its cells show how much token i attends to
    each token j (column, label on top); every row of a softmax attention sums to 1, so a row
    that attends to all T tokens equally reads 1/T in every cell. The colour (viridis: dark
    purple -> yellow) runs from 0 to a round number just above the largest weight, so a
    near-uniform map still shows its differences; the colour scale on the right marks 1/T.
    Each cell also prints its weight.
    """
    matrix = np.asarray(matrix, dtype=np.float64)
    if matrix.ndim != 2 or matrix.shape[0] != matrix.shape[1]:
        raise ValueError(f"attention_svg expects a square (T, T) matrix, got shape {matrix.shape}")
    svg.check_finite(matrix, "attention_svg: the matrix")
    T = len(matrix)
    tokens = _check_labels(tokens, T, "rows of the attention matrix")
    ticks = svg.nice_ticks(0.0, max(float(matrix.max()), 1.0 / T), 5)
    top_value = ticks[-1]
    label_width = 8 + max(text_width(t, 13) for t in tokens)
    left, top = label_width + 30, (60 if title else 30) + label_width * 0.87
    bar_x = left + T * cell + 24
    uniform_text = f"uniform 1/T = 1/{T} = {1 / T:.3f}"
    width = max(bar_x + 22 + text_width(uniform_text, 11) + 10, text_width(title or "", 16) + 40)
    height = top + T * cell + 56
    body = []
    if title:
        body.append(svg.text(width / 2, 28, title, size=16, anchor="middle", extra=' font-weight="bold"'))
    body.append(svg.text(left + T * cell / 2, 50 if title else 20, "attends to (key) →", size=12,
                         anchor="middle", fill="#555"))
    cy = top + T * cell / 2
    body.append(svg.text(14, cy, "query (reads) →", size=12, anchor="middle", fill="#555",
                         extra=f' transform="rotate(-90 14 {cy:.1f})"'))
    for j, token in enumerate(tokens):                              # column labels, rotated
        x, y = left + (j + 0.5) * cell, top - 6
        body.append(svg.text(x, y, token, size=13, cls="key", extra=f' transform="rotate(-60 {x:.1f} {y:.1f})"'))
    for i, token in enumerate(tokens):                              # row labels
        body.append(svg.text(left - 6, top + (i + 0.5) * cell + 4, token, size=13, anchor="end", cls="query"))
        for j in range(T):
            x, y0 = left + j * cell, top + i * cell
            colour, light = svg.viridis(matrix[i, j] / top_value)
            body.append(f'<rect class="cell" x="{x:.1f}" y="{y0:.1f}" width="{cell}" height="{cell}" '
                        f'fill="{colour}" stroke="white"><title>{escape(tokens[i])} → '
                        f'{escape(tokens[j])}: {matrix[i, j]:.3f}</title></rect>'
                        + svg.text(x + cell / 2, y0 + cell / 2 + 4, f"{matrix[i, j]:.2f}", size=11, anchor="middle",
                                   fill="#111" if light else "white"))
    body += _colour_bar(bar_x, top, T * cell, ticks, 1.0 / T, uniform_text)
    body.append(svg.text(left, height - 18, f"Each row sums to 1. Colour scale from 0 to {svg.tick_label(top_value)}.",
                         size=11, fill="#555"))
    svg.write_svg(path, width, height, body)


def _colour_bar(x, top, height, ticks, uniform, uniform_text, bar=16):
    """A vertical viridis scale from ticks[0] (bottom) to ticks[-1] (top), with the uniform level marked."""
    stops = "".join(f'<stop offset="{k / 8:.3f}" stop-color="{svg.viridis(1 - k / 8)[0]}"/>' for k in range(9))
    body = [f'<defs><linearGradient id="scale" x1="0" y1="0" x2="0" y2="1">{stops}</linearGradient></defs>\n',
            f'<rect class="colour-scale" x="{x:.1f}" y="{top:.1f}" width="{bar}" height="{height:.1f}" '
            f'fill="url(#scale)" stroke="#888"/>\n']
    level = top + height * (1 - uniform / ticks[-1])
    for tick in ticks:
        y = top + height * (1 - tick / ticks[-1])
        body.append(svg.line(x + bar, y, x + bar + 4, y, "#555"))
        if abs(y - level) > 13:                     # (a tick label next to the 1/T mark would collide with it)
            body.append(svg.text(x + bar + 6, y + 3.5, svg.tick_label(tick), size=10, fill="#555"))
    body.append(svg.line(x - 5, level, x + bar + 5, level, "#d62728", 2, ' class="uniform"'))
    body.append(svg.text(x + bar + 8, level + 4, uniform_text, size=11, fill="#d62728"))
    return body
