"""Term hashes -> term ids, as a dict would give them, with NumPy arrays: the second half of
:mod:`minembed.bow.fast.hashed_tokens`, which computes two hashes per term (see its docstring) and asks an index
for the ids of a block of terms at a time.

* :class:`TermIndex` numbers the terms in order of first appearance, as a ``defaultdict`` whose
  ``default_factory`` is its own ``__len__`` numbers their strings (``countvec.py``'s dict path); a
  term's str is made only the first time it is seen.
* :class:`DictIndex` is that dict itself, which takes over after a :class:`HashCollision` (two
  different terms with one first hash).
* :class:`FixedTermIndex` holds a fitted vocabulary's hashes and learns nothing: a term it does not
  know gets -1 (what ``transform`` needs).
"""
import numpy as np

SLOT_MIX = np.uint64(0xD6E8FEB86659FD93)     # odd: the multiplier that spreads a hash's bits (TermIndex._slot)


class HashCollision(RuntimeError):
    """Two different terms got the same first hash: the caller should number the tokens with a dict."""


class TermIndex:
    """Term hashes -> ids (in order of first appearance), and the terms as str.

    Two ways to find a hash among the known terms. The fast one, for most tokens: a table of ``2**bits``
    slots (:meth:`_slot` says which slot a hash has), each holding the id of a known term with that slot
    (a gather and one comparison per token; the table has at least 8 slots per term, so few terms share
    a slot). A token whose slot holds another hash (a new term, or a known term that
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
        self.slots = np.full(1 << bits, -1, np.int32)             # slot -> id, or -1
        self._claim_slots(np.arange(len(self.terms)))

    def _slot(self, hashes):
        """The slot of each hash: the top ``bits`` bits of ``hash * SLOT_MIX`` (mod 2**64), Knuth's
        multiplicative hashing. The top bits of the hash alone would not do: two words that differ only
        in their first character ("the", "she") differ only in the low bits of their polynomial hash, and
        the multiplication carries every bit's difference up into the top ones."""
        with np.errstate(over="ignore"):
            return (hashes * SLOT_MIX) >> self.shift

    def _claim_slots(self, ids):
        """Put ``ids`` into their slots where the slot is free (the first of equals wins)."""
        slots = self._slot(self.hashes[ids])
        slots, first = np.unique(slots, return_index=True)
        free = self.slots[slots] < 0
        self.slots[slots[free]] = ids[first[free]]

    def ids(self, hashes, second_hashes, strings_of):
        """(n,) int32 ids of a block's n terms, from their two hashes (n,) each. ``strings_of(numbers)``
        returns the str of the block's terms ``numbers`` (asked once per new term). Raises
        :class:`HashCollision` if two different terms share a first hash."""
        ids, missed = self._table_ids(hashes)
        if len(missed):
            ids[missed] = self._slow_ids(hashes[missed], second_hashes[missed],     # (numbers among the
                                         lambda numbers: strings_of(missed[numbers]))   # missed -> in the block)
        if np.any(self.second_hashes[ids] != second_hashes):
            raise HashCollision("two different terms share a first hash")
        return ids.astype(np.int32)

    def _table_ids(self, hashes):
        """The fast way: ``(ids, missed)``, the id in each hash's slot (n,) and the positions (m,) where the
        slot held another hash or none (their ids are then meaningless)."""
        ids = self.slots[self._slot(hashes)]                        # (n,) a candidate id, or -1
        found = self.hashes_and_sentinel[ids] == hashes             # (id -1 reads the sentinel)
        found &= ids >= 0
        return ids, np.flatnonzero(~found)

    def _search(self, hashes):
        """The slow way, by binary search: ``(where, known)``, each hash's place in ``sorted_hashes`` (its
        insertion point) and whether it is there."""
        where = np.searchsorted(self.sorted_hashes, hashes)        # (m,) insertion points
        known = where < len(self.sorted_hashes)                    # (m,) bool, refined next:
        known[known] = self.sorted_hashes[where[known]] == hashes[known]       # found where it would go
        return where, known

    def _slow_ids(self, hashes, second_hashes, strings_of):
        """The ids of terms the table did not find: by binary search, and new ids for new terms."""
        # distinct (n_distinct,) ascending; first_seen: where each first occurs; inverse (n,) -> distinct
        distinct, first_seen, inverse = np.unique(hashes, return_index=True, return_inverse=True)
        where, known = self._search(distinct)                      # (n_distinct,) each
        distinct_ids = np.empty(len(distinct), np.int64)
        distinct_ids[known] = self.sorted_ids[where[known]]
        new = np.flatnonzero(~known)                                # (n_new,) positions in distinct
        new = new[np.argsort(first_seen[new])]                     # new terms in order of first appearance
        new_ids = np.arange(len(self.terms), len(self.terms) + len(new))
        distinct_ids[new] = new_ids
        new_tokens = first_seen[new]
        self.terms.extend(strings_of(new_tokens))
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

    def ids(self, hashes, second_hashes, strings_of):
        id_of, terms = self.id_of, self.terms
        ids = np.empty(len(hashes), np.int32)
        for number, term in enumerate(strings_of(np.arange(len(hashes)))):
            if term not in id_of:
                id_of[term] = len(terms)
                terms.append(term)
            ids[number] = id_of[term]
        return ids


class FixedTermIndex(TermIndex):
    """The TermIndex of a fitted vocabulary, which learns nothing new: a term it does not know gets id -1
    (what ``transform`` needs). ``terms[i]`` has id i and hashes ``hashes[i]``, ``second_hashes[i]``.
    Raises :class:`HashCollision` if two of the terms share a first hash (then use a dict)."""

    def __init__(self, terms, hashes, second_hashes):                # (no TermIndex.__init__: all is set here)
        order = np.argsort(hashes)                                  # (n_terms,)
        if np.any(hashes[order][1:] == hashes[order][:-1]):
            raise HashCollision("two terms of the vocabulary share a first hash")
        self.terms = list(terms)
        self.hashes, self.second_hashes = hashes, second_hashes
        self.hashes_and_sentinel = np.append(hashes, np.uint64(0))
        self.sorted_hashes, self.sorted_ids = hashes[order], order
        self._new_table(max(16, int(np.ceil(np.log2(8 * max(len(terms), 1))))))

    def ids(self, hashes, second_hashes, strings_of=None):
        """(n,) int32 ids of a block's n terms, -1 for a term outside the vocabulary (never a new id: no
        str is asked for, and TermIndex's ``_slow_ids``, which adds terms, is not used)."""
        ids, missed = self._table_ids(hashes)
        ids = ids.astype(np.int64)
        where, hit = self._search(hashes[missed])                  # the missed ones by binary search
        ids[missed] = np.where(hit, self.sorted_ids[np.minimum(where, len(self.sorted_ids) - 1)], -1)
        known = ids >= 0
        # a first hash like a known term's but another second hash: another term, outside the vocabulary
        known[known] = self.second_hashes[ids[known]] == second_hashes[known]
        return np.where(known, ids, -1).astype(np.int32)
