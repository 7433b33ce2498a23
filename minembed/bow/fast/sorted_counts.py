"""Counting by sorting: (document, term) pairs -> a CSR matrix of counts, with no dict per document.

The textbook count (``reference.py``) keeps a dict ``{term: count}`` per document. Here every token
becomes one integer, ``doc * n_terms + term`` (its cell of the matrix); sorting these integers puts
equal (document, term) pairs next to each other, in CSR order, and the length of each run of equal
integers is the count. Example, 3 terms, doc 0 = [2, 0, 2], doc 1 = [1]: keys [2, 0, 2, 4], sorted
[0, 2, 2, 4], runs (0), (2, 2), (4): counts[0, 0] = 1, counts[0, 2] = 2, counts[1, 1] = 1.
The vectorizers (``countvec.py``, ``tfidf.py``) call :func:`count_matrix` and :func:`document_frequency`.
"""
import numpy as np

from ...core.sparse import CSRMatrix


def document_frequency(blocks, n_terms):
    """(n_terms,) int64: in how many documents each id of ``blocks`` (as for :func:`count_matrix`) occurs.

    >>> document_frequency([(np.array([2, 0, 2, 1]), np.array([3, 1]))], 3).tolist()
    [1, 1, 1]
    """
    df = np.zeros(n_terms, dtype=np.int64)
    for ids, doc_lengths in blocks:
        keys = _cell_keys(ids, doc_lengths, n_terms)                # (block_tokens,) doc * n_terms + id
        keys.sort(kind="stable")                                    # (see _count_block)
        pairs = keys[np.diff(keys, prepend=-1) != 0]                # each (doc, id) pair once
        df += np.bincount(pairs % n_terms, minlength=n_terms)
    return df


def count_matrix(blocks, n_terms, relabel=None):
    """Blocks of term ids -> (n_docs, n_terms) CSR matrix of counts (float64).

    ``blocks`` is a list of ``(term_ids, doc_lengths)``: ``term_ids`` holds a block's first
    document's ids, then the next document's, ...; ``doc_lengths[d]`` says how many belong
    to each. ``relabel[id]``, if given, is the column of ``id``; ids < 0 (unseen terms) are
    skipped. Counted by sorting (module docstring), a block at a time. The list is emptied as it is
    read, so each block's ids are freed once counted.

    >>> count_matrix([(np.array([2, 0, 2, 1]), np.array([3, 1]))], 3).toarray()
    array([[1., 0., 2.],
           [0., 1., 0.]])
    """
    n_tokens = sum(len(ids) for ids, _ in blocks)
    n_docs = sum(len(doc_lengths) for _, doc_lengths in blocks)
    # There are at most n_tokens distinct (doc, column) pairs. The arrays are filled from the
    # front and trimmed at the end; pages never written never take memory.
    columns, counts = np.empty(n_tokens, np.int32), np.empty(n_tokens, np.float64)
    row_nnz = np.empty(n_docs, np.int64)
    nnz = doc = 0
    blocks.reverse()                                                # pop() from the front
    while blocks:
        ids, doc_lengths = blocks.pop()
        block_columns, block_counts, block_row_nnz = _count_block(ids, doc_lengths, n_terms, relabel)
        columns[nnz:nnz + len(block_columns)] = block_columns
        counts[nnz:nnz + len(block_columns)] = block_counts
        row_nnz[doc:doc + len(doc_lengths)] = block_row_nnz
        nnz, doc = nnz + len(block_columns), doc + len(doc_lengths)
    columns.resize(nnz, refcheck=False)                             # give back the unused tail
    counts.resize(nnz, refcheck=False)
    indptr = np.concatenate([[0], np.cumsum(row_nnz)])
    return CSRMatrix(counts, columns, indptr, (n_docs, n_terms))


def _count_block(ids, doc_lengths, n_terms, relabel):
    """One block -> (columns, counts, stored values per document), all int64, in CSR order."""
    if relabel is not None:
        ids = relabel[ids]
    keys = _cell_keys(ids, doc_lengths, n_terms)                    # (block_tokens,) doc * n_terms + column
    if len(ids) and ids.min() < 0:
        keys = keys[ids >= 0]
    # The keys already rise document by document and are shuffled only inside each document: the
    # stable sort (timsort for 64-bit integers, which finds the runs already in order and merges them)
    # uses that order and is 2-3x faster here than the default quicksort, which starts from scratch.
    keys.sort(kind="stable")
    run_starts = np.flatnonzero(np.diff(keys, prepend=-1))         # where a new (doc, column) begins
    cells = keys[run_starts]                                        # distinct (doc, column) pairs
    rows = cells // n_terms
    counts = np.diff(run_starts, append=len(keys))                  # run lengths
    return cells - rows * n_terms, counts, np.bincount(rows, minlength=len(doc_lengths))


def _cell_keys(ids, doc_lengths, n_terms):
    """Each token of a block as one int64, ``doc * n_terms + id`` (its cell of the matrix), so
    that sorting the keys groups equal (document, term) pairs, in CSR order."""
    keys = np.repeat(np.arange(len(doc_lengths), dtype=np.int64) * n_terms, doc_lengths)
    keys += ids
    return keys
