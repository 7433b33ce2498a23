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
4. **Hash -> id** (:class:`TermIndex`). A table with a slot per value of the hash's top bits holds
   the id of a known term: one gather and one comparison per token find most tokens. The rest (new
   terms, and the few known terms that share a slot) go through ``np.unique`` and a binary search
   in the sorted array of known hashes, and each new term gets the next id, in order of first
   appearance. Only a *new term* becomes a Python str (sliced from the text once, for the
   vocabulary), so the Python work is per term, not per token.

**Collisions.** Two different words with the same 64-bit hash would get the same id. So every token
also gets a second hash with another base, and all the tokens given one id must agree on it: to be
merged unnoticed, two words would have to agree on both hashes, which for ordinary text is a chance
of about ``2**-128`` per pair of words. (Text built on purpose to collide can defeat any fixed hash.)
A disagreement raises :class:`HashCollision`, and :func:`encode_documents` numbers that block and
the rest with a dict of str instead (:class:`DictIndex`): the ids stay exactly the dict's.

>>> blocks, terms = encode_documents(["The cat sat", "the CAT"], is_word_character, min_length=2)
>>> terms
['the', 'cat', 'sat']
>>> [(ids.tolist(), doc_lengths.tolist()) for ids, doc_lengths in blocks]
[([0, 1, 2, 0, 1], [3, 2])]
"""
import numpy as np

from .corpus import return_freed_memory
from .tokenize import is_word_character  # noqa: F401 (the doctest's class)

BASE, SECOND_BASE = np.uint64(0x100000001B3), np.uint64(0x9E3779B97F4A7C15)   # odd 64-bit constants
HASH_PIECE_CHARS = 1 << 18               # the longest stretch of text hashed at once


class HashCollision(RuntimeError):
    """Two different terms got the same first hash: the caller should number the tokens with a dict."""


# ---------------------------------------------------------------------------- one block of text
def character_class(codes, in_class, tables={}):
    """(n,) bool: which code points of ``codes`` belong to the class ``in_class`` (a function of one
    character), by a lookup table over all of Unicode (1.1 MB of int8, -1 = not classified yet),
    kept per class; each code point is classified by ``in_class`` the first time it is met.
    """
    table = tables.get(in_class)
    if table is None:
        table = tables[in_class] = np.full(0x110000, -1, dtype=np.int8)
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


def polynomial_hashes(codes, starts, ends, base=BASE):
    """(n_tokens,) uint64: ``sum_j codes[s + j] * base**j mod 2**64`` for every token ``[s, e)``.

    >>> int(polynomial_hashes(np.array([7, 1, 2, 3]), np.array([1]), np.array([3]), base=np.uint64(11))[0])
    23
    """
    powers, inverse_powers = _powers(base, len(codes))              # (n,) base**j and base**-j
    with np.errstate(over="ignore"):
        running = np.zeros(len(codes) + 1, dtype=np.uint64)
        np.cumsum(codes * powers, out=running[1:])                  # S[i] = sum_{j<i} c_j base**j
        return (running[ends] - running[starts]) * inverse_powers[starts]


def _powers(base, n, cache={}):
    """(base**j, base**-j) mod 2**64 for j < n, as uint64 arrays (kept for the next call)."""
    if cache.get(base, (np.empty(0),))[0].size < n:
        with np.errstate(over="ignore"):
            powers = np.full(max(n, 1), base, dtype=np.uint64)
            inverse = np.full(max(n, 1), pow(int(base), -1, 1 << 64), dtype=np.uint64)
            powers[0] = inverse[0] = 1
            cache[base] = (np.cumprod(powers), np.cumprod(inverse))
    powers, inverse = cache[base]
    return powers[:n], inverse[:n]


# ---------------------------------------------------------------------------- hash -> id
class TermIndex:
    """Term hashes -> ids (in order of first appearance), and the terms as str.

    Two ways to find a hash among the known terms. The fast one, for most tokens: a table with a
    slot per value of the hash's top ``bits`` bits, holding the id of a known term with those top
    bits (a gather and one comparison per token; the table has at least 8 slots per term, so few
    terms share a slot). A token whose slot holds another hash (a new term, or a known term that
    lost its slot to an earlier one) goes the slow way: ``np.unique`` and a binary search
    (``np.searchsorted``) in the sorted array of every known hash.
    """

    def __init__(self, bits=16):
        self.hashes = np.empty(0, np.uint64)                      # id -> first hash
        self.hashes_and_sentinel = np.zeros(1, np.uint64)         # the same and one more, read for slot -1
        self.second_hashes = np.empty(0, np.uint64)               # id -> second hash
        self.terms = []                                           # id -> term
        self.sorted_hashes = np.empty(0, np.uint64)               # every known first hash, ascending
        self.sorted_ids = np.empty(0, np.int64)                   # the id of each
        self._new_table(bits)

    def _new_table(self, bits):
        self.bits, self.shift = bits, np.uint64(64 - bits)
        self.slots = np.full(1 << bits, -1, np.int32)             # top bits -> id, or -1
        self._claim_slots(np.arange(len(self.terms)))

    def _claim_slots(self, ids):
        """Put ``ids`` into their slots where the slot is free (the first of equals wins)."""
        slots = self.hashes[ids] >> self.shift
        slots, first = np.unique(slots, return_index=True)
        free = self.slots[slots] < 0
        self.slots[slots[free]] = ids[first[free]]

    def ids(self, hashes, second_hashes, terms_of):
        """(n_tokens,) int32 ids of a block's tokens. ``terms_of(token_numbers)`` returns those tokens'
        str (asked once per new term). Raises :class:`HashCollision` if two different terms share a
        first hash."""
        ids = self.slots[hashes >> self.shift]                      # (n_tokens,) a candidate id, or -1
        found = self.hashes_and_sentinel[ids] == hashes             # (id -1 reads the sentinel below)
        found &= ids >= 0
        missed = np.flatnonzero(~found)
        if len(missed):
            ids[missed] = self._slow_ids(hashes[missed], second_hashes[missed],
                                         lambda numbers: terms_of(missed[numbers]))
        if np.any(self.second_hashes[ids] != second_hashes):
            raise HashCollision("two different terms share a first hash")
        return ids.astype(np.int32)

    def _slow_ids(self, hashes, second_hashes, terms_of):
        """The ids of tokens the table did not find: by binary search, and new ids for new terms."""
        distinct, first_token, inverse = np.unique(hashes, return_index=True, return_inverse=True)
        where = np.searchsorted(self.sorted_hashes, distinct)
        known = where < len(self.sorted_hashes)
        known[known] = self.sorted_hashes[where[known]] == distinct[known]
        distinct_ids = np.empty(len(distinct), np.int64)
        distinct_ids[known] = self.sorted_ids[where[known]]
        new = np.flatnonzero(~known)
        new = new[np.argsort(first_token[new])]                    # new terms in order of first appearance
        new_ids = np.arange(len(self.terms), len(self.terms) + len(new))
        distinct_ids[new] = new_ids
        new_tokens = first_token[new]
        self.terms.extend(terms_of(new_tokens))
        self.hashes = np.concatenate([self.hashes, distinct[new]])
        self.hashes_and_sentinel = np.append(self.hashes, np.uint64(0))
        self.second_hashes = np.concatenate([self.second_hashes, second_hashes[new_tokens]])
        by_hash = np.sort(new)                                      # (distinct is ascending)
        self.sorted_hashes = np.insert(self.sorted_hashes, where[by_hash], distinct[by_hash])   # stays ascending
        self.sorted_ids = np.insert(self.sorted_ids, where[by_hash], distinct_ids[by_hash])
        if 8 * len(self.terms) > len(self.slots):
            self._new_table(max(self.bits + 1, int(np.ceil(np.log2(8 * len(self.terms))))))
        else:
            self._claim_slots(new_ids)
        return distinct_ids[inverse.ravel()]


class DictIndex:
    """The plain way, for after a collision: every token's str looked up in a dict, ids as TermIndex's."""

    def __init__(self, terms):
        self.terms = list(terms)
        self.id_of = dict(zip(self.terms, range(len(self.terms))))

    def ids(self, hashes, second_hashes, terms_of):
        id_of, terms = self.id_of, self.terms
        ids = np.empty(len(hashes), np.int32)
        for number, term in enumerate(terms_of(np.arange(len(hashes)))):
            if term not in id_of:
                id_of[term] = len(terms)
                terms.append(term)
            ids[number] = id_of[term]
        return ids


# ---------------------------------------------------------------------------- documents -> blocks
def encode_documents(documents, in_class, min_length=1, lowercase=True, ngram_range=(1, 1),
                     block_chars=1 << 20):
    """Documents (an iterable of str) -> ``(blocks, terms)``, as the dict loop would give them.

    ``blocks`` is a list of ``(term ids int32, terms per document int64)``, each block whole consecutive
    documents of about ``block_chars`` characters (the layout :func:`minembed.countvec.count_matrix`
    reads); ``terms[id]`` is the term. A token is a maximal run of characters for which ``in_class``
    holds, at least ``min_length`` long, after ``str.lower`` if ``lowercase``. With ``ngram_range=(min_n,
    max_n)`` the terms are the n-grams of a document's tokens for every n in that range (joined by one
    space, in scikit-learn's order: a document's 1-grams, then its 2-grams, ...). Raises
    :class:`HashCollision` (see the module docstring) and TypeError for a document that is not a str.
    """
    settings = (in_class, min_length, lowercase, ngram_range)
    index, blocks, pending, pending_chars = TermIndex(), [], [], 0
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
    """Documents -> (term ids int32, terms per document int64)."""
    in_class, min_length, lowercase, (min_n, max_n) = settings
    text, document_ends = _joined_text(documents, lowercase)
    if text.isascii():
        codes = np.frombuffer(text.encode("ascii"), dtype=np.uint8)
    else:
        codes = np.frombuffer(text.encode("utf-32-le"), dtype=np.uint32)
    if document_ends is None:                                       # where each document's NUL is
        document_ends = np.flatnonzero(codes == 0)
    starts, ends = token_spans(character_class(codes, in_class), min_length)
    token_document = np.searchsorted(document_ends, starts)         # (n_tokens,)
    hashes = np.empty(len(starts), np.uint64)
    second = np.empty(len(starts), np.uint64)
    for first, last in _token_pieces(starts, ends, HASH_PIECE_CHARS):
        begin, end = starts[first], ends[last - 1]                  # the characters of tokens first..last-1
        piece, piece_starts, piece_ends = codes[begin:end], starts[first:last] - begin, ends[first:last] - begin
        hashes[first:last] = polynomial_hashes(piece, piece_starts, piece_ends, BASE)
        second[first:last] = polynomial_hashes(piece, piece_starts, piece_ends, SECOND_BASE)
    first_token, n_tokens = np.arange(len(starts)), np.ones(len(starts), np.int64)   # each term's tokens
    if (min_n, max_n) != (1, 1):
        first_token, n_tokens, token_document, hashes, second = _ngrams(
            starts, ends, token_document, hashes, second, min_n, max_n)

    def terms_of(numbers):                                          # (asked once per new term)
        firsts, lengths = first_token[numbers], n_tokens[numbers]
        terms = [text[start:end] for start, end in zip(starts[firsts].tolist(), ends[firsts].tolist())]
        for i in range(1, int(lengths.max(initial=1))):             # the n-grams' further tokens
            longer = np.flatnonzero(lengths > i)
            for number, start, end in zip(longer.tolist(), starts[firsts[longer] + i].tolist(),
                                          ends[firsts[longer] + i].tolist()):
                terms[number] += " " + text[start:end]
        return terms

    ids = index.ids(hashes, second, terms_of)
    return ids, np.bincount(token_document, minlength=len(documents)).astype(np.int64)


def _ngrams(starts, ends, token_document, hashes, second, min_n, max_n):
    """The n-grams (min_n <= n <= max_n) of each document's tokens, as (first token, n, document, hash,
    second hash) arrays, a document's n-grams together in scikit-learn's order (its 1-grams, then 2-grams...).

    An n-gram is its tokens joined by one space, and its polynomial hash follows from theirs: appending
    " " + b to a string s of length L adds ``p^L * (32 + p * hash(b))`` (32 is the space's code point)::

        hash(s + " " + b) = hash(s) + p^L * (32 + p * hash(b)),     L(s + " " + b) = L + 1 + len(b)
    """
    lengths = ends - starts
    parts = [[], [], [], [], []]
    gram_hashes, gram_second, gram_lengths = hashes, second, lengths
    for n in range(1, max_n + 1):
        if n > 1:                                                   # extend every (n-1)-gram by one token
            last = slice(n - 1, None)
            gram_hashes = _extend(gram_hashes[:-1], gram_lengths[:-1], hashes[last], BASE)
            gram_second = _extend(gram_second[:-1], gram_lengths[:-1], second[last], SECOND_BASE)
            gram_lengths = gram_lengths[:-1] + 1 + lengths[last]
        if n >= min_n:
            whole = np.flatnonzero(token_document[:max(len(token_document) - n + 1, 0)] == token_document[n - 1:])
            for part, values in zip(parts, (whole, np.full(len(whole), n), token_document[whole],
                                            gram_hashes[whole], gram_second[whole])):
                part.append(values)
    first, n_tokens, document, gram_hashes, gram_second = (np.concatenate(part) for part in parts)
    order = np.argsort(document, kind="stable")                    # a document's grams together, n ascending
    return first[order], n_tokens[order], document[order], gram_hashes[order], gram_second[order]


def _extend(gram_hashes, gram_lengths, token_hashes, base):
    """``hash(s + " " + b)`` from ``hash(s)``, ``len(s)`` and ``hash(b)`` (see :func:`_ngrams`)."""
    powers, _ = _powers(base, int(gram_lengths.max(initial=0)) + 1)
    with np.errstate(over="ignore"):
        return gram_hashes + powers[gram_lengths] * (np.uint64(32) + base * token_hashes)


def _joined_text(documents, lowercase):
    """(text, document_ends): the documents each ended by a NUL character ("\\0", never a word character),
    joined and lowercased; ``document_ends`` is None when the NULs mark the ends, else an array of them.

    ``str.lower`` on the joined text is one call instead of one per document, and gives the same
    characters as lowercasing each document alone: the NUL is neither cased nor case-ignorable, so Greek
    final sigma, which looks at its neighbours, sees a document's edge there. Where a character lowercases
    to two (Turkish "İ" -> "i̇"), the lengths change; so the ends are found as the NULs, or, when a
    document holds a NUL of its own, counted from each document lowercased alone.
    """
    text = "\0".join(documents) + "\0"
    if lowercase:
        text = text.lower()
    if text.count("\0") == len(documents):
        return text, None
    documents = [document.lower() if lowercase else document for document in documents]
    return "\0".join(documents) + "\0", np.cumsum([len(document) + 1 for document in documents]) - 1


def _token_pieces(starts, ends, piece_chars):
    """(first, last) token numbers of consecutive runs of tokens spanning about ``piece_chars``
    characters each, so the hash's arrays of powers stay that small however long a block is."""
    if not len(starts):
        return []
    bounds = np.searchsorted(starts, np.arange(starts[0], ends[-1], piece_chars))
    bounds = np.unique(np.concatenate([bounds, [len(starts)]]))
    return list(zip(bounds[:-1].tolist(), bounds[1:].tolist()))
