"""A table of word vectors: lookups, cosine neighbours, analogies, word2vec file formats.

``KeyedVectors`` is what word2vec (and the encoder's input embeddings) export: row ``i``
of ``vectors`` (shape ``(V, d)``, float32) belongs to ``index_to_key[i]``, rows in
descending frequency order. All similarity is **cosine**::

    cos(u, v) = u . v / (|u| |v|)

so every query works on unit-length copies of the rows (``normed``, computed once).

Analogies use 3CosAdd (Mikolov et al. 2013): "a is to b as c is to ?" is answered by

    argmax_w  cos(w, b - a + c)      over unit vectors, w not in {a, b, c}

which is ``most_similar(positive=[b, c], negative=[a])``.

File formats (the standard ones, which gensim and word2vec.c read and write):

* text: a header line ``V d``, then one line per word: ``word v1 v2 ... vd``;
* binary: the same header, then per word ``word`` + one space + ``d`` little-endian
  float32 values (``4*d`` bytes) + ``\\n``.
"""
import collections

import numpy as np

from .fileio import atomic_write


class KeyedVectors:
    """Word -> vector table. ``KeyedVectors(["king", "queen"], np.zeros((2, 3)))``."""

    def __init__(self, index_to_key, vectors):
        self.index_to_key = list(index_to_key)
        self.vectors = np.ascontiguousarray(vectors, dtype=np.float32)
        if self.vectors.ndim != 2 or len(self.index_to_key) != len(self.vectors):
            raise ValueError(f"{len(self.index_to_key)} words but vectors of shape {self.vectors.shape}; "
                             "expected one row per word, shape (n_words, dim)")
        self.key_to_index = {word: i for i, word in enumerate(self.index_to_key)}
        if len(self.key_to_index) != len(self.index_to_key):
            dupes = [w for w, n in collections.Counter(self.index_to_key).items() if n > 1]
            raise ValueError(f"duplicate words in the vector table: {dupes[:5]}")
        self._normed = None

    # ------------------------------------------------------------------ lookups
    def __len__(self):
        return len(self.index_to_key)

    @property
    def vector_size(self):
        return self.vectors.shape[1]

    def __contains__(self, word):
        return word in self.key_to_index

    def index(self, word):
        """Row number of ``word``; ``KeyError`` naming the word if it is unknown."""
        try:
            return self.key_to_index[word]
        except KeyError:
            raise KeyError(f"word {word!r} is not in the vocabulary ({len(self)} words); it may be "
                           "rarer than min_count, or absent from the training corpus") from None

    def __getitem__(self, word):
        """The vector of ``word`` (d,), or of a list of words (n, d)."""
        if isinstance(word, str):
            return self.vectors[self.index(word)]
        return self.vectors[[self.index(w) for w in word]]

    @property
    def normed(self):
        """(V, d) unit-length copy of the vectors (all-zero rows stay zero)."""
        if self._normed is None:
            norms = np.linalg.norm(self.vectors, axis=1, keepdims=True)
            self._normed = self.vectors / np.maximum(norms, 1e-12)
        return self._normed

    def similarity(self, word_a, word_b):
        """Cosine similarity of two words."""
        return float(self.normed[self.index(word_a)] @ self.normed[self.index(word_b)])

    def most_similar(self, positive=(), negative=(), topn=10, restrict_vocab=None):
        """The ``topn`` words closest to ``mean(unit(positive)) - mean(unit(negative))``.

        Query words are never returned. ``positive`` may be one word or a list.
        ``restrict_vocab=N`` searches only the first (most frequent) N rows.

        >>> kv.most_similar(positive=["woman", "king"], negative=["man"], topn=1)  # doctest: +SKIP
        [('queen', 0.71)]
        """
        positive = [positive] if isinstance(positive, str) else list(positive)
        negative = [negative] if isinstance(negative, str) else list(negative)
        if not positive and not negative:
            raise ValueError("most_similar needs at least one positive or negative word")
        query_ids = [self.index(w) for w in positive + negative]
        weights = np.array([1.0] * len(positive) + [-1.0] * len(negative), dtype=np.float32)
        query = weights @ self.normed[query_ids]                  # (d,)
        query /= max(np.linalg.norm(query), 1e-12)
        candidates = self.normed if restrict_vocab is None else self.normed[:restrict_vocab]
        scores = candidates @ query                               # (V,)
        scores[[i for i in query_ids if i < len(scores)]] = -np.inf
        topn = min(topn, len(scores) - len(set(query_ids)))
        best = np.argpartition(-scores, topn - 1)[:topn] if topn > 0 else np.zeros(0, int)
        best = best[np.lexsort((best, -scores[best]))]            # score desc, then frequency
        return [(self.index_to_key[i], float(scores[i])) for i in best]

    def doesnt_match(self, words):
        """The word of ``words`` least similar to the mean of all of them."""
        words = list(words)
        unit = self.normed[[self.index(w) for w in words]]        # (n, d)
        mean = unit.mean(axis=0)
        mean /= max(np.linalg.norm(mean), 1e-12)
        return words[int(np.argmin(unit @ mean))]

    # ------------------------------------------------------------------ word2vec formats
    def save_word2vec_format(self, path, binary=False):
        """Write the standard word2vec format (text, or binary float32), atomically."""
        for word in self.index_to_key:
            if not word or any(c.isspace() for c in word):
                raise ValueError(f"word {word!r} is empty or contains whitespace; the word2vec "
                                 "format separates fields by spaces, so it cannot be saved")
        header = f"{len(self)} {self.vector_size}\n"
        if binary:
            with atomic_write(path, "wb") as f:
                f.write(header.encode("utf-8"))
                little_endian = self.vectors.astype("<f4")
                for word, row in zip(self.index_to_key, little_endian):
                    f.write(word.encode("utf-8") + b" " + row.tobytes() + b"\n")
        else:
            row_format = " ".join(["%.9g"] * self.vector_size)   # 9 digits: float32 round-trips exactly
            with atomic_write(path) as f:
                f.write(header)
                for word, row in zip(self.index_to_key, self.vectors.tolist()):
                    f.write(f"{word} {row_format % tuple(row)}\n")

    @classmethod
    def load_word2vec_format(cls, path, binary=False):
        """Read a word2vec text or binary file (as written by word2vec.c, gensim or minembed)."""
        with open(path, "rb") as f:
            data = f.read()
        newline = data.find(b"\n")
        header = data[:newline].split()
        if newline < 0 or len(header) != 2 or not all(h.isdigit() for h in header):
            raise ValueError(f"{path}: the first line must be the header 'n_words dim', got "
                             f"{data[:max(newline, 0) or 40][:60]!r}; is this a word2vec file?")
        n_words, dim = int(header[0]), int(header[1])
        reader = _read_binary_rows if binary else _read_text_rows
        words, vectors = reader(path, data, newline + 1, n_words, dim)
        if not np.isfinite(vectors).all():
            bad = words[int(np.argmin(np.isfinite(vectors).all(axis=1)))]
            raise ValueError(f"{path}: the vector of {bad!r} contains NaN or inf")
        return cls(words, vectors)


