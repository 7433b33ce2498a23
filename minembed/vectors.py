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

* text: a header line ``V d``, then one line per word: ``word v1 v2 ... vd`` (word2vec.c
  adds a space before the newline; both are read);
* binary: the same header, then per word ``word`` + one space + ``d`` little-endian
  float32 values (``4*d`` bytes) + ``\\n`` (gensim leaves the ``\\n`` out; both are read).

Words are separated from numbers by spaces, so a word may not contain whitespace; the
loader refuses damaged files (wrong counts, short rows, NaN, duplicates, text read as
binary, ...) with a message that names the problem instead of returning a wrong table.
"""
import collections

import numpy as np

from .fileio import atomic_write

ROWS_PER_BLOCK = 4096       # rows formatted / parsed at a time when saving and loading


class KeyedVectors:
    """Word -> vector table. ``KeyedVectors(["king", "queen"], np.zeros((2, 3)))``."""

    def __init__(self, index_to_key, vectors):
        self.index_to_key = list(index_to_key)
        self.vectors = np.ascontiguousarray(vectors, dtype=np.float32)
        if self.vectors.ndim != 2 or len(self.index_to_key) != len(self.vectors) or self.vectors.shape[1] < 1:
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
        """(V, d) unit-length copy of the vectors (all-zero rows stay zero).

        Each row is first divided by its largest absolute value, so that squaring cannot
        overflow (3e38 ** 2) or underflow (1e-45 ** 2) in float32.
        """
        if self._normed is None:
            largest = np.abs(self.vectors).max(axis=1, keepdims=True)                # (V, 1)
            scaled = self.vectors / np.where(largest > 0, largest, 1)                # (V, d), |.| <= 1
            self._normed = scaled / np.maximum(np.linalg.norm(scaled, axis=1, keepdims=True), 1e-12)
        return self._normed

    def similarity(self, word_a, word_b):
        """Cosine similarity of two words."""
        return float(self.normed[self.index(word_a)] @ self.normed[self.index(word_b)])

    def most_similar(self, positive=(), negative=(), topn=10, restrict_vocab=None):
        """The ``topn`` words closest to ``sum(unit(positive)) - sum(unit(negative))``.

        Query words are never returned. ``positive`` may be one word or a list.
        ``restrict_vocab=N`` searches only the first (most frequent) N rows.
        Equal scores are listed in row order (the more frequent word first).

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
        scores = candidates @ query                               # (R,)
        excluded = sorted({i for i in query_ids if i < len(scores)})
        scores[excluded] = -np.inf
        topn = max(0, min(topn, len(scores) - len(excluded)))
        if topn == 0:
            return []
        kth_best = np.partition(scores, len(scores) - topn)[len(scores) - topn]
        best = np.flatnonzero(scores >= kth_best)                 # the top n, plus any ties of the n-th
        best = best[np.argsort(-scores[best], kind="stable")][:topn]   # score desc, then row order
        return [(self.index_to_key[i], float(scores[i])) for i in best]

    def doesnt_match(self, words):
        """The word of ``words`` least similar to the mean of all of them (their unit vectors)."""
        words = list(words)
        if not words:
            raise ValueError("doesnt_match needs at least one word")
        unit = self.normed[[self.index(w) for w in words]]        # (n, d)
        mean = unit.mean(axis=0)
        mean /= max(np.linalg.norm(mean), 1e-12)
        return words[int(np.argmin(unit @ mean))]

    # ------------------------------------------------------------------ word2vec formats
    def save_word2vec_format(self, path, binary=False):
        """Write the standard word2vec format (text, or binary float32), atomically.

        Text values are written with 9 significant digits, which is enough for every
        float32 to read back bit for bit. Words must be non-empty and free of whitespace,
        and vectors finite, so that every reader (ours, gensim's, word2vec.c's) gets back
        exactly this table.
        """
        for word in self.index_to_key:
            if not isinstance(word, str) or not word or any(c.isspace() for c in word):
                raise ValueError(f"word {word!r} is empty, not a string, or contains whitespace; the "
                                 "word2vec format separates fields by spaces, so it cannot be saved")
        _check_finite(self.index_to_key, self.vectors, f"cannot save {path}")
        header = f"{len(self)} {self.vector_size}\n"
        blocks = range(0, len(self), ROWS_PER_BLOCK)             # bounded memory for big tables
        if binary:
            with atomic_write(path, "wb") as f:
                f.write(header.encode("utf-8"))
                for start in blocks:
                    rows = self.vectors[start:start + ROWS_PER_BLOCK].astype("<f4")    # little-endian
                    words = self.index_to_key[start:start + ROWS_PER_BLOCK]
                    f.write(b"".join(word.encode("utf-8") + b" " + row.tobytes() + b"\n"
                                     for word, row in zip(words, rows)))
        else:
            row_format = " ".join(["%.9g"] * self.vector_size)   # 9 digits: float32 round-trips exactly
            with atomic_write(path) as f:
                f.write(header)
                for start in blocks:
                    rows = self.vectors[start:start + ROWS_PER_BLOCK].tolist()
                    words = self.index_to_key[start:start + ROWS_PER_BLOCK]
                    f.write("".join(f"{word} {row_format % tuple(row)}\n" for word, row in zip(words, rows)))

    @classmethod
    def load_word2vec_format(cls, path, binary=False):
        """Read a word2vec text or binary file (as written by word2vec.c, gensim or minembed).

        Every damaged or mismatched file is refused with a ``ValueError`` naming the
        problem: no header, fewer or more rows than the header says, a row of the wrong
        length, a value that is not a number, NaN/inf, duplicate words, or a binary file
        read as text and vice versa.
        """
        with open(path, "rb") as f:
            data = f.read()
        newline = data.find(b"\n")
        header = data[:newline].split()
        if newline < 0 or len(header) != 2 or not all(h.isdigit() for h in header):
            raise ValueError(f"{path}: the first line must be the header 'n_words dim', got "
                             f"{data[:newline if newline > 0 else 40][:60]!r}; is this a word2vec file? "
                             "(GloVe files have no header: add the line 'n_words dim' on top)")
        n_words, dim = int(header[0]), int(header[1])
        if dim < 1:
            raise ValueError(f"{path}: the header gives dimension {dim}; vectors need at least 1")
        reader = _read_binary_rows if binary else _read_text_rows
        words, vectors = reader(path, data, newline + 1, n_words, dim)
        _check_finite(words, vectors, f"{path}")
        try:
            return cls(words, vectors)
        except ValueError as err:
            raise ValueError(f"{path}: {err}") from None


