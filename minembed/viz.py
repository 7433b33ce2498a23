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
picture.

**SVG** is XML text a browser draws. :func:`scatter_svg` writes one ``<circle>`` and one
``<text>`` per point (optionally arrows between labelled points, e.g. man -> woman beside
king -> queen: in a good embedding the two arrows are nearly parallel);
:func:`attention_svg` draws one sentence's attention matrix as a grid of shaded cells.
Labels are XML-escaped, so ``<unk>`` or ``"&"`` cannot break the file. Files are written
atomically.
"""
import math
from xml.sax.saxutils import escape

import numpy as np

from .fileio import atomic_write

FONT = "font-family:Helvetica,Arial,sans-serif"


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


# ---------------------------------------------------------------------------- SVG helpers
def _write_svg(path, width, height, body):
    head = (f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
            f'viewBox="0 0 {width} {height}" style="{FONT}">\n'
            f'<rect width="{width}" height="{height}" fill="white"/>\n')
    with atomic_write(path) as f:
        f.write('<?xml version="1.0" encoding="UTF-8"?>\n' + head + "".join(body) + "</svg>\n")


def _check_labels(labels, n, what):
    labels = [str(label) for label in labels]
    if len(labels) != n:
        raise ValueError(f"{len(labels)} labels for {n} {what}; give exactly one label each")
    return labels


# ---------------------------------------------------------------------------- scatter
def scatter_svg(points, labels, path, title=None, arrows=(), width=720, height=560, caption=None):
    """Write a labelled 2-D scatter plot of ``points`` (n, 2) to ``path`` as SVG.

    ``arrows`` is a list of ``(from_label, to_label)`` pairs drawn as arrows between those
    points (pairs naming an unknown label raise ``ValueError``). x and y share one scale, so
    distances and angles in the picture are the true ones of the projection.
    ``caption`` is a line of small text under the plot (e.g. the explained variance).
    """
    points = np.asarray(points, dtype=np.float64)
    if points.ndim != 2 or points.shape[1] != 2:
        raise ValueError(f"scatter_svg expects points of shape (n, 2), got {points.shape}; "
                         "project them first, e.g. with pca(X).projections")
    if not np.all(np.isfinite(points)):
        raise ValueError("scatter_svg: points contain NaN or infinity")
    labels = _check_labels(labels, len(points), "points")
    index = {label: i for i, label in enumerate(labels)}
    for pair in arrows:
        missing = [label for label in pair if label not in index]
        if missing:
            raise ValueError(f"arrow {tuple(pair)}: no point labelled {missing[0]!r}")

    margin, top = 50, 60 if title else 30
    bottom = 40 if caption else 20
    xy = _to_pixels(points, margin, top, width - margin, height - bottom - 10)   # (n, 2)
    body = []
    if title:
        body.append(f'<text x="{width / 2:.1f}" y="30" text-anchor="middle" font-size="18" '
                    f'font-weight="bold">{escape(title)}</text>\n')
    if caption:
        body.append(f'<text x="{width / 2:.1f}" y="{height - 12}" text-anchor="middle" font-size="12" '
                    f'fill="#555">{escape(caption)}</text>\n')
    if arrows:
        body.append('<defs><marker id="head" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="7" '
                    'markerHeight="7" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" '
                    'fill="#c0392b"/></marker></defs>\n')
    for source, target in arrows:
        (x1, y1), (x2, y2) = _shorten(xy[index[source]], xy[index[target]], 6)
        body.append(f'<line class="arrow" x1="{x1:.1f}" y1="{y1:.1f}" x2="{x2:.1f}" y2="{y2:.1f}" '
                    f'stroke="#c0392b" stroke-width="1.5" marker-end="url(#head)"/>\n')
    for (x, y), label, (dx, dy, anchor) in zip(xy, labels, _place_labels(xy, labels, width)):
        body.append(f'<g class="point"><circle cx="{x:.1f}" cy="{y:.1f}" r="4" fill="#2c7bb6"/>'
                    f'<text x="{x + dx:.1f}" y="{y + dy:.1f}" text-anchor="{anchor}" font-size="13">'
                    f'{escape(label)}</text></g>\n')
    _write_svg(path, width, height, body)


LABEL_SPOTS = ((7, 4, "start"), (-7, 4, "end"), (7, -7, "start"), (7, 16, "start"), (-7, -7, "end"),
               (-7, 16, "end"), (0, -9, "middle"), (0, 19, "middle"))    # (dx, dy, anchor) around a dot


def _place_labels(xy, labels, width, char_width=7.0, line_height=13.0):
    """A spot for each label next to its dot, the first of LABEL_SPOTS whose box overlaps no
    label placed before, no dot and stays inside the frame (else the first spot). Greedy, in order."""
    boxes, spots = [], []
    for (x, y), label in zip(xy, labels):
        text_width = char_width * len(label)
        candidates = []
        for dx, dy, anchor in LABEL_SPOTS:
            left = x + dx - {"start": 0.0, "end": text_width, "middle": text_width / 2}[anchor]
            box = (left, y + dy - line_height + 3, left + text_width, y + dy + 3)     # (x0, y0, x1, y1)
            clash = (box[0] < 2 or box[2] > width - 2
                     or any(_overlap(box, other) for other in boxes)
                     or any(_overlap(box, (px - 4, py - 4, px + 4, py + 4)) for px, py in xy))
            candidates.append((clash, (dx, dy, anchor), box))
        clash, spot, box = next((c for c in candidates if not c[0]), candidates[0])
        boxes.append(box)
        spots.append(spot)
    return spots


def _overlap(a, b):
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


def _to_pixels(points, left, top, right, bottom):
    """Map data coordinates into the box, same scale on both axes, y pointing up."""
    low, high = points.min(axis=0), points.max(axis=0)
    span = np.where(high - low > 0, high - low, 1.0)
    scale = min((right - left) / span[0], (bottom - top) / span[1])
    centre_data = (low + high) / 2
    centre_box = np.array([(left + right) / 2, (top + bottom) / 2])
    offset = (points - centre_data) * scale                         # (n, 2) pixels from the centre
    return centre_box + offset * np.array([1.0, -1.0])


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
    each token j (column, label on top); every row of a softmax attention sums to 1. The
    shade runs from white (0) to dark blue (1), and each cell prints its weight.
    """
    matrix = np.asarray(matrix, dtype=np.float64)
    if matrix.ndim != 2 or matrix.shape[0] != matrix.shape[1]:
        raise ValueError(f"attention_svg expects a square (T, T) matrix, got shape {matrix.shape}")
    if not np.all(np.isfinite(matrix)):
        raise ValueError("attention_svg: the matrix contains NaN or infinity")
    T = len(matrix)
    tokens = _check_labels(tokens, T, "rows of the attention matrix")
    label_width = 12 + 8 * max(len(t) for t in tokens)
    left, top = label_width + 30, (60 if title else 30) + label_width
    width = max(left + T * cell + 20, 9 * len(title or "") + 40)
    height = top + T * cell + 40
    body = []
    if title:
        body.append(f'<text x="{width / 2:.1f}" y="28" text-anchor="middle" font-size="16" '
                    f'font-weight="bold">{escape(title)}</text>\n')
    body.append(f'<text x="{left + T * cell / 2:.1f}" y="{top - label_width - 8}" text-anchor="middle" '
                f'font-size="12" fill="#555">attends to (key) →</text>\n')
    body.append(f'<text x="14" y="{top + T * cell / 2:.1f}" text-anchor="middle" font-size="12" fill="#555" '
                f'transform="rotate(-90 14 {top + T * cell / 2:.1f})">query (reads) →</text>\n')
    for j, token in enumerate(tokens):                              # column labels, rotated
        x, y = left + (j + 0.5) * cell, top - 6
        body.append(f'<text class="key" x="{x:.1f}" y="{y}" font-size="13" '
                    f'transform="rotate(-60 {x:.1f} {y})">{escape(token)}</text>\n')
    for i, token in enumerate(tokens):                              # row labels
        y = top + (i + 0.5) * cell + 4
        body.append(f'<text class="query" x="{left - 6}" y="{y:.1f}" text-anchor="end" font-size="13">'
                    f'{escape(token)}</text>\n')
        for j in range(T):
            weight = min(max(matrix[i, j], 0.0), 1.0)
            x, y0 = left + j * cell, top + i * cell
            ink = "white" if weight > 0.5 else "#222"
            body.append(f'<rect class="cell" x="{x}" y="{y0}" width="{cell}" height="{cell}" '
                        f'fill="{_blue(weight)}" stroke="#ddd"><title>{escape(tokens[i])} → {escape(tokens[j])}: '
                        f'{matrix[i, j]:.3f}</title></rect>'
                        f'<text x="{x + cell / 2:.1f}" y="{y0 + cell / 2 + 4:.1f}" text-anchor="middle" '
                        f'font-size="11" fill="{ink}">{matrix[i, j]:.2f}</text>\n')
    _write_svg(path, width, height, body)


def _blue(weight):
    """White (0) -> dark blue (1) as an ``rgb(...)`` colour."""
    white, blue = np.array([255, 255, 255]), np.array([8, 48, 107])
    r, g, b = np.round(white + (blue - white) * weight).astype(int)
    return f"rgb({r},{g},{b})"
