"""The picture every word-vector run draws: its words on their first two principal components.

:func:`draw_pca` places a fixed set of words (man/woman, king/queen, ... with arrows between the
pairs; numbers; times of day) and says in the caption, and in one report sentence, how much of the
variance the two axes hold, so that a reader knows how far to trust the picture. A drawing that
fails is a warning, never a failed run: the vectors are what the run was for.
"""
import warnings

from ..plot.viz import pca, scatter_svg

PCA_PAIRS = (("man", "woman"), ("king", "queen"), ("father", "mother"), ("brother", "sister"),
             ("husband", "wife"), ("son", "daughter"), ("uncle", "aunt"), ("gentleman", "lady"))


PCA_EXTRA = ("two", "three", "four", "five", "morning", "evening", "night")


ARROW_LEGEND = "male → female (man → woman, king → queen, ...)"


def draw_pca(words, path, title, fallback=()):
    """pca.svg for a :class:`~minembed.cli.common.WordTable`: the pairs and extra words it knows (or, if
    fewer than 3, the words of ``fallback``). Returns ``(sentence, title)`` for the report, or None when
    there is nothing to draw or the drawing failed (a warning names the picture)."""
    pairs = [pair for pair in PCA_PAIRS if words.contains(pair[0]) and words.contains(pair[1])]
    chosen = [w for pair in pairs for w in pair] + [w for w in PCA_EXTRA if words.contains(w)]
    if len(chosen) < 3:
        chosen, pairs = [w for w in fallback if words.contains(w)][:30], []
    if len(chosen) < 3 or words.unit_vectors is None:
        return None
    vectors = words.unit_vectors(chosen)
    shares = best_effort(path, lambda: pca_picture(vectors, chosen, pairs, path, title))
    return None if shares is None else pca_sentence(title, shares, *vectors.shape)


def best_effort(path, draw):
    """``draw()``, or a warning naming the picture ``path`` if it fails (then None): a picture is
    never worth failing a finished run."""
    try:
        return draw()
    except Exception as err:                   # any failure of a drawing; Ctrl-C still stops the run
        warnings.warn(f"{path} was not drawn ({type(err).__name__}: {err}); the run's other files are "
                      "complete", RuntimeWarning, stacklevel=2)
        return None


def pca_picture(unit_vectors, words, pairs, path, method):
    """Draw ``unit_vectors`` (n, d), one row per word, on their first two principal components, with
    arrows for ``pairs``, the axes named with their share of the variance and a caption that says
    how much the picture shows (:func:`pca_verdict`). Returns ``(PC1 share, PC2 share)``."""
    result = pca(unit_vectors, n_components=2)
    ratio = result.explained_variance_ratio
    n, d = unit_vectors.shape
    share, even = ratio[0] + ratio[1], 2 / min(n - 1, d)
    scatter_svg(result.projections, words, path, title=f"{method}: PCA of {n} unit word vectors", arrows=pairs,
                xlabel=f"PC1: {ratio[0]:.0%} of the variance", ylabel=f"PC2: {ratio[1]:.0%} of the variance",
                arrow_legend=ARROW_LEGEND, width=760, height=600,
                caption=f"PC1 + PC2 hold {share:.0%} of the variance of these words (spread evenly over "
                        f"their {min(n - 1, d)} directions, two would hold {even:.0%}):\n{pca_verdict(share, even)}")
    return float(ratio[0]), float(ratio[1])


def pca_verdict(share, even):
    """What a PCA picture whose two axes hold ``share`` of the variance is worth, against the
    ``even`` share two directions would hold if the variance were spread evenly."""
    if share >= 0.5:
        return "most of it, so the picture is a fair map of these words"
    if share >= 1.5 * even:
        return "a partial view; words close in the picture may be far apart in the full space"
    return "hardly more than any two directions, so the picture says little about these words"


def pca_sentence(method, shares, n_words, dim):
    """Whether a PCA picture means much, from the share of the variance its two axes hold."""
    share, directions = shares[0] + shares[1], min(n_words - 1, dim)
    even = 2 / directions
    return (f"{method}: PC1 and PC2 hold {shares[0]:.0%} + {shares[1]:.0%} = {share:.0%} of the variance of "
            f"its {n_words} unit word vectors (spread evenly over their {directions} directions, two would hold "
            f"{even:.0%}): {pca_verdict(share, even)}.")

