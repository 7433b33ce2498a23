"""A table of word vectors: lookups, cosine neighbours, analogies, evaluation, files.

``KeyedVectors`` is what word2vec (and the encoder's input embeddings) export: row ``i``
of ``vectors`` (shape ``(V, d)``, float32) belongs to ``index_to_key[i]``, rows in
descending frequency order. It answers gensim 4's ``KeyedVectors`` verbs with gensim's
arguments, semantics and return shapes (the methods say where they differ). All
similarity is **cosine**::

    cos(u, v) = u . v / (|u| |v|)

so every query works on unit-length copies of the rows (``normed``, computed once).

Analogies use 3CosAdd (Mikolov et al. 2013): "a is to b as c is to ?" is answered by

    argmax_w  cos(w, b - a + c)      over unit vectors, w not in {a, b, c}

which is ``most_similar(positive=[b, c], negative=[a])``; ``most_similar_cosmul`` is
3CosMul (Levy and Goldberg 2014).

Files: ``save``/``load`` keep everything in one ``.npz`` (no pickle); the word2vec text and
binary formats, GloVe's and the fvocab file are read and written by ``vectorfile.py``.
"""
import collections
import json
import numbers

import numpy as np

from . import evaluate, sentence, vectorfile
from ..core.fileio import load_npz, save_npz

KEY_TYPES = (str, int, np.integer)     # what gensim accepts as a key (an int not a key is a row number)
FILE_FORMAT = "minembed.KeyedVectors"


def _as_list(value):
    """gensim's reading of positive/negative: None -> [], one key or (d,) vector -> [it],
    a (n, d) array -> its rows, anything else -> list(it)."""
    if value is None:
        return []
    if isinstance(value, KEY_TYPES) or (isinstance(value, np.ndarray) and value.ndim == 1):
        return [value]
    return list(value)


def _unit(vector):
    """``vector / |vector|`` in float64 (a zero vector stays zero)."""
    vector = np.asarray(vector, dtype=np.float64)
    length = np.linalg.norm(vector)
    return vector / length if length > 0 else vector


def _unit_rows(rows):
    """(n, d) rows scaled to unit length (zero rows stay zero)."""
    return rows / np.maximum(np.linalg.norm(rows, axis=1, keepdims=True), 1e-12)


