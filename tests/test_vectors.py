"""KeyedVectors: cosine queries by hand, 3CosAdd, and the word2vec text/binary formats."""
import contextlib
import os
import struct
import tempfile

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import minembed.vectors.vectorfile as vectorfile_module
from minembed.vectors.keyed import KeyedVectors

SQRT2 = np.sqrt(2.0)


def royal_table():
    """man/woman on two axes, royalty on the third; lengths vary so that only directions count.

    unit(king) - unit(man) + unit(woman) = (1/sqrt2 - 1, 1, 1/sqrt2), |.|^2 = 3 - sqrt2, so
    cos(queen, .) = (1/sqrt2 + 1/2) / sqrt(3 - sqrt2) and cos(apple, .) = (1/sqrt2) / sqrt(3 - sqrt2).
    """
    words = ["man", "woman", "king", "queen", "apple"]
    vectors = [[2, 0, 0], [0, 3, 0], [5, 0, 5], [0, 0.5, 0.5], [0, 0, 7]]
    return KeyedVectors(words, vectors)


def bits(array):
    return np.asarray(array, dtype=np.float32).view(np.uint32)


# ---------------------------------------------------------------------------- lookups and cosine
def test_lookup_basics():
    kv = KeyedVectors(["a", "b", "c"], np.arange(6).reshape(3, 2))
    assert len(kv) == 3 and kv.vector_size == 2 and kv.vectors.dtype == np.float32
    assert kv.index_to_key == ["a", "b", "c"] and kv.key_to_index == {"a": 0, "b": 1, "c": 2}
    assert "b" in kv and "z" not in kv and kv.index("c") == 2
    assert kv["b"].tolist() == [2.0, 3.0]
    assert kv[["c", "a"]].tolist() == [[4.0, 5.0], [0.0, 1.0]]


def test_cosine_by_hand_2d():
    kv = KeyedVectors(["u", "v", "w", "x", "zero"], [[3, 4], [4, 3], [1, 0], [-6, -8], [0, 0]])
    assert kv.similarity("u", "v") == pytest.approx(24 / 25)           # (12 + 12) / (5 * 5)
    assert kv.similarity("u", "w") == pytest.approx(3 / 5)
    assert kv.similarity("u", "x") == pytest.approx(-1.0)
    assert kv.similarity("u", "u") == pytest.approx(1.0)
    assert kv.similarity("u", "zero") == 0.0                           # zero rows stay zero, no NaN
    np.testing.assert_allclose(kv.normed[:2], [[0.6, 0.8], [0.8, 0.6]], rtol=1e-6)
    assert kv.normed[4].tolist() == [0.0, 0.0]


def test_cosine_by_hand_3d():
    kv = royal_table()
    assert kv.similarity("king", "queen") == pytest.approx(0.5)        # (1,0,1)/sqrt2 . (0,1,1)/sqrt2
    assert kv.similarity("king", "apple") == pytest.approx(1 / SQRT2)
    assert kv.similarity("man", "woman") == pytest.approx(0.0, abs=1e-7)


# ---------------------------------------------------------------------------- most_similar
def test_3cosadd_gives_queen_with_hand_computed_scores():
    kv = royal_table()
    result = kv.most_similar(positive=["king", "woman"], negative=["man"])
    norm = np.sqrt(3 - SQRT2)
    assert [w for w, _ in result] == ["queen", "apple"]                # query words never returned
    assert result[0][1] == pytest.approx((1 / SQRT2 + 0.5) / norm, rel=1e-6)
    assert result[1][1] == pytest.approx((1 / SQRT2) / norm, rel=1e-6)
    assert kv.most_similar(positive=["king", "woman"], negative=["man"], topn=1) == result[:1]
    # the reverse analogy: queen - woman + man = (1, 1/sqrt2 - 1, 1/sqrt2) -> king, same score
    word, score = kv.most_similar(positive=["queen", "man"], negative=["woman"], topn=1)[0]
    assert word == "king" and score == pytest.approx((1 / SQRT2 + 0.5) / norm, rel=1e-6)


