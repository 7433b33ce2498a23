"""Vocabulary: counting, pruning, id order, specials, encode/decode, save/load, frequency tables."""
import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from minembed import Vocabulary
from minembed.text.vocab import MASK, PAD, UNK

# counts: a=3, c=2, b=1, d=1
TOKEN_LISTS = [["b", "a", "c", "a"], ["c", "a", "d"]]


def test_build_orders_by_count_then_alphabet():
    vocab = Vocabulary.build(TOKEN_LISTS)
    assert vocab.itos == ["a", "c", "b", "d"]
    assert vocab.counts.tolist() == [3, 2, 1, 1]
    assert vocab.counts.dtype == np.int64
    assert vocab.stoi == {"a": 0, "c": 1, "b": 2, "d": 3}
    assert len(vocab) == 4 and vocab.total == 7
    assert "a" in vocab and "zzz" not in vocab
    assert vocab["c"] == 1
    assert vocab.specials == () and vocab.unk_id is None and vocab.pad_id is None


def test_build_accepts_a_generator_once():
    vocab = Vocabulary.build(tokens for tokens in TOKEN_LISTS)
    assert vocab.itos == ["a", "c", "b", "d"]


def test_tie_break_is_alphabetical_not_first_seen():
    vocab = Vocabulary.build([["zeta", "alpha", "mu", "zeta", "mu", "alpha"]])
    assert vocab.itos == ["alpha", "mu", "zeta"]


def test_min_count_and_max_size():
    assert Vocabulary.build(TOKEN_LISTS, min_count=2).itos == ["a", "c"]
    assert Vocabulary.build(TOKEN_LISTS, min_count=3).itos == ["a"]
    assert Vocabulary.build(TOKEN_LISTS, max_size=3).itos == ["a", "c", "b"]   # tie b/d: alphabetical
    assert Vocabulary.build(TOKEN_LISTS, max_size=1).itos == ["a"]
    assert Vocabulary.build(TOKEN_LISTS, min_count=2, max_size=10).itos == ["a", "c"]


def test_specials_come_first_with_count_zero():
    vocab = Vocabulary.build(TOKEN_LISTS, specials=(PAD, UNK, MASK))
    assert vocab.itos == [PAD, UNK, MASK, "a", "c", "b", "d"]
    assert vocab.counts.tolist() == [0, 0, 0, 3, 2, 1, 1]
    assert (vocab.pad_id, vocab.unk_id, vocab.mask_id) == (0, 1, 2)
    assert vocab.total == 7
    # max_size does not count the specials
    assert Vocabulary.build(TOKEN_LISTS, max_size=2, specials=(UNK,)).itos == [UNK, "a", "c"]


def test_with_specials_copies():
    vocab = Vocabulary.build(TOKEN_LISTS)
    special = vocab.with_specials()
    assert special.itos == [PAD, UNK, MASK, "a", "c", "b", "d"]
    assert special.counts.tolist() == [0, 0, 0, 3, 2, 1, 1]
    assert vocab.itos == ["a", "c", "b", "d"]          # original untouched
    assert special.with_specials((UNK,)).itos == [UNK, "a", "c", "b", "d"]


def test_encode_drops_unknown_without_unk():
    vocab = Vocabulary.build(TOKEN_LISTS)
    ids = vocab.encode(["d", "zzz", "a", "qqq", "c"])
    assert ids.dtype == np.int32
    assert ids.tolist() == [3, 0, 1]
    assert vocab.encode([]).tolist() == []
    assert vocab.encode(["zzz"]).tolist() == []


def test_encode_maps_unknown_to_unk():
    vocab = Vocabulary.build(TOKEN_LISTS, specials=(PAD, UNK))
    assert vocab.encode(["d", "zzz", "a"]).tolist() == [5, 1, 2]


def test_decode_encode_round_trip():
    vocab = Vocabulary.build(TOKEN_LISTS)
    tokens = ["d", "a", "a", "c", "b"]
    assert vocab.decode(vocab.encode(tokens)) == tokens
    assert vocab.decode(np.array([0, 1], dtype=np.int64)) == ["a", "c"]
    assert vocab.decode([]) == []
    with pytest.raises(IndexError, match=r"ids must be in \[0, 4\)"):
        vocab.decode([0, -1])                          # would silently be the last word
    with pytest.raises(IndexError):
        vocab.decode([4])


def test_getitem_unknown_is_a_helpful_key_error():
    vocab = Vocabulary.build(TOKEN_LISTS)
    with pytest.raises(KeyError, match="'zzz' is not in the vocabulary.*min_count"):
        vocab["zzz"]


