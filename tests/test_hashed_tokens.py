"""hashed_tokens: tokens found and numbered by array operations give exactly what the regex and a dict give."""
import collections
import re

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from minembed import CountVectorizer, TfidfVectorizer
from minembed.bow.fast import hashed_tokens
from minembed.bow.countvec import word_ngrams
from minembed.bow.fast.hashed_tokens import encode_documents, polynomial_hashes, token_spans
from minembed.bow.fast.term_index import DictIndex, HashCollision, TermIndex
from minembed.text.tokenize import RUN_PATTERNS, is_word_character

MIXED = ["The cat sat on the mat.", "", "!!!", "İstanbul'da ΟΔΟΣ ΟΔΟΣ όδος", "snake_case x2 y 42 ½² km²",
         "a\0b NUL\0inside", "Über-naïve café; the CAT's mat", "𝒳𝒴 emoji 🙂 ok", "tab\tnew\nline"]


def by_regex_and_dict(documents, pattern, lowercase=True, ngram_range=(1, 1)):
    """The plain way: the regex per document, its n-grams, every term looked up in a dict (ids in order of
    first appearance), as (all ids, terms per document, terms)."""
    index = collections.defaultdict()
    index.default_factory = index.__len__
    regex = re.compile(pattern)
    token_lists = [word_ngrams(regex.findall(document.lower() if lowercase else document), *ngram_range)
                   for document in documents]
    ids = [index[token] for tokens in token_lists for token in tokens]
    return ids, [len(tokens) for tokens in token_lists], list(index)


def flat(blocks):
    ids = np.concatenate([ids for ids, _ in blocks]) if blocks else np.empty(0, np.int32)
    return ids.tolist(), np.concatenate([lengths for _, lengths in blocks]).tolist()


@pytest.mark.parametrize("pattern", sorted(RUN_PATTERNS))
def test_each_class_is_the_regex_on_every_code_point(pattern):
    in_class, min_length = RUN_PATTERNS[pattern]
    one_character = re.compile(r"\w" if in_class is is_word_character else r"[^\W\d_]")
    mismatches = [code for code in range(0x110000)
                  if bool(one_character.fullmatch(chr(code))) != in_class(chr(code))]
    assert mismatches == []


@pytest.mark.parametrize("pattern", sorted(RUN_PATTERNS))
@pytest.mark.parametrize("lowercase", [True, False])
@pytest.mark.parametrize("block_chars", [1, 20, 1 << 20])
def test_encode_documents_equals_regex_and_dict(pattern, lowercase, block_chars):
    in_class, min_length = RUN_PATTERNS[pattern]
    blocks, terms = encode_documents(MIXED, in_class, min_length, lowercase, block_chars=block_chars)
    ids, lengths, expected_terms = by_regex_and_dict(MIXED, pattern, lowercase)
    assert terms == expected_terms
    assert flat(blocks) == (ids, lengths)
    assert all(ids.dtype == np.int32 and lengths.dtype == np.int64 for ids, lengths in blocks)
    assert sum(len(lengths) for _, lengths in blocks) == len(MIXED)


@pytest.mark.parametrize("ngram_range", [(1, 2), (2, 2), (1, 3), (3, 3), (2, 5)])
@pytest.mark.parametrize("block_chars", [1, 40, 1 << 20])
def test_ngrams_equal_regex_and_dict(ngram_range, block_chars):
    pattern = r"(?u)\b\w\w+\b"
    blocks, terms = encode_documents(MIXED, RUN_PATTERNS[pattern][0], 2, True, ngram_range, block_chars)
    ids, lengths, expected_terms = by_regex_and_dict(MIXED, pattern, True, ngram_range)
    assert terms == expected_terms
    assert flat(blocks) == (ids, lengths)


def test_ngram_hash_is_the_hash_of_the_joined_string():
    blocks, terms = encode_documents(["ab cd ef"], RUN_PATTERNS[r"\w+"][0], 1, True, (1, 3))
    assert terms == ["ab", "cd", "ef", "ab cd", "cd ef", "ab cd ef"]

    def hash_of(term, spec):
        codes = np.frombuffer(term.encode("ascii"), np.uint8)
        return int(polynomial_hashes(codes, np.array([0]), np.array([len(codes)]), *spec)[0])

    first, second = hashed_tokens.FIRST_HASH, hashed_tokens.SECOND_HASH
    tokens = {"first_token": np.arange(3), "n": np.ones(3, np.int64), "document": np.zeros(3, np.int64),
              "hashes": np.array([hash_of(t, first) for t in ("ab", "cd", "ef")], np.uint64),
              "second_hashes": np.array([hash_of(t, second) for t in ("ab", "cd", "ef")], np.uint64)}
    grams = hashed_tokens._ngrams(tokens, np.array([2, 2, 2]), 2, 3)
    assert grams["first_token"].tolist() == [0, 1, 0] and grams["n"].tolist() == [2, 2, 3]
    assert grams["hashes"].tolist() == [hash_of(t, first) for t in ("ab cd", "cd ef", "ab cd ef")]
    assert grams["second_hashes"].tolist() == [hash_of(t, second) for t in ("ab cd", "cd ef", "ab cd ef")]


