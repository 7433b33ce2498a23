"""Property-based tests (hypothesis): arbitrary Unicode text, arbitrary shapes, exact round trips.

Complements the example-based tests next to each module (test_vocab.py, test_sparse.py and
test_vectors.py hold round-trip properties of their own): the tokenizer and the corpus reader
on any text, the vocabulary file with hostile tokens, every CSRMatrix operation against its
dense equivalent, and the word2vec text format in the layouts other writers produce.
Runs are kept small (max_examples <= 50) so the suite stays fast.
"""
import os
import re
import tempfile
import unicodedata
from unittest import mock

import numpy as np
from hypothesis import example, given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from minembed import CSRMatrix, KeyedVectors, Tokenizer, Vocabulary
from minembed.text import corpus
from minembed.text.tokenize import LETTERS, SKLEARN_PATTERN
from minembed.text.vocab import MASK, PAD, UNK
from test_vectors import tables as vector_tables     # (words, float32 values) of any shape

SMALL = settings(max_examples=50, deadline=None, derandomize=bool(os.environ.get("CI")))   # CI: the same examples every run

# any text, with extra weight on what trips parsers: line ends, tabs, backslashes, case, combining marks
tricky_text = st.text(st.one_of(st.characters(blacklist_categories=("Cs",)),
                                st.sampled_from("\n\r\t\\ aZ\u0130\u0301\u00df\u03a3\u2028\x85\ufeff")),
                      max_size=60)


# ---------------------------------------------------------------------------- tokenizer
@SMALL
@given(text=tricky_text, lowercase=st.booleans())
@example(text="\uf900", lowercase=False)            # a CJK compatibility ideograph: NFC maps it to U+8C48
def test_tokenize_any_text(text, lowercase):
    tokenizer = Tokenizer(lowercase=lowercase)
    tokens = tokenizer.tokenize(text)
    normalized = unicodedata.normalize("NFC", text)                # the tokenizer's default normalize="NFC"
    source = normalized.lower() if lowercase else normalized
    assert tokens == re.findall(LETTERS, source)                  # the ASCII shortcut changes nothing
    assert all(re.fullmatch(LETTERS, token) for token in tokens)  # every token is a run of letters
    position = 0
    for token in tokens:                                          # in order, taken from the text
        position = source.index(token, position) + len(token)
    assert tokenizer.tokenize(" ".join(tokens)) == tokens         # re-tokenizing is a no-op
    if lowercase:
        assert tokenizer.tokenize(text.lower()) == tokens         # lowercasing twice = once
        assert all(token == token.lower() for token in tokens)


@SMALL
@given(text=tricky_text)
def test_tokenize_with_sklearn_pattern(text):
    tokens = Tokenizer(SKLEARN_PATTERN).tokenize(text)
    assert tokens == re.findall(SKLEARN_PATTERN, unicodedata.normalize("NFC", text).lower())
    assert all(len(token) >= 2 and re.fullmatch(r"\w+", token) for token in tokens)


# ---------------------------------------------------------------------------- reading files
@SMALL
@given(text=tricky_text.filter(lambda t: "\x00" not in t), block=st.integers(1, 9), max_chars=st.integers(1, 12))
def test_corpus_reader_returns_the_lines_of_any_text(text, block, max_chars):
    """Lines split at \\n only, a trailing \\r removed (CRLF), in blocks of ``block`` bytes (so
    multi-byte characters straddle blocks), long lines cut into pieces of <= max_chars."""
    expected = [line.rstrip("\r") for line in text.split("\n")]
    if expected and text.split("\n")[-1] == "":
        expected.pop()                                            # no document after the last \n
    with tempfile.TemporaryDirectory() as directory:
        path = os.path.join(directory, "c.txt")
        with open(path, "wb") as f:
            f.write(text.encode("utf-8"))
        with mock.patch.object(corpus, "BLOCK_BYTES", block):
            whole = list(corpus.iter_documents(path))
            pieces = list(corpus.iter_documents(path, max_chars=max_chars))
    assert whole == expected
    assert all(len(piece) <= max_chars for piece in pieces)
    if "\r\r" not in text:      # a cut inside a run of \r before a newline can leave one \r in a piece
        assert "".join(pieces) == "".join(expected)


# ---------------------------------------------------------------------------- vocabulary file
hostile_tokens = st.lists(st.text(st.sampled_from("\t\n\r\\tnr ab\u2028\x85#<>"), max_size=6)
                          | st.text(max_size=6), min_size=1, max_size=15, unique=True)


