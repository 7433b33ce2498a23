"""corpus: reading .txt/.gz/directories lazily, bad bytes, long lines, one-pass encoding."""
import gzip
import os

import numpy as np
import pytest

from minembed import Tokenizer, Vocabulary, encode_corpus, iter_documents, iter_token_lists
from minembed.text import corpus as corpus_module
from minembed.text.corpus import BLOCK_BYTES, corpus_files
from minembed.text.vocab import UNK

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def write(path, data):
    path.parent.mkdir(parents=True, exist_ok=True)
    raw = data.encode("utf-8") if isinstance(data, str) else data
    if path.name.endswith(".gz"):
        raw = gzip.compress(raw)
    path.write_bytes(raw)
    return path


# ---------------------------------------------------------------------------- files -> documents
def test_txt_one_document_per_line(tmp_path):
    path = write(tmp_path / "a.txt", "first line\nsecond  line\n\nlast without newline")
    assert list(iter_documents(path)) == ["first line", "second  line", "", "last without newline"]
    assert list(iter_documents(str(path))) == list(iter_documents(path))


def test_gz_reads_like_txt(tmp_path):
    text = "Ünïcode line\nanother\n"
    assert list(iter_documents(write(tmp_path / "a.txt.gz", text))) == ["Ünïcode line", "another"]


def test_crlf_line_endings(tmp_path):
    path = write(tmp_path / "win.txt", b"one two\r\nthree\r\n\r\nfour\r")
    assert list(iter_documents(path)) == ["one two", "three", "", "four"]


def test_directory_sorted_and_other_files_ignored(tmp_path):
    write(tmp_path / "b.txt", "bee\n")
    write(tmp_path / "a.txt", "ay\n")
    write(tmp_path / "sub" / "c.txt.gz", "sea\n")
    write(tmp_path / "README.md", "readme words\n")
    write(tmp_path / "data.csv", "csv,words\n")
    assert [os.path.relpath(f, tmp_path) for f in corpus_files(tmp_path)] == \
        ["a.txt", "b.txt", os.path.join("sub", "c.txt.gz")]
    assert list(iter_documents(tmp_path)) == ["ay", "bee", "sea"]


def test_a_single_file_of_any_name_is_read(tmp_path):
    path = write(tmp_path / "text8", "no suffix at all")
    assert list(iter_documents(path)) == ["no suffix at all"]


def test_directory_without_text_files(tmp_path):
    write(tmp_path / "README.md", "hello\n")
    with pytest.raises(ValueError, match=f"{tmp_path}.*no .txt or .gz files"):
        list(iter_documents(tmp_path))


def test_missing_path_names_it(tmp_path):
    missing = tmp_path / "nope" / "corpus.txt"
    with pytest.raises(FileNotFoundError, match="nope/corpus.txt"):
        list(iter_documents(missing))
    with pytest.raises(FileNotFoundError, match="nope/corpus.txt"):
        encode_corpus(missing)


