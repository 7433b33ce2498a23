"""viz, svg, charts: PCA by SVD (known directions, hand-computed variances, scikit-learn), SVG files that
parse, labels that never overlap (by their bounding boxes), colour scales and training curves."""
import xml.etree.ElementTree as ET

import numpy as np
import pytest

from minembed.plot import svg
from minembed.plot.charts import curves_svg
from minembed.plot.viz import attention_svg, pca, place_labels, scatter_svg

SVG = "{http://www.w3.org/2000/svg}"


# ---------------------------------------------------------------------------- PCA
def test_pca_by_hand_on_a_line():
    # points on the diagonal: mean (1, 1), one direction (1, 1)/sqrt(2), projections -sqrt(2), 0, sqrt(2)
    result = pca([[0.0, 0.0], [1.0, 1.0], [2.0, 2.0]], n_components=2)
    r = np.sqrt(2)
    np.testing.assert_allclose(result.mean, [1.0, 1.0])
    np.testing.assert_allclose(result.components[0], [1 / r, 1 / r])
    np.testing.assert_allclose(result.projections[:, 0], [-r, 0.0, r], atol=1e-12)
    np.testing.assert_allclose(result.projections[:, 1], 0.0, atol=1e-12)
    # S = (2, 0): variance S^2 / (n - 1) = (2, 0), ratio (1, 0)
    np.testing.assert_allclose(result.explained_variance, [2.0, 0.0], atol=1e-12)
    np.testing.assert_allclose(result.explained_variance_ratio, [1.0, 0.0], atol=1e-12)


def test_pca_finds_a_known_principal_direction():
    rng = np.random.default_rng(0)
    direction = np.array([3.0, -1.0, 2.0, 0.5]) / np.linalg.norm([3.0, -1.0, 2.0, 0.5])
    along = rng.normal(scale=10.0, size=(400, 1))                      # big spread along `direction`
    X = along * direction + rng.normal(scale=0.1, size=(400, 4)) + 5.0
    result = pca(X, n_components=2)
    assert abs(result.components[0] @ direction) > 0.999
    assert result.components[0][np.argmax(np.abs(result.components[0]))] > 0          # sign convention
    assert result.explained_variance_ratio[0] > 0.99
    np.testing.assert_allclose(result.explained_variance[0], np.var(X @ direction, ddof=1), rtol=1e-3)
    # components are orthonormal; projections are X_c V; transform() repeats them
    np.testing.assert_allclose(result.components @ result.components.T, np.eye(2), atol=1e-12)
    np.testing.assert_allclose(result.projections, (X - X.mean(axis=0)) @ result.components.T, atol=1e-9)
    np.testing.assert_allclose(result.transform(X), result.projections, atol=1e-9)


def test_pca_variance_matches_the_covariance_eigenvalues():
    X = np.random.default_rng(1).normal(size=(30, 5)) @ np.diag([5.0, 3.0, 1.0, 0.5, 0.1])
    eigenvalues = np.sort(np.linalg.eigvalsh(np.cov(X, rowvar=False)))[::-1]
    result = pca(X, n_components=5)
    np.testing.assert_allclose(result.explained_variance, eigenvalues, rtol=1e-10)
    np.testing.assert_allclose(result.explained_variance_ratio, eigenvalues / eigenvalues.sum(), rtol=1e-10)


def test_pca_sign_is_deterministic_under_row_order():
    X = np.random.default_rng(2).normal(size=(20, 6))
    a, b = pca(X), pca(X[::-1])
    np.testing.assert_allclose(a.components, b.components, atol=1e-12)
    np.testing.assert_allclose(a.projections, b.projections[::-1], atol=1e-12)


def test_pca_matches_scikit_learn():
    decomposition = pytest.importorskip("sklearn.decomposition")
    X = np.random.default_rng(3).normal(size=(50, 8)) @ np.random.default_rng(4).normal(size=(8, 8))
    ours = pca(X, n_components=3)
    theirs = decomposition.PCA(n_components=3, svd_solver="full").fit(X)
    np.testing.assert_allclose(ours.components, theirs.components_, atol=1e-10)
    np.testing.assert_allclose(ours.projections, theirs.transform(X), atol=1e-10)
    np.testing.assert_allclose(ours.explained_variance, theirs.explained_variance_, rtol=1e-10)
    np.testing.assert_allclose(ours.explained_variance_ratio, theirs.explained_variance_ratio_, rtol=1e-10)


