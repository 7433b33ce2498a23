"""Read corpora lazily and turn them into one flat ``int32`` id array.

The data flow is::

    files (.txt / .gz / a directory)  --iter_documents-->  one str per line
        --iter_token_lists-->  token lists of at most 10,000 tokens
        --encode_corpus-->     EncodedCorpus(vocab, ids: int32[n_tokens], offsets: int64[n_docs + 1])

Document ``d`` is ``ids[offsets[d]:offsets[d + 1]]``; models never look across that boundary.
Nothing here holds the whole text as Python strings: files are read in 1 MiB blocks, and
lines are tokenized, turned into ids and dropped in batches of about 256k tokens. A line
with no newline for 50 MB (text8 has one of 100 MB) is cut at whitespace into pieces of at
most ``max_chars`` characters, and token lists into chunks of at most ``max_tokens`` tokens
(gensim's ``max_sentence_length``).

Speed (``benchmarks/bench_corpus.py``): Python never loops over tokens; that happens inside
C (``re.findall``, ``map`` over a dict, ``np.fromiter``). Python's own loops are over blocks
and documents only.
"""
import codecs
import collections
import dataclasses
import gc
import gzip
import itertools
import os

import numpy as np

from .tokenize import Tokenizer
from .vocab import Vocabulary
from ..core.memory import return_freed_memory

BLOCK_BYTES = 1 << 20
MAX_CHARS = 1 << 20
MAX_TOKENS = 10_000
BATCH_TOKENS = 1 << 18             # tokens turned into ids per C-level call
TEXT_SUFFIXES = (".txt", ".gz")


# ---------------------------------------------------------------------------- files -> lines
def corpus_files(path):
    """The files a corpus path stands for: the file itself, or every ``.txt``/``.gz`` file
    below a directory in sorted order (other files, like a README.md, are ignored)."""
    path = os.fspath(path)
    if not os.path.exists(path):
        raise FileNotFoundError(f"corpus path not found: {path!r}. Check the spelling, or pass a "
                                ".txt/.gz file or a directory of them.")
    if os.path.isfile(path):
        return [path]
    files = sorted(os.path.join(root, name)
                   for root, _, names in os.walk(path) for name in names
                   if name.endswith(TEXT_SUFFIXES))
    if not files:
        raise ValueError(f"corpus directory {path!r} contains no .txt or .gz files. "
                         "Put the text in files ending .txt (or .gz) there.")
    return files


def iter_documents(path, errors="strict", max_chars=MAX_CHARS):
    """Yield one str per line of every corpus file (newline and ``\\r`` stripped).

    ``errors`` is passed to the UTF-8 decoder: ``"strict"`` (default) stops at the first
    invalid byte with an error naming the file and byte offset; ``"replace"`` turns bad
    bytes into U+FFFD and goes on. Lines longer than ``max_chars`` are yielded in pieces
    cut at whitespace, so memory never holds more than ``max_chars`` of one line.
    """
    if max_chars < 1:
        raise ValueError(f"max_chars must be >= 1, got {max_chars}")
    for file_path in corpus_files(path):
        yield from _iter_file_lines(file_path, errors, max_chars)


def _iter_file_lines(file_path, errors, max_chars):
    opener = gzip.open if file_path.endswith(".gz") else open
    decoder = codecs.getincrementaldecoder("utf-8")(errors=errors)
    pending = ""                      # the unfinished last line
    consumed = 0                      # bytes read before the current block
    try:
        with opener(file_path, "rb") as f:
            while True:
                block = f.read(BLOCK_BYTES)
                nul_at = block.find(b"\x00", 0, 8192) if consumed == 0 else -1
                if nul_at >= 0:
                    raise ValueError(f"{file_path} looks like a binary file (NUL byte at offset "
                                     f"{nul_at}); a corpus must be UTF-8 text.")
                try:
                    text = decoder.decode(block, final=not block)
                except UnicodeDecodeError as err:
                    offset = consumed - len(decoder.getstate()[0]) + err.start
                    raise ValueError(
                        f"{file_path}: byte {offset}{' (decompressed)' if opener is gzip.open else ''}"
                        f" is not valid UTF-8 ({err.object[err.start:err.start + 4]!r}). Convert the "
                        "file to UTF-8 (e.g. iconv -f cp1252 -t utf-8) or pass errors='replace'.") from None
                consumed += len(block)
                lines = (pending + text).split("\n")
                pending = lines.pop()
                yield from _clean_lines(lines, max_chars)
                if len(pending) > max_chars:      # a huge line with no newline yet
                    *pieces, pending = _cut(pending, max_chars)
                    yield from pieces
                if not block:
                    break
    except (OSError, EOFError) as err:
        if isinstance(err, FileNotFoundError):
            raise
        raise ValueError(f"cannot read {file_path}: {err}") from None
    if pending:
        yield from _clean_lines([pending], max_chars)