@SMALL
@given(tokens=hostile_tokens, data=st.data())
def test_vocabulary_file_round_trips_tabs_newlines_and_backslashes(tokens, data):
    specials = data.draw(st.sampled_from([(), (UNK,), (PAD, UNK, MASK)]))
    tokens = [t for t in tokens if t not in specials] or ["x"]
    counts = data.draw(st.lists(st.integers(1, 10**15), min_size=len(tokens), max_size=len(tokens)))
    vocab = Vocabulary(tokens, counts, specials=specials)
    with tempfile.TemporaryDirectory() as directory:
        path = os.path.join(directory, "vocab.tsv")
        vocab.save(path)
        with open(path, "rb") as f:
            assert f.read().count(b"\n") == len(vocab) + 1        # one line per token: nothing leaks
        loaded = Vocabulary.load(path)
    assert loaded.itos == vocab.itos and loaded.specials == vocab.specials
    assert loaded.counts.tolist() == vocab.counts.tolist()


# ---------------------------------------------------------------------------- CSR matrices
@st.composite
def coo_triplets(draw):
    """A shape with possibly zero rows or columns, and triplets with repeated cells."""
    n_rows, n_cols = draw(st.integers(0, 6)), draw(st.integers(0, 6))
    n = draw(st.integers(0, 20)) if n_rows and n_cols else 0
    rows = draw(hnp.arrays(np.int64, n, elements=st.integers(0, max(n_rows - 1, 0))))
    cols = draw(hnp.arrays(np.int64, n, elements=st.integers(0, max(n_cols - 1, 0))))
    values = draw(hnp.arrays(np.float64, n, elements=st.integers(-4, 4).map(float)))
    return rows, cols, values, (n_rows, n_cols)


@SMALL
@given(triplets=coo_triplets(), d=st.integers(0, 3), seed=st.integers(0, 2**32 - 1))
def test_csr_operations_match_dense(triplets, d, seed):
    rows, cols, values, shape = triplets
    dense = np.zeros(shape)
    np.add.at(dense, (rows, cols), values)                        # repeated cells add up
    X = CSRMatrix.from_coo(rows, cols, values, shape)
    np.testing.assert_array_equal(X.toarray(), dense)
    np.testing.assert_array_equal(X.T.toarray(), dense.T)
    np.testing.assert_array_equal(X.T.T.toarray(), dense)
    assert X.nnz <= len(set(zip(rows.tolist(), cols.tolist())))  # one stored value per cell
    rng = np.random.default_rng(seed)
    B = rng.integers(-3, 4, size=(shape[1], d)).astype(float)
    np.testing.assert_array_equal(X @ B, dense @ B)              # small integers: exact
    v = rng.integers(-3, 4, size=shape[0]).astype(float)
    np.testing.assert_array_equal(X.transpose_matvec(v), dense.T @ v)
    np.testing.assert_array_equal(X.column_sums(), dense.sum(axis=0))
    np.testing.assert_array_equal(X.column_sums(squared=True), (dense ** 2).sum(axis=0))
    np.testing.assert_array_equal(X.row_norms(1), np.abs(dense).sum(axis=1))
    mask = rng.random(shape[1]) < 0.5
    np.testing.assert_array_equal(X.keep_columns(mask).toarray(), dense[:, mask])
    order = rng.permutation(shape[0])
    np.testing.assert_array_equal(X.take_rows(order).toarray(), dense[order])
    blocks = list(X.row_blocks(max_values=3))
    stacked = np.concatenate([b.toarray() for b in blocks]) if blocks else np.zeros((0, shape[1]))
    np.testing.assert_array_equal(stacked, dense)
    for j in range(shape[1]):
        col_rows, col_values = X.column(j)                        # stored values (0 + 0 stays stored)
        assert np.all(np.diff(col_rows) > 0) and set(np.flatnonzero(dense[:, j])) <= set(col_rows.tolist())
        np.testing.assert_array_equal(col_values, dense[col_rows, j])


# ---------------------------------------------------------------------------- word2vec text layouts
@SMALL
@given(table=vector_tables(), row_end=st.sampled_from([b"\n", b" \n", b"\r\n", b" \r\n"]))
def test_text_format_in_any_writers_layout_reads_back_exactly(table, row_end):
    """word2vec.c ends rows with ' \\n', Windows tools with '\\r\\n': every layout gives the same table."""
    kv = KeyedVectors(*table)
    with tempfile.TemporaryDirectory() as directory:
        path = os.path.join(directory, "v.txt")
        kv.save_word2vec_format(path)
        with open(path, "rb") as f:
            data = f.read()
        with open(path, "wb") as f:
            f.write(data.replace(b"\n", row_end))
        loaded = KeyedVectors.load_word2vec_format(path)
    assert loaded.index_to_key == kv.index_to_key
    np.testing.assert_array_equal(loaded.vectors.view(np.uint32), kv.vectors.view(np.uint32))   # bit for bit
