r"""Search: rank documents for a query with any of minembed's methods, exactly.

    index = SearchIndex(BM25Vectorizer()).add(documents)      # fits the vectorizer on the documents
    index.search("mock turtle soup", k=10)                    # [(position, score), ...], best first

Every method turns texts into vectors (``sentence_vectors``), so search is the same for all of them: the
documents' vectors are the rows of a matrix ``D`` (n_docs, dim), the query is one vector ``q``, and

    cosine (bag of words, TF-IDF, word vectors, SIF, the encoder):   scores = unit(D) @ unit(q)
    BM25's own score (a method with ``transform_queries``):          scores = D @ q
        D: the documents' BM25 weights w(t, d);  q: the query's term counts;  so scores[d] = sum_t qtf(t) w(t, d)

one matrix product for all the documents. Then the k best, exactly: ``np.argpartition`` puts k of the
largest scores first in linear time (in no order); every document that ties with the k-th best joins
them, and only those few are sorted, by score, then by position: a tie goes to the document added first.
A position is the document's 0-based place in the order the documents were added.

For the sparse methods ``D`` is kept transposed, as search engines keep it: row t of ``D^T`` is term t's
*postings*, the documents that contain t with their weights (an inverted index). ``D @ q`` is then
``sum over the query's terms t of q_t * postings(t)`` (:meth:`~minembed.core.sparse.CSRMatrix.transpose_matvec`),
which reads the postings of the query's own terms and nothing else.

**Adding more later.** ``add`` fits an unfitted method (a vectorizer, :class:`~minembed.vectors.sentence.SIF`)
on the first documents it is given; later ``add`` calls append rows made with that same fit. A vectorizer's
vocabulary, idf and BM25's ``avgdl`` stay those of the first documents: a word that only later documents have
is not in the vocabulary, so it matches nothing, and the idf does not count the later documents. To weigh
everything by the whole collection, build a new index on all the documents at once.

**Files.** ``save(path)`` writes one ``.npz`` (stamped ``minembed search index v1``): the documents' rows,
and for a CountVectorizer, TfidfVectorizer, BM25Vectorizer or OneHotEncoder (with minembed's Tokenizer) its
settings and fitted vocabulary, idf and ``avgdl``, so that ``SearchIndex.load(path)`` answers queries on its
own. Word vectors, SIF and the encoder are big and have their own files: the index holds only the rows, and
``SearchIndex.load(path, method=...)`` takes the same method back.

>>> from minembed import BM25Vectorizer
>>> index = SearchIndex(BM25Vectorizer()).add(["the cat sat", "the dog sat", "a cat and a cat"])
>>> [(position, round(score, 3)) for position, score in index.search("cat", k=2)]   # every |d| = avgdl = 3
[(2, 0.646), (0, 0.47)]

(idf(cat) = ln(1 + 1.5 / 2.5) = 0.47: document 2 has it twice, 0.47 * 2 * 2.2 / (2 + 1.2) = 0.646; document 0
once, 0.47 * 2.2 / (1 + 1.2) = 0.47; document 1 has no "cat" and scores 0.)
"""
import json
import numbers

import numpy as np

from ..bow.bm25 import BM25Vectorizer
from ..bow.countvec import CountVectorizer
from ..bow.onehot import OneHotEncoder
from ..bow.tfidf import TfidfVectorizer
from ..core.estimator import NotFittedError
from ..core.fileio import load_npz, save_npz
from ..core.sparse import CSRMatrix, as_csr
from ..text.tokenize import Tokenizer
from ..text.vocab import Vocabulary

FILE_FORMAT = ("minembed search index", 1)
VECTORIZERS = {cls.__name__: cls for cls in (CountVectorizer, TfidfVectorizer, BM25Vectorizer)}
FITTED = ("idf_", "df_", "n_documents_", "avgdl_")        # the fitted numbers a vectorizer may have