def _clean_lines(lines, max_chars):
    """Strip the ``\\r`` of CRLF line ends and cut over-long lines (C-speed when neither occurs)."""
    if any(map(str.endswith, lines, itertools.repeat("\r"))):
        lines = [line.rstrip("\r") for line in lines]
    if lines and max(map(len, lines)) > max_chars:
        lines = [piece for line in lines for piece in _cut(line, max_chars)]
    return lines


def _cut(line, max_chars):
    """Yield pieces of at most ``max_chars`` characters that join back to ``line``. Each piece
    ends just after its last space or tab, or right at the limit if it has none (a word is cut)."""
    start = 0
    while len(line) - start > max_chars:
        stop = start + max_chars
        space = max(line.rfind(" ", start, stop), line.rfind("\t", start, stop))
        cut = space + 1 if space > start else stop
        yield line[start:cut]
        start = cut
    yield line[start:]


# ---------------------------------------------------------------------------- lines -> tokens
def iter_token_lists(source, tokenizer=None, max_tokens=MAX_TOKENS, errors="strict", read=None):
    """Yield non-empty token lists of at most ``max_tokens`` tokens.

    ``source`` is a corpus path (file or directory) or an iterable of token lists
    (lists of str, e.g. ``[["the", "cat"], ["a", "dog"]]``), which are passed through.
    ``read``, a one-element list, counts the documents as gensim does (see ``EncodedCorpus.n_read``).
    """
    read = [0] if read is None else read
    from_file = isinstance(source, (str, os.PathLike))
    if max_tokens < 1:
        raise ValueError(f"max_tokens must be >= 1, got {max_tokens}")
    if isinstance(source, (str, os.PathLike)):
        tokenizer = tokenizer or Tokenizer()
        lists = tokenizer.tokenize_many(iter_documents(source, errors=errors))
    else:
        lists = _checked_token_lists(source)
    for tokens in lists:                        # (a loop over documents)
        read[0] += not from_file
        if len(tokens) <= max_tokens:
            if tokens:
                read[0] += from_file
                yield tokens
        else:
            for start in range(0, len(tokens), max_tokens):
                read[0] += from_file
                yield tokens[start:start + max_tokens]


def _checked_token_lists(source):
    if isinstance(source, bytes):
        raise TypeError("a corpus must be a path or an iterable of token lists, got bytes")
    for tokens in source:
        if isinstance(tokens, (str, bytes)):
            raise TypeError(
                f"expected an iterable of token lists (lists of str), but an item is a "
                f"{type(tokens).__name__}: "
                f"{tokens[:40]!r}. Tokenize it first: [Tokenizer().tokenize(text) for text in texts], "
                "or pass the path of a text file.")
        yield list(tokens)


# ---------------------------------------------------------------------------- tokens -> ids
@dataclasses.dataclass
class EncodedCorpus:
    """A whole corpus as ids: ``ids[offsets[d]:offsets[d+1]]`` is document ``d``."""
    vocab: Vocabulary
    ids: np.ndarray        # (n_tokens,) int32
    offsets: np.ndarray    # (n_docs + 1,) int64, offsets[0] == 0, offsets[-1] == n_tokens
    n_dropped: int = 0     # tokens left out because they were not in the vocabulary
    n_read: int = 0        # documents read, as gensim counts them: every token list given (empty ones
                           # and those of only rare words too), or every non-empty line chunk of a file

    @property
    def oov_rate(self):
        """Fraction of corpus tokens outside the vocabulary (dropped, or mapped to <unk>)."""
        unknown = self.n_dropped
        if self.vocab.unk_id is not None:
            unknown += int(np.count_nonzero(self.ids == self.vocab.unk_id))
        return unknown / (self.n_tokens + self.n_dropped)

    def __len__(self):
        return len(self.offsets) - 1

    @property
    def n_tokens(self):
        return int(self.offsets[-1])

    def document(self, d):
        return self.ids[self.offsets[d]:self.offsets[d + 1]]

    def doc_ids(self):
        """(n_tokens,) int64: the document each token belongs to."""
        return np.repeat(np.arange(len(self), dtype=np.int64), np.diff(self.offsets))


