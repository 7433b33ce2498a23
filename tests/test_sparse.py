"""CSRMatrix: construction, dense round trips, norms, transpose, products, top-k."""
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from minembed import CSRMatrix
from minembed.core.sparse import as_csr


def test_layout_of_the_docstring_example():
    X = CSRMatrix.from_dense([[0, 2, 0], [1, 0, 3]])
    assert X.indptr.tolist() == [0, 1, 3]
    assert X.indices.tolist() == [1, 0, 2]
    assert X.data.tolist() == [2, 1, 3]
    assert X.shape == (2, 3) and X.nnz == 3
    assert X.row_ids().tolist() == [0, 1, 1]
    cols, values = X.row(1)
    assert cols.tolist() == [0, 2] and values.tolist() == [1, 3]


def test_from_coo_sums_duplicates_and_sorts_columns():
    X = CSRMatrix.from_coo(rows=[2, 0, 2, 2, 0], cols=[3, 1, 0, 3, 1], values=[1, 2, 5, 4, 0.5],
                           shape=(4, 5))
    assert X.indptr.tolist() == [0, 1, 1, 3, 3]          # rows 1 and 3 are empty
    assert X.indices.tolist() == [1, 0, 3]
    assert X.data.tolist() == [2.5, 5.0, 5.0]
    assert X.dtype == np.float64
    expected = np.zeros((4, 5))
    expected[0, 1], expected[2, 0], expected[2, 3] = 2.5, 5, 5
    np.testing.assert_array_equal(X.toarray(), expected)
    empty = CSRMatrix.from_coo([], [], [], (3, 2))
    assert empty.nnz == 0 and empty.indptr.tolist() == [0, 0, 0, 0]
    np.testing.assert_array_equal(empty.toarray(), np.zeros((3, 2)))


@pytest.mark.parametrize("rows, cols", [([0], [3]), ([0], [-1]), ([2], [0]), ([-1], [0])])
def test_from_coo_rejects_out_of_range_indices(rows, cols):
    # a column of -1 used to land silently in the previous row's last cell
    with pytest.raises(ValueError, match="index out of range for shape"):
        CSRMatrix.from_coo(rows, cols, [1.0], (2, 3))


def test_inconsistent_arrays_are_rejected():
    with pytest.raises(ValueError, match="inconsistent CSR arrays"):
        CSRMatrix([1.0], [0], [0, 1, 1], (1, 2))           # 3 indptr entries for 1 row
    with pytest.raises(ValueError, match="column index out of range"):
        CSRMatrix([1.0], [5], [0, 1], (1, 2))


def test_from_dense_round_trip_keeps_dtype():
    A = np.array([[0, 0, 7], [0, 0, 0], [-1, 2, 0]], dtype=np.int64)
    X = CSRMatrix.from_dense(A)
    assert X.dtype == np.int64
    np.testing.assert_array_equal(X.toarray(), A)
    B = np.array([[0.5, 0.0], [0.0, -0.25]], dtype=np.float32)
    assert CSRMatrix.from_dense(B).toarray().dtype == np.float32


def test_row_norms_hand_computed():
    X = CSRMatrix.from_dense([[3, -4, 0], [0, 0, 0], [0, 0, -2], [1, 1, 1]])
    np.testing.assert_allclose(X.row_norms(2), [5, 0, 2, np.sqrt(3)], rtol=1e-15)
    np.testing.assert_array_equal(X.row_norms(1), [7, 0, 2, 3])
    with pytest.raises(ValueError, match="ord must be 1 or 2"):
        X.row_norms(3)


def test_normalize_rows_leaves_zero_rows_zero():
    X = CSRMatrix.from_dense([[3.0, 4.0], [0.0, 0.0], [0.0, -2.0]])
    np.testing.assert_allclose(X.normalize_rows().toarray(), [[0.6, 0.8], [0, 0], [0, -1]], rtol=1e-15)
    np.testing.assert_allclose(X.normalize_rows(1).toarray(), [[3 / 7, 4 / 7], [0, 0], [0, -1]], rtol=1e-15)
    np.testing.assert_array_equal(X.toarray(), [[3, 4], [0, 0], [0, -2]])     # original untouched


def test_scale_rows():
    X = CSRMatrix.from_dense([[1.0, 2.0], [0.0, 0.0], [3.0, 0.0]])
    np.testing.assert_array_equal(X.scale_rows([10, 5, -1]).toarray(), [[10, 20], [0, 0], [-3, 0]])