def test_single_word_and_negative_only_queries():
    kv = royal_table()
    # cos(king, .) = man 1/sqrt2, woman 0, queen 1/2, apple 1/sqrt2: ties keep row order
    result = kv.most_similar("king")
    assert [w for w, _ in result] == ["man", "apple", "queen", "woman"]
    np.testing.assert_allclose([s for _, s in result], [1 / SQRT2, 1 / SQRT2, 0.5, 0.0], atol=1e-6)
    # -unit(man): woman 0, king -1/sqrt2, queen 0, apple 0 -> three ties at 0 in row order
    assert [w for w, _ in kv.most_similar(negative=["man"])] == ["woman", "queen", "apple", "king"]


def test_topn_limits_and_empty_queries():
    kv = royal_table()
    assert len(kv.most_similar("king", topn=2)) == 2
    assert len(kv.most_similar("king", topn=100)) == 4                 # all but the query word
    assert kv.most_similar("king", topn=0) == []
    with pytest.raises(ValueError, match="at least one positive or negative"):
        kv.most_similar()


def test_restrict_vocab_searches_the_first_rows_only():
    kv = royal_table()
    assert [w for w, _ in kv.most_similar("king", restrict_vocab=2)] == ["man", "woman"]
    # the query word lies outside the first 3 rows: all 3 are candidates (used to return only 2)
    assert [w for w, _ in kv.most_similar("apple", topn=10, restrict_vocab=3)] == ["king", "man", "woman"]
    assert kv.most_similar(positive=["king", "woman"], negative=["man"], restrict_vocab=3) == []


def test_ties_are_returned_in_row_order():
    # 40 identical rows score the same; the first rows (most frequent words) must come first,
    # also when the cut of topn falls inside the tie (argpartition alone picks arbitrary ones)
    words = ["query"] + [f"tied{i}" for i in range(40)] + ["far"]
    table = np.vstack([[1.0, 0.0], np.tile([1.0, 1.0], (40, 1)), [-1.0, 0.0]])
    kv = KeyedVectors(words, table)
    for topn in (1, 3, 7, 20, 39):
        assert [w for w, _ in kv.most_similar("query", topn=topn)] == words[1:1 + topn]
    assert kv.most_similar("query", topn=41)[-1][0] == "far"


def test_doesnt_match_by_hand():
    # unit vectors (1,0), (1,0), (0,1): their mean (2/3, 1/3) is farthest from (0,1)
    kv = KeyedVectors(["lunch", "dinner", "car", "breakfast"], [[2, 0], [5, 0], [0, 1], [1, 0.1]])
    assert kv.doesnt_match(["lunch", "dinner", "car"]) == "car"
    assert kv.doesnt_match(["car", "breakfast", "dinner", "lunch"]) == "car"
    with pytest.raises(ValueError, match="at least one word"):
        kv.doesnt_match([])


def test_unknown_word_is_a_keyerror_naming_the_word_and_min_count():
    kv = royal_table()
    for query in (lambda: kv["prince"], lambda: kv.index("prince"), lambda: kv.similarity("king", "prince"),
                  lambda: kv.most_similar(positive=["king"], negative=["prince"]),
                  lambda: kv.doesnt_match(["king", "prince"]), lambda: kv[["king", "prince"]]):
        with pytest.raises(KeyError, match="'prince'.*min_count"):
            query()


def test_bad_tables_are_refused():
    with pytest.raises(ValueError, match=r"duplicate words.*'a'"):
        KeyedVectors(["a", "b", "a"], np.zeros((3, 2)))
    with pytest.raises(ValueError, match=r"3 words but vectors of shape \(2, 4\)"):
        KeyedVectors(["a", "b", "c"], np.zeros((2, 4)))
    with pytest.raises(ValueError, match="one row per word"):
        KeyedVectors(["a", "b"], np.zeros(2))
    with pytest.raises(ValueError, match="one row per word"):
        KeyedVectors(["a", "b"], np.zeros((2, 2, 1)))


# ---------------------------------------------------------------------------- word2vec formats
UNICODE_WORDS = ["the", "café", "東京", "naïve", "🙂", "straße", "<unk>"]
EXTREMES = [np.finfo(np.float32).max, -np.finfo(np.float32).max, np.finfo(np.float32).tiny,
            np.float32(1e-45), -0.0, 0.0, 1 / 3, np.pi, -1e-7]


def unicode_table(dim=9):
    rng = np.random.default_rng(0)
    table = rng.standard_normal((len(UNICODE_WORDS), dim)).astype(np.float32)
    table[0] = EXTREMES[:dim]
    return KeyedVectors(UNICODE_WORDS, table)