def without_specials(corpus):
    """The same corpus over the same words, with the special tokens taken out of the vocabulary.

    An encoder's corpus has ``<pad>``, ``<unk>`` and ``<mask>`` first; word2vec wants words only.
    This gives word2vec exactly the encoder's words, in the same order (word ``i`` of the result is
    word ``i + n_specials`` of the input), so its vectors can start the encoder's ``tok_emb``.
    ``<unk>`` tokens are dropped (word2vec.c drops unknown words), then documents left empty.

    >>> c = encode_corpus([["a", "b", "a"], ["c"]], min_count=2, specials=("<unk>",))
    >>> w = without_specials(c)
    >>> w.vocab.itos, w.ids, w.offsets, w.n_dropped
    (['a'], array([0, 0], dtype=int32), array([0, 2]), 2)
    """
    n_special = len(corpus.vocab.specials)
    vocab = Vocabulary(corpus.vocab.itos[n_special:], corpus.vocab.counts[n_special:])
    known = corpus.ids >= n_special                                         # (n_tokens,) bool
    known_before = np.concatenate([[0], np.cumsum(known)])                 # (n_tokens + 1,)
    lengths = np.diff(known_before[corpus.offsets])                        # known tokens per document
    ids = (corpus.ids[known] - n_special).astype(np.int32)
    offsets = np.concatenate([[0], np.cumsum(lengths[lengths > 0])])
    if len(ids) == 0:
        raise ValueError("the corpus has no words outside the special tokens")
    return EncodedCorpus(vocab, ids, offsets, corpus.n_dropped + int(len(known) - len(ids)), corpus.n_read)


def encode_corpus(source, tokenizer=None, vocab=None, min_count=1, max_size=None, specials=(),
                  max_tokens=MAX_TOKENS, errors="strict", max_final_vocab=None):
    """Tokenize and encode a corpus in **one pass**, building the vocabulary on the way.

    Each token gets a provisional "raw" id in order of first appearance. Documents are
    taken in batches of about ``BATCH_TOKENS`` (256k) tokens; a batch becomes raw ids through one C-level
    ``map`` over a dict that numbers unseen tokens itself (a ``defaultdict`` whose default
    is the next integer), so Python never loops over tokens. At the end ``np.bincount``
    gives every count, the vocabulary is pruned and sorted, and one lookup table
    ``raw_to_id`` renumbers the blocks into the final array (:func:`_renumber`, which empties the
    block lists as it goes). Tokens outside the vocabulary become
    ``<unk>`` if it has one, otherwise they are dropped (and documents left empty are
    removed). Pass ``vocab`` to encode with a fixed vocabulary.

    Returns an :class:`EncodedCorpus`. Memory: about 4 bytes per token at the peak (the raw
    blocks, then the ids that replace them), plus the types.

    >>> c = encode_corpus([["a", "b", "a"], ["c"]], min_count=2)
    >>> c.ids, c.offsets, c.n_dropped
    (array([0, 0], dtype=int32), array([0, 2]), 2)
    """
    raw_index = collections.defaultdict(itertools.count().__next__)  # token -> raw id
    read = [0]
    token_lists = iter_token_lists(source, tokenizer, max_tokens, errors, read)
    raw_blocks, length_blocks = _encode_raw(token_lists, raw_index, BATCH_TOKENS)
    if not raw_blocks:
        where = source if isinstance(source, (str, os.PathLike)) else "the given token lists"
        raise ValueError(f"the corpus {where!s} contains no tokens (it is empty or whitespace-only, "
                         "or the tokenizer pattern matches nothing in it).")
    raw_tokens = list(raw_index)                # raw id -> token
    raw_counts = np.zeros(len(raw_tokens), dtype=np.int64)
    for block in raw_blocks:
        raw_counts += np.bincount(block, minlength=len(raw_tokens))
    built_here = vocab is None
    if built_here:
        # only the types that reach min_count go into the {token: count} dict (max_final_vocab can only
        # raise min_count): a dict of every type, most of them seen once or twice, would be far larger
        frequent = np.flatnonzero(raw_counts >= min_count)
        if len(frequent) == 0:                     # none: give them all, so from_counts can say why
            frequent = np.arange(len(raw_tokens))
        counts = dict(zip([raw_tokens[i] for i in frequent.tolist()], raw_counts[frequent].tolist()))
        vocab = Vocabulary.from_counts(counts, min_count=min_count, max_size=max_size, specials=specials,
                                       max_final_vocab=max_final_vocab)
        del counts
    missing = -1 if vocab.unk_id is None else vocab.unk_id
    raw_to_id = np.fromiter(map(vocab.stoi.get, raw_tokens, itertools.repeat(missing)),
                            np.int64, len(raw_tokens)).astype(np.int32)
    ids, lengths = _renumber(raw_blocks, length_blocks, raw_to_id, int(raw_counts[raw_to_id >= 0].sum()))
    n_dropped = int(raw_counts.sum()) - len(ids)
    if len(ids) == 0:
        raise ValueError("no token of the corpus is in the vocabulary; was the vocabulary built "
                         "from another corpus or tokenizer?")
    offsets = np.concatenate([[0], np.cumsum(lengths)])
    del raw_index, raw_tokens, raw_blocks, length_blocks
    if built_here:
        packed = _packed_words(vocab)
        vocab = None                    # the last strings the tokenizer made go, and gc.collect() empties
        gc.collect()                    # Python's free lists of tuples, lists, dicts: arenas empty out
        vocab = _unpacked_words(packed)
    return_freed_memory()
    return EncodedCorpus(vocab, ids, offsets, n_dropped, read[0])



