r"""Tokens found and numbered by array operations: character classes, runs, polynomial hashes.

The plain way to turn documents into term ids is a loop in Python: split each document with a
regex, then look every token up in a dict (``ids = [index[token] for token in tokens]``). Each
token costs a new str object, its hash and a dict probe, done one at a time by the interpreter.
For the token patterns that mean "a run of characters of one class" (scikit-learn's
``\w\w+``, ``\w+``, minembed's letters ``[^\W\d_]+``) the same ids can be computed with a few
NumPy passes over the characters of many documents at once:

1. **Characters as numbers.** A block of documents (about a million characters), each ended by a
   NUL character (never a word character, so no token crosses it), is lowercased in one call and
   read as an array of code points, ``codes`` (``str.encode("utf-32-le")``; one byte per character
   when the block is ASCII). The NULs say where each document ends.
2. **Runs.** ``in_word = is_word[codes]`` (a lookup table for the class); a token starts where
   ``in_word`` goes 0 -> 1 and ends where it goes 1 -> 0 (``np.diff``); runs shorter than the
   pattern's minimum (2 for ``\w\w+``) are dropped. Token ``k`` is ``codes[starts[k]:ends[k]]``.
3. **A number per token: the polynomial (Rabin-Karp) hash**, in unsigned 64-bit arithmetic
   (every product and sum wraps around modulo 2**64, which NumPy's uint64 does for free)::

       hash(c_0 c_1 ... c_{L-1}) = c_0 + c_1 p + c_2 p^2 + ... + c_{L-1} p^{L-1}   (mod 2**64)

   With one running sum over the whole block, ``S[i] = sum_{j < i} c_j p^j`` (a ``cumsum``),
   any token's hash is a difference, shifted back to start at power 0::

       hash(codes[s:e]) = (S[e] - S[s]) * p^(-s)                                   (mod 2**64)

   (``p`` is odd, so it has an inverse modulo 2**64.) Each token costs a few array operations,
   not a Python str.
4. **Hash -> id** (:class:`~minembed.bow.fast.term_index.TermIndex`, in its own module). A table with a slot
   per value of the top bits of ``hash * m`` holds the id of a known term: one gather and one
   comparison per token find most tokens. The rest (new terms, and the few known terms that share a
   slot) go through ``np.unique`` and a binary search in the sorted array of known hashes, and each
   new term gets the next id, in order of first appearance. Only a *new term* becomes a Python str
   (sliced from the text once, for the vocabulary), so the Python work is per term, not per token.

**Collisions.** Two different words with the same 64-bit hash would get the same id. So every token
also gets a second hash, and all the tokens given one id must agree on it. The second is computed
modulo the prime ``2**31 - 1`` instead of ``2**64``, because a power-of-two modulus has a known
blind spot: the Thue-Morse strings (``abbabaab...`` and the same with a and b swapped, 2,048
characters) collide modulo ``2**64`` for *every* odd base, so a second hash of the same kind would
collide with the first (``tests/test_hashed_tokens.py`` checks that this pair stays two terms). For
ordinary text, two words would be merged unnoticed with a chance of about ``2**-95`` per pair
(text built on purpose to collide can defeat any fixed hash). A disagreement raises
:class:`HashCollision`, and :func:`encode_documents` numbers that block and the rest with a dict of
str instead (:class:`DictIndex`): the ids stay exactly the dict's. (With the fixed index of a fitted
vocabulary, a token that agrees with a known term on the first hash only is another word: it gets -1.)

>>> blocks, terms = encode_documents(["The cat sat", "the CAT"], is_word_character, min_length=2)
>>> terms
['the', 'cat', 'sat']
>>> [(ids.tolist(), doc_lengths.tolist()) for ids, doc_lengths in blocks]
[([0, 1, 2, 0, 1], [3, 2])]
"""
import numpy as np

from ...core.memory import return_freed_memory
from .term_index import DictIndex, FixedTermIndex, HashCollision, TermIndex
from ...text.tokenize import is_word_character  # noqa: F401 (the doctest's class)