@pytest.mark.parametrize("X, k, message", [
    (np.zeros(5), 1, "2-D"), (np.zeros((1, 3)), 1, "at least 2 points"), (np.zeros((4, 3)), 4, "n_components"),
    (np.array([[0.0, np.nan], [1.0, 2.0]]), 1, "NaN"),
])
def test_pca_rejects_bad_input(X, k, message):
    with pytest.raises(ValueError, match=message):
        pca(X, n_components=k)


# ---------------------------------------------------------------------------- scatter
def parse(path):
    root = ET.parse(path).getroot()
    assert root.tag == SVG + "svg"
    return root


def test_scatter_svg_has_one_labelled_point_per_word_and_escapes_labels(tmp_path):
    labels = ["king", "queen", "<unk>", "a&b", 'say "hi"', "man", "woman"]
    points = np.random.default_rng(0).normal(size=(len(labels), 2))
    path = tmp_path / "pca.svg"
    scatter_svg(points, labels, path, title="PCA <of> words & more", arrows=[("man", "woman"), ("king", "queen")])
    raw = path.read_text(encoding="utf-8")
    assert "&lt;unk&gt;" in raw and "a&amp;b" in raw and "<unk>" not in raw
    root = parse(path)
    groups = [g for g in root.iter(SVG + "g") if g.get("class") == "point"]
    assert len(groups) == len(labels)
    assert [g.find(SVG + "text").text for g in groups] == labels
    assert all(g.find(SVG + "circle") is not None for g in groups)
    arrows = [line for line in root.iter(SVG + "line") if line.get("class") == "arrow"]
    assert len(arrows) == 2
    title = [t.text for t in root.iter(SVG + "text")][0]
    assert title == "PCA <of> words & more"


def test_scatter_svg_keeps_points_inside_and_one_scale_for_both_axes(tmp_path):
    # a 4 x 1 rectangle must stay 4 x 1 in pixels (same scale on x and y), inside the canvas
    points = np.array([[0.0, 0.0], [4.0, 0.0], [4.0, 1.0], [0.0, 1.0]])
    path = tmp_path / "box.svg"
    scatter_svg(points, list("abcd"), path, width=600, height=400)
    circles = [(float(c.get("cx")), float(c.get("cy"))) for c in parse(path).iter(SVG + "circle")]
    xs, ys = zip(*circles)
    assert all(0 <= x <= 600 for x in xs) and all(0 <= y <= 400 for y in ys)
    assert (max(xs) - min(xs)) / (max(ys) - min(ys)) == pytest.approx(4.0, rel=0.01)
    assert circles[2][1] < circles[1][1]                               # larger y is higher up (smaller pixel y)


def test_scatter_svg_rejects_bad_input(tmp_path):
    with pytest.raises(ValueError, match="shape"):
        scatter_svg(np.zeros((3, 3)), list("abc"), tmp_path / "x.svg")
    with pytest.raises(ValueError, match="labels"):
        scatter_svg(np.zeros((3, 2)), list("ab"), tmp_path / "x.svg")
    with pytest.raises(ValueError, match="no point labelled 'zebra'"):
        scatter_svg(np.zeros((2, 2)), list("ab"), tmp_path / "x.svg", arrows=[("a", "zebra")])
    assert not (tmp_path / "x.svg").exists()