@pytest.mark.parametrize("binary", [False, True])
def test_round_trip_is_bit_exact_with_unicode_words(tmp_path, binary):
    kv = unicode_table()
    path = tmp_path / "vectors.bin"
    kv.save_word2vec_format(path, binary=binary)
    loaded = KeyedVectors.load_word2vec_format(path, binary=binary)
    assert loaded.index_to_key == UNICODE_WORDS                        # rows in the given order
    assert loaded.vectors.dtype == np.float32
    np.testing.assert_array_equal(bits(loaded.vectors), bits(kv.vectors))   # -0.0 stays -0.0
    assert path.read_bytes().split(b"\n")[0] == b"7 9"                 # header 'V d'


def test_text_layout_by_hand(tmp_path):
    kv = KeyedVectors(["b", "a"], [[0.5, -1.0], [0.25, 3.0]])
    kv.save_word2vec_format(tmp_path / "v.txt")
    assert (tmp_path / "v.txt").read_text(encoding="utf-8") == "2 2\nb 0.5 -1\na 0.25 3\n"


def test_binary_layout_by_hand(tmp_path):
    kv = KeyedVectors(["b", "é"], [[0.5, -1.0], [0.25, 3.0]])
    kv.save_word2vec_format(tmp_path / "v.bin", binary=True)
    expected = (b"2 2\n" + b"b " + struct.pack("<2f", 0.5, -1.0) + b"\n"
                + "é ".encode("utf-8") + struct.pack("<2f", 0.25, 3.0) + b"\n")
    assert (tmp_path / "v.bin").read_bytes() == expected


@pytest.mark.parametrize("word", ["new york", "tab\there", "line\nbreak", "", "nbsp\u00a0inside"])
@pytest.mark.parametrize("binary", [False, True])
def test_words_with_whitespace_are_refused(tmp_path, word, binary):
    kv = KeyedVectors(["ok", word], np.ones((2, 2)))
    with pytest.raises(ValueError, match="whitespace.*cannot be saved"):
        kv.save_word2vec_format(tmp_path / "v", binary=binary)
    assert not os.listdir(tmp_path)                                    # nothing written, no temp file


def test_non_finite_vectors_are_refused_on_save(tmp_path):
    kv = KeyedVectors(["fine", "broken"], [[1.0, 2.0], [np.nan, 0.0]])
    with pytest.raises(ValueError, match="'broken' contains NaN or inf"):
        kv.save_word2vec_format(tmp_path / "v.txt")


def test_reads_word2vec_c_text_with_trailing_spaces_and_crlf(tmp_path):
    path = tmp_path / "w2v.txt"
    path.write_bytes(b"2 3\nking 0.100000 -0.200000 0.300000 \nqueen 1.000000 2.000000 3.000000 \n")
    kv = KeyedVectors.load_word2vec_format(path)
    assert kv.index_to_key == ["king", "queen"]
    np.testing.assert_array_equal(kv.vectors, np.float32([[0.1, -0.2, 0.3], [1, 2, 3]]))
    path.write_bytes(b"2 3\r\nking 0.1 -0.2 0.3\r\nqueen 1 2 3\r\n")  # written on Windows
    np.testing.assert_array_equal(KeyedVectors.load_word2vec_format(path).vectors, kv.vectors)


@pytest.mark.parametrize("row_end", [b"\n", b""])
def test_reads_binary_with_and_without_newline_after_each_vector(tmp_path, row_end):
    # word2vec.c writes "\n" after each vector, gensim writes nothing
    rows = [("king", [0.1, -0.2, 0.3]), ("東京", [1.0, 2.0, 3.0])]
    data = b"2 3\n" + b"".join(w.encode() + b" " + struct.pack("<3f", *v) + row_end for w, v in rows)
    (tmp_path / "v.bin").write_bytes(data)
    kv = KeyedVectors.load_word2vec_format(tmp_path / "v.bin", binary=True)
    assert kv.index_to_key == ["king", "東京"]
    np.testing.assert_array_equal(kv.vectors, np.float32([v for _, v in rows]))