# the two hashes: (base, modulus); modulus None is 2**64, the wrap-around of uint64 arithmetic
FIRST_HASH = (np.uint64(0x9E3779B97F4A7C15), None)                    # an odd base: invertible mod 2**64
SECOND_HASH = (np.uint64(1_103_515_245), np.uint64(2**31 - 1))        # modulo a prime (see Collisions)
HASH_PIECE_CHARS = 1 << 18               # the longest stretch of text hashed at once


# ---------------------------------------------------------------------------- one block of text
_CLASS_TABLES = {}            # in_class -> its table over every code point (int8: 1 in, 0 out, -1 unknown)


def character_class(codes, in_class):
    """(n,) bool: which code points of ``codes`` belong to the class ``in_class`` (a function of one
    character), by a lookup table over all of Unicode (1.1 MB of int8, -1 = not classified yet),
    kept per class; each code point is classified by ``in_class`` the first time it is met.
    """
    table = _CLASS_TABLES.get(in_class)
    if table is None:
        table = _CLASS_TABLES[in_class] = np.full(0x110000, -1, dtype=np.int8)
        table[:128] = [in_class(chr(c)) for c in range(128)]
    flags = table[codes]
    if codes.dtype != np.uint8 and flags.min(initial=0) < 0:       # code points met for the first time
        new = np.unique(codes[flags < 0])
        table[new] = [in_class(chr(c)) for c in new.tolist()]
        flags = table[codes]
    return flags.view(bool)


def token_spans(in_word, min_length=1):
    """The runs of True in ``in_word`` of at least ``min_length``: (starts, ends), int64, ends exclusive.

    >>> token_spans(np.array([0, 1, 1, 0, 1, 0, 1, 1, 1], dtype=bool), min_length=2)
    (array([1, 6]), array([3, 9]))
    """
    edges = np.diff(in_word.astype(np.int8), prepend=np.int8(0), append=np.int8(0))   # (n + 1,)
    starts, ends = np.flatnonzero(edges == 1), np.flatnonzero(edges == -1)
    if min_length > 1:
        long_enough = ends - starts >= min_length
        starts, ends = starts[long_enough], ends[long_enough]
    return starts, ends


def polynomial_hashes(codes, starts, ends, base=FIRST_HASH[0], modulus=FIRST_HASH[1]):
    """(n_tokens,) uint64: ``sum_j codes[s + j] * base**j`` modulo ``modulus`` (None: 2**64) for every
    token ``[s, e)`` of ``codes`` (non-negative integers; code points are below 2**21).

    >>> int(polynomial_hashes(np.array([7, 1, 2, 3], np.uint32), np.array([1]), np.array([3]), np.uint64(11))[0])
    23
    """
    if codes.dtype.kind != "u":
        codes = codes.astype(np.uint64)                             # (int64 * uint64 would be float64)
    powers, inverse_powers = _powers(base, len(codes), modulus)    # (n,) base**j and base**-j
    with np.errstate(over="ignore"):
        running = np.zeros(len(codes) + 1, dtype=np.uint64)
        np.cumsum(_mod(codes * powers, modulus), out=running[1:])  # S[i] = sum_{j<i} c_j base**j
        return _mod(_mod(running[ends] - running[starts], modulus) * inverse_powers[starts], modulus)


def _mod(values, modulus):
    """``values % modulus``; modulus None (2**64) needs nothing: uint64 arithmetic wraps by itself.
    (Modulo the 31-bit prime every product of two reduced numbers stays below 2**62, and a sum of up to
    2**33 of them below 2**64, so nothing overflows before the reduction.)"""
    return values if modulus is None else values % modulus


_POWERS = {}                   # (base, modulus) -> (base**j, base**-j) for the longest n asked so far