def _check_finite(words, vectors, where):
    finite_rows = np.isfinite(vectors).all(axis=1)
    if not finite_rows.all():
        bad = words[int(np.argmin(finite_rows))]
        raise ValueError(f"{where}: the vector of {bad!r} contains NaN or inf (or a value beyond the "
                         "float32 range)")


def _binary_hint(data):
    """A hint for text-mode errors when the bytes look like binary float32 data."""
    sample = data[:65536]
    if any(byte in sample for byte in b"\x00\x01\x02\x03\x04\x05\x06\x07\x08\x0e\x0f\x1a\x1b\x7f"):
        return " (the file contains binary bytes: if it was written with binary=True, load it with binary=True)"
    return ""


def _read_text_rows(path, data, start, n_words, dim):
    try:
        text = data[start:].decode("utf-8")
    except UnicodeDecodeError as err:
        raise ValueError(f"{path}: byte {start + err.start} is not valid UTF-8; if this is a "
                         "binary word2vec file, load it with binary=True") from None
    lines = text.split("\n")
    lines = [(line_no, line.rstrip()) for line_no, line in enumerate(lines, start=2) if line.strip()]
    if len(lines) != n_words:
        raise ValueError(f"{path}: the header says {n_words} words but the file has {len(lines)} rows "
                         f"(truncated file, or wrong header){_binary_hint(data)}")
    words = []
    vectors = np.empty((n_words, dim), dtype=np.float32)
    for start in range(0, n_words, ROWS_PER_BLOCK):               # bounded memory for big files
        block = lines[start:start + ROWS_PER_BLOCK]
        numbers = []
        for line_no, line in block:                                # one iteration per word
            fields = line.split(" ")                               # word2vec.c ends rows with a space
            if len(fields) != dim + 1:
                why = " (a word containing spaces?)" if len(fields) > dim + 1 else " (truncated row?)"
                raise ValueError(f"{path}, line {line_no}: expected a word and {dim} numbers, got "
                                 f"{len(fields) - 1} numbers{why}{_binary_hint(data)}")
            words.append(fields[0])
            numbers.extend(fields[1:])
        try:
            with np.errstate(over="ignore"):                       # 1e39 -> inf, refused by the caller
                vectors[start:start + len(block)] = np.array(numbers, dtype=np.float32).reshape(-1, dim)
        except ValueError:
            raise ValueError(f"{path}, {_first_non_number(block)} is not a number") from None
    if text.strip() and not text.rstrip(" \t\r").endswith("\n"):   # every writer ends rows with \n
        raise ValueError(f"{path}: the file does not end with a newline, so its last row may be cut "
                         "short (truncated file?); if the file is complete, add a newline at its end")
    return words, vectors