# ---------------------------------------------------------------------------- attention heatmap
def test_attention_svg_draws_one_cell_per_pair_with_token_labels(tmp_path):
    tokens = ["the", "<unk>", "sat", "&"]
    A = np.random.default_rng(0).random((4, 4))
    A /= A.sum(axis=1, keepdims=True)
    path = tmp_path / "attention.svg"
    attention_svg(A, tokens, path, title="attention")
    root = parse(path)
    cells = [r for r in root.iter(SVG + "rect") if r.get("class") == "cell"]
    assert len(cells) == 16
    assert [t.text for t in root.iter(SVG + "text") if t.get("class") == "query"] == tokens
    assert [t.text for t in root.iter(SVG + "text") if t.get("class") == "key"] == tokens
    # viridis gets lighter as the weight grows: the lightest cell is the largest weight
    assert np.argmax([luminance(c.get("fill")) for c in cells]) == np.argmax(A)
    assert cells[0].find(SVG + "title").text.startswith("the → the: ")


def test_attention_svg_rejects_a_non_square_matrix(tmp_path):
    with pytest.raises(ValueError, match="square"):
        attention_svg(np.ones((2, 3)), ["a", "b"], tmp_path / "a.svg")
    with pytest.raises(ValueError, match="labels"):
        attention_svg(np.ones((2, 2)) / 2, ["a"], tmp_path / "a.svg")


def luminance(fill):
    r, g, b = (int(v) for v in fill[4:-1].split(","))
    return 0.299 * r + 0.587 * g + 0.114 * b


def test_a_near_uniform_attention_map_is_readable_and_its_scale_marks_one_over_t(tmp_path):
    T = 8
    A = 1 / T + np.random.default_rng(1).uniform(-0.03, 0.03, size=(T, T))
    A /= A.sum(axis=1, keepdims=True)                                  # weights 0.09 .. 0.16
    path = tmp_path / "attention.svg"
    attention_svg(A, [f"w{i}" for i in range(T)], path)
    root = parse(path)
    cells = [r for r in root.iter(SVG + "rect") if r.get("class") == "cell"]
    shades = np.array([luminance(c.get("fill")) for c in cells])
    assert shades.max() < 230                                          # no cell is pale (white is 255)
    assert shades.max() - shades.min() > 40                            # and the differences show
    # the scale runs from 0 (bottom) to a round number above the largest weight; 1/T is marked on it
    scale = next(r for r in root.iter(SVG + "rect") if r.get("class") == "colour-scale")
    top, height = float(scale.get("y")), float(scale.get("height"))
    ticks = {t.text: float(t.get("y")) for t in root.iter(SVG + "text") if t.text and t.text[0].isdigit()}
    assert "0" in ticks and "0.2" in ticks                             # max weight < 0.2: the scale ends at 0.2
    mark = next(line for line in root.iter(SVG + "line") if line.get("class") == "uniform")
    assert float(mark.get("y1")) == pytest.approx(top + height * (1 - (1 / T) / 0.2), abs=0.1)
    assert any(t.text == "uniform 1/T = 1/8 = 0.125" for t in root.iter(SVG + "text"))


# ---------------------------------------------------------------------------- labels never overlap
CHAR_EM = 1.0       # no glyph of Helvetica, Arial, Liberation Sans or DejaVu Sans is wider than 1 em
LOWER_EM = 0.64     # nor any digit or lowercase letter but m and w wider than 0.64 em


def drawn_box(element):
    """The box that surely holds a <text>, from its position, font size and anchor alone."""
    x, y, size = float(element.get("x")), float(element.get("y")), float(element.get("font-size"))
    width = size * sum(LOWER_EM if (ch.islower() and ch not in "mw") or ch.isdigit() else CHAR_EM for ch in element.text)
    left = x - {"start": 0, "middle": width / 2, "end": width}[element.get("text-anchor", "start")]
    return left, y - size, left + width, y + 0.25 * size