def test_hand_worked_example():
    blocks, terms = encode_documents(["The cat", "", "sat, THE   cat!"], RUN_PATTERNS[r"\w\w+"][0], 2)
    assert terms == ["the", "cat", "sat"]
    assert flat(blocks) == ([0, 1, 2, 0, 1], [2, 0, 3])
    assert flat(encode_documents([], RUN_PATTERNS[r"\w\w+"][0], 2)[0]) == ([], [])


def test_lowercasing_that_changes_length_and_final_sigma():
    # "İ" lowercases to two characters; the sigma at a document's end is final in that document alone
    documents = ["İİ ab", "ΟΔΟΣ", "ΣΑΣ ΣΑ", "Σ"]
    blocks, terms = encode_documents(documents, RUN_PATTERNS[r"\w+"][0], 1)
    assert terms == by_regex_and_dict(documents, r"\w+")[2]
    assert "οδος" in terms and "σας" in terms and "σ" in terms


def test_long_text_is_hashed_in_pieces(monkeypatch):
    monkeypatch.setattr(hashed_tokens, "HASH_PIECE_CHARS", 7)
    documents = ["alpha beta gamma " * 5, "averyveryverylongwordindeed and more", "x"]
    blocks, terms = encode_documents(documents, RUN_PATTERNS[r"\w+"][0], 1)
    ids, lengths, expected_terms = by_regex_and_dict(documents, r"\w+")
    assert (terms, flat(blocks)) == (expected_terms, (ids, lengths))


def test_many_terms_grow_the_table():
    documents = [" ".join(f"w{number}x{doc}" for number in range(300)) + " common" for doc in range(100)]
    blocks, terms = encode_documents(documents, RUN_PATTERNS[r"\w+"][0], 1, block_chars=5000)
    ids, lengths, expected_terms = by_regex_and_dict(documents, r"\w+")
    assert len(terms) == 30001 and terms == expected_terms
    assert flat(blocks) == (ids, lengths)


def test_polynomial_hash_by_hand_and_against_python_integers():
    codes = np.array([7, 1, 2, 3], dtype=np.uint8)
    base = np.uint64(11)
    assert polynomial_hashes(codes, np.array([1, 0]), np.array([3, 4]), base).tolist() == \
        [1 + 2 * 11, 7 + 1 * 11 + 2 * 121 + 3 * 1331]
    assert polynomial_hashes(codes, np.array([0]), np.array([4]), base, np.uint64(13)).tolist() == \
        [(7 + 1 * 11 + 2 * 121 + 3 * 1331) % 13]
    rng = np.random.default_rng(0)
    codes = rng.integers(1, 0x110000, 5000).astype(np.uint32)
    starts = np.array([0, 3, 100, 250, 4999])
    ends = np.array([5000, 90, 101, 4000, 5000])
    for base, modulus in (hashed_tokens.FIRST_HASH, hashed_tokens.SECOND_HASH):
        values = polynomial_hashes(codes, starts, ends, base, modulus)
        as_int64 = polynomial_hashes(codes.astype(np.int64), starts, ends, base, modulus)   # signed codes too
        M = 2**64 if modulus is None else int(modulus)
        for start, end, value, value_int64 in zip(starts, ends, values, as_int64):
            exact = sum(int(c) * pow(int(base), j, M) for j, c in enumerate(codes[start:end].tolist())) % M
            assert int(value) == int(value_int64) == exact


def test_thue_morse_strings_collide_mod_2_64_but_stay_two_terms():
    # t_k = parity of the bits of k; the pair (t, not t) of length 2**11 has equal polynomial hashes
    # modulo 2**64 for every odd base, the reason the second hash is taken modulo a prime
    parity = np.array([bin(k).count("1") % 2 for k in range(2048)])
    one, other = "".join("ab"[p] for p in parity), "".join("ba"[p] for p in parity)
    codes = np.frombuffer((one + " " + other).encode("ascii"), np.uint8)
    starts, ends = np.array([0, 2049]), np.array([2048, 4097])
    first = polynomial_hashes(codes, starts, ends, *hashed_tokens.FIRST_HASH)
    second = polynomial_hashes(codes, starts, ends, *hashed_tokens.SECOND_HASH)
    assert first[0] == first[1] and second[0] != second[1]
    blocks, terms = encode_documents([one, other, one], RUN_PATTERNS[r"\w+"][0], 1)
    assert terms == [one, other] and flat(blocks) == ([0, 1, 0], [1, 1, 1])