def _first_non_number(lines):
    """``"line 7: 'x'"`` for the first value that does not parse (errors only, so a loop is fine)."""
    for line_no, line in lines:
        for value in line.split(" ")[1:]:
            try:
                float(value)
            except ValueError:
                return f"line {line_no}: {value!r}"
    return "a value"


def _looks_like_text(data, start, dim):
    """True if the first row after the header reads as a text row ``word v1 .. vd``."""
    end = data.find(b"\n", start)
    fields = data[start:end if end >= 0 else len(data)].rstrip().split(b" ")
    if len(fields) != dim + 1:
        return False
    try:
        [float(value) for value in fields[1:]]
    except ValueError:
        return False
    return True


def _read_binary_rows(path, data, start, n_words, dim):
    if _looks_like_text(data, start, dim):
        raise ValueError(f"{path}: the rows are text ('word v1 v2 ...'), not binary float32; "
                         "load it with binary=False")
    row_bytes = 4 * dim
    if n_words * (2 + row_bytes) > len(data) - start:               # each row: word, space, vector
        raise ValueError(f"{path}: the header says {n_words} words of dimension {dim}, which needs at "
                         f"least {n_words * (2 + row_bytes)} bytes, but the file has {len(data) - start} "
                         "after the header (truncated file, or wrong header)")
    words = []
    vectors = np.empty((n_words, dim), dtype=np.float32)
    position = start
    for i in range(n_words):                                       # one iteration per word
        space = data.find(b" ", position)
        if space < 0 or space + 1 + row_bytes > len(data):
            raise ValueError(f"{path}: the file ends after {i} of the {n_words} words in its header "
                             "(truncated file, or wrong header)")
        word = data[position:space].lstrip(b"\n")                  # some writers end vectors with \n
        if not word or any(byte in word for byte in b"\t\n\r\x0b\x0c"):
            raise ValueError(f"{path}: row {i + 1} does not start with a word ({word[:40]!r}); the "
                             f"file is damaged, or its header dimension {dim} is wrong")
        try:
            words.append(word.decode("utf-8"))
        except UnicodeDecodeError:
            raise ValueError(f"{path}: word {i + 1} is not valid UTF-8; the file is damaged, or "
                             f"its header dimension {dim} is wrong") from None
        vectors[i] = np.frombuffer(data, dtype="<f4", count=dim, offset=space + 1)
        position = space + 1 + row_bytes
    if data[position:].strip():
        raise ValueError(f"{path}: there is data after the {n_words} words the header announces "
                         "(wrong header count?)")
    return words, vectors