def _powers(base, n, modulus):
    """(base**j, base**-j) modulo ``modulus`` for j < n, as uint64 arrays, by doubling: the second half
    is the first times base**half. Kept for the next call (up to a few pieces' length)."""
    cached = _POWERS.get((base, modulus))
    if cached is None or len(cached[0]) < n:
        inverse_base = pow(int(base), -1, 2**64 if modulus is None else int(modulus))
        powers, inverse = np.ones(max(n, 1), np.uint64), np.ones(max(n, 1), np.uint64)
        filled, step, inverse_step = 1, base, np.uint64(inverse_base)
        with np.errstate(over="ignore"):
            while filled < n:
                more = min(filled, n - filled)
                powers[filled:filled + more] = _mod(powers[:more] * step, modulus)
                inverse[filled:filled + more] = _mod(inverse[:more] * inverse_step, modulus)
                step, inverse_step = _mod(step * step, modulus), _mod(inverse_step * inverse_step, modulus)
                filled += more
        cached = (powers, inverse)
        if n <= 4 * HASH_PIECE_CHARS:                               # (a very long token's are not kept)
            _POWERS[(base, modulus)] = cached
    return cached[0][:n], cached[1][:n]


# ---------------------------------------------------------------------------- documents -> blocks
def encode_documents(documents, in_class, min_length=1, lowercase=True, ngram_range=(1, 1),
                     block_chars=1 << 20, index=None):
    """Documents (an iterable of str) -> ``(blocks, terms)``, as the dict loop would give them.

    ``blocks`` is a list of ``(term ids int32, terms per document int64)``, each block whole consecutive
    documents of about ``block_chars`` characters (the layout :func:`minembed.bow.fast.sorted_counts.count_matrix`
    reads); ``terms[id]`` is the term. A token is a maximal run of characters for which ``in_class``
    holds, at least ``min_length`` long, after ``str.lower`` if ``lowercase``. With ``ngram_range=(min_n,
    max_n)`` the terms are the n-grams of a document's tokens for every n in that range (joined by one
    space, in scikit-learn's order: a document's 1-grams, then its 2-grams, ...). A hash collision is
    caught and the rest numbered by a dict (see the module docstring), so the result is always the
    dict's. Raises TypeError for a document that is not a str. ``index``: a :class:`FixedTermIndex`
    (:func:`fixed_index`) numbers the terms of a fitted vocabulary instead, -1 for the others (and
    ``terms`` is that vocabulary).
    """
    settings = {"in_class": in_class, "min_length": min_length, "lowercase": lowercase,
                "ngram_range": ngram_range}
    index, blocks, pending, pending_chars = index or TermIndex(), [], [], 0
    for document in documents:
        if not isinstance(document, str):
            raise TypeError(f"expected documents as str, got {type(document).__name__}; decode bytes "
                            "first (text = data.decode('utf-8'))")
        pending.append(document)
        pending_chars += len(document) + 1
        if pending_chars >= block_chars:
            index = _encode_block_into(blocks, pending, settings, index)
            pending, pending_chars = [], 0
    if pending or not blocks:
        index = _encode_block_into(blocks, pending, settings, index)
    terms = index.terms
    del index, pending
    return_freed_memory()              # the blocks' temporaries, before the caller's next big arrays
    return blocks, terms


def _encode_block_into(blocks, documents, settings, index):
    """Append the block of ``documents`` to ``blocks``; return the index to go on with: ``index``, or after
    a hash collision a :class:`DictIndex` holding the same terms (the earlier blocks' ids stay right:
    the two colliding terms were never both seen before this block)."""
    n_terms_before = len(index.terms)
    try:
        blocks.append(_encode_block(documents, settings, index))
    except HashCollision:
        index = DictIndex(index.terms[:n_terms_before])             # this block is numbered again
        blocks.append(_encode_block(documents, settings, index))
    return index


