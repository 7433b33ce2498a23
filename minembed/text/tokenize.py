"""Text -> tokens: the first arrow of every model in minembed.

A tokenizer here is just two decisions:

1. **Case.** ``lowercase=True`` folds "The" and "the" into one word with Python's
   Unicode-aware ``str.lower()`` (so "ÉCOLE" -> "école", "ΣΟΦΙΑ" -> "σοφια").
2. **What a word is.** A regular expression; every non-overlapping match is a token,
   everything between matches is thrown away.

The default pattern, ``[^\\W\\d_]+``, reads "a run of characters that are word
characters but neither digits nor underscores", i.e. a run of Unicode *letters*.
It is the text8 convention (letters only) made Unicode-aware, chosen because the
evaluation sets (Google analogies, WordSim-353, SimLex) are plain lowercase words:

    >>> Tokenizer().tokenize("Don't panic: it's 42 o'clock, Mr. Holmes!")
    ['don', 't', 'panic', 'it', 's', 'o', 'clock', 'mr', 'holmes']

Unicode lets one letter be written two ways: "é" as one code point (U+00E9, *composed*) or as
"e" followed by a combining accent (U+0301, *decomposed*, as macOS file names and some PDFs
write it). They look the same but are different strings, and the combining accent is not a
letter, so the decomposed "café" would be cut into "cafe" and lost. So the tokenizer first
normalizes non-ASCII text to **NFC** (``normalize="NFC"``, the default: compose where Unicode
can), and both spellings become the same word; ``normalize=None`` turns this off (TF-IDF does,
to stay equal to scikit-learn, which does not normalize). One more fine point: ``\\w`` also
counts numeric symbols such as "²" or "½" as word characters, so "km²" is one token.

Apostrophes split words ("it's" -> "it", "s") exactly as in text8 and in the
analogy test sets, where "city's" never appears but "city" does. If you prefer
to keep contractions whole, pass ``pattern=r"[^\\W\\d_]+(?:['’][^\\W\\d_]+)*"``.

TF-IDF uses scikit-learn's pattern ``(?u)\\b\\w\\w+\\b`` instead (words of two or
more word characters, digits included) so its output can equal scikit-learn's.
"""
import re
import unicodedata

NORMAL_FORMS = ("NFC", "NFKC", "NFD", "NFKD", None)
LETTERS = r"[^\W\d_]+"              # default: runs of Unicode letters (text8-style)
SKLEARN_PATTERN = r"(?u)\b\w\w+\b"  # scikit-learn's CountVectorizer/TfidfVectorizer default


def is_word_character(char):
    """``\\w`` of Python's re on str: a Unicode alphanumeric (``str.isalnum``) or "_"."""
    return char.isalnum() or char == "_"


def is_letter(char):
    """``[^\\W\\d_]``: a word character that is neither a decimal digit (``\\d``: ``str.isdecimal``) nor
    "_". So letters, and the numeric symbols such as "²" or "½" that ``\\w`` counts too."""
    return char.isalnum() and not char.isdecimal()


# The patterns whose tokens are "a run of characters of one class, at least n long":
# pattern -> (the class, as a function of one character; n). For these, Tokenizer.tokenize splits
# ASCII text without the regex, and the vectorizers number tokens with array operations
# (minembed/bow/fast/hashed_tokens.py). tests/test_hashed_tokens.py checks each class against the regex on every
# code point of Unicode.
RUN_PATTERNS = {LETTERS: (is_letter, 1), r"\w+": (is_word_character, 1),
                r"\w\w+": (is_word_character, 2), SKLEARN_PATTERN: (is_word_character, 2)}


class Tokenizer:
    """Split text into a list of token strings with one regular expression.

    Parameters
    ----------
    pattern : str
        Regular expression; each match is a token. Default: runs of letters.
    lowercase : bool
        Lowercase the text (Unicode-aware ``str.lower``) before matching.
    normalize : ``"NFC"`` (default), ``"NFKC"``, ``"NFD"``, ``"NFKD"`` or ``None``
        Unicode normalization applied first (``unicodedata.normalize``; ASCII text is unchanged by
        every form, so it is skipped there). ``None``: take the text as it is.

    Example
    -------
    >>> Tokenizer().tokenize("The cat sat on THE mat.")
    ['the', 'cat', 'sat', 'on', 'the', 'mat']
    """

    def __init__(self, pattern=LETTERS, lowercase=True, normalize="NFC"):
        if normalize not in NORMAL_FORMS:
            raise ValueError(f"normalize must be one of {NORMAL_FORMS}, got {normalize!r}")
        self.pattern = pattern
        self.lowercase = lowercase
        self.normalize = normalize
        self._regex = re.compile(pattern)
        # Shortcut for four patterns on pure-ASCII text (most English lines): a token is a run of
        # characters of one ASCII class (letters; or letters, digits and "_" for \w), so "map every
        # other character to a space, then split" finds exactly the tokens of the regex (the
        # lowercasing done by the same table): about twice as fast for letters; for \w\w+, whose
        # runs of one character are then dropped, a quarter faster.
        self._ascii_table, self._ascii_min_length = None, 1
        if pattern in RUN_PATTERNS:
            in_token, self._ascii_min_length = RUN_PATTERNS[pattern]
            fold = str.lower if lowercase else str
            self._ascii_table = str.maketrans({chr(c): fold(chr(c)) if in_token(chr(c)) else " "
                                               for c in range(128)})

    def tokenize(self, text):
        """Return the list of tokens in ``text`` (a str)."""
        if not isinstance(text, str):
            raise TypeError(f"Tokenizer.tokenize expects a str, got {type(text).__name__}; "
                            "decode bytes first (text = data.decode('utf-8')).")
        if self._ascii_table is not None and text.isascii():
            tokens = text.translate(self._ascii_table).split()
            if self._ascii_min_length > 1:
                tokens = [token for token in tokens if len(token) >= self._ascii_min_length]
            return tokens
        if self.normalize and not text.isascii():
            text = unicodedata.normalize(self.normalize, text)
        if self.lowercase:
            text = text.lower()
        return self._regex.findall(text)

    __call__ = tokenize

    def tokenize_many(self, texts):
        """Lazily tokenize every str of an iterable, like ``map(self.tokenize, texts)``."""
        return map(self.tokenize, texts)

    def config(self):
        """The settings as a JSON-friendly dict (written to config.json)."""
        return {"pattern": self.pattern, "lowercase": self.lowercase, "normalize": self.normalize}

    def __repr__(self):
        return f"Tokenizer(pattern={self.pattern!r}, lowercase={self.lowercase}, normalize={self.normalize!r})"


def tokenize(text, pattern=LETTERS, lowercase=True, normalize="NFC"):
    """Tokenize one string with a throw-away :class:`Tokenizer`."""
    return Tokenizer(pattern, lowercase, normalize).tokenize(text)