# ---------------------------------------------------------------------------- bad input
def test_raw_strings_are_a_type_error():
    with pytest.raises(TypeError, match="token lists.*Tokenize first"):
        Vocabulary.build(["the cat sat", "a dog"])
    with pytest.raises(TypeError):
        Vocabulary.build([b"bytes"])
    with pytest.raises(TypeError, match="tokenize it first"):
        Vocabulary.build(TOKEN_LISTS).encode("the cat")


@pytest.mark.parametrize("token_lists", [[], [[]], [[], []]])
def test_empty_corpus_is_a_value_error(token_lists):
    with pytest.raises(ValueError, match="no tokens.*empty"):
        Vocabulary.build(token_lists)


def test_empty_after_min_count_says_what_to_change():
    with pytest.raises(ValueError) as info:
        Vocabulary.build(TOKEN_LISTS, min_count=4)
    message = str(info.value)
    assert "empty after min_count=4" in message
    assert "most frequent occurs 3 times" in message
    assert "Lower min_count" in message


def test_bad_settings():
    with pytest.raises(ValueError, match="min_count"):
        Vocabulary.build(TOKEN_LISTS, min_count=0)
    with pytest.raises(ValueError, match="max_size"):
        Vocabulary.build(TOKEN_LISTS, max_size=0)
    with pytest.raises(ValueError, match="duplicate"):
        Vocabulary(["a", "a"], [1, 1])
    with pytest.raises(ValueError, match="2 tokens but 1 counts"):
        Vocabulary(["a", "b"], [1])


# ---------------------------------------------------------------------------- save / load
def assert_same(a, b):
    assert a.itos == b.itos
    assert a.counts.tolist() == b.counts.tolist()
    assert a.specials == b.specials
    assert (a.unk_id, a.pad_id, a.mask_id) == (b.unk_id, b.pad_id, b.mask_id)


def test_save_is_human_readable_and_round_trips(tmp_path):
    vocab = Vocabulary.build(TOKEN_LISTS, specials=(PAD, UNK))
    path = tmp_path / "vocab.tsv"
    vocab.save(path)
    lines = path.read_text(encoding="utf-8").split("\n")
    assert lines[0].startswith("# minembed vocabulary v1")
    assert lines[0].endswith("<pad>\t<unk>")
    assert lines[1:] == ["<pad>\t0", "<unk>\t0", "a\t3", "c\t2", "b\t1", "d\t1", ""]
    assert_same(Vocabulary.load(path), vocab)
    assert_same(Vocabulary.load(str(path)), vocab)


def test_save_load_awkward_tokens(tmp_path):
    tokens = ["tab\there", "new\nline", "back\\slash", "\\t literal", "cr\r", "\\", "",
              "trailing\\", "x\u2028y", "nul\x00", "é ß σ", " ", "12"]
    specials = ("<s\tp>", UNK)
    vocab = Vocabulary(tokens, np.arange(len(tokens), 0, -1), specials=specials)
    vocab.save(tmp_path / "v.tsv")
    assert_same(Vocabulary.load(tmp_path / "v.tsv"), vocab)
    # the file has exactly one line per token, plus the header
    assert (tmp_path / "v.tsv").read_bytes().count(b"\n") == 1 + len(specials) + len(tokens)


def test_load_keeps_unknown_escapes_as_written(tmp_path):
    path = tmp_path / "v.tsv"
    Vocabulary(["x"], [1]).save(path)
    header = path.read_text(encoding="utf-8").split("\n")[0]
    path.write_text(header + "\na\\qb\t3\nc\\\t2\n", encoding="utf-8")
    assert Vocabulary.load(path).itos == ["a\\qb", "c\\"]


def test_save_without_header_is_gensims_fvocab_and_loads_back(tmp_path):
    vocab = Vocabulary.build(TOKEN_LISTS, specials=(PAD, UNK))
    path = tmp_path / "vocab.tsv"
    vocab.save(path, header=False)
    assert path.read_text(encoding="utf-8").split("\n") == ["<pad>\t0", "<unk>\t0", "a\t3", "c\t2", "b\t1", "d\t1", ""]
    assert_same(Vocabulary.load(path), vocab)                       # specials: the leading count-0 rows
    assert Vocabulary.load(path, specials=()).itos == vocab.itos and Vocabulary.load(path, specials=()).specials == ()
    # gensim's reader: one 'word count' per line, split on whitespace
    assert dict(line.split() for line in path.read_text(encoding="utf-8").splitlines()) == \
        {w: str(c) for w, c in zip(vocab.itos, vocab.counts)}