def _read_text_rows(path, data, start, n_words, dim):
    try:
        lines = data[start:].decode("utf-8").split("\n")
    except UnicodeDecodeError as err:
        raise ValueError(f"{path}: byte {start + err.start} is not valid UTF-8; if this is a "
                         "binary word2vec file, load it with binary=True") from None
    lines = [line for line in lines if line.strip()]
    if len(lines) != n_words:
        raise ValueError(f"{path}: the header says {n_words} words but the file has {len(lines)} rows "
                         "(truncated file, or wrong header)")
    words, values = [], []
    for line_no, line in enumerate(lines, start=2):
        fields = line.rstrip().split(" ")
        if len(fields) != dim + 1:
            raise ValueError(f"{path}, line {line_no}: expected a word and {dim} numbers, got "
                             f"{len(fields) - 1} numbers")
        words.append(fields[0])
        values.append(fields[1:])
    try:
        return words, np.array(values, dtype=np.float32).reshape(n_words, dim)
    except ValueError as err:
        raise ValueError(f"{path}: a vector contains something that is not a number ({err})") from None


def _read_binary_rows(path, data, start, n_words, dim):
    words = []
    vectors = np.empty((n_words, dim), dtype=np.float32)
    row_bytes = 4 * dim
    position = start
    for i in range(n_words):                                       # one iteration per word
        space = data.find(b" ", position)
        if space < 0 or space + 1 + row_bytes > len(data):
            raise ValueError(f"{path}: the file ends after {i} of the {n_words} words in its header "
                             "(truncated file, or wrong header)")
        try:
            words.append(data[position:space].lstrip(b"\n").decode("utf-8"))
        except UnicodeDecodeError:
            raise ValueError(f"{path}: word {i + 1} is not valid UTF-8 (is this a text-format "
                             "file? then load it with binary=False)") from None
        vectors[i] = np.frombuffer(data, dtype="<f4", count=dim, offset=space + 1)
        position = space + 1 + row_bytes
    if data[position:].strip():
        raise ValueError(f"{path}: there is data after the {n_words} words the header announces "
                         "(wrong header count?)")
    return words, vectors