class SearchIndex:
    """Documents indexed by one method, searched exactly by cosine or by BM25's score (module docstring).

    ``method``: anything with ``sentence_vectors(texts)``: a CountVectorizer, TfidfVectorizer, BM25Vectorizer,
    OneHotEncoder, KeyedVectors (the mean of a text's known words' vectors), SIF or AttentionEncoder.
    ``scoring`` is ``"bm25"`` for a method with ``transform_queries`` (BM25Vectorizer), else ``"cosine"``.
    """

    def __init__(self, method):
        if not callable(getattr(method, "sentence_vectors", None)):
            raise TypeError(f"SearchIndex needs a method with sentence_vectors(texts) (a vectorizer, KeyedVectors, "
                            f"SIF or AttentionEncoder), got {type(method).__name__}")
        self.method = method
        self.scoring = "bm25" if callable(getattr(method, "transform_queries", None)) else "cosine"
        self._matrix = None               # the rows searched: D^T (dim, n_docs) CSR, the postings; or D (n_docs, d)
        self._pending = []                # rows added since, one block per add(): CSRMatrix or (n, d) float64

    def __len__(self):
        stacked = 0 if self._matrix is None else self._documents_in(self._matrix)
        return stacked + sum(block.shape[0] for block in self._pending)

    def __repr__(self):
        return f"SearchIndex({type(self.method).__name__}, {len(self)} documents, scoring={self.scoring!r})"

    # ------------------------------------------------------------------ indexing
    def add(self, documents):
        """Index ``documents`` (an iterable of texts) after those already added; returns the index.

        An unfitted method (one whose ``__sklearn_is_fitted__()`` is False) is first fitted on them; on a
        later call it is not fitted again (module docstring: what that means for the idf).
        """
        documents = _text_list(documents)
        if not documents:
            return self
        if _needs_fit(self.method):
            self.method.fit(documents)
        rows = self.method.sentence_vectors(documents)           # (n_new, dim)
        if self.scoring == "cosine":
            rows = rows.normalize_rows() if isinstance(rows, CSRMatrix) else _unit_rows(rows)
        elif not isinstance(rows, CSRMatrix):
            rows = as_csr(rows)
        if len(self) and rows.shape[1] != self.width:
            raise ValueError(f"the method now gives vectors of width {rows.shape[1]}, and the index holds width "
                             f"{self.width}: was it refitted? Build a new index")
        self._pending.append(rows)
        return self

    @property
    def width(self):
        """The documents' vectors' width (dim, or the number of terms)."""
        if self._matrix is None:
            return self._pending[0].shape[1]
        return self._matrix.shape[0] if isinstance(self._matrix, CSRMatrix) else self._matrix.shape[1]

    # ------------------------------------------------------------------ searching
    def search(self, query, k=10):
        """The ``k`` best documents for ``query`` (a str, or a token list for word vectors):
        ``[(position, score), ...]``, best first, ties by position. Fewer if the index holds fewer.

        The score is the cosine of the query's and the document's vectors, or BM25's score (``scoring``).
        A query with no known word scores 0 against every document (the encoder, which has ``<unk>``, gives
        it a vector; and refuses a query with no token at all).
        """
        if isinstance(k, bool) or not isinstance(k, numbers.Integral) or k < 1:
            raise ValueError(f"k must be an int >= 1 (how many documents to return), got {k!r}")
        scores = self.scores(query)                              # (n_docs,)
        positions, best = top_k(scores, k)
        return list(zip(positions.tolist(), best.tolist()))

    def scores(self, query):
        """(n_docs,) float64: the query's score against every document, in the order added."""
        if not len(self):
            fit_too = " (and its method is not fitted: add fits it)" if _needs_fit(self.method) else ""
            raise ValueError(f"the index is empty{fit_too}: add(documents) before search")
        matrix = self._stacked()
        if self.scoring == "bm25":
            q = as_csr(self.method.transform_queries([query]))    # (1, V) term counts
        else:
            q = self.method.sentence_vectors([query])             # (1, dim)
        q = np.asarray(q.toarray() if isinstance(q, CSRMatrix) else q, dtype=np.float64)[0]   # (dim,)
        if q.shape != (self.width,):
            raise ValueError(f"the method gives vectors of width {q.shape[0]}, the index holds width {self.width}: "
                             "search with the method the index was built with")
        if self.scoring == "cosine":
            q = q / max(np.linalg.norm(q), 1e-300)
        if isinstance(matrix, CSRMatrix):
            return matrix.transpose_matvec(q)                    # D @ q from the postings of q's terms
        return matrix @ q                                        # (n_docs, d) @ (d,)

    def _stacked(self):
        """All the rows as one matrix (the pending blocks added under the others): D^T (dim, n_docs) CSR
        when sparse, D (n_docs, d) when dense. One copy is kept."""
        if self._pending:
            blocks = ([] if self._matrix is None else [self._rows()]) + self._pending
            if isinstance(blocks[0], CSRMatrix):
                self._matrix = _stack_csr(blocks).transpose()
            else:
                self._matrix = np.vstack(blocks)
            self._pending = []
        return self._matrix

    def _rows(self):
        """D (n_docs, dim) of the stacked matrix."""
        return self._matrix.transpose() if isinstance(self._matrix, CSRMatrix) else self._matrix

    @staticmethod
    def _documents_in(matrix):
        return matrix.shape[1] if isinstance(matrix, CSRMatrix) else matrix.shape[0]

    # ------------------------------------------------------------------ files
    def save(self, path):
        """Write the index to one stamped ``.npz``, atomically (module docstring: what it holds)."""
        if not len(self):
            raise ValueError("the index is empty: add(documents) before save")
        self._stacked()
        arrays = {"scoring": np.array(self.scoring), "method_class": np.array(type(self.method).__name__)}
        rows = self._rows()                                      # (n_docs, dim)
        if isinstance(rows, CSRMatrix):
            arrays.update(doc_data=rows.data, doc_indices=rows.indices, doc_indptr=rows.indptr,
                          doc_shape=np.array(rows.shape))
        else:
            arrays["doc_vectors"] = rows
        described = _describe(self.method)
        if described is not None:
            arrays["method"] = _json_bytes(described)
            arrays.update({f"fitted_{name}": np.asarray(getattr(self.method, name)) for name in FITTED
                           if hasattr(self.method, name)})
        save_npz(path, file_format=FILE_FORMAT, **arrays)

    @classmethod
    def load(cls, path, method=None):
        """The index ``save`` wrote. Its vectorizer comes from the file; for a method the file does not
        hold (word vectors, SIF, the encoder, a custom tokenizer), pass the one it was built with."""
        arrays = load_npz(path, "a minembed search index", required=("scoring", "method_class"),
                          file_format=FILE_FORMAT)
        name = str(arrays["method_class"])
        if "method" in arrays:
            if method is not None:
                raise ValueError(f"{path} holds its own {name}: load it without method=")
            fitted = {key[len("fitted_"):]: value for key, value in arrays.items() if key.startswith("fitted_")}
            method = _restore(name, json.loads(arrays["method"].tobytes().decode("utf-8")), fitted)
        elif method is None:
            raise ValueError(f"{path} indexes documents with a {name}, which the file does not hold: pass it, "
                             "SearchIndex.load(path, method=...)")
        elif type(method).__name__ != name:
            raise ValueError(f"{path} was built with a {name}, not a {type(method).__name__}")
        index = cls(method)
        if "doc_vectors" in arrays:
            index._pending = [arrays["doc_vectors"]]
        else:
            index._pending = [CSRMatrix(arrays["doc_data"], arrays["doc_indices"], arrays["doc_indptr"],
                                        tuple(arrays["doc_shape"].tolist()))]
        return index


