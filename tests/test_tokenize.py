"""Tokenizer: the default letters-only pattern, case folding, custom patterns, bad input."""
import pytest

from minembed import Tokenizer, tokenize
from minembed.text.tokenize import LETTERS, SKLEARN_PATTERN


@pytest.mark.parametrize("text, expected", [
    # ASCII apostrophes split words (text8 / analogy-set convention)
    ("Don't panic: it's 42 o'clock, Mr. Holmes!",
     ["don", "t", "panic", "it", "s", "o", "clock", "mr", "holmes"]),
    # typographic apostrophe U+2019 splits the same way
    ("It\u2019s Bob\u2019s", ["it", "s", "bob", "s"]),
    # digits are separators, also inside words
    ("abc123def 4x4 2015 B2B", ["abc", "def", "x", "b", "b"]),
    # underscores are separators
    ("snake_case __init__ a_b_c", ["snake", "case", "init", "a", "b", "c"]),
    # Unicode letters, Unicode-aware lowercasing
    ("Café ÉCOLE Straße", ["café", "école", "straße"]),
    ("ΣΟΦΙΑ Ωμέγα", ["σοφια", "ωμέγα"]),
    ("Москва ПРИВЕТ", ["москва", "привет"]),
    # hyphens, slashes and other punctuation separate
    ("state-of-the-art and/or e.g.", ["state", "of", "the", "art", "and", "or", "e", "g"]),
    # nothing to find
    ("", []),
    ("  \t\n 123 !!! ___ ", []),
])
def test_default_pattern(text, expected):
    assert Tokenizer().tokenize(text) == expected


def test_greek_final_sigma_is_lowercased_in_context():
    # str.lower applies the Final_Sigma rule: a capital sigma ending a word becomes "ς" (U+03C2)
    assert Tokenizer().tokenize("ΟΔΟΣ ΣΟΦΙΑ") == ["οδο\u03c2", "\u03c3οφια"]


def test_default_pattern_quirks_are_documented():
    # \w minus digits and "_" still admits numeric symbols such as "²" (category No) ...
    assert Tokenizer().tokenize("10 km² ½") == ["km²", "½"]
    # ... and a decomposed accent (combining U+0301, not a word character) ends a token, unless
    # normalization (NFC, the default) has composed it first
    assert Tokenizer(normalize=None).tokenize("cafe\u0301 au lait") == ["cafe", "au", "lait"]
    assert Tokenizer().tokenize("cafe\u0301 au lait") == ["caf\u00e9", "au", "lait"]


def test_lowercase_off_keeps_case():
    assert Tokenizer(lowercase=False).tokenize("The Cat, THE cat") == ["The", "Cat", "THE", "cat"]


def test_lowercase_happens_before_matching():
    # a pattern for lowercase letters only still finds upper-case words when lowercase=True
    assert Tokenizer(pattern="[a-z]+").tokenize("ABC def") == ["abc", "def"]
    assert Tokenizer(pattern="[a-z]+", lowercase=False).tokenize("ABC def") == ["def"]


def test_custom_patterns():
    keep_contractions = r"[^\W\d_]+(?:['\u2019][^\W\d_]+)*"
    assert Tokenizer(keep_contractions).tokenize("Don't, it\u2019s 'quoted'") == \
        ["don't", "it\u2019s", "quoted"]
    assert Tokenizer(r"\S+").tokenize("a1 b_2  c!") == ["a1", "b_2", "c!"]
    # scikit-learn's default: two or more word characters, digits and "_" included
    assert Tokenizer(SKLEARN_PATTERN).tokenize("I have 2 cats_and 10 dogs") == \
        ["have", "cats_and", "10", "dogs"]


def test_bytes_and_other_types_are_a_type_error():
    with pytest.raises(TypeError, match="decode"):
        Tokenizer().tokenize(b"hello world")
    with pytest.raises(TypeError, match="NoneType"):
        Tokenizer().tokenize(None)


def test_call_function_and_many_agree():
    texts = ["The cat.", "", "Ünïcödé ÀND ascii", "x2y"]
    tok = Tokenizer()
    expected = [["the", "cat"], [], ["ünïcödé", "ànd", "ascii"], ["x", "y"]]
    assert [tok(t) for t in texts] == expected
    assert [tokenize(t) for t in texts] == expected
    assert list(tok.tokenize_many(texts)) == expected
    assert list(Tokenizer(lowercase=False).tokenize_many(["The CAT"])) == [["The", "CAT"]]