def test_transpose_hand_checked():
    X = CSRMatrix.from_dense([[0, 2, 0], [1, 0, 3]])
    T = X.transpose()
    assert T.shape == (3, 2)
    assert T.indptr.tolist() == [0, 1, 2, 3]
    assert T.indices.tolist() == [1, 0, 1]
    assert T.data.tolist() == [1, 2, 3]
    np.testing.assert_array_equal(X.T.toarray(), X.toarray().T)
    np.testing.assert_array_equal(X.T.T.indptr, X.indptr)


def test_matmul_matches_dense_with_empty_rows():
    rng = np.random.default_rng(3)
    A = np.zeros((6, 5))
    A[1, [0, 4]] = [1.5, -2.0]                                # rows 0, 2, 4, 5 empty
    A[3, [1, 2, 3]] = [0.5, 1.0, 3.0]
    X = CSRMatrix.from_dense(A)
    B = rng.normal(size=(5, 4))
    np.testing.assert_allclose(X @ B, A @ B, rtol=1e-14, atol=1e-15)
    v = rng.normal(size=5)
    np.testing.assert_allclose(X @ v, A @ v, rtol=1e-14, atol=1e-15)
    assert (X @ B).shape == (6, 4) and (X @ v).shape == (6,)
    np.testing.assert_array_equal(CSRMatrix.from_dense(np.zeros((3, 5))) @ B, np.zeros((3, 4)))
    with pytest.raises(ValueError, match="dimension mismatch"):
        X @ rng.normal(size=(4, 2))


def test_top_k_breaks_ties_by_column():
    X = CSRMatrix.from_coo([0] * 5, [7, 2, 5, 4, 0], [3, 3, 2, 3, 1], (2, 8))
    cols, values = X.top_k(0, 3)
    assert cols.tolist() == [2, 4, 7] and values.tolist() == [3, 3, 3]
    cols, values = X.top_k(0, 4)
    assert cols.tolist() == [2, 4, 7, 5] and values.tolist() == [3, 3, 3, 2]
    assert X.top_k(0, 100)[0].tolist() == [2, 4, 7, 5, 0]    # k larger than the row
    assert X.top_k(1, 3)[0].tolist() == []                   # empty row


def test_to_scipy_agrees():
    pytest.importorskip("scipy.sparse")
    A = np.array([[0, 1.5, 0], [2, 0, 0], [0, 0, 0]])
    S = CSRMatrix.from_dense(A).to_scipy()
    np.testing.assert_array_equal(S.toarray(), A)


# ---------------------------------------------------------------------------- NumPy, SciPy and scikit-learn take it
def test_asarray_is_the_dense_matrix():
    X = CSRMatrix.from_dense(np.array([[0, 2, 0], [1, 0, 3]], dtype=np.int64))
    dense = np.asarray(X)
    assert type(dense) is np.ndarray and dense.dtype == np.int64
    np.testing.assert_array_equal(dense, X.toarray())
    assert np.asarray(X, dtype=np.float32).dtype == np.float32
    np.testing.assert_array_equal(np.ones(2) @ X, [1, 2, 3])               # NumPy densifies it when it must
    with pytest.raises(ValueError, match="must copy"):
        np.asarray(X, copy=False)


def test_rows_by_index_slice_and_mask():
    A = np.array([[1, 0], [0, 2], [3, 0], [0, 0]])
    X = CSRMatrix.from_dense(A)
    for key in ([2, 0], np.array([3, 1, 1]), slice(1, None), slice(None, None, -2),
                np.array([True, False, True, False]), [-1], []):
        np.testing.assert_array_equal(X[key].toarray(), A[key].reshape(-1, 2))
        np.testing.assert_array_equal(X[key, ...].toarray(), X[key, :].toarray())
    assert X[1].shape == (1, 2) and X[1].toarray().tolist() == [[0, 2]]    # as scipy.sparse.csr_matrix
    assert [row.toarray().tolist() for row in X] == [[[1, 0]], [[0, 2]], [[3, 0]], [[0, 0]]]   # ends at IndexError
    for key in ((slice(None), 0), 4, -5, np.array([True]), 0.5):
        with pytest.raises(IndexError):
            X[key]


def test_as_csr_takes_dense_and_csr():
    X = CSRMatrix.from_dense([[0, 5], [7, 0]])
    assert as_csr(X) is X
    Y = as_csr([[0, 5], [7, 0]])
    assert Y.indptr.tolist() == [0, 1, 2] and Y.indices.tolist() == [1, 0] and Y.data.tolist() == [5, 7]
    with pytest.raises(ValueError, match="expected a 2-D matrix"):
        as_csr([1, 2, 3])