# ---------------------------------------------------------------------------- the k best
def top_k(scores, k):
    """The ``k`` largest of ``scores`` (n,), best first, ties in position order: ``(positions, scores)``.

    >>> positions, best = top_k(np.array([0.1, 0.9, 0.5, 0.9, 0.5]), 3)
    >>> positions.tolist(), best.tolist()
    ([1, 3, 2], [0.9, 0.9, 0.5])
    """
    k = min(k, len(scores))
    some_best = np.argpartition(-scores, k - 1)[:k]            # k of the best, in no order: O(n)
    tied = np.flatnonzero(scores >= scores[some_best].min())   # and every document tied with the k-th
    order = np.lexsort((tied, -scores[tied]))[:k]              # score descending, then position
    return tied[order], scores[tied[order]]


# ---------------------------------------------------------------------------- helpers
def _needs_fit(method):
    """True for a method that says it is not fitted (scikit-learn's ``__sklearn_is_fitted__``)."""
    is_fitted = getattr(method, "__sklearn_is_fitted__", None)
    if is_fitted is None or is_fitted():
        return False
    if not callable(getattr(method, "fit", None)):
        raise NotFittedError(f"this {type(method).__name__} is not fitted and has no fit(documents): fit it first")
    return True


def _unit_rows(rows):
    """(n, d) float64 rows scaled to length 1 (zero rows stay zero)."""
    rows = np.array(rows, dtype=np.float64)
    if rows.ndim != 2:
        raise ValueError(f"sentence_vectors gave shape {rows.shape}; expected (n_texts, dim)")
    rows /= np.maximum(np.linalg.norm(rows, axis=1, keepdims=True), 1e-300)
    return rows


