"""Reference solution: fastText-style subword vectors (the exercise is docs/exercises/subwords.py)."""
import numpy as np


def char_ngrams(word, min_n=3, max_n=6):
    """See docs/exercises/subwords.py."""
    marked = f"<{word}>"
    return [marked[i:i + n] for i in range(len(marked)) for n in range(min_n, max_n + 1) if i + n <= len(marked)]


def loss_and_grads(Z, word_ngram_ids, targets):
    """See docs/exercises/subwords.py."""
    loss, dZ = 0.0, np.zeros_like(Z)
    for ids, target in zip(word_ngram_ids, targets):
        error = Z[ids].mean(axis=0) - target                           # (d,)
        loss += 0.5 * float(error @ error)
        np.add.at(dZ, ids, error / len(ids))
    return loss, dZ


def fit(words, vectors, min_n=3, max_n=5, steps=300, lr=0.5):
    """See docs/exercises/subwords.py."""
    index = {}
    word_ngram_ids = [np.array([index.setdefault(g, len(index)) for g in char_ngrams(w, min_n, max_n)])
                      for w in words]
    Z = np.zeros((len(index), vectors.shape[1]))
    squares = np.ones_like(Z)
    for _ in range(steps):
        _, dZ = loss_and_grads(Z, word_ngram_ids, vectors)
        squares += dZ * dZ
        Z -= lr * dZ / np.sqrt(squares)
    return index, Z


def word_vector(word, index, Z, min_n=3, max_n=5):
    """See docs/exercises/subwords.py."""
    rows = [index[g] for g in char_ngrams(word, min_n, max_n) if g in index]
    return Z[rows].mean(axis=0) if rows else np.zeros(Z.shape[1])