# ---------------------------------------------------------------------------- interop with gensim
@pytest.mark.parametrize("binary", [False, True])
def test_gensim_reads_what_we_write(tmp_path, binary):
    gensim_models = pytest.importorskip("gensim.models")
    kv = unicode_table()
    kv.save_word2vec_format(tmp_path / "ours", binary=binary)
    theirs = gensim_models.KeyedVectors.load_word2vec_format(str(tmp_path / "ours"), binary=binary)
    assert theirs.index_to_key == UNICODE_WORDS
    np.testing.assert_array_equal(bits(theirs.vectors), bits(kv.vectors))


@pytest.mark.parametrize("binary", [False, True])
def test_we_read_what_gensim_writes(tmp_path, binary):
    gensim_models = pytest.importorskip("gensim.models")
    table = unicode_table().vectors
    theirs = gensim_models.KeyedVectors(vector_size=table.shape[1])
    theirs.add_vectors(UNICODE_WORDS, table)
    theirs.save_word2vec_format(str(tmp_path / "theirs"), binary=binary)
    ours = KeyedVectors.load_word2vec_format(tmp_path / "theirs", binary=binary)
    assert ours.index_to_key == UNICODE_WORDS
    np.testing.assert_array_equal(bits(ours.vectors), bits(table))


def test_most_similar_agrees_with_gensim():
    gensim_models = pytest.importorskip("gensim.models")
    rng = np.random.default_rng(1)
    words = [f"w{i}" for i in range(200)]
    table = rng.standard_normal((200, 8)).astype(np.float32)
    theirs = gensim_models.KeyedVectors(vector_size=8)
    theirs.add_vectors(words, table)
    ours = KeyedVectors(words, table)
    for positive, negative, restrict_vocab in [(["w3"], [], None), (["w5", "w7"], ["w9"], None),
                                               (["w150", "w2"], ["w1"], 100), ([], ["w0"], 50)]:
        expected = theirs.most_similar(positive, negative, topn=10, restrict_vocab=restrict_vocab)
        result = ours.most_similar(positive, negative, topn=10, restrict_vocab=restrict_vocab)
        assert [w for w, _ in result] == [w for w, _ in expected]
        np.testing.assert_allclose([s for _, s in result], [s for _, s in expected], rtol=1e-5)
    assert ours.doesnt_match(["w1", "w2", "w3", "w4"]) == theirs.doesnt_match(["w1", "w2", "w3", "w4"])


def test_norms_of_extreme_rows_neither_overflow_nor_underflow():
    big, tiny = np.finfo(np.float32).max, np.float32(1e-45)
    kv = KeyedVectors(["big", "tiny", "zero"], [[big, -big], [tiny, 0], [0, 0]])
    np.testing.assert_allclose(kv.normed, [[1 / SQRT2, -1 / SQRT2], [1, 0], [0, 0]], rtol=1e-6)
    assert kv.similarity("big", "tiny") == pytest.approx(1 / SQRT2)


# ---------------------------------------------------------------------------- bad files
ONE = struct.pack("<f", 1.0)


def binary_rows(*rows, dim=3):
    return b"".join(w.encode() + b" " + ONE * dim + b"\n" for w in rows)


