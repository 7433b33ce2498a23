"""Tokens <-> integer ids, with counts and the frequency tables models need.

A :class:`Vocabulary` is three parallel facts about each kept word:

    id      0, 1, 2, ...            (row of every embedding table)
    token   "the", "of", ...        (``itos[id]``; ``stoi[token] -> id``)
    count   how often it occurred  (``counts[id]``)

Ids are assigned by **descending count, ties broken alphabetically**, so the same
corpus always gives the same ids, and the most frequent words come first (which is
what word2vec files and ``restrict_vocab`` in analogy evaluation assume).
Special tokens (``<pad>``, ``<unk>``, ``<mask>``) are only added when a model asks
for them; they take the first ids and have count 0.

Two tables derived from the counts are used by word2vec:

**Subsampling keep-probability** (word2vec.c, Mikolov et al. 2013). With ``f = count``,
``T = total count`` and threshold ``s = sample``::

    keep(w) = min(1, (sqrt(f / (s*T)) + 1) * (s*T) / f)

Words rarer than about ``s*T`` are always kept; "the" is kept a few % of the time.

**Noise distribution** for negative sampling::

    P_noise(w) = count(w)^0.75 / sum_v count(v)^0.75

The power 0.75 flattens the unigram distribution so rare words are drawn as
negatives more often than their raw frequency would give.
"""
import collections
import itertools
import operator

import numpy as np

from ..core.fileio import atomic_write, naming_decode_errors

PAD, UNK, MASK = "<pad>", "<unk>", "<mask>"
_HEADER = "# minembed vocabulary v1: token<TAB>count, one line per id from 0; special tokens: "