class KeyedVectors:
    """Word -> vector table. ``KeyedVectors(["king", "queen"], np.zeros((2, 3)), counts=[9, 4])``.

    ``counts`` (optional, (V,) integers) are the words' corpus counts, read back with
    ``get_vecattr(word, "count")`` and written by ``save_word2vec_format(fvocab=...)``.
    """

    def __init__(self, index_to_key, vectors, counts=None, dtype=np.float32):
        self.index_to_key = list(index_to_key)
        self.vectors = np.ascontiguousarray(vectors, dtype=dtype)
        if self.vectors.ndim != 2 or len(self.index_to_key) != len(self.vectors) or self.vectors.shape[1] < 1:
            raise ValueError(f"{len(self.index_to_key)} words but vectors of shape {self.vectors.shape}; "
                             "expected one row per word, shape (n_words, dim)")
        self.key_to_index = {word: i for i, word in enumerate(self.index_to_key)}
        if len(self.key_to_index) != len(self.index_to_key):
            dupes = [w for w, n in collections.Counter(self.index_to_key).items() if n > 1]
            raise ValueError(f"duplicate words in the vector table: {dupes[:5]}")
        self.expandos = {}                  # per-row attributes by name, each a (V,) array (gensim's name)
        if counts is not None:
            counts = np.asarray(counts, dtype=np.int64)
            if counts.shape != (len(self),):
                raise ValueError(f"counts has shape {counts.shape}; expected one count per word, ({len(self)},)")
            self.expandos["count"] = counts
        self.norms = None                   # (V,) row lengths, filled by fill_norms()
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
        except (KeyError, TypeError):
            raise KeyError(f"word {word!r} is not in the vocabulary ({len(self)} words); it may be "
                           "rarer than min_count, or absent from the training corpus") from None

    def get_index(self, key, default=None):
        """Row number of ``key``; an int that is not a key is taken as a row number (as gensim).
        Unknown: ``default`` if given, else a ``KeyError`` naming the key."""
        try:
            row = self.key_to_index.get(key, -1)
        except TypeError:                                         # an unhashable "key" (a list, ...)
            row = -1
        if row >= 0:
            return row
        if isinstance(key, (int, np.integer)) and 0 <= key < len(self):
            return int(key)
        if default is not None:
            return default
        return self.index(key)                                    # raises the KeyError

    def has_index_for(self, key):
        """True if ``get_index(key)`` finds a row."""
        return self.get_index(key, -1) >= 0

    def __getitem__(self, word):
        """The vector of ``word`` (d,), or of a list of words (n, d)."""
        if isinstance(word, str):
            return self.vectors[self.index(word)]
        return self.vectors[[self.index(w) for w in word]]

    def get_vector(self, key, norm=False):
        """The (d,) vector of ``key`` (read-only), unit length if ``norm`` (a zero row stays zero)."""
        vector = (self.normed if norm else self.vectors)[self.get_index(key)]
        vector.flags.writeable = False                            # a view: the table stays writable
        return vector

    def fill_norms(self, force=False):
        """Compute ``norms`` ((V,) row lengths) and the unit rows behind ``normed``, once
        (again with ``force``, after changing ``vectors`` in place).

        Each row is first divided by its largest absolute value, so that squaring cannot
        overflow (3e38 ** 2) or underflow (1e-45 ** 2) in float32.
        """
        if self._normed is None or force:
            # one (V, d) array made, the result: no (V, d) temporaries (|vectors|, squares)
            largest = np.maximum(self.vectors.max(axis=1), -self.vectors.min(axis=1))[:, None]   # (V, 1)
            scaled = self.vectors / np.where(largest > 0, largest, 1)              # (V, d), |.| <= 1
            lengths = np.sqrt(np.einsum("vd,vd->v", scaled, scaled))[:, None]      # (V, 1), in [1, sqrt d]
            scaled /= np.maximum(lengths, 1e-12)
            self._normed = scaled
            with np.errstate(over="ignore"):
                self.norms = (largest * lengths)[:, 0]

    @property
    def normed(self):
        """(V, d) unit-length copy of the vectors (all-zero rows stay zero)."""
        self.fill_norms()
        return self._normed

    def get_normed_vectors(self):
        """(V, d) unit-length rows (a read-only view of ``normed``)."""
        view = self.normed.view()
        view.flags.writeable = False
        return view

    def get_vecattr(self, key, attr):
        """The per-word attribute ``attr`` (e.g. ``"count"``) of ``key``."""
        if attr not in self.expandos:
            raise KeyError(f"no attribute {attr!r} is stored (known: {sorted(self.expandos)}); counts come "
                           "from KeyedVectors(..., counts=...) or load_word2vec_format(fvocab=...)")
        return self.expandos[attr][self.get_index(key)]

    def set_vecattr(self, key, attr, value):
        """Set the per-word attribute ``attr`` of ``key`` (a new attribute starts at 0 for all words)."""
        if attr not in self.expandos:
            self.expandos[attr] = np.zeros(len(self), dtype=np.asarray(value).dtype)
        self.expandos[attr][self.get_index(key)] = value

    # ------------------------------------------------------------------ similarity of given words
    def similarity(self, word_a, word_b):
        """Cosine similarity of two words."""
        return float(self.normed[self.get_index(word_a)] @ self.normed[self.get_index(word_b)])

    def distance(self, word_a, word_b):
        """Cosine distance ``1 - cos(a, b)``."""
        return 1.0 - self.similarity(word_a, word_b)

    def n_similarity(self, words_a, words_b):
        """Cosine of the means of two word lists' (raw, not unit) vectors, as gensim.

        ``ZeroDivisionError`` if a list is empty (gensim's error); unlike gensim, an unknown
        word is a ``KeyError`` instead of being left out silently.
        """
        if not (len(words_a) and len(words_b)):
            raise ZeroDivisionError("At least one of the passed list is empty.")
        mean_a = self.vectors[[self.get_index(w) for w in words_a]].mean(axis=0, dtype=np.float64)
        mean_b = self.vectors[[self.get_index(w) for w in words_b]].mean(axis=0, dtype=np.float64)
        return float(_unit(mean_a) @ _unit(mean_b))

    @staticmethod
    def cosine_similarities(vector_1, vectors_all):
        """(n,) cosines of ``vector_1`` (d,) with each row of ``vectors_all`` (n, d)::

            cos_i = vectors_all[i] . vector_1 / (|vector_1| |vectors_all[i]|)

        (as gensim: a zero vector gives NaN).
        """
        vectors_all = np.asarray(vectors_all)
        return (vectors_all @ vector_1) / (np.linalg.norm(vector_1) * np.linalg.norm(vectors_all, axis=1))

    def distances(self, word_or_vector, other_words=()):
        """(n,) cosine distances ``1 - cos`` from a word or (d,) vector to ``other_words``, or to
        every row (itself included) when ``other_words`` is empty. A zero row is at distance 1
        (gensim gives NaN)."""
        if isinstance(word_or_vector, KEY_TYPES):
            query = self.normed[self.get_index(word_or_vector)]
        else:
            query = _unit(word_or_vector).astype(self.normed.dtype)
        if len(other_words) == 0:
            return 1.0 - self.normed @ query
        return 1.0 - self.normed[[self.get_index(w) for w in other_words]] @ query

    def closer_than(self, key1, key2):
        """The words (in row order) closer to ``key1`` than ``key2`` is, ``key1`` itself left out."""
        distances = self.distances(key1)                          # (V,)
        own_row = self.get_index(key1)
        closer = np.flatnonzero(distances < distances[self.get_index(key2)])
        return [self.index_to_key[i] for i in closer[closer != own_row]]

    def rank(self, key1, key2):
        """1 + the number of words closer to ``key1`` than ``key2`` (1 = its nearest neighbour)."""
        return len(self.closer_than(key1, key2)) + 1

    def doesnt_match(self, words):
        """The word of ``words`` least similar to the mean of all of them (their unit vectors).

        Unlike gensim, which leaves unknown words out with a warning, an unknown word is a KeyError.
        """
        words = list(words)
        if not words:
            raise ValueError("doesnt_match needs at least one word")
        unit = self.normed[[self.index(w) for w in words]]        # (n, d)
        mean = unit.mean(axis=0)
        mean /= max(np.linalg.norm(mean), 1e-12)
        return words[int(np.argmin(unit @ mean))]

    # ------------------------------------------------------------------ nearest neighbours
    def _query_terms(self, entries, sign):
        """gensim's positive/negative entries -> ``(terms, weights, rows)``.

        An entry is a key (its unit vector), a (d,) array (taken as it is, not normalised, as
        gensim), or a ``(key or array, weight)`` pair; ``sign`` is the default weight.
        ``rows``: the rows of the keys, which are never returned as answers.
        """
        terms, weights, rows = [], [], []
        for entry in entries:
            item, weight = (entry, sign) if isinstance(entry, (*KEY_TYPES, np.ndarray)) else entry
            if isinstance(item, KEY_TYPES):
                rows.append(self.get_index(item))
                terms.append(self.normed[rows[-1]])
            else:
                item = np.asarray(item)
                if item.shape != (self.vector_size,):
                    raise ValueError(f"a query vector has shape {item.shape}; this table's vectors have "
                                     f"shape ({self.vector_size},)")
                terms.append(item)
            weights.append(weight)
        terms = np.array(terms, dtype=self.normed.dtype).reshape(-1, self.vector_size)   # (n, d)
        return terms, np.array(weights, dtype=self.normed.dtype), rows

    def most_similar(self, positive=None, negative=None, topn=10, clip_start=0, clip_end=None,
                     restrict_vocab=None, indexer=None):
        """The ``topn`` words closest to ``sum(unit(positive)) - sum(unit(negative))``.

        Entries of ``positive``/``negative`` are words, (d,) vectors (used as given), or
        ``(word or vector, weight)`` pairs; one word or vector may stand alone. The query is

            q = unit(sum_i w_i t_i),   score(row) = cos(row, q)

        with ``t_i`` the unit vector of a word, ``w_i`` +1 (positive), -1 (negative) or the
        given weight. Query words are never returned. Only rows ``clip_start:clip_end`` are
        searched; ``restrict_vocab=N`` means the first (most frequent) N rows. Equal scores
        are listed in row order (the more frequent word first). ``topn=None`` returns the
        (R,) array of all R searched rows' scores (query words included), as gensim; an
        ``indexer`` (e.g. an approximate-neighbour index) answers ``indexer.most_similar(q, topn)``.

        >>> kv.most_similar(positive=["woman", "king"], negative=["man"], topn=1)  # doctest: +SKIP
        [('queen', 0.71)]
        """
        if isinstance(topn, numbers.Integral) and topn < 1:
            return []
        positive_terms, positive_weights, positive_rows = self._query_terms(_as_list(positive), 1.0)
        negative_terms, negative_weights, negative_rows = self._query_terms(_as_list(negative), -1.0)
        if not len(positive_weights) + len(negative_weights):
            raise ValueError("most_similar needs at least one positive or negative word")
        query = positive_weights @ positive_terms + negative_weights @ negative_terms    # (d,)
        query /= max(np.linalg.norm(query), 1e-12)
        if restrict_vocab:
            clip_start, clip_end = 0, restrict_vocab
        if indexer is not None and isinstance(topn, int):
            return indexer.most_similar(query, topn)
        scores = self.normed[clip_start:clip_end or len(self)] @ query           # (R,)
        if not topn:
            return scores
        return self._best(scores, topn, positive_rows + negative_rows, clip_start)

    def _best(self, scores, topn, query_rows, offset=0):
        """``[(word, score), ...]``: the ``topn`` best of ``scores`` (rows ``offset:``), query rows
        excluded, score descending and ties in row order."""
        excluded = sorted({row - offset for row in query_rows if 0 <= row - offset < len(scores)})
        scores[excluded] = -np.inf
        topn = max(0, min(topn, len(scores) - len(excluded)))
        if topn == 0:
            return []
        kth_best = np.partition(scores, len(scores) - topn)[len(scores) - topn]
        best = np.flatnonzero(scores >= kth_best)                 # the top n, plus any ties of the n-th
        best = best[np.argsort(-scores[best], kind="stable")][:topn]   # score desc, then row order
        return [(self.index_to_key[i + offset], float(scores[i])) for i in best]

    def similar_by_key(self, key, topn=10, restrict_vocab=None):
        """``most_similar(positive=[key], ...)``."""
        return self.most_similar(positive=[key], topn=topn, restrict_vocab=restrict_vocab)

    similar_by_word = similar_by_key

    def similar_by_vector(self, vector, topn=10, restrict_vocab=None):
        """The ``topn`` words closest to a (d,) vector (no word is left out)."""
        return self.most_similar(positive=[np.asarray(vector)], topn=topn, restrict_vocab=restrict_vocab)

    def most_similar_cosmul(self, positive=None, negative=None, topn=10, restrict_vocab=None):
        """3CosMul (Levy and Goldberg 2014, eq. 4, cosines shifted to [0, 1] as in their note 7)::

            score(w) = prod_p s(w, p) / (prod_n s(w, n) + 1e-6),   s(w, x) = (1 + cos(w, x)) / 2

        over the positive words p and negative words n (words or (d,) vectors). Query words
        are never returned; ``topn=None`` returns the (R,) array of scores. Two differences
        from gensim: ``restrict_vocab`` is honoured (gensim 4.4 searches every row anyway), and
        a vector given directly is normalised (gensim divides by the rows' lengths only).
        """
        if isinstance(topn, numbers.Integral) and topn < 1:
            return []
        positive, negative = _as_list(positive), _as_list(negative)
        if not positive:
            raise ValueError("most_similar_cosmul needs at least one positive word or vector")
        positive_terms, _, positive_rows = self._query_terms(positive, 1.0)
        negative_terms, _, negative_rows = self._query_terms(negative, -1.0)
        candidates = self.normed[:restrict_vocab]                                 # (R, d)
        shifted_positive = (1 + candidates @ _unit_rows(positive_terms).T) / 2         # (R, P)
        shifted_negative = (1 + candidates @ _unit_rows(negative_terms).T) / 2         # (R, N)
        scores = shifted_positive.prod(axis=1) / (shifted_negative.prod(axis=1) + 1e-6)
        if not topn:
            return scores
        return self._best(scores, topn, positive_rows + negative_rows)

    # (n, d) vectors of texts: the mean of their known words' vectors, or SIF (sentence.py)
    sentence_vectors = sentence.sentence_vectors

    # ------------------------------------------------------------------ evaluation (gensim's returns)
    def evaluate_word_analogies(self, analogies, restrict_vocab=300000, case_insensitive=True,
                                dummy4unknown=False):
        """3CosAdd on a questions-words file: ``(score, sections)`` exactly as gensim, where
        ``sections`` is a list of ``{"section", "correct": [(a, b, c, d), ...], "incorrect": [...]}``
        ending with ``"Total accuracy"``. See ``evaluate.word_analogies``."""
        return evaluate.word_analogies(self, analogies, restrict_vocab, case_insensitive, dummy4unknown)

    def evaluate_word_pairs(self, pairs, delimiter="\t", encoding="utf8", restrict_vocab=300000,
                            case_insensitive=True, dummy4unknown=False):
        """Correlation with human similarity scores: ``((r, p), (rho, p), oov_percent)`` as gensim.
        See ``evaluate.word_pairs``."""
        return evaluate.word_pairs(self, pairs, delimiter, encoding, restrict_vocab, case_insensitive,
                                   dummy4unknown)

    # ------------------------------------------------------------------ files
    def save(self, path):
        """Write the table, its words and per-word attributes to one ``.npz`` (no pickle), atomically."""
        meta = {"format": FILE_FORMAT, "version": 1, "index_to_key": self.index_to_key,
                "vecattrs": sorted(self.expandos)}
        save_npz(path, meta=np.frombuffer(json.dumps(meta).encode("utf-8"), dtype=np.uint8),
                 vectors=self.vectors, **{f"vecattr_{name}": self.expandos[name] for name in meta["vecattrs"]})

    @classmethod
    def load(cls, path):
        """The table written by ``save``; a ValueError for a file of another kind."""
        what = "a minembed KeyedVectors file (word2vec .txt/.bin files load with load_word2vec_format)"
        arrays = load_npz(path, what, required=("meta", "vectors"))
        try:
            meta = json.loads(arrays["meta"].tobytes().decode("utf-8"))
            assert meta["format"] == FILE_FORMAT
        except Exception:
            raise ValueError(f"{path} is not {what}: its meta is not a KeyedVectors header") from None
        kv = cls(meta["index_to_key"], arrays["vectors"], dtype=arrays["vectors"].dtype)
        kv.expandos = {name: arrays[f"vecattr_{name}"] for name in meta["vecattrs"]}
        return kv

    def save_word2vec_format(self, path, fvocab=None, binary=False, total_vec=None, write_header=True,
                             prefix=""):
        """Write the word2vec format (text, or binary float32; ``.gz``/``.bz2`` names compressed),
        atomically. With counts, rows go in descending count order (stable), as gensim's.

        ``fvocab``: also write ``word count`` lines there (needs counts); ``write_header=False``:
        GloVe's headerless text; ``prefix``: put before every word; ``total_vec``: the header's
        word count. See ``vectorfile.write_word2vec`` for what is refused.
        """
        counts = self.expandos.get("count")
        if fvocab is not None and counts is None:
            raise ValueError("cannot write fvocab: this table has no counts (pass counts= to KeyedVectors, "
                             "or load the vectors with fvocab=)")
        words, rows = self.index_to_key, self.vectors
        if counts is not None and (np.diff(counts) > 0).any():    # not yet in descending count order
            order = np.argsort(-counts, kind="stable")
            words, rows, counts = [words[i] for i in order], rows[order], counts[order]
        if fvocab is not None:
            vectorfile.write_counts(fvocab, words, counts, prefix)
        vectorfile.write_word2vec(path, words, rows, binary, total_vec, write_header, prefix)

    @classmethod
    def load_word2vec_format(cls, path, fvocab=None, binary=False, encoding="utf8", unicode_errors="strict",
                             limit=None, datatype=np.float32, no_header=False):
        """Read a word2vec text or binary file (word2vec.c's, gensim's, minembed's; ``.gz``/``.bz2``
        decompressed), or with ``no_header`` a GloVe text file. ``limit=N`` reads the first N rows.

        Counts come from ``fvocab`` (``word count`` lines), else they are made up as ``V - row``
        (gensim's stand-in, which keeps the file's order). Every damaged or mismatched file is
        refused with a ``ValueError`` naming the problem: no header, fewer or more rows than the
        header says, a row of the wrong length, a value that is not a number, NaN/inf, duplicate
        words, or a binary file read as text and vice versa.
        """
        words, vectors = vectorfile.read_word2vec(path, binary, limit, no_header, datatype, encoding,
                                                  unicode_errors)
        if fvocab is not None:
            counts = vectorfile.counts_for(fvocab, words, vectorfile.read_counts(fvocab, encoding,
                                                                                 unicode_errors))
        else:
            counts = len(words) - np.arange(len(words))
        try:
            return cls(words, vectors, counts=counts, dtype=datatype)
        except ValueError as err:
            raise ValueError(f"{path}: {err}") from None