def overlapping(a, b):
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_no_two_labels_overlap_in_a_crowded_scatter(tmp_path, seed):
    rng = np.random.default_rng(seed)
    words = ("man woman king queen father mother brother sister husband wife son daughter uncle aunt gentleman "
             "lady two three four five morning evening night monday tuesday wednesday thursday friday saturday "
             "sunday january february march april").split()
    points = np.concatenate([rng.normal(scale=0.05, size=(20, 2)),            # a tight clump of 20 ...
                             rng.normal(size=(len(words) - 20, 2))])         # ... among scattered points
    pairs = [(words[i], words[i + 1]) for i in range(0, 16, 2)]
    path = tmp_path / "crowded.svg"
    scatter_svg(points, words, path, arrows=pairs, title="crowded", xlabel="PC1: 30% of the variance",
                ylabel="PC2: 20% of the variance", arrow_legend="male → female", caption="a caption")
    root = parse(path)
    width, height = float(root.get("width")), float(root.get("height"))
    groups = [g for g in root.iter(SVG + "g") if g.get("class") == "point"]
    labels = [drawn_box(g.find(SVG + "text")) for g in groups]
    dots = [(float(c.get("cx")) - 4, float(c.get("cy")) - 4, float(c.get("cx")) + 4, float(c.get("cy")) + 4)
            for c in (g.find(SVG + "circle") for g in groups)]
    others = [drawn_box(t) for t in root.iter(SVG + "text")                 # (not the rotated y-axis name)
              if t not in [g.find(SVG + "text") for g in groups] and t.get("transform") is None]
    assert len(labels) == len(words) and len(others) > 6              # title, legend, axis names, ticks, caption
    for i, box in enumerate(labels):
        assert 0 <= box[0] and box[2] <= width and 0 <= box[1] and box[3] <= height, words[i]
        for j, other in enumerate(labels[:i]):
            assert not overlapping(box, other), (words[i], words[j])
        for j, dot in enumerate(dots):
            assert not overlapping(box, dot), (words[i], "dot of " + words[j])
        for other in others:
            assert not overlapping(box, other), (words[i], "axis or legend text")


def test_labels_go_next_to_their_dot_when_there_is_room():
    # two far-apart dots: each label starts 7 px right of its dot, vertically centred on it (the classic spot)
    spots = place_labels([[100.0, 100.0], [300.0, 300.0]], ["one", "two"], frame=(0, 0, 600, 600))
    for (x, y, leader), (px, py) in zip(spots, [(100, 100), (300, 300)]):
        assert x == pytest.approx(px + 7) and leader is None
        assert py - 13 < y < py + 13


def test_a_frame_too_small_for_the_labels_is_reported_and_the_scatter_grows(tmp_path):
    assert place_labels([[5.0, 5.0], [6.0, 6.0]], ["a-long-label", "another-one"], frame=(0, 0, 60, 20)) is None
    path = tmp_path / "small.svg"
    scatter_svg(np.random.default_rng(0).normal(size=(30, 2)), [f"label-{i:02d}" for i in range(30)], path,
                width=200, height=160)
    assert float(parse(path).get("width")) > 200                        # grew until the 30 labels fit


def test_scatter_names_its_axes_and_explains_its_arrows(tmp_path):
    path = tmp_path / "pca.svg"
    scatter_svg(np.array([[0.0, 0.0], [1.0, 1.0], [2.0, 0.5]]), ["man", "woman", "king"], path,
                arrows=[("man", "woman")], xlabel="PC1: 61% of the variance", ylabel="PC2: 39% of the variance",
                arrow_legend="male → female")
    texts = [t.text for t in parse(path).iter(SVG + "text")]
    assert "PC1: 61% of the variance" in texts and "PC2: 39% of the variance" in texts
    assert "arrows: male → female" in texts
    assert "0" in texts and "1" in texts                                # round ticks on the axes


# ---------------------------------------------------------------------------- svg primitives
def test_svg_text_width_is_an_upper_bound_and_ticks_are_round():
    assert svg.text_width("man", 10) == pytest.approx(10 * (1.0 + 0.64 + 0.64))
    assert svg.text_box(100, 50, "ab", 10, anchor="end") == pytest.approx((87.2, 40, 100, 52.5))
    assert svg.nice_ticks(0, 1) == [0, 0.25, 0.5, 0.75, 1.0] and svg.nice_ticks(0, 1, 6) == [0, 0.2, 0.4, 0.6, 0.8, 1.0]
    assert svg.nice_ticks(0.0, 0.161, 5) == [0, 0.05, 0.1, 0.15, 0.2]
    assert svg.nice_ticks(-2.3, 1.7, 6) == [-3.0, -2.0, -1.0, 0.0, 1.0, 2.0]
    assert svg.tick_label(1500.0) == "1,500" and svg.tick_label(0.25) == "0.25"
    assert svg.viridis(0)[0] == "rgb(68,1,84)" and svg.viridis(1) == ("rgb(253,231,37)", True)