class Vocabulary:
    """Token <-> id mapping with counts. Build it with :meth:`build` or :meth:`from_counts`."""

    def __init__(self, tokens, counts, specials=()):
        tokens = list(tokens)
        self.specials = tuple(specials)
        self.itos = list(self.specials) + [t for t in tokens]
        self.counts = np.concatenate([np.zeros(len(self.specials), dtype=np.int64),
                                      np.asarray(counts, dtype=np.int64).reshape(-1)])
        if len(self.counts) != len(self.itos):
            raise ValueError(f"{len(tokens)} tokens but {len(counts)} counts")
        self.stoi = {token: i for i, token in enumerate(self.itos)}
        if len(self.stoi) != len(self.itos):
            dupes = [t for t, c in collections.Counter(self.itos).items() if c > 1][:5]
            raise ValueError(f"duplicate tokens in vocabulary: {dupes}")
        self.unk_id = self.stoi.get(UNK)
        self.pad_id = self.stoi.get(PAD)
        self.mask_id = self.stoi.get(MASK)

    # ------------------------------------------------------------------ building
    @classmethod
    def build(cls, token_lists, min_count=1, max_size=None, specials=()):
        """Count tokens over an iterable of token lists, then prune.

        ``token_lists`` is consumed once (a generator is fine, the corpus is never
        held in memory). Words with fewer than ``min_count`` occurrences are dropped;
        then at most ``max_size`` of the most frequent words are kept (specials not counted).

        >>> Vocabulary.build([["a", "b", "a"], ["c", "a"]]).itos
        ['a', 'b', 'c']
        """
        counter = collections.Counter()
        for tokens in token_lists:
            if isinstance(tokens, (str, bytes)):
                raise TypeError(
                    "Vocabulary.build expects an iterable of token lists, but an item is a "
                    f"{type(tokens).__name__} ({tokens[:30]!r}...). Tokenize first: "
                    "[Tokenizer().tokenize(line) for line in lines].")
            counter.update(tokens)
        return cls.from_counts(counter, min_count=min_count, max_size=max_size, specials=specials)

    @classmethod
    def from_counts(cls, counter, min_count=1, max_size=None, specials=(), max_final_vocab=None):
        """Build from a ``{token: count}`` mapping (see :meth:`build` for the rules).

        ``max_final_vocab`` is gensim's cap: ``min_count`` is raised until at most that many words
        are left, so words tied at the cut all go (``max_size`` keeps the alphabetically first)."""
        if min_count < 1:
            raise ValueError(f"min_count must be >= 1, got {min_count}")
        if max_size is not None and max_size < 1:
            raise ValueError(f"max_size must be >= 1 or None, got {max_size}")
        if not counter:
            raise ValueError("the corpus has no tokens: it is empty, whitespace-only, or the "
                             "tokenizer pattern matched nothing. Check the corpus path and pattern.")
        why = ""
        if max_final_vocab is not None and len(counter) > max_final_vocab:
            counts = sorted((n for token, n in counter.items() if token not in specials), reverse=True)
            if len(counts) > max_final_vocab and counts[max_final_vocab] + 1 > min_count:
                min_count = counts[max_final_vocab] + 1                      # gensim's calc_min_count
                why = f" (max_final_vocab={max_final_vocab} raised it: the words tied at the cut all go)"
        kept = [(token, n) for token, n in counter.items() if n >= min_count and token not in specials]
        if not kept:
            raise ValueError(
                f"the vocabulary is empty after min_count={min_count}{why}: none of the "
                f"{len(counter)} distinct tokens occurs that often (the most frequent occurs "
                f"{max(counter.values())} times). Lower min_count{' or raise max_final_vocab' if why else ''} or use a larger corpus.")
        kept.sort()                                          # alphabetical (tokens are unique),
        kept.sort(key=operator.itemgetter(1), reverse=True)  # then by count desc; stable, so ties stay alphabetical
        if max_size is not None:
            kept = kept[:max_size]
        return cls([t for t, _ in kept], [n for _, n in kept], specials=specials)

    # ------------------------------------------------------------------ lookups
    def __len__(self):
        return len(self.itos)

    def __contains__(self, token):
        return token in self.stoi

    def __getitem__(self, token):
        try:
            return self.stoi[token]
        except KeyError:
            raise KeyError(f"word {token!r} is not in the vocabulary ({len(self)} words); "
                           "it may be rarer than min_count or absent from the corpus") from None

    @property
    def total(self):
        """Total count of all kept words (word2vec.c's ``train_words``)."""
        return int(self.counts.sum())

    def encode(self, tokens):
        """Token list -> ``int32`` id array.

        Unknown-token policy: mapped to ``<unk>`` if this vocabulary has it, otherwise
        **dropped** (as word2vec.c drops out-of-vocabulary words).

        >>> Vocabulary.build([["a", "b", "a"]]).encode(["a", "zzz", "b"])
        array([0, 1], dtype=int32)
        """
        if isinstance(tokens, str):
            raise TypeError("encode expects a list of tokens, not a str; tokenize it first")
        missing = -1 if self.unk_id is None else self.unk_id
        ids = np.fromiter(map(self.stoi.get, tokens, itertools.repeat(missing)), dtype=np.int64,
                          count=len(tokens)).astype(np.int32)
        return ids[ids >= 0] if self.unk_id is None else ids

    def decode(self, ids):
        """Id sequence -> token list. ``decode(encode(t)) == t`` for in-vocabulary tokens."""
        ids = np.asarray(ids)
        if ids.size and (ids.min() < 0 or ids.max() >= len(self)):
            raise IndexError(f"ids must be in [0, {len(self)}), got min {ids.min()} max {ids.max()}")
        return [self.itos[i] for i in ids.tolist()]

    def with_specials(self, specials=(PAD, UNK, MASK)):
        """A copy with the given special tokens prepended (the encoder needs them)."""
        words = self.itos[len(self.specials):]
        return Vocabulary(words, self.counts[len(self.specials):], specials=specials)

    # ------------------------------------------------------------------ frequency tables
    def keep_probs(self, sample=1e-3):
        """word2vec.c subsampling: ``keep = min(1, (sqrt(f/(s*T)) + 1) * s*T/f)``, per id.

        ``sample=0`` disables subsampling (every word kept). Specials (count 0) get 1.
        """
        if sample < 0:
            raise ValueError(f"sample must be >= 0 (0 disables subsampling), got {sample}")
        counts = self.counts.astype(np.float64)
        keep = np.ones(len(counts))
        if sample > 0:
            threshold = sample * self.total          # s*T
            seen = counts > 0
            ratio = counts[seen] / threshold         # f/(s*T)
            keep[seen] = np.minimum(1.0, (np.sqrt(ratio) + 1.0) / ratio)
        return keep

    def noise_probs(self, power=0.75):
        """Negative-sampling distribution ``count^power / sum(count^power)`` (specials get 0)."""
        weights = self.counts.astype(np.float64) ** power
        weights[self.counts == 0] = 0.0
        return weights / weights.sum()

    # ------------------------------------------------------------------ save / load
    def save(self, path, header=True):
        """Write ``token<TAB>count`` lines in id order (most frequent first for a built vocabulary),
        behind one header line naming the special tokens; ``header=False`` leaves it out, which
        makes the file gensim's ``fvocab`` (``load_word2vec_format(..., fvocab=path)``).

        Tabs, newlines and backslashes inside tokens are escaped, so any token round-trips.
        """
        with atomic_write(path) as f:
            if header:
                f.write(_HEADER + "\t".join(_escape(s) for s in self.specials) + "\n")
            for token, count in zip(self.itos, self.counts.tolist()):
                f.write(f"{_escape(token)}\t{count}\n")

    @classmethod
    def load(cls, path, specials=None):
        """Read a file written by :meth:`save`, with or without its header.

        Without a header, ``specials`` names the special tokens (train.py records them in
        config.json); by default they are the leading rows of count 0 that are minembed's own
        specials (``<pad>``, ``<unk>``, ``<mask>``), which a counted word never is."""
        with open(path, encoding="utf-8", newline="\n") as f, naming_decode_errors(path):
            first = f.readline()
            has_header = first.startswith(_HEADER)
            lines = itertools.chain([] if has_header else [first], f)
            tokens, counts = [], []
            for line_no, line in enumerate(lines, start=2 if has_header else 1):
                token, sep, count = line.rstrip("\n").rpartition("\t")
                if (not sep or not count.isdigit()) and line_no == 1:
                    raise ValueError(f"{path} is not a minembed vocabulary file: its first line should be "
                                     f"'token<TAB>count' (or minembed's header), got {line[:60]!r}")
                if not sep or not count.isdigit():
                    raise ValueError(f"{path}, line {line_no}: expected 'token<TAB>count', got {line!r}")
                tokens.append(_unescape(token))
                counts.append(int(count))
        if has_header:
            specials = tuple(_unescape(s) for s in first.rstrip("\n")[len(_HEADER):].split("\t") if s)
        elif specials is None:
            leading = itertools.takewhile(lambda row: row[0] in (PAD, UNK, MASK) and row[1] == 0, zip(tokens, counts))
            specials = tuple(token for token, _ in leading)
        specials = tuple(specials)
        n = len(specials)
        if tuple(tokens[:n]) != specials:
            raise ValueError(f"{path}: the specials are {specials} but the first rows are {tokens[:n]}")
        return cls(tokens[n:], counts[n:], specials=specials)

    def __repr__(self):
        head = ", ".join(self.itos[len(self.specials):][:5])
        return f"Vocabulary({len(self)} tokens, total={self.total}, specials={self.specials}, top=[{head}])"


_ESCAPES = {"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"}
_UNESCAPES = {v[1]: k for k, v in _ESCAPES.items()}


def _escape(token):
    if not any(c in token for c in _ESCAPES):
        return token
    return "".join(_ESCAPES.get(c, c) for c in token)


def _unescape(text):
    if "\\" not in text:
        return text
    out, chars = [], iter(text)
    for c in chars:
        if c == "\\":
            escaped = next(chars, "")
            c = _UNESCAPES.get(escaped, "\\" + escaped)   # an unknown escape stays as written
        out.append(c)
    return "".join(out)