def test_known_terms_are_found_in_the_table():
    # words that differ in their first letter only differ in the low bits of their hash; the table's
    # slots must still tell them apart, or the frequent ones would take the slow path every time
    words = ["the", "she", "he", "cat", "bat", "hat", "rat", "mat", "of", "in", "to", "is", "it", "at"]
    words += [f"w{number}" for number in range(3000)]
    index = TermIndex()
    text = " ".join(words)
    codes = np.frombuffer(text.encode("ascii"), np.uint8)
    starts, ends = token_spans(codes != 32)
    hashes = [polynomial_hashes(codes, starts, ends, *spec) for spec in (hashed_tokens.FIRST_HASH,
                                                                           hashed_tokens.SECOND_HASH)]
    ids = index.ids(*hashes, lambda numbers: [words[number] for number in numbers])
    assert ids.tolist() == list(range(len(words)))
    in_own_slot = index.slots[index._slot(index.hashes)] == np.arange(len(words))
    assert in_own_slot[:14].all() and in_own_slot.mean() > 0.9
    index._slow_ids = None                                # a second pass: the table alone finds these
    assert index.ids(hashes[0][:14], hashes[1][:14], None).tolist() == list(range(14))


def test_token_spans_by_hand():
    in_word = np.array([1, 1, 0, 1, 0, 0, 1, 1, 1], dtype=bool)
    assert [a.tolist() for a in token_spans(in_word)] == [[0, 3, 6], [2, 4, 9]]
    assert [a.tolist() for a in token_spans(in_word, min_length=3)] == [[6], [9]]
    assert [a.tolist() for a in token_spans(np.zeros(0, bool))] == [[], []]


def test_a_collision_is_caught_and_the_dict_takes_over(monkeypatch):
    # with base 1 the first hash is the sum of the code points, so anagrams collide; the second hash differs
    monkeypatch.setattr(hashed_tokens, "FIRST_HASH", (np.uint64(1), None))
    documents = ["the cat sat", "act now", "tac cat act", "the end"]
    index = TermIndex()
    codes = np.frombuffer(b"cat act", np.uint8)
    starts, ends = np.array([0, 4]), np.array([3, 7])
    with pytest.raises(HashCollision):
        index.ids(polynomial_hashes(codes, starts, ends, np.uint64(1)),
                  polynomial_hashes(codes, starts, ends, *hashed_tokens.SECOND_HASH),
                  lambda numbers: [["cat", "act"][number] for number in numbers])
    for block_chars in (1, 1 << 20):
        blocks, terms = encode_documents(documents, RUN_PATTERNS[r"\w+"][0], 1, block_chars=block_chars)
        ids, lengths, expected_terms = by_regex_and_dict(documents, r"\w+")
        assert terms == expected_terms and flat(blocks) == (ids, lengths)


def test_dict_index_numbers_like_the_term_index():
    index = DictIndex(["a", "b"])
    ids = index.ids(np.zeros(4, np.uint64), None, lambda numbers: [["b", "c", "a", "c"][n] for n in numbers])
    assert ids.tolist() == [1, 2, 0, 2] and index.terms == ["a", "b", "c"]


def test_not_a_str_is_refused():
    with pytest.raises(TypeError, match="expected documents as str, got bytes"):
        encode_documents(["fine", b"bytes"], RUN_PATTERNS[r"\w+"][0], 1)
    with pytest.raises(TypeError, match="wrap it in a list"):
        CountVectorizer().fit("one document")


@settings(max_examples=300, deadline=None, derandomize=True)
@given(st.lists(st.text(max_size=30), max_size=8),                  # lone surrogates included
       st.sampled_from(sorted(RUN_PATTERNS)), st.booleans(), st.sampled_from([1, 16, 1 << 20]),
       st.sampled_from([(1, 1), (1, 2), (2, 2), (1, 3), (2, 4)]))
def test_any_unicode_documents(documents, pattern, lowercase, block_chars, ngram_range):
    in_class, min_length = RUN_PATTERNS[pattern]
    blocks, terms = encode_documents(documents, in_class, min_length, lowercase, ngram_range, block_chars)
    ids, lengths, expected_terms = by_regex_and_dict(documents, pattern, lowercase, ngram_range)
    assert terms == expected_terms and flat(blocks) == (ids, lengths)


