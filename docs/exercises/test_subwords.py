"""Checks for docs/exercises/subwords.py (run: python -m pytest docs/exercises/test_subwords.py)."""
import numpy as np
import pytest

from minembed.nn.gradcheck import check_gradients


def test_char_ngrams(impl):
    assert impl.char_ngrams("where", 3, 3) == ["<wh", "whe", "her", "ere", "re>"]
    assert impl.char_ngrams("ab", 2, 3) == ["<a", "<ab", "ab", "ab>", "b>"]
    assert impl.char_ngrams("a", 3, 6) == ["<a>"]
    assert impl.char_ngrams("aaa", 2, 2) == ["<a", "aa", "aa", "a>"]          # repeats kept
    assert len(impl.char_ngrams("sister", 3, 6)) == 6 + 5 + 4 + 3


def test_loss_and_gradient(impl):
    rng = np.random.default_rng(0)
    Z = rng.normal(size=(5, 3))
    ids = [np.array([0, 1]), np.array([1, 2, 2]), np.array([4])]
    targets = rng.normal(size=(3, 3))
    loss, dZ = impl.loss_and_grads(Z, ids, targets)
    expected = sum(0.5 * np.sum((Z[i].mean(axis=0) - t) ** 2) for i, t in zip(ids, targets))
    assert loss == pytest.approx(expected) and dZ.shape == Z.shape
    assert np.all(dZ[3] == 0)                                                 # row 3 is in no word
    params = {"Z": Z}
    check_gradients(lambda: impl.loss_and_grads(params["Z"], ids, targets)[0], params, {"Z": dZ})


WORDS = ["sister", "mister", "master", "monster", "brother", "mother", "other", "bother", "father",
         "fathers", "daughter", "laughter", "water", "waters", "winter", "hunter", "house", "houses",
         "mouse", "horse", "horses", "course", "garden", "gardens", "warden", "queen", "queens", "green"]




def test_fit_reproduces_known_words_and_places_unseen_ones(impl):
    rng = np.random.default_rng(1)
    vectors = rng.normal(size=(len(WORDS), 16))                  # independent random vectors
    index, Z = impl.fit(WORDS, vectors, min_n=3, max_n=5, steps=300, lr=0.5)
    assert index["<si"] == 0 and len(index) == Z.shape[0] and Z.shape[1] == 16
    assert len(index) == len({g for w in WORDS for g in impl.char_ngrams(w, 3, 5)})
    fitted = np.stack([impl.word_vector(w, index, Z) for w in WORDS])
    assert np.mean(np.sum((fitted - vectors) ** 2, axis=1)) < 0.05 * np.mean(np.sum(vectors ** 2, axis=1))
    unit = vectors / np.linalg.norm(vectors, axis=1, keepdims=True)
    for unseen, nearest in (("monsters", "monster"), ("brothers", "brother")):
        v = impl.word_vector(unseen, index, Z)
        assert WORDS[int(np.argmax(unit @ v))] == nearest              # never seen, placed by its pieces
    assert np.array_equal(impl.word_vector("zzzz", index, Z), np.zeros(16))