BAD_FILES = {  # name: (file bytes, binary, what the message must say)
    "text truncated mid-row": (b"2 3\na 1 2 3\nb 1 2", False, r"line 3: expected a word and 3 numbers, "
                               r"got 2 numbers \(truncated row\?\)"),
    "text header count too high": (b"3 3\na 1 2 3\nb 1 2 3\n", False, "header says 3 words but the file "
                                   r"has 2 rows \(truncated file, or wrong header\)"),
    "text header count too low": (b"1 3\na 1 2 3\nb 1 2 3\n", False, "header says 1 words but the file "
                                  "has 2 rows"),
    "text row too long": (b"2 3\na 1 2 3\nnew york 1 2 3\n", False, "line 3: expected a word and 3 "
                          r"numbers, got 4 numbers \(a word containing spaces\?\)"),
    "text NaN": (b"2 3\na 1 2 3\nb 1 nan 3\n", False, "vector of 'b' contains NaN or inf"),
    "text inf": (b"2 3\na 1 2 -inf\nb 1 2 3\n", False, "vector of 'a' contains NaN or inf"),
    "text beyond float32": (b"1 2\na 1e39 0\n", False, "vector of 'a' contains NaN or inf"),
    "text duplicate words": (b"3 1\na 1\nb 2\na 3\n", False, r"duplicate words.*\['a'\]"),
    "text non-numeric value": (b"2 3\na 1 2 3\nb 1 x 3\n", False, "line 3: 'x' is not a number"),
    "text without final newline": (b"1 3\na 1 2 3", False, "does not end with a newline.*truncated"),
    "text no header (GloVe)": (b"a 1 2 3\nb 1 2 3\n", False, "first line must be the header 'n_words "
                               "dim'.*GloVe"),
    "text empty file": (b"", False, "first line must be the header"),
    "text not a vector file": (b"Call me Ishmael. Some years ago\n", False, "is this a word2vec file"),
    "text header dim 0": (b"2 0\na\nb\n", False, "dimension 0"),
    "binary read as text": (b"2 3\n" + binary_rows("a", "b").replace(ONE, struct.pack("<f", 0.1)), False,
                            "not valid UTF-8; if this is a binary word2vec file, load it with binary=True"),
    "binary of zeros read as text": (b"1 3\na " + bytes(12) + b"\n", False, "load it with binary=True"),
    "binary truncated": (b"2 3\n" + binary_rows("a", "b")[:-5], True, "truncated file"),
    "binary truncated after a row": (b"3 3\n" + binary_rows("long_word_a", "long_word_b") + b"c " + ONE,
                                     True, "file ends after 2 of the 3 words"),
    "binary header count too high": (b"9 3\n" + binary_rows("a", "b"), True, "header says 9 words.*"
                                     "truncated file, or wrong header"),
    "binary header count too low": (b"1 3\n" + binary_rows("a", "b"), True, "data after the 1 words"),
    "binary header dim wrong": (b"2 2\n" + binary_rows("a", "b"), True, "header dimension 2 is wrong"),
    "binary NaN": (b"1 2\na " + struct.pack("<2f", 1.0, np.nan), True, "vector of 'a' contains NaN"),
    "binary duplicate words": (b"2 3\n" + binary_rows("a", "a"), True, "duplicate words"),
    "binary no header": (binary_rows("a", "b"), True, "first line must be the header"),
    "text read as binary": (b"2 3\na 0.1 0.2 0.3\nb 0.4 0.5 0.6\n", True, "rows are text.*load it with "
                            "binary=False"),
    "text read as binary, coincidentally aligned": (b"2 3\nab 0.1 0.2 0.3\ncd 0.4 0.5 0.6\n", True,
                                                    "binary=False"),
}


@pytest.mark.parametrize("name", BAD_FILES)
def test_bad_files_get_a_clear_valueerror(tmp_path, name):
    data, binary, message = BAD_FILES[name]
    path = tmp_path / "bad.vec"
    path.write_bytes(data)
    with pytest.raises(ValueError, match=message) as error:
        KeyedVectors.load_word2vec_format(path, binary=binary)
    assert str(path) in str(error.value)                               # names the file


@pytest.mark.parametrize("binary", [False, True])
def test_truncating_a_real_file_anywhere_is_detected(tmp_path, binary):
    kv = unicode_table(dim=4)
    kv.save_word2vec_format(tmp_path / "full", binary=binary)
    data = (tmp_path / "full").read_bytes()
    header_end = data.index(b"\n") + 1
    for cut in range(header_end + 1, len(data) - 1, 7):   # any cut that removes more than the last \n
        (tmp_path / "cut").write_bytes(data[:cut])
        with pytest.raises(ValueError, match="truncated|not valid UTF-8"):
            KeyedVectors.load_word2vec_format(tmp_path / "cut", binary=binary)


class FailingFile:
    """Passes writes through to ``file`` until the ``fail_at``-th, which raises like a full disk."""

    def __init__(self, file, fail_at):
        self.file, self.fail_at, self.writes = file, fail_at, 0

    def write(self, data):
        self.writes += 1
        if self.writes == self.fail_at:
            raise OSError(28, "No space left on device")
        return self.file.write(data)