def _stack_csr(blocks):
    """CSR matrices with the same columns, one under the other."""
    offsets = np.cumsum([0] + [block.nnz for block in blocks])
    indptr = np.concatenate([[0]] + [block.indptr[1:] + offset for block, offset in zip(blocks, offsets)])
    return CSRMatrix(np.concatenate([block.data for block in blocks]),
                     np.concatenate([block.indices for block in blocks]), indptr,
                     (sum(block.shape[0] for block in blocks), blocks[0].shape[1]))


def _text_list(texts):
    if isinstance(texts, (str, bytes)):
        raise TypeError(f"expected a list of documents, got a single {type(texts).__name__}; wrap it: [text]")
    return list(texts)


def _json_bytes(obj):
    return np.frombuffer(json.dumps(obj).encode("utf-8"), dtype=np.uint8)


def _describe(method):
    """What rebuilds ``method`` to answer queries, as JSON; None for a method the file cannot hold."""
    if type(method).__name__ in VECTORIZERS and type(method) is VECTORIZERS[type(method).__name__]:
        return {"params": method.get_params(), "terms": method.get_feature_names_out().tolist()}
    if type(method) is OneHotEncoder and (method.tokenizer is None or type(method.tokenizer) is Tokenizer):
        vocab = method.vocabulary
        n = len(vocab.specials)
        return {"itos": vocab.itos[n:], "counts": vocab.counts[n:].tolist(), "specials": list(vocab.specials),
                "tokenizer": method.tokenizer and method.tokenizer.config(), "handle_unknown": method.handle_unknown}
    return None


def _restore(name, described, fitted):
    """The method :func:`_describe` described, fitted as it was."""
    if name == "OneHotEncoder":
        tokenizer = described["tokenizer"] and Tokenizer(**described["tokenizer"])
        vocab = Vocabulary(described["itos"], described["counts"], described["specials"])
        return OneHotEncoder(vocab, tokenizer, described["handle_unknown"])
    method = VECTORIZERS[name](**described["params"])
    terms = described["terms"]
    method.vocabulary_ = dict(zip(terms, range(len(terms))))
    method._terms = terms                                      # CountVectorizer's column -> term list
    for key, value in fitted.items():
        setattr(method, key, value if value.ndim else value.item())
    return method