def _encode_block(documents, settings, index):
    """Documents -> (term ids int32, terms per document int64), in four steps: code points, token spans,
    the tokens' two hashes, then (if asked) their n-grams' hashes; the index turns hashes into ids."""
    text, codes, document_ends = _block_codes(documents, settings["lowercase"])
    starts, ends = token_spans(character_class(codes, settings["in_class"]), settings["min_length"])
    token_hashes, token_second_hashes = _token_hashes(codes, starts, ends)           # (n_tokens,) each
    # Term t is the run of n[t] tokens from first_token[t] on, in one document (n = 1 unless n-grams are
    # asked for); every array (n_terms,).
    terms = {"first_token": np.arange(len(starts)), "n": np.ones(len(starts), np.int64),
             "document": np.searchsorted(document_ends, starts),   # (n_terms,) its document
             "hashes": token_hashes, "second_hashes": token_second_hashes}
    if settings["ngram_range"] != (1, 1):
        terms = _ngrams(terms, ends - starts, *settings["ngram_range"])

    def strings_of(term_numbers):                                   # (asked once per new term)
        first_token, n = terms["first_token"][term_numbers], terms["n"][term_numbers]
        strings = [text[start:end] for start, end in zip(starts[first_token].tolist(), ends[first_token].tolist())]
        for i in range(1, int(n.max(initial=1))):                   # an n-gram's further tokens
            longer = np.flatnonzero(n > i)
            for number, start, end in zip(longer.tolist(), starts[first_token[longer] + i].tolist(),
                                          ends[first_token[longer] + i].tolist()):
                strings[number] += " " + text[start:end]
        return strings

    ids = index.ids(terms["hashes"], terms["second_hashes"], strings_of)
    return ids, np.bincount(terms["document"], minlength=len(documents)).astype(np.int64)


def _token_hashes(codes, starts, ends):
    """Both hashes of every token, computed over pieces of about ``HASH_PIECE_CHARS`` characters (so the
    arrays of powers stay about that long; a longer token needs powers up to its own length)."""
    first_hashes, second_hashes = np.empty(len(starts), np.uint64), np.empty(len(starts), np.uint64)
    for first, stop in _token_pieces(starts, ends, HASH_PIECE_CHARS):   # tokens first .. stop - 1
        begin = starts[first]
        piece = codes[begin:ends[stop - 1]]
        piece_starts, piece_ends = starts[first:stop] - begin, ends[first:stop] - begin
        first_hashes[first:stop] = polynomial_hashes(piece, piece_starts, piece_ends, *FIRST_HASH)
        second_hashes[first:stop] = polynomial_hashes(piece, piece_starts, piece_ends, *SECOND_HASH)
    return first_hashes, second_hashes


def _ngrams(tokens, token_lengths, min_n, max_n):
    """The terms of a block with n-grams: every run of n tokens of one document, min_n <= n <= max_n,
    a document's terms together in scikit-learn's order (its 1-grams, then its 2-grams, ...). ``tokens``
    is the dict of single-token terms :func:`_encode_block` makes; returns one of the same keys.

    An n-gram is its tokens joined by one space, and its polynomial hash follows from theirs: appending
    " " + b to a string s of length L adds ``p^L * (32 + p * hash(b))`` (32 is the space's code point)::

        hash(s + " " + b) = hash(s) + p^L * (32 + p * hash(b)),     L(s + " " + b) = L + 1 + len(b)
    """
    n_tokens, document = len(token_lengths), tokens["document"]
    gram_hashes, gram_second_hashes, gram_lengths = tokens["hashes"], tokens["second_hashes"], token_lengths
    parts = {key: [] for key in tokens}
    for n in range(1, max_n + 1):
        if n > 1:                        # every (n-1)-gram extended by the token after it: (n_tokens - n + 1,)
            next_token = slice(n - 1, None)
            gram_hashes = _extend(gram_hashes[:-1], gram_lengths[:-1], tokens["hashes"][next_token], *FIRST_HASH)
            gram_second_hashes = _extend(gram_second_hashes[:-1], gram_lengths[:-1],
                                         tokens["second_hashes"][next_token], *SECOND_HASH)
            gram_lengths = gram_lengths[:-1] + 1 + token_lengths[next_token]
        if n >= min_n:                   # the n-grams whose first and last token share a document
            whole = np.flatnonzero(document[:max(n_tokens - n + 1, 0)] == document[n - 1:])
            for key, values in (("first_token", whole), ("n", np.full(len(whole), n)),
                                ("document", document[whole]), ("hashes", gram_hashes[whole]),
                                ("second_hashes", gram_second_hashes[whole])):
                parts[key].append(values)
    grams = {key: np.concatenate(values) for key, values in parts.items()}
    order = np.argsort(grams["document"], kind="stable")           # a document's grams together, n ascending
    return {key: values[order] for key, values in grams.items()}