@pytest.mark.parametrize("binary", [False, True])
def test_a_failed_write_leaves_the_previous_file_and_no_temp_file(tmp_path, monkeypatch, binary):
    path = tmp_path / "vectors.txt"
    old = KeyedVectors(["old"], [[1.0, 2.0]])
    old.save_word2vec_format(path, binary=binary)
    before = path.read_bytes()
    real_atomic_write = vectorfile_module.atomic_write

    @contextlib.contextmanager
    def failing_atomic_write(target, *args, **kwargs):
        with real_atomic_write(target, *args, **kwargs) as f:
            yield FailingFile(f, fail_at=3)                            # header and a block get written

    monkeypatch.setattr(vectorfile_module, "atomic_write", failing_atomic_write)
    big = KeyedVectors([f"w{i}" for i in range(3 * vectorfile_module.ROWS_PER_BLOCK)],
                       np.ones((3 * vectorfile_module.ROWS_PER_BLOCK, 2)))
    with pytest.raises(OSError, match="No space left"):
        big.save_word2vec_format(path, binary=binary)           # fails after the first block of rows
    assert path.read_bytes() == before
    assert os.listdir(tmp_path) == ["vectors.txt"]


# ---------------------------------------------------------------------------- property test
no_whitespace_word = st.text(min_size=1, max_size=6).filter(lambda w: not any(c.isspace() for c in w))


@st.composite
def tables(draw):
    words = draw(st.lists(no_whitespace_word, min_size=1, max_size=6, unique=True))
    dim = draw(st.integers(1, 4))
    values = draw(hnp.arrays(np.float32, (len(words), dim),
                             elements=st.floats(width=32, allow_nan=False, allow_infinity=False)))
    return words, values


@settings(max_examples=60, deadline=None)
@given(table=tables())
def test_any_table_round_trips_exactly(table):
    words, values = table
    kv = KeyedVectors(words, values)
    with tempfile.TemporaryDirectory() as directory:
        for binary in (False, True):
            path = os.path.join(directory, "v.bin" if binary else "v.txt")
            kv.save_word2vec_format(path, binary=binary)
            loaded = KeyedVectors.load_word2vec_format(path, binary=binary)
            assert loaded.index_to_key == words
            np.testing.assert_array_equal(bits(loaded.vectors), bits(values))


@pytest.mark.parametrize("binary", [False, True])
def test_a_header_that_claims_a_trillion_words_is_refused_before_allocating(tmp_path, binary):
    """Not NumPy's MemoryError ("Unable to allocate 364 TiB"): a ValueError naming the header and
    what the file can hold, before any table is allocated."""
    path = tmp_path / "lie.vec"
    rows = b"a " + np.ones(3, dtype="<f4").tobytes() + b"\n" if binary else b"a 1 2 3\n"
    path.write_bytes(b"1000000000000 3\n" + rows)
    with pytest.raises(ValueError, match=r"the header says 1,000,000,000,000 words of dimension 3, which needs "
                                         r"at least [\d,]+ bytes as .* but the file has \d+ after the header"):
        KeyedVectors.load_word2vec_format(path, binary=binary)


@pytest.mark.parametrize("binary", [False, True])
def test_a_compressed_file_whose_header_lies_allocates_only_what_it_reads(tmp_path, binary, monkeypatch):
    """A .gz file's size says little about what it holds, so its table grows with the rows read; the
    lie is found where the rows end."""
    import gzip
    path = tmp_path / "lie.vec.gz"
    rows = b"a " + np.ones(3, dtype="<f4").tobytes() + b"\n" if binary else b"a 1 2 3\n"
    path.write_bytes(gzip.compress(b"1000000000000 3\n" + rows))
    allocated = []
    real_empty = np.empty
    monkeypatch.setattr(vectorfile_module.np, "empty",
                        lambda shape, *a, **k: allocated.append(shape) or real_empty(shape, *a, **k))
    with pytest.raises(ValueError, match=r"1000000000000 words|1,000,000,000,000 words"):
        KeyedVectors.load_word2vec_format(path, binary=binary)
    assert allocated and max(shape[0] for shape in allocated) <= vectorfile_module.ROWS_PER_BLOCK


def test_a_compressed_file_larger_than_one_block_still_reads_whole(tmp_path):
    kv = KeyedVectors([f"w{i}" for i in range(3 * vectorfile_module.ROWS_PER_BLOCK + 7)],
                      np.arange((3 * vectorfile_module.ROWS_PER_BLOCK + 7) * 2, dtype=np.float32).reshape(-1, 2))
    for binary in (False, True):
        kv.save_word2vec_format(tmp_path / "v.gz", binary=binary)
        back = KeyedVectors.load_word2vec_format(tmp_path / "v.gz", binary=binary)
        assert back.index_to_key == kv.index_to_key
        np.testing.assert_array_equal(back.vectors, kv.vectors)