def _packed_words(vocab):
    """The vocabulary with its words packed into one str: ``(text, word lengths, counts, specials)``.

    Why: the vocabulary's strings are the ones the tokenizer made, scattered among the strings of
    all the rare tokens that encoding has just freed. Python returns memory to the system in whole
    arenas (of 1 MB), and an arena that still holds one live string stays. Packed, the words hold no
    arena (one str of a few hundred kB is an ordinary ``malloc``); once the caller drops the
    vocabulary (and ``gc.collect()`` has emptied the free lists, whose spare tuples and lists pin
    arenas too) every such arena can go, and :func:`_unpacked_words` makes the words again, side by
    side in a few arenas. On the enwiki extract: 54 arenas -> 23, RSS after encoding 143 -> 124 MB
    (packed, without the collection: 143 MB; collected, the tokenizer's strings kept: 152 MB)."""
    n_special = len(vocab.specials)
    words = vocab.itos[n_special:]
    return "".join(words), [len(word) for word in words], vocab.counts[n_special:].copy(), vocab.specials


def _unpacked_words(packed):
    """The :class:`Vocabulary` that :func:`_packed_words` packed, its words new string objects."""
    text, lengths, counts, specials = packed
    ends = list(itertools.accumulate(lengths))
    words = [text[start:end] for start, end in zip([0] + ends[:-1], ends)]     # (a loop over types)
    return Vocabulary(words, counts, specials)


def _renumber(raw_blocks, length_blocks, raw_to_id, n_known):
    """Raw ids -> vocabulary ids, one block at a time, into one (n_known,) int32 array.

    Tokens mapped to -1 (not in the vocabulary, no ``<unk>``) are dropped, then documents left
    empty. Each block is freed as soon as it is renumbered, and the freed memory is handed back to
    the system every few blocks (glibc keeps freed 1 MB blocks for reuse, and the filling result
    reuses none of it), so memory holds the raw blocks or the result, not both: about 4 bytes per
    token instead of 8 (on the enwiki extract, encoding's peak RSS 178 MB instead of 231). Returns (ids,
    document lengths)."""
    ids = np.empty(n_known, dtype=np.int32)                # (n_known,), filled block by block
    length_parts, position = [], 0
    raw_blocks.reverse()                                   # pop() from the end takes them in order
    length_blocks.reverse()
    while raw_blocks:
        block_ids, lengths = raw_to_id[raw_blocks.pop()], length_blocks.pop()    # (n,), (docs in block,)
        known = block_ids >= 0
        if not known.all():                                # drop unknown tokens, then empty documents
            starts = np.concatenate([[0], np.cumsum(lengths[:-1])])
            lengths = np.add.reduceat(known, starts, dtype=np.int64)           # known tokens per document
            lengths = lengths[lengths > 0]
            block_ids = block_ids[known]
        ids[position:position + len(block_ids)] = block_ids
        position += len(block_ids)
        length_parts.append(lengths)
        if len(raw_blocks) % 8 == 0:
            return_freed_memory()
    return ids, np.concatenate(length_parts)


def _encode_raw(token_lists, raw_index, batch_tokens):
    """Token lists -> (list of int32 raw-id arrays, list of int64 document-length arrays)."""
    raw_blocks, length_blocks = [], []
    batch, n_batch = [], 0

    def flush():
        length_blocks.append(np.fromiter(map(len, batch), np.int64, len(batch)))
        tokens = itertools.chain.from_iterable(batch)
        raw_blocks.append(np.fromiter(map(raw_index.__getitem__, tokens), np.int32, n_batch))
        batch.clear()

    for tokens in token_lists:                  # a loop over documents, not tokens
        batch.append(tokens)
        n_batch += len(tokens)
        if n_batch >= batch_tokens:
            flush()
            n_batch = 0
    if batch:
        flush()
    return raw_blocks, length_blocks