# ---------------------------------------------------------------------------- bad bytes
@pytest.mark.parametrize("name", ["bad.txt", "bad.txt.gz"])
def test_invalid_utf8_names_file_and_offset_past_the_first_block(tmp_path, name):
    offset = BLOCK_BYTES + 12345                       # in the second 1 MiB block
    data = (b"ok line\n" * (offset // 8 + 1))[:offset] + b"\xff rest\n"
    path = write(tmp_path / name, data)
    with pytest.raises(ValueError) as info:
        list(iter_documents(path))
    message = str(info.value)
    assert name in message and f"byte {offset}" in message and "errors='replace'" in message


def test_invalid_lead_byte_at_block_end(tmp_path):
    # \xc3 starts a 2-byte character, so the decoder keeps it until the next block shows it is
    # followed by "A" (not a continuation byte): the offset must still be the \xc3's own
    data = b"a" * (BLOCK_BYTES - 1) + b"\xc3" + b"AAAA\n"
    with pytest.raises(ValueError, match=f"byte {BLOCK_BYTES - 1} "):
        list(iter_documents(write(tmp_path / "x.txt", data)))


def test_truncated_character_at_end_of_file(tmp_path):
    data = "abc €".encode() [:-1]                        # "€" is 3 bytes; keep 2
    with pytest.raises(ValueError, match="byte 4 "):
        list(iter_documents(write(tmp_path / "t.txt", data)))


@pytest.mark.parametrize("char", ["é", "€", "😀"])        # 2, 3 and 4 bytes
def test_multibyte_character_split_across_blocks_is_fine(tmp_path, char):
    encoded = char.encode("utf-8")
    for shift in range(1, len(encoded)):                 # every possible split point
        n_lines, pad = divmod(BLOCK_BYTES - shift, 10)
        filler = "wwwwwwwww\n" * n_lines + "x" * pad      # char starts at byte BLOCK_BYTES - shift
        path = write(tmp_path / f"ok{shift}.txt", filler + char + "y\nz\n")
        documents = list(iter_documents(path))
        assert len(documents) == n_lines + 2
        assert documents[-2:] == ["x" * pad + char + "y", "z"]


def test_errors_replace(tmp_path):
    path = write(tmp_path / "r.txt", b"caf\xe9 ok\nnext\n")
    assert list(iter_documents(path, errors="replace")) == ["caf\ufffd ok", "next"]
    assert list(iter_token_lists(path, errors="replace")) == [["caf", "ok"], ["next"]]
    with pytest.raises(ValueError, match="byte 3 "):
        list(iter_documents(path))


def test_binary_file_is_an_error(tmp_path):
    path = write(tmp_path / "image.txt", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR")
    with pytest.raises(ValueError, match="image.txt looks like a binary file.*offset 8"):
        list(iter_documents(path))


def test_broken_gzip_is_an_error_naming_the_file(tmp_path):
    path = tmp_path / "fake.gz"
    path.write_bytes(b"this is not gzip data\n")
    with pytest.raises(ValueError, match="cannot read .*fake.gz"):
        list(iter_documents(path))
    truncated = tmp_path / "cut.txt.gz"
    truncated.write_bytes(gzip.compress(b"hello world\n" * 1000)[:-20])
    with pytest.raises(ValueError, match="cut.txt.gz"):
        list(iter_documents(truncated))


# ---------------------------------------------------------------------------- long lines
def random_words(n_words, seed=0):
    rng = np.random.default_rng(seed)
    letters = np.array(list("abcdefghij"))
    lengths = rng.integers(1, 12, n_words)
    chars = letters[rng.integers(0, 10, lengths.sum())]
    ends = np.cumsum(lengths)
    return ["".join(chars[e - n:e]) for e, n in zip(ends.tolist(), lengths.tolist())]


def test_long_line_without_newline_is_cut_at_spaces(tmp_path):
    words = random_words(400_000)                       # about 2.6 MB on one line
    text = " ".join(words)
    assert len(text) > 2 * BLOCK_BYTES
    path = write(tmp_path / "text8", text)
    pieces = list(iter_documents(path, max_chars=50))
    assert max(map(len, pieces)) <= 50
    assert "".join(pieces) == text                      # nothing lost or added
    assert all(p.endswith(" ") for p in pieces[:-1])    # every cut is just after a space
    assert [w for p in pieces for w in p.split()] == words   # so no word is split


def test_long_line_pieces_in_the_middle_of_a_file(tmp_path):
    text = "short\n" + "abc " * 30 + "\nend\n"
    pieces = list(iter_documents(write(tmp_path / "m.txt", text), max_chars=10))
    assert pieces[0] == "short" and pieces[-1] == "end"
    assert pieces[1:-1] == ["abc abc "] * 15            # a cut never gives more than 10 chars
    # a word longer than max_chars is cut at max_chars
    assert list(iter_documents(write(tmp_path / "w.txt", "x" * 25), max_chars=10)) == \
        ["x" * 10, "x" * 10, "x" * 5]


def test_token_lists_are_chunked_at_max_tokens(tmp_path):
    words = random_words(50_000, seed=1)
    path = write(tmp_path / "text8", " ".join(words))
    chunks = list(iter_token_lists(path, max_tokens=7))
    assert max(map(len, chunks)) <= 7 and min(map(len, chunks)) >= 1
    assert [w for chunk in chunks for w in chunk] == words
    corpus = encode_corpus(path, max_tokens=7)
    assert np.diff(corpus.offsets).max() <= 7
    assert corpus.vocab.decode(corpus.ids) == words


def test_chunking_of_given_token_lists():
    assert list(iter_token_lists([list("abcdefg"), [], ["h"]], max_tokens=3)) == \
        [["a", "b", "c"], ["d", "e", "f"], ["g"], ["h"]]
    with pytest.raises(ValueError, match="max_tokens"):
        list(iter_token_lists([["a"]], max_tokens=0))


def test_max_chars_must_be_positive(tmp_path):
    path = write(tmp_path / "a.txt", "some text\n")
    with pytest.raises(ValueError, match="max_chars must be >= 1, got 0"):   # not an endless loop
        list(iter_documents(path, max_chars=0))


# ---------------------------------------------------------------------------- encode_corpus
TINY = "the cat sat\ndog\n\nA cat, the END\n"
# tokens per line: [the cat sat] [dog] [] [a cat the end]
# counts: cat 2, the 2, a 1, dog 1, end 1, sat 1 -> ids: cat 0, the 1, a 2, dog 3, end 4, sat 5


def test_encode_corpus_hand_checked(tmp_path):
    corpus = encode_corpus(write(tmp_path / "tiny.txt", TINY))
    assert corpus.vocab.itos == ["cat", "the", "a", "dog", "end", "sat"]
    assert corpus.vocab.counts.tolist() == [2, 2, 1, 1, 1, 1]
    assert corpus.ids.dtype == np.int32 and corpus.offsets.dtype == np.int64
    assert corpus.ids.tolist() == [1, 0, 5, 3, 2, 0, 1, 4]
    assert corpus.offsets.tolist() == [0, 3, 4, 8]      # the empty line is not a document
    assert len(corpus) == 3 and corpus.n_tokens == 8
    assert corpus.document(2).tolist() == [2, 0, 1, 4]
    assert corpus.doc_ids().tolist() == [0, 0, 0, 1, 2, 2, 2, 2]
    assert corpus.n_dropped == 0 and corpus.oov_rate == 0.0


def test_encode_corpus_drops_rare_tokens_and_emptied_documents(tmp_path):
    corpus = encode_corpus(write(tmp_path / "tiny.txt", TINY), min_count=2)
    assert corpus.vocab.itos == ["cat", "the"]
    assert corpus.ids.tolist() == [1, 0, 0, 1]          # "dog" alone: its document disappears
    assert corpus.offsets.tolist() == [0, 2, 4]
    assert corpus.n_dropped == 4                        # sat, dog, a, end
    assert corpus.oov_rate == pytest.approx(4 / 8)


def test_encode_corpus_with_unk(tmp_path):
    corpus = encode_corpus(write(tmp_path / "tiny.txt", TINY), min_count=2, specials=(UNK,))
    assert corpus.vocab.itos == [UNK, "cat", "the"]
    assert corpus.ids.tolist() == [2, 1, 0, 0, 0, 1, 2, 0]
    assert corpus.offsets.tolist() == [0, 3, 4, 8]
    assert corpus.n_dropped == 0
    assert corpus.oov_rate == pytest.approx(4 / 8)


def test_encode_corpus_with_a_fixed_vocabulary(tmp_path):
    vocab = Vocabulary.build([["the", "zebra", "cat"]])  # cat 0, the 1, zebra 2
    corpus = encode_corpus(write(tmp_path / "tiny.txt", TINY), vocab=vocab, min_count=99)
    assert corpus.vocab is vocab
    assert corpus.ids.tolist() == [1, 0, 0, 1]
    assert corpus.offsets.tolist() == [0, 2, 4]
    assert corpus.n_dropped == 4
    with pytest.raises(ValueError, match="no token of the corpus is in the vocabulary"):
        encode_corpus([["unrelated", "words"]], vocab=vocab)


def test_encode_corpus_from_token_lists_and_custom_tokenizer(tmp_path):
    corpus = encode_corpus([["b", "a"], [], ("a",)])
    assert corpus.vocab.itos == ["a", "b"]
    assert corpus.ids.tolist() == [1, 0, 0] and corpus.offsets.tolist() == [0, 2, 3]
    path = write(tmp_path / "t.txt", "Don't STOP\n")
    corpus = encode_corpus(path, Tokenizer(r"\S+", lowercase=False))
    assert corpus.vocab.decode(corpus.ids) == ["Don't", "STOP"]


@pytest.mark.parametrize("text", ["", "\n\n", "   \t \n  \n", "123 456 ... ___\n"])
def test_empty_corpus_is_a_value_error(tmp_path, text):
    path = write(tmp_path / "empty.txt", text)
    with pytest.raises(ValueError, match="empty.txt contains no tokens.*empty or whitespace-only"):
        encode_corpus(path)


def test_vocabulary_empty_after_min_count(tmp_path):
    with pytest.raises(ValueError, match="empty after min_count=5.*Lower min_count"):
        encode_corpus(write(tmp_path / "tiny.txt", TINY), min_count=5)


def test_raw_strings_are_a_type_error():
    with pytest.raises(TypeError, match="token lists.*Tokenize it first"):
        encode_corpus(["the cat sat", "a dog"])
    with pytest.raises(TypeError, match="bytes"):
        encode_corpus(b"the cat")
    with pytest.raises(TypeError, match="bytes"):
        encode_corpus([b"the cat"])


@pytest.mark.parametrize("min_count, max_size, specials", [(1, None, ()), (3, None, ()),
                                                           (2, 500, ()), (3, None, (UNK,))])
def test_one_pass_equals_build_then_encode(min_count, max_size, specials):
    path = os.path.join(REPO, "corpora", "pg11_alice_in_wonderland.txt")
    corpus = encode_corpus(path, min_count=min_count, max_size=max_size, specials=specials)
    token_lists = list(iter_token_lists(path))
    vocab = Vocabulary.build(token_lists, min_count=min_count, max_size=max_size, specials=specials)
    assert corpus.vocab.itos == vocab.itos
    assert corpus.vocab.counts.tolist() == vocab.counts.tolist()
    encoded = [vocab.encode(tokens) for tokens in token_lists]
    encoded = [ids for ids in encoded if len(ids)]
    np.testing.assert_array_equal(corpus.ids, np.concatenate(encoded))
    np.testing.assert_array_equal(np.diff(corpus.offsets), [len(ids) for ids in encoded])
    n_tokens = sum(map(len, token_lists))
    assert corpus.n_tokens + corpus.n_dropped == n_tokens
    n_unknown = sum(token not in vocab for tokens in token_lists for token in tokens)
    assert corpus.oov_rate == pytest.approx(n_unknown / n_tokens)
    assert (corpus.oov_rate > 0) == (min_count > 1 or max_size is not None)


def test_encode_corpus_across_many_batches(tmp_path, monkeypatch):
    # many internal batches (of >= 1000 tokens here): ids and offsets must still line up
    monkeypatch.setattr(corpus_module, "BATCH_TOKENS", 1000)
    words = random_words(30_000, seed=2)
    lines = [" ".join(words[i:i + 37]) for i in range(0, len(words), 37)]
    path = write(tmp_path / "big.txt", "\n".join(lines))
    corpus = encode_corpus(path, min_count=2)
    vocab = Vocabulary.build(list(iter_token_lists(path)), min_count=2)
    assert corpus.vocab.itos == vocab.itos
    keep = [vocab.encode(line.split()) for line in lines]
    np.testing.assert_array_equal(corpus.ids, np.concatenate(keep))
    assert corpus.offsets.tolist() == np.concatenate([[0], np.cumsum([len(k) for k in keep if len(k)])]).tolist()


def test_encoding_leaves_the_vocabulary_with_fresh_copies_of_its_strings():
    from minembed.text.corpus import _packed_words, _unpacked_words
    from minembed.text.vocab import Vocabulary
    vocab = Vocabulary(["caf\u00e9", "b", "\ud800x", "ab"], [4, 3, 2, 2], specials=("<pad>",))  # (a lone surrogate too)
    packed = _packed_words(vocab)
    assert packed[0] == "caf\u00e9b\ud800xab" and packed[1] == [4, 1, 2, 2]
    fresh = _unpacked_words(packed)
    assert fresh.itos == vocab.itos and fresh.counts.tolist() == vocab.counts.tolist()
    assert fresh.specials == vocab.specials and fresh.stoi == vocab.stoi
    # copies, not the same objects (one-character strings may be CPython's shared singletons)
    assert all(new is not old for new, old in zip(fresh.itos[1:], vocab.itos[1:]) if len(old) > 1)
