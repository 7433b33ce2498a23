"""A small CSR (compressed sparse row) matrix: what one-hot and TF-IDF return.

A document-term matrix of 100k documents x 200k terms has 2e10 cells but only a few
million non-zeros, so it is stored as three arrays (the CSR layout SciPy also uses)::

    data[indptr[i]:indptr[i+1]]      the non-zero values of row i
    indices[indptr[i]:indptr[i+1]]   their column numbers (sorted within a row)

Example: ``[[0, 2, 0], [1, 0, 3]]`` is ``indptr=[0, 1, 3]``, ``indices=[1, 0, 2]``,
``data=[2, 1, 3]``.
"""
import numpy as np



class CSRMatrix:
    """Compressed sparse row matrix with the handful of operations minembed needs.

    **Handing it to SciPy and scikit-learn.** Both recognise a sparse matrix only by its class
    (``scipy.sparse.issparse`` is an ``isinstance`` check), so no pure-NumPy class can pass as
    one. What they accept from anything else is NumPy's ``__array__`` protocol, and this class
    speaks it: ``np.asarray(X)`` is ``X.toarray()``, so ``scipy.sparse.csr_matrix(X)`` and
    ``LogisticRegression().fit(X, y)`` work, **through the dense matrix** (n_rows x n_cols
    cells: fine for a teaching corpus, far too big for 100k documents). To stay sparse, pass
    ``X.to_scipy()``, or build the vectorizer with ``output="scipy"``: that is the path for real
    sizes. ``X[rows]`` (and ``X[rows, ...]``) selects rows, as scikit-learn's cross-validation
    splitters index their inputs; columns are selected with :meth:`keep_columns`.
    """

    def __init__(self, data, indices, indptr, shape):
        self.data = np.asarray(data)
        self.indices = np.asarray(indices, dtype=np.int32)
        self.indptr = np.asarray(indptr, dtype=np.int64)
        self.shape = (int(shape[0]), int(shape[1]))
        if len(self.indptr) != self.shape[0] + 1 or self.indptr[0] != 0 \
                or self.indptr[-1] != len(self.data) or len(self.indices) != len(self.data):
            raise ValueError(f"inconsistent CSR arrays: {len(self.indptr)} indptr entries for "
                             f"{self.shape[0]} rows, {len(self.indices)} indices, {len(self.data)} values")
        if len(self.indices) and (self.indices.min() < 0 or self.indices.max() >= self.shape[1]):
            raise ValueError(f"column index out of range for shape {self.shape}")

    # ------------------------------------------------------------------ construction
    @classmethod
    def from_coo(cls, rows, cols, values, shape, dtype=np.float64):
        """Build from (row, col, value) triplets; duplicates are summed, columns sorted.

        >>> CSRMatrix.from_coo([1, 0, 1], [2, 1, 2], [1, 2, 3], (2, 3)).toarray()
        array([[0., 2., 0.],
               [0., 0., 4.]])
        """
        rows = np.asarray(rows, dtype=np.int64)
        cols = np.asarray(cols, dtype=np.int64)
        for name, index, size in (("row", rows, shape[0]), ("column", cols, shape[1])):
            if len(index) and (index.min() < 0 or index.max() >= size):
                raise ValueError(f"{name} index out of range for shape {tuple(shape)}: "
                                 f"min {index.min()}, max {index.max()}")
        keys = rows * shape[1] + cols                       # one int per cell, row-major
        unique_keys, inverse = np.unique(keys, return_inverse=True)
        summed = np.bincount(inverse.ravel(), weights=np.asarray(values, dtype=np.float64),
                             minlength=len(unique_keys)).astype(dtype)
        unique_rows = unique_keys // shape[1]
        indptr = np.concatenate([[0], np.cumsum(np.bincount(unique_rows, minlength=shape[0]))])
        return cls(summed, unique_keys % shape[1], indptr, shape)

    @classmethod
    def from_dense(cls, array):
        array = np.asarray(array)
        rows, cols = np.nonzero(array)
        return cls.from_coo(rows, cols, array[rows, cols], array.shape, dtype=array.dtype)

    # ------------------------------------------------------------------ basics
    @property
    def nnz(self):
        return len(self.data)

    @property
    def dtype(self):
        return self.data.dtype

    def row_ids(self):
        """(nnz,) the row of every stored value."""
        return np.repeat(np.arange(self.shape[0]), np.diff(self.indptr))

    def toarray(self):
        """Dense ``(n_rows, n_cols)`` copy. Only for small matrices."""
        dense = np.zeros(self.shape, dtype=self.data.dtype)
        dense[self.row_ids(), self.indices] = self.data
        return dense

    def row(self, i):
        """(columns, values) of row ``i``."""
        start, stop = self.indptr[i], self.indptr[i + 1]
        return self.indices[start:stop], self.data[start:stop]

    def row_norms(self, ord=2):
        """Per-row L2 (``ord=2``) or L1 (``ord=1``) norm, shape (n_rows,)."""
        if ord not in (1, 2):
            raise ValueError(f"ord must be 1 or 2, got {ord!r}")
        values = self.data.astype(np.float64)
        values = values * values if ord == 2 else np.abs(values)
        sums = np.bincount(self.row_ids(), weights=values, minlength=self.shape[0])
        return np.sqrt(sums) if ord == 2 else sums

    def scale_rows(self, factors):
        """A new matrix with row ``i`` multiplied by ``factors[i]``."""
        factors = np.asarray(factors)
        return CSRMatrix(self.data * np.repeat(factors, np.diff(self.indptr)), self.indices.copy(),
                         self.indptr.copy(), self.shape)

    def normalize_rows(self, ord=2):
        """Rows divided by their norm (all-zero rows stay zero)."""
        norms = self.row_norms(ord)
        norms[norms == 0] = 1.0
        return self.scale_rows(1.0 / norms)

    def transpose(self):
        """The transposed matrix, again in CSR form (i.e. this matrix's columns as rows)."""
        order = np.argsort(self.indices, kind="stable")
        counts = np.bincount(self.indices, minlength=self.shape[1])
        indptr = np.concatenate([[0], np.cumsum(counts)])
        return CSRMatrix(self.data[order], self.row_ids()[order], indptr, self.shape[::-1])

    @property
    def T(self):
        return self.transpose()

    def __matmul__(self, dense):
        """Sparse @ dense: ``(n, m) @ (m, d) -> (n, d)``, as a gather and a segmented sum."""
        dense = np.asarray(dense)
        if dense.shape[0] != self.shape[1]:
            raise ValueError(f"dimension mismatch: {self.shape} @ {dense.shape}")
        out = np.zeros((self.shape[0],) + dense.shape[1:], dtype=np.result_type(self.data, dense))
        nonempty = np.diff(self.indptr) > 0
        if self.nnz:
            weighted = self.data.reshape((-1,) + (1,) * (dense.ndim - 1)) * dense[self.indices]  # (nnz, d)
            out[nonempty] = np.add.reduceat(weighted, self.indptr[:-1][nonempty], axis=0)
        return out

    def top_k(self, i, k):
        """(columns, values) of the ``k`` largest values in row ``i``, largest first."""
        cols, values = self.row(i)
        order = np.lexsort((cols, -values))[:k]          # by value desc, then column asc
        return cols[order], values[order]

    def row_blocks(self, max_values):
        """Yield views of consecutive whole rows, about ``max_values`` stored values each.

        Each block is a CSRMatrix whose ``data`` is a view into this matrix's ``data``, so
        editing ``block.data`` in place edits this matrix: a way to transform a big matrix
        with small temporary arrays.
        """
        first = 0
        while first < self.shape[0]:
            last = int(np.searchsorted(self.indptr, self.indptr[first] + max_values, side="right")) - 1
            last = min(max(last, first + 1), self.shape[0])
            start, stop = self.indptr[first], self.indptr[last]
            yield CSRMatrix(self.data[start:stop], self.indices[start:stop],
                            self.indptr[first:last + 1] - start, (last - first, self.shape[1]))
            first = last

    # ------------------------------------------------------------------ columns (used by TF-IDF)
    def column(self, j):
        """(rows, values) of column ``j``, rows ascending. One pass over ``indices``."""
        hits = np.flatnonzero(self.indices == j)                          # positions in data
        rows = np.searchsorted(self.indptr, hits, side="right") - 1
        return rows, self.data[hits]

    def column_sums(self, squared=False):
        """(n_cols,) sum of each column's values (of their squares if ``squared``)."""
        return self._per_column(lambda values: values * values if squared else values)

    def column_nnz(self):
        """(n_cols,) int64: how many stored values each column has (for TF-IDF: document frequency)."""
        return self._per_column(None)

    def _per_column(self, weights_of, block=1 << 20):
        """Per-column totals of ``weights_of(data)`` (of 1 per stored value if None), a block of
        values at a time, so the int64 copy of ``indices`` that ``bincount`` makes stays small."""
        totals = np.zeros(self.shape[1], dtype=np.int64 if weights_of is None else np.float64)
        for start in range(0, self.nnz, block):
            weights = None if weights_of is None else weights_of(self.data[start:start + block])
            totals += np.bincount(self.indices[start:start + block], weights=weights, minlength=self.shape[1])
        return totals

    def transpose_matvec(self, vector):
        """``self.T @ vector`` for a dense ``(n_rows,)`` vector, without building the transpose.

        Only the rows where ``vector`` is non-zero are read: the result is
        ``sum_i vector[i] * row_i``, a weighted sum of a few rows. Shape (n_cols,).
        """
        vector = np.asarray(vector)
        if vector.shape != (self.shape[0],):
            raise ValueError(f"dimension mismatch: {self.shape}.T @ {vector.shape}")
        rows = np.flatnonzero(vector)
        starts, lengths = self.indptr[rows], np.diff(self.indptr)[rows]
        # positions of all stored values of those rows: start + 0, 1, ..., length - 1 per row
        run_begin = np.repeat(np.cumsum(lengths) - lengths, lengths)
        positions = np.repeat(starts, lengths) + (np.arange(lengths.sum()) - run_begin)
        weights = self.data[positions] * np.repeat(vector[rows], lengths)
        return np.bincount(self.indices[positions], weights=weights, minlength=self.shape[1])

    def keep_columns(self, mask):
        """A new matrix with only the columns where ``mask`` is True, renumbered in order.

        >>> CSRMatrix.from_dense([[1, 2, 3]]).keep_columns(np.array([True, False, True])).toarray()
        array([[1, 3]])
        """
        mask = np.asarray(mask, dtype=bool)
        if mask.shape != (self.shape[1],):
            raise ValueError(f"mask has shape {mask.shape}, expected ({self.shape[1]},)")
        new_column = (np.cumsum(mask) - 1).astype(np.int32)               # old column -> new column
        kept = mask[self.indices]                                         # (nnz,) which values stay
        nonempty = np.diff(self.indptr) > 0                               # reduceat needs non-empty rows
        kept_per_row = np.zeros(self.shape[0], dtype=np.int64)
        if self.nnz:
            kept_per_row[nonempty] = np.add.reduceat(kept, self.indptr[:-1][nonempty], dtype=np.int64)
        indptr = np.concatenate([[0], np.cumsum(kept_per_row, dtype=np.int64)])
        return CSRMatrix(self.data[kept], new_column[self.indices[kept]], indptr,
                         (self.shape[0], int(mask.sum())))

    def take_rows(self, rows):
        """A new matrix made of the given rows, in the given order (``X[rows]``; used for k-fold splits).

        >>> CSRMatrix.from_dense([[1, 0], [0, 2], [3, 0]]).take_rows([2, 0]).toarray()
        array([[3, 0],
               [1, 0]])
        """
        rows = np.asarray(rows, dtype=np.int64).reshape(-1)
        if len(rows) and (rows.min() < 0 or rows.max() >= self.shape[0]):
            raise ValueError(f"row index out of range for shape {self.shape}: min {rows.min()}, max {rows.max()}")
        lengths = np.diff(self.indptr)[rows]                              # (n_rows,) values per taken row
        indptr = np.concatenate([[0], np.cumsum(lengths)])
        # positions in data of every taken value: start of its row + 0, 1, ..., length - 1
        positions = np.repeat(self.indptr[rows] - indptr[:-1], lengths) + np.arange(indptr[-1])
        return CSRMatrix(self.data[positions], self.indices[positions], indptr, (len(rows), self.shape[1]))

    def __getitem__(self, key):
        """Rows ``X[rows]``: an int (a 1-row matrix, as scipy.sparse.csr_matrix), a slice, an int
        array or a boolean mask; ``X[rows, ...]`` and ``X[rows, :]`` too (how scikit-learn indexes)."""
        if isinstance(key, tuple):
            columns = key[1] if len(key) == 2 else None
            if not (columns is Ellipsis or (isinstance(columns, slice) and columns == slice(None))):
                raise IndexError("a CSRMatrix selects whole rows only (X[rows] or X[rows, :]); "
                                 "for columns use X.keep_columns(mask)")
            key = key[0]
        if isinstance(key, slice):
            return self.take_rows(np.arange(self.shape[0])[key])
        rows = np.asarray(key)
        if rows.dtype == bool:
            if rows.shape != (self.shape[0],):
                raise IndexError(f"boolean mask of shape {rows.shape} for {self.shape[0]} rows")
            rows = np.flatnonzero(rows)
        elif rows.dtype.kind not in "iu" and rows.size:                # X[[]] is an empty selection
            raise IndexError(f"rows must be ints, a slice or a boolean mask, got {rows.dtype}")
        rows = np.where(rows < 0, rows + self.shape[0], rows)
        if rows.size and (rows.min() < 0 or rows.max() >= self.shape[0]):
            raise IndexError(f"row index out of range for shape {self.shape}")   # also ends `for row in X`
        return self.take_rows(rows)

    def __array__(self, dtype=None, copy=None):
        """``np.asarray(X)``: the dense ``(n_rows, n_cols)`` array (NumPy's protocol, which SciPy's
        constructors and scikit-learn's ``check_array`` use). Always a new array."""
        if copy is False:
            raise ValueError("a CSRMatrix has no dense array to share: np.asarray(X) must copy")
        dense = self.toarray()
        return dense if dtype is None else dense.astype(dtype, copy=False)

    def to_scipy(self):
        """A ``scipy.sparse.csr_matrix`` (only if SciPy happens to be installed), without a dense copy.
        The way to hand a big matrix to scikit-learn."""
        import scipy.sparse
        return scipy.sparse.csr_matrix((self.data, self.indices, self.indptr), shape=self.shape)

    def __repr__(self):
        return f"CSRMatrix(shape={self.shape}, nnz={self.nnz}, dtype={self.data.dtype})"


def as_csr(matrix):
    """A :class:`CSRMatrix` of a CSRMatrix (itself), a SciPy sparse matrix or array (via its
    ``tocsr()``, values kept in their stored order), or a 2-D array-like (its non-zeros).

    >>> as_csr([[0, 5], [7, 0]]).indices.tolist()
    [1, 0]
    """
    if isinstance(matrix, CSRMatrix):
        return matrix
    if hasattr(matrix, "tocsr"):                                  # scipy.sparse, without importing it
        csr = matrix.tocsr()
        return CSRMatrix(csr.data, csr.indices, csr.indptr, csr.shape)
    dense = np.asarray(matrix)
    if dense.ndim != 2:
        raise ValueError(f"expected a 2-D matrix (documents x terms), got shape {dense.shape}")
    return CSRMatrix.from_dense(dense)