def refuse_the_dict_path(*args, **kwargs):
    raise AssertionError("the tokenizer + dict path ran where the array path should have")


@pytest.mark.parametrize("pattern", sorted(RUN_PATTERNS))
@pytest.mark.parametrize("settings", [{}, {"ngram_range": (1, 2)}, {"ngram_range": (2, 2)},
                                      {"ngram_range": (2, 3), "min_df": 2},
                                      {"max_df": 0.5, "lowercase": False}, {"max_features": 5, "binary": True}])
@pytest.mark.parametrize("vectorizer", [CountVectorizer, TfidfVectorizer])
def test_vectorizer_fast_path_equals_the_tokenizer_path(pattern, settings, vectorizer, monkeypatch):
    documents = MIXED + ["the cat sat on the mat", "the cat and the hat"]
    new_documents = ["The dog sat on the cat's mat, unseen words too", "", "ΟΔΟΣ x2 snake_case", "hat the"]
    # a pattern outside RUN_PATTERNS takes the tokenizer path: the same one with a branch that never matches
    slow = vectorizer(token_pattern=pattern + "|(?!)", **settings)
    Y, Y_new = slow.fit_transform(documents), slow.transform(new_documents)
    monkeypatch.setattr(vectorizer, "_encode", refuse_the_dict_path)
    fast = vectorizer(token_pattern=pattern, **settings)
    X = fast.fit_transform(documents)
    assert fast.vocabulary_ == slow.vocabulary_
    np.testing.assert_array_equal(X.toarray(), Y.toarray())
    np.testing.assert_array_equal(fast.transform(new_documents).toarray(), Y_new.toarray())
    assert fast.transform([]).shape == (0, len(fast.vocabulary_))
    assert fast.transform([""]).toarray().tolist() == [[0] * len(fast.vocabulary_)]


def test_transform_counts_only_the_vocabulary_even_when_first_hashes_collide(monkeypatch):
    # with base 1 the first hash is the sum of the code points: "act" and "tac" look like "cat" to it
    monkeypatch.setattr(hashed_tokens, "FIRST_HASH", (np.uint64(1), None))
    bag = CountVectorizer().fit(["cat sat"])
    dict_path = CountVectorizer._encode
    with monkeypatch.context() as patch:
        patch.setattr(CountVectorizer, "_encode", refuse_the_dict_path)
        assert bag.transform(["act cat tac cat sat"]).toarray().tolist() == [[2, 1]]
    index = hashed_tokens.fixed_index(["cat", "sat"])
    codes = np.frombuffer(b"act cat", np.uint8)
    starts, ends = np.array([0, 4]), np.array([3, 7])
    hashes = [polynomial_hashes(codes, starts, ends, *spec) for spec in (hashed_tokens.FIRST_HASH,
                                                                           hashed_tokens.SECOND_HASH)]
    assert index.ids(*hashes).tolist() == [-1, 0]
    # two terms of the vocabulary itself with one first hash: no fixed index, the dict numbers them
    with pytest.raises(HashCollision):
        hashed_tokens.fixed_index(["act", "cat"])
    both = CountVectorizer().fit(["cat act"])
    calls = []
    monkeypatch.setattr(CountVectorizer, "_encode", lambda *args: calls.append(1) or dict_path(*args))
    assert both.transform(["act act cat tac"]).toarray().tolist() == [[2, 1]]
    assert calls == [1]                                    # the dict numbered them


def test_the_fixed_index_is_kept_between_transforms_and_left_out_of_pickles():
    import pickle
    tfidf = TfidfVectorizer().fit(["the cat sat", "the dog ran"])
    first = tfidf.transform(["the cat ran"]).toarray()
    index = tfidf._fixed_index
    assert index.terms == ["cat", "dog", "ran", "sat", "the"]
    np.testing.assert_array_equal(tfidf.transform(["the cat ran"]).toarray(), first)
    assert tfidf._fixed_index is index                       # built once per fit
    copy = pickle.loads(pickle.dumps(tfidf))
    assert not hasattr(copy, "_fixed_index")
    np.testing.assert_array_equal(copy.transform(["the cat ran"]).toarray(), first)
    tfidf.fit(["a new vocabulary"])                            # a new fit: a new fixed index
    assert tfidf.transform(["new words"]).toarray().tolist() == [[1.0, 0.0]]
    assert tfidf._fixed_index.terms == ["new", "vocabulary"]