# ---------------------------------------------------------------------------- training curves
def test_curves_svg_draws_one_polyline_per_line_against_its_reference_levels(tmp_path):
    path = tmp_path / "loss.svg"
    steps = np.arange(1, 101)
    curves_svg(path, [{"xlabel": "step", "ylabel": "loss", "levels": [(np.log(1000), "ln V")],
                       "lines": [{"label": "each step", "x": steps, "y": 7 - np.log(steps), "faint": True},
                                 {"label": "running mean", "x": steps, "y": 7.2 - np.log(steps)}]},
                      {"xlabel": "step", "ylabel": "accuracy, %", "levels": [(4.0, "baseline")],
                       "lines": [{"label": "held-out", "x": [50, 100], "y": [10.0, 15.0], "dots": True}]}],
               title="training")
    root = parse(path)
    assert len([p for p in root.iter(SVG + "polyline") if p.get("class") == "curve"]) == 3
    assert len([line for line in root.iter(SVG + "line") if line.get("class") == "level"]) == 2
    assert len(list(root.iter(SVG + "circle"))) == 2                    # the dots of the held-out curve
    texts = [t.text for t in root.iter(SVG + "text")]
    assert {"training", "ln V", "baseline", "each step", "running mean", "held-out"} <= set(texts)
    assert texts.count("0") >= 2                                       # both axes start at 0 (loss >= 0, steps >= 0)
    # the first curve's y: a larger loss is higher up (a smaller pixel y)
    first = next(p for p in root.iter(SVG + "polyline") if p.get("class") == "curve")
    ys = [float(pair.split(",")[1]) for pair in first.get("points").split()]
    assert ys[0] < ys[-1]


def test_curves_svg_rejects_nan(tmp_path):
    with pytest.raises(ValueError, match="NaN"):
        curves_svg(tmp_path / "x.svg", [{"xlabel": "x", "ylabel": "y",
                                         "lines": [{"label": "bad", "x": [1, 2], "y": [1.0, np.nan]}]}])
    assert not (tmp_path / "x.svg").exists()


def test_a_label_too_long_for_any_picture_is_shortened_and_the_caption_says_so(tmp_path):
    """A corpus with one 2-million-letter word must not cost a finished run its picture."""
    path = tmp_path / "long.svg"
    scatter_svg(np.array([[0.0, 0.0], [1.0, 0.5], [0.3, 1.0]]), ["a" * 2_000_000, "b", "c"], path)
    labels = [t.text for t in ET.parse(path).getroot().iter("{http://www.w3.org/2000/svg}text")]
    assert "a" * 23 + "…" in labels and "b" in labels and "c" in labels
    assert "1 label longer than 24 characters shortened with …" in labels


def test_labels_that_cannot_fit_are_left_out_and_counted_not_an_error(tmp_path):
    path = tmp_path / "crowd.svg"
    points = np.zeros((120, 2))
    points[:, 0] = np.linspace(0, 1e-9, 120)                             # 120 labels on one pixel
    points[0] = [1.0, 1.0]
    scatter_svg(points, [f"word{i}" for i in range(120)], path, caption="the given caption")
    root = ET.parse(path).getroot()
    texts = [t.text for t in root.iter("{http://www.w3.org/2000/svg}text")]
    left_out = [t for t in texts if t.endswith("labels left out: no room for them without overlaps")]
    assert len(left_out) == 1 and "the given caption" in texts
    n_left = int(left_out[0].split(" of the ")[0])
    assert 0 < n_left < 120 and sum(t.startswith("word") for t in texts) == 120 - n_left
    assert len(root.findall(".//{http://www.w3.org/2000/svg}circle")) == 120   # every dot is drawn