def _extend(gram_hashes, gram_lengths, token_hashes, base, modulus):
    """``hash(s + " " + b)`` from ``hash(s)``, ``len(s)`` and ``hash(b)`` (see :func:`_ngrams`)."""
    powers, _ = _powers(base, int(gram_lengths.max(initial=0)) + 1, modulus)
    with np.errstate(over="ignore"):
        appended = _mod(np.uint64(32) + _mod(base * token_hashes, modulus), modulus)
        return _mod(gram_hashes + _mod(powers[gram_lengths] * appended, modulus), modulus)


def fixed_index(terms):
    """The :class:`FixedTermIndex` of a vocabulary (terms as str; an n-gram's tokens joined by one space):
    each term's two hashes are those of its whole string, as :func:`_ngrams` computes an n-gram's."""
    codes = _code_points("\0".join(terms) + "\0")
    ends = np.flatnonzero(codes == 0)                               # (n_terms,) each term's NUL
    starts = np.concatenate([[0], ends[:-1] + 1])
    hashes, second_hashes = _token_hashes(codes, starts, ends)
    return FixedTermIndex(terms, hashes, second_hashes)


def _block_codes(documents, lowercase):
    """A block of documents as code points: ``(text, codes, document_ends)``.

    The documents are joined, each ended by a NUL character ("\\0", never a word character), lowercased
    if ``lowercase``, and read as an array of code points (one byte each if the block is ASCII);
    ``document_ends`` holds where each document's NUL is.

    ``str.lower`` on the joined text is one call instead of one per document, and gives the same
    characters as lowercasing each document alone: the NUL is neither cased nor case-ignorable, so Greek
    final sigma, which looks at its neighbours, sees a document's edge there. Where a character lowercases
    to two (Turkish "İ" -> "i̇"), the lengths change, which is why the ends are found as the NULs; a
    document holding a NUL of its own has its end counted instead, from each document lowercased alone.
    """
    if not documents:
        return "", np.empty(0, np.uint8), np.empty(0, np.int64)
    text = "\0".join(documents) + "\0"
    if lowercase:
        text = text.lower()
    if text.count("\0") == len(documents):
        codes = _code_points(text)
        return text, codes, np.flatnonzero(codes == 0)
    documents = [document.lower() if lowercase else document for document in documents]
    text = "\0".join(documents) + "\0"
    return text, _code_points(text), np.cumsum([len(document) + 1 for document in documents]) - 1


def _code_points(text):
    """(len(text),) the code points of ``text``: uint8 if it is ASCII, else uint32 (a lone surrogate, as
    ``errors="surrogateescape"`` leaves in text, is a code point too)."""
    if text.isascii():
        return np.frombuffer(text.encode("ascii"), dtype=np.uint8)
    return np.frombuffer(text.encode("utf-32-le", "surrogatepass"), dtype=np.uint32)


def _token_pieces(starts, ends, piece_chars):
    """(first, stop) token numbers of consecutive runs of tokens spanning about ``piece_chars``
    characters each (more, if one token is longer)."""
    if not len(starts):
        return []
    bounds = np.searchsorted(starts, np.arange(starts[0], ends[-1], piece_chars))
    bounds = np.unique(np.concatenate([bounds, [len(starts)]]))
    return list(zip(bounds[:-1].tolist(), bounds[1:].tolist()))
