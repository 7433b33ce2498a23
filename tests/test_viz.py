"""viz: PCA by SVD (known directions, hand-computed variances, scikit-learn), SVG files that parse."""
import xml.etree.ElementTree as ET

import numpy as np
import pytest

from minembed.viz import attention_svg, pca, scatter_svg

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
    # the darkest cell is the largest weight; the shade of weight 0 would be white
    darkness = [sum(int(v) for v in c.get("fill")[4:-1].split(",")) for c in cells]
    assert np.argmin(darkness) == np.argmax(A)
    assert cells[0].find(SVG + "title").text.startswith("the → the: ")


def test_attention_svg_rejects_a_non_square_matrix(tmp_path):
    with pytest.raises(ValueError, match="square"):
        attention_svg(np.ones((2, 3)), ["a", "b"], tmp_path / "a.svg")
    with pytest.raises(ValueError, match="labels"):
        attention_svg(np.ones((2, 2)) / 2, ["a"], tmp_path / "a.svg")