def test_scipy_constructors_take_it():
    scipy_sparse = pytest.importorskip("scipy.sparse")
    X = CSRMatrix.from_coo([0, 0, 2], [3, 1, 0], [1.5, -2.0, 4.0], (3, 4))
    for S in (scipy_sparse.csr_matrix(X), scipy_sparse.csr_array(X)):
        expected = X.to_scipy()
        assert S.shape == expected.shape and S.dtype == expected.dtype and (S != expected).nnz == 0
        np.testing.assert_array_equal(S.indptr, expected.indptr)
        np.testing.assert_array_equal(S.indices, expected.indices)
    for S in (X.to_scipy(), X.to_scipy().tocoo(), X.to_scipy().tocsc(), scipy_sparse.csr_array(X)):   # back again
        Y = as_csr(S)
        np.testing.assert_array_equal(Y.indptr, X.indptr)
        np.testing.assert_array_equal(Y.indices, X.indices)
        np.testing.assert_array_equal(Y.data, X.data)


def test_scikit_learn_estimators_take_it_as_they_take_scipys():
    pytest.importorskip("scipy")
    pytest.importorskip("sklearn")
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import cross_val_score
    rng = np.random.default_rng(0)
    dense = rng.normal(size=(60, 8)) * (rng.random((60, 8)) < 0.3)          # (60, 8), ~70% zeros
    y = (dense[:, 0] + dense[:, 1] - dense[:, 2] > 0).astype(int)
    X = CSRMatrix.from_dense(dense)
    ours, theirs = LogisticRegression().fit(X, y), LogisticRegression().fit(X.to_scipy(), y)
    np.testing.assert_array_equal(ours.predict(X), theirs.predict(X.to_scipy()))
    np.testing.assert_allclose(ours.predict_proba(X), theirs.predict_proba(X.to_scipy()), atol=1e-6)
    np.testing.assert_allclose(cross_val_score(LogisticRegression(), X, y, cv=3),        # splits with X[rows, ...]
                               cross_val_score(LogisticRegression(), X.to_scipy(), y, cv=3))


def test_importing_minembed_imports_neither_scipy_nor_scikit_learn():
    import subprocess
    import sys
    code = ("import sys, minembed; loaded = {m.split('.')[0] for m in sys.modules} & {'scipy', 'sklearn'}; "
            "print(sorted(loaded))")
    assert subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          check=True).stdout.strip() == "[]"


@st.composite
def sparse_arrays(draw):
    shape = draw(st.tuples(st.integers(0, 7), st.integers(1, 7)))
    values = draw(hnp.arrays(np.int64, shape, elements=st.integers(-5, 5)))
    keep = draw(hnp.arrays(np.bool_, shape))
    return np.where(keep, values, 0).astype(np.float64)


@settings(max_examples=80, deadline=None)
@given(A=sparse_arrays(), d=st.integers(1, 4), seed=st.integers(0, 2**32 - 1))
def test_matches_numpy_on_random_matrices(A, d, seed):
    rng = np.random.default_rng(seed)
    X = CSRMatrix.from_dense(A)
    np.testing.assert_array_equal(X.toarray(), A)
    assert X.nnz == np.count_nonzero(A)
    np.testing.assert_array_equal(X.T.toarray(), A.T)
    np.testing.assert_allclose(X.row_norms(2), np.linalg.norm(A, axis=1), rtol=1e-12)
    np.testing.assert_array_equal(X.row_norms(1), np.abs(A).sum(axis=1))
    B = rng.normal(size=(A.shape[1], d))
    np.testing.assert_allclose(X @ B, A @ B, rtol=1e-12, atol=1e-12)
    norms = np.linalg.norm(A, axis=1, keepdims=True)
    np.testing.assert_allclose(X.normalize_rows().toarray(), A / np.where(norms == 0, 1, norms),
                               rtol=1e-12)
    # random triplets with repeats: duplicates must add up
    n = int(rng.integers(0, 20))
    rows = rng.integers(0, max(A.shape[0], 1), n) if A.shape[0] else np.zeros(0, int)
    cols = rng.integers(0, A.shape[1], len(rows))
    values = rng.integers(-3, 4, len(rows)).astype(float)
    expected = np.zeros(A.shape)
    np.add.at(expected, (rows, cols), values)
    Y = CSRMatrix.from_coo(rows, cols, values, A.shape)
    np.testing.assert_array_equal(Y.toarray(), expected)
    assert np.all(np.diff(Y.indices)[np.diff(Y.row_ids()) == 0] > 0)   # sorted, unique in each row