def test_load_rejects_other_files(tmp_path):
    path = tmp_path / "v.tsv"
    for text in ("the cat sat\n", "# some other header\nthe\t3\n", "the\tthree\n"):
        path.write_text(text, encoding="utf-8")
        with pytest.raises(ValueError, match="not a minembed vocabulary"):
            Vocabulary.load(path)
    Vocabulary(["x"], [1]).save(path)
    with path.open("a", encoding="utf-8") as f:
        f.write("broken line without count\n")
    with pytest.raises(ValueError, match="line 3"):
        Vocabulary.load(path)


def test_save_is_atomic_on_error(tmp_path):
    path = tmp_path / "v.tsv"
    Vocabulary(["old"], [1]).save(path)
    broken = Vocabulary(["new"], [1])
    broken.counts = None                       # makes save fail half way
    with pytest.raises(AttributeError):
        broken.save(path)
    assert Vocabulary.load(path).itos == ["old"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["v.tsv"]


@settings(max_examples=60, deadline=None)
@given(tokens=st.lists(st.text(max_size=8), min_size=1, max_size=12, unique=True),
       data=st.data())
def test_save_load_round_trips_any_unicode(tmp_path_factory, tokens, data):
    specials = data.draw(st.sampled_from([(), (UNK,), (PAD, UNK, MASK)]))
    tokens = [t for t in tokens if t not in specials] or ["x"]
    counts = data.draw(st.lists(st.integers(0, 10**12), min_size=len(tokens), max_size=len(tokens)))
    vocab = Vocabulary(tokens, counts, specials=specials)
    path = tmp_path_factory.mktemp("vocab") / "v.tsv"
    vocab.save(path)
    assert_same(Vocabulary.load(path), vocab)


# ---------------------------------------------------------------------------- frequency tables
def test_keep_probs_hand_computed():
    # counts 100, 25, 4, 1 -> T = 130; with sample = 1/130, s*T = 1 and f/(s*T) = f, so
    # keep = (sqrt(f) + 1) / f:  100 -> 11/100,  25 -> 6/25,  4 -> 3/4,  1 -> 2 -> capped at 1
    vocab = Vocabulary(["w", "x", "y", "z"], [100, 25, 4, 1])
    keep = vocab.keep_probs(sample=1 / 130)
    np.testing.assert_allclose(keep, [0.11, 0.24, 0.75, 1.0], rtol=1e-12)


def test_keep_probs_matches_word2vec_c_expression():
    counts = np.array([5000, 700, 90, 3])
    vocab = Vocabulary(["a", "b", "c", "d"], counts)
    sample, train_words = 1e-3, int(counts.sum())
    expected = [min(1.0, (math.sqrt(cn / (sample * train_words)) + 1) * (sample * train_words) / cn)
                for cn in counts.tolist()]                      # word2vec.c, line by line
    np.testing.assert_allclose(vocab.keep_probs(sample), expected, rtol=1e-12)
    assert expected[0] < 0.1 and expected[-1] == 1.0


def test_keep_probs_sample_zero_specials_and_errors():
    vocab = Vocabulary(["a", "b"], [1000, 1], specials=(PAD, UNK))
    assert vocab.keep_probs(0).tolist() == [1.0, 1.0, 1.0, 1.0]
    keep = vocab.keep_probs(1e-3)
    assert keep[:2].tolist() == [1.0, 1.0]                      # specials never subsampled
    assert keep.max() <= 1.0 and keep[2] < 1.0
    with pytest.raises(ValueError, match="sample must be >= 0"):
        vocab.keep_probs(-0.1)


def test_noise_probs_hand_computed():
    # 16^0.75 = 8, 1^0.75 = 1, 81^0.75 = 27 -> [8, 1, 27] / 36
    vocab = Vocabulary(["a", "b", "c"], [16, 1, 81], specials=(UNK,))
    probs = vocab.noise_probs()
    np.testing.assert_allclose(probs, [0.0, 8 / 36, 1 / 36, 27 / 36], rtol=1e-12)
    np.testing.assert_allclose(vocab.noise_probs(power=1.0), [0, 16 / 98, 1 / 98, 81 / 98], rtol=1e-12)
    np.testing.assert_allclose(vocab.noise_probs(power=0.0), [0, 1 / 3, 1 / 3, 1 / 3], rtol=1e-12)
    assert probs.sum() == pytest.approx(1.0, abs=1e-15)