def test_config_and_repr():
    tok = Tokenizer(r"\w+", lowercase=False)
    assert tok.config() == {"pattern": r"\w+", "lowercase": False, "normalize": "NFC"}
    assert Tokenizer().config() == {"pattern": LETTERS, "lowercase": True, "normalize": "NFC"}
    assert "lowercase=False" in repr(tok)


def test_invalid_pattern_fails_at_construction():
    with pytest.raises(Exception):     # re.error
        Tokenizer("[unclosed")


@pytest.mark.parametrize("lowercase", [True, False])
@pytest.mark.parametrize("pattern", [LETTERS, r"\w+", r"\w\w+", SKLEARN_PATTERN])
def test_ascii_shortcut_finds_exactly_what_the_regex_finds(lowercase, pattern):
    import os
    import random
    fast, slow = Tokenizer(pattern, lowercase=lowercase), Tokenizer(pattern, lowercase=lowercase)
    assert fast._ascii_table is not None
    slow._ascii_table = None                                   # force the regex path
    every_ascii = "".join(map(chr, range(128)))
    rng = random.Random(0)
    texts = [every_ascii, every_ascii[::-1], "", " \t\x0b\x0c\x1c\x1f", "MiXeD_case42words\r\n"]
    texts += ["".join(rng.choice(every_ascii) for _ in range(60)) for _ in range(300)]
    path = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))),
                        "corpora", "pg11_alice_in_wonderland.txt")
    with open(path, encoding="utf-8") as f:
        texts += f.read().split("\n")
    assert all(t.isascii() for t in texts[:305])
    assert [fast.tokenize(t) for t in texts] == [slow.tokenize(t) for t in texts]
    # every ASCII character in code-point order: 0-9 (48-57), A-Z (65-90), _ (95), a-z (97-122),
    # with non-word characters between them ([ \\ ] ^ before "_", ` after it)
    upper, lower = "ABCDEFGHIJKLMNOPQRSTUVWXYZ", "abcdefghijklmnopqrstuvwxyz"
    case = str.lower if lowercase else str
    by_hand = {LETTERS: [case(upper), lower], r"\w+": ["0123456789", case(upper), "_", lower],
               r"\w\w+": ["0123456789", case(upper), lower]}
    by_hand[SKLEARN_PATTERN] = by_hand[r"\w\w+"]
    assert fast.tokenize(every_ascii) == by_hand[pattern]
    one_letter_words = {LETTERS: ["a", "I", "x", "y"], r"\w+": ["a", "I", "x2", "y_"]}
    assert fast.tokenize("a I x2 y_") == [case(t) for t in one_letter_words.get(pattern, ["x2", "y_"])]


def test_letters_and_word_patterns_differ_on_underscores_and_digits():
    assert Tokenizer(r"\w+").tokenize("snake_case x2") == ["snake_case", "x2"]
    assert Tokenizer().tokenize("snake_case x2") == ["snake", "case", "x"]


# ---------------------------------------------------------------------------- Unicode normalization
import unicodedata  # noqa: E402

from hypothesis import given, strategies as st  # noqa: E402


def test_composed_and_decomposed_accents_are_the_same_word():
    composed, decomposed = "caf\u00e9 na\u00efve", "cafe\u0301 nai\u0308ve"
    assert composed != decomposed and unicodedata.normalize("NFC", decomposed) == composed
    assert Tokenizer().tokenize(decomposed) == Tokenizer().tokenize(composed) == ["café", "naïve"]
    # turned off, the combining accent is not a letter: the word is cut where it stands
    assert Tokenizer(normalize=None).tokenize(decomposed) == ["cafe", "nai", "ve"]
    assert Tokenizer().config()["normalize"] == "NFC" and Tokenizer(**Tokenizer(normalize=None).config()).normalize is None


def test_a_bad_normal_form_is_refused():
    import pytest
    with pytest.raises(ValueError, match="normalize must be one of"):
        Tokenizer(normalize="nfc")


@given(st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=40))
def test_every_canonically_equal_spelling_gives_the_same_tokens(text):
    tokenizer = Tokenizer()
    expected = tokenizer.tokenize(unicodedata.normalize("NFC", text))
    for form in ("NFD", "NFC"):
        assert tokenizer.tokenize(unicodedata.normalize(form, text)) == expected
