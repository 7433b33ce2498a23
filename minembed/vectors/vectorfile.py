"""Word vectors on disk: the word2vec text and binary formats, GloVe's, and the vocabulary file.

The formats (the ones gensim and word2vec.c read and write)::

    text    "V d\\n", then per word  "word v1 v2 ... vd\\n"   (word2vec.c adds a space before \\n)
    binary  "V d\\n", then per word  word + " " + d little-endian float32 (4*d bytes) [+ "\\n"]
    GloVe   text rows without the header line (read with no_header=True: rows are counted
            and d is the number of values on the first row)
    fvocab  per word "word count\\n" (word2vec.c's -save-vocab, gensim's fvocab=)

gensim leaves the ``\\n`` after a binary vector out, word2vec.c writes it; both are read.
A ``.gz`` or ``.bz2`` file is decompressed while reading (recognised by its first bytes, so
the name does not matter) and compressed while writing (chosen by the name's ending).

Files are read as a stream: ``limit=N`` reads the first N rows and never the rest. Words
are separated from numbers by spaces, so a word may not contain whitespace; damaged files
(wrong counts, short rows, NaN, duplicates, text read as binary, ...) are refused with a
message that names the file and the problem instead of returning a wrong table.
"""
import bz2
import codecs
import contextlib
import gzip
import itertools
import os
import zlib

import numpy as np

from ..core.fileio import atomic_write, compressed_by_name

ROWS_PER_BLOCK = 512        # rows formatted / parsed at a time when saving and loading: a text block is
                            # Python floats and strings, ~10 kB a row at dim 100 (4096 rows: 44 MB extra
                            # peak saving 69,556 x 100; 512: 7 MB, as fast)
CHUNK_BYTES = 1 << 20       # bytes read at a time from a binary file
GZIP_MAGIC, BZ2_MAGIC = b"\x1f\x8b", b"BZh"


# ---------------------------------------------------------------------------- opening files
def open_for_reading(path):
    """``path`` opened for reading bytes, decompressed on the fly if it is gzip or bzip2."""
    with open(path, "rb") as f:
        magic = f.read(10)
    if magic.startswith(GZIP_MAGIC):
        return gzip.open(path, "rb")
    if magic.startswith(BZ2_MAGIC) and magic[4:10] == b"1AY&SY":    # "BZh" + level + block magic
        return bz2.open(path, "rb")
    return open(path, "rb")


@contextlib.contextmanager
def open_for_writing(path):
    """A bytes file that becomes ``path`` atomically; ``.gz`` / ``.bz2`` names are compressed."""
    with atomic_write(path, "wb") as raw, compressed_by_name(raw, path) as f:
        yield f


@contextlib.contextmanager
def _naming_damaged_archives(path, stream):
    """gzip/bzip2 errors (cut-off or corrupt archive) become a ValueError naming ``path``."""
    try:
        yield
    except (EOFError, zlib.error, gzip.BadGzipFile, OSError) as err:
        if isinstance(stream, (gzip.GzipFile, bz2.BZ2File)) and not isinstance(err, FileNotFoundError):
            raise ValueError(f"{path}: the compressed file is damaged or cut short "
                             f"({type(err).__name__}: {err})") from None
        raise


# ---------------------------------------------------------------------------- reading
def read_word2vec(path, binary=False, limit=None, no_header=False, datatype=np.float32,
                  encoding="utf8", unicode_errors="strict"):
    """``(words, vectors)`` of a word2vec (or, with ``no_header``, GloVe) file: a list of V str
    and a (V, d) array of ``datatype``. ``limit=N`` reads only the first N rows.
    """
    if limit is not None and limit < 0:
        raise ValueError(f"limit must be None or >= 0, got {limit}")
    limit = limit or None                                           # gensim: limit=0 reads everything
    if no_header and binary:
        raise ValueError(f"{path}: no_header=True reads text (GloVe) files only; binary word2vec "
                         "files always start with the header 'n_words dim'")
    with open_for_reading(path) as stream, _naming_damaged_archives(path, stream):
        if no_header:
            lines = _text_lines(path, stream, 1, 0, encoding, unicode_errors)
            return _read_glove_rows(path, lines, limit, datatype)
        header_line = stream.readline(1024)
        header = header_line.split()
        if not header_line.endswith(b"\n") or len(header) != 2 or not all(h.isdigit() for h in header):
            shown = header_line.rstrip(b"\n")[:60]
            raise ValueError(f"{path}: the first line must be the header 'n_words dim', got "
                             f"{shown!r}; is this a word2vec file? "
                             "(GloVe files have no header: load them with no_header=True)")
        n_header, dim = int(header[0]), int(header[1])
        if dim < 1:
            raise ValueError(f"{path}: the header gives dimension {dim}; vectors need at least 1")
        n_rows = n_header if limit is None else min(n_header, limit)
        read_all = n_rows == n_header                               # then check that nothing follows
        size = os.fstat(stream.fileno()).st_size - len(header_line) if _is_plain(stream) else None
        if binary:
            words, vectors = _read_binary_rows(path, stream, n_rows, n_header, dim, read_all, size,
                                               datatype, encoding, unicode_errors)
        else:
            _check_header_claim(path, n_rows, n_header, dim, size, 1 + 2 * dim, "text ('w 0 0 ...')", slack=2)
            lines = _text_lines(path, stream, 2, len(header_line), encoding, unicode_errors)
            words, vectors = _read_text_rows(path, lines, n_rows, n_header, dim, read_all, datatype, size=size)
    check_finite(words, vectors, f"{path}")
    return words, vectors


def _is_plain(stream):
    return not isinstance(stream, (gzip.GzipFile, bz2.BZ2File))


def _encoding_name(encoding):
    name = codecs.lookup(encoding).name
    return "UTF-8" if name == "utf-8" else name


def _text_lines(path, stream, first_line_no, offset, encoding, unicode_errors):
    """Yield ``(line_no, line, ends_with_newline)`` for every non-blank line of ``stream``."""
    for line_no, raw in enumerate(stream, start=first_line_no):
        try:
            line = raw.decode(encoding, unicode_errors)
        except UnicodeDecodeError as err:
            raise ValueError(f"{path}: byte {offset + err.start} is not valid {_encoding_name(encoding)}; "
                             "if this is a binary word2vec file, load it with binary=True") from None
        offset += len(raw)
        if line.strip():
            yield line_no, line.rstrip(), raw.endswith(b"\n")


def _check_header_claim(path, n_rows, n_header, dim, size, min_row_bytes, form, slack=1):
    """Before anything is allocated: a ValueError naming the header when its ``n_rows`` rows of
    ``dim`` numbers could not fit in ``slack`` times the ``size`` bytes the file has after it (each
    row takes at least ``min_row_bytes`` as ``form``). ``size`` is None for a compressed file, whose
    size says little: then the table grows with the rows actually read (:func:`_with_room`).
    (Text files get ``slack=2``: a file cut short by a little is left to the row-by-row reader, whose
    message names the line where it ends; the table it fills is allocated for what the file can hold.)"""
    if size is not None and n_rows * min_row_bytes > slack * size:
        raise ValueError(f"{path}: the header says {n_header:,} words of dimension {dim}, which needs at "
                         f"least {n_rows * min_row_bytes:,} bytes as {form}, but the file has {size:,} after "
                         "the header (truncated file, or wrong header)")


def _first_rows(n_rows, dim, datatype, size, min_row_bytes):
    """The vector table to fill: room for every row the file's ``size`` can hold (all ``n_rows`` for a
    whole file), or, for a compressed file, for the first ROWS_PER_BLOCK; :func:`_with_room` grows it."""
    room = size // min_row_bytes + 1 if size is not None else ROWS_PER_BLOCK
    return np.empty((min(n_rows, room), dim), dtype=datatype)


def _with_room(vectors, n_needed, n_rows):
    """``vectors``, or a copy twice as tall (at most ``n_rows``) when rows up to ``n_needed`` do not fit."""
    if n_needed <= len(vectors):
        return vectors
    grown = np.empty((min(n_rows, max(n_needed, 2 * len(vectors))), vectors.shape[1]), dtype=vectors.dtype)
    grown[:len(vectors)] = vectors
    return grown


def _read_text_rows(path, lines, n_rows, n_header, dim, read_all, datatype, dim_source="", size=None):
    """Parse ``n_rows`` rows ``word v1 .. vd`` from ``lines``, ROWS_PER_BLOCK at a time."""
    words = []
    vectors = _first_rows(n_rows, dim, datatype, size, 1 + 2 * dim)
    for start in range(0, n_rows, ROWS_PER_BLOCK):                  # bounded memory for big files
        wanted = min(ROWS_PER_BLOCK, n_rows - start)
        block = list(itertools.islice(lines, wanted))
        if len(block) < wanted:
            _refuse_row_count(path, n_header, start + len(block))
        vectors = _with_room(vectors, start + len(block), n_rows)
        words.extend(_parse_block(path, block, vectors[start:start + len(block)], dim, dim_source))
    if read_all:
        extra = sum(1 for _ in lines)
        if extra:
            _refuse_row_count(path, n_header, n_rows + extra)
    return words, vectors


def _read_glove_rows(path, lines, limit, datatype):
    """Rows without a header: d from the first row, rows until the end (or ``limit``)."""
    first = next(lines, None)
    if first is None:
        raise ValueError(f"{path} has no rows; a GloVe file holds one 'word v1 v2 ...' line per word")
    dim = len(first[1].split(" ")) - 1
    header_hint = " (it looks like a word2vec header 'n_words dim': load it with no_header=False)" \
        if len(first[1].split()) == 2 and all(f.isdigit() for f in first[1].split()) else ""
    if dim < 1:
        raise ValueError(f"{path}, line {first[0]}: the first row has a word but no numbers")
    lines = itertools.chain([first], lines)
    if limit is not None:
        lines = itertools.islice(lines, limit)
    words, blocks = [], []
    while True:
        block = list(itertools.islice(lines, ROWS_PER_BLOCK))
        if not block:
            break
        blocks.append(np.empty((len(block), dim), dtype=datatype))
        words.extend(_parse_block(path, block, blocks[-1], dim, f" (as on line {first[0]}){header_hint}"))
    return words, np.concatenate(blocks)


def _parse_block(path, block, out, dim, dim_source):
    """Words of ``block`` (``(line_no, line, ended)`` rows); their values are written into ``out``."""
    words, numbers = [], []
    for line_no, line, _ in block:                                  # one iteration per word
        fields = line.split(" ")                                    # word2vec.c ends rows with a space
        if len(fields) != dim + 1:
            why = " (a word containing spaces?)" if len(fields) > dim + 1 else " (truncated row?)"
            raise ValueError(f"{path}, line {line_no}: expected a word and {dim} numbers{dim_source}, got "
                             f"{len(fields) - 1} numbers{why}{_binary_hint(path)}")
        words.append(fields[0])
        numbers.extend(fields[1:])
    try:
        with np.errstate(over="ignore"):                            # 1e39 -> inf, refused later
            out[:] = np.array(numbers, dtype=out.dtype).reshape(-1, dim)
    except ValueError:
        raise ValueError(f"{path}, {_first_non_number(block)} is not a number") from None
    if block and not block[-1][2]:                                  # every writer ends rows with \n
        raise ValueError(f"{path}: the file does not end with a newline, so its last row may be cut "
                         "short (truncated file?); if the file is complete, add a newline at its end")
    return words


def _refuse_row_count(path, n_header, n_found):
    raise ValueError(f"{path}: the header says {n_header} words but the file has {n_found} rows "
                     f"(truncated file, or wrong header){_binary_hint(path)}")


def _binary_hint(path):
    """A hint for text-mode errors when the file's first bytes look like binary float32 data."""
    with open_for_reading(path) as f:
        sample = f.read(65536)
    if any(byte in sample for byte in b"\x00\x01\x02\x03\x04\x05\x06\x07\x08\x0e\x0f\x1a\x1b\x7f"):
        return " (the file contains binary bytes: if it was written with binary=True, load it with binary=True)"
    return ""


def _first_non_number(block):
    """``"line 7: 'x'"`` for the first value that does not parse (errors only, so a loop is fine)."""
    for line_no, line, _ in block:
        for value in line.split(" ")[1:]:
            try:
                float(value)
            except ValueError:
                return f"line {line_no}: {value!r}"
    return "a value"


def _looks_like_text(data, dim):
    """True if the first row of ``data`` reads as a text row ``word v1 .. vd``."""
    end = data.find(b"\n")
    fields = data[:end if end >= 0 else len(data)].rstrip().split(b" ")
    if len(fields) != dim + 1:
        return False
    try:
        [float(value) for value in fields[1:]]
    except ValueError:
        return False
    return True


def _read_binary_rows(path, stream, n_rows, n_header, dim, read_all, size, datatype, encoding,
                      unicode_errors):
    """Parse ``n_rows`` binary rows (word, space, 4*d bytes) from ``stream``, CHUNK_BYTES at a time.
    ``size``: the bytes after the header, if known (plain files), for an early truncation check."""
    buffer = stream.read(CHUNK_BYTES)
    if _looks_like_text(buffer, dim):
        raise ValueError(f"{path}: the rows are text ('word v1 v2 ...'), not binary float32; "
                         "load it with binary=False")
    row_bytes = 4 * dim
    _check_header_claim(path, n_rows, n_header, dim, size, 2 + row_bytes, "binary rows (word, space, float32s)")
    words = []
    vectors = _first_rows(n_rows, dim, datatype, size, 2 + row_bytes)
    position = 0
    for i in range(n_rows):                                         # one iteration per word
        space = buffer.find(b" ", position)
        while space < 0 or space + 1 + row_bytes > len(buffer):    # the row runs past the buffer
            more = stream.read(max(CHUNK_BYTES, row_bytes + 64))
            if not more:
                raise ValueError(f"{path}: the file ends after {i} of the {n_header} words in its header "
                                 "(truncated file, or wrong header)")
            buffer, position = buffer[position:] + more, 0
            space = buffer.find(b" ")
        word = buffer[position:space].lstrip(b"\n")                 # some writers end vectors with \n
        if not word or any(byte in word for byte in b"\t\n\r\x0b\x0c"):
            raise ValueError(f"{path}: row {i + 1} does not start with a word ({word[:40]!r}); the "
                             f"file is damaged, or its header dimension {dim} is wrong")
        try:
            words.append(word.decode(encoding, unicode_errors))
        except UnicodeDecodeError:
            raise ValueError(f"{path}: word {i + 1} is not valid {_encoding_name(encoding)}; the file is "
                             f"damaged, or its header dimension {dim} is wrong") from None
        vectors = _with_room(vectors, i + 1, n_rows)
        vectors[i] = np.frombuffer(buffer, dtype="<f4", count=dim, offset=space + 1)
        position = space + 1 + row_bytes
    rest = buffer[position:]
    while read_all and rest is not None:
        if rest.strip():
            raise ValueError(f"{path}: there is data after the {n_header} words the header announces "
                             "(wrong header count?)")
        rest = stream.read(CHUNK_BYTES) or None
    return words, vectors


def read_counts(path, encoding="utf8", unicode_errors="strict"):
    """``{word: count}`` from an fvocab file of ``word count`` lines (blank lines skipped).

    >>> read_counts("vocab.txt")        # "the 1061396\\nof 593677\\n"     # doctest: +SKIP
    {'the': 1061396, 'of': 593677}
    """
    counts = {}
    with open_for_reading(path) as stream, _naming_damaged_archives(path, stream):
        for line_no, raw in enumerate(stream, start=1):
            try:
                fields = raw.decode(encoding, unicode_errors).split()
            except UnicodeDecodeError:
                raise ValueError(f"{path}, line {line_no}: not valid {_encoding_name(encoding)}") from None
            if not fields:
                continue
            if len(fields) != 2 or not fields[1].isdigit():
                raise ValueError(f"{path}, line {line_no}: expected 'word count' (a word, a space and a "
                                 f"whole number), got {raw[:60].decode(encoding, 'replace').rstrip()!r}")
            counts[fields[0]] = int(fields[1])
    return counts


def counts_for(path, words, counts):
    """(V,) int64 array: the count of each of ``words`` in ``counts`` (read from fvocab ``path``)."""
    missing = [w for w in words if w not in counts]
    if missing:
        raise ValueError(f"{path} has no count for {len(missing)} of the {len(words)} words, e.g. "
                         f"{missing[:5]}; is it the vocabulary file of these vectors?")
    return np.array([counts[w] for w in words], dtype=np.int64)


def check_finite(words, vectors, where):
    """Refuse a table with NaN or inf, naming the first word whose vector has one."""
    finite_rows = np.isfinite(vectors).all(axis=1)
    if not finite_rows.all():
        bad = words[int(np.argmin(finite_rows))]
        raise ValueError(f"{where}: the vector of {bad!r} contains NaN or inf (or a value beyond the "
                         f"{np.dtype(vectors.dtype).name} range)")


# ---------------------------------------------------------------------------- writing
def write_word2vec(path, words, vectors, binary=False, total_vec=None, write_header=True, prefix=""):
    """Write the word2vec format (text, or binary float32) atomically; ``write_header=False``
    writes GloVe's headerless text. ``prefix`` goes before every word, ``total_vec`` overrides
    the header's word count.

    Text values are written with 9 significant digits, which is enough for every float32
    to read back bit for bit. Words must be non-empty and free of whitespace, and vectors
    finite, so that every reader (ours, gensim's, word2vec.c's) gets back exactly this table.
    """
    words = [prefix + word if isinstance(word, str) else word for word in words]
    _check_words(words)
    check_finite(words, vectors, f"cannot save {path}")
    n_words, dim = vectors.shape
    blocks = range(0, n_words, ROWS_PER_BLOCK)                     # bounded memory for big tables
    row_format = " ".join(["%.9g"] * dim)                          # 9 digits: float32 round-trips exactly
    with open_for_writing(path) as f:
        if write_header:
            f.write(f"{n_words if total_vec is None else total_vec} {dim}\n".encode("utf-8"))
        for start in blocks:
            block_words = words[start:start + ROWS_PER_BLOCK]
            if binary:
                rows = vectors[start:start + ROWS_PER_BLOCK].astype("<f4")       # little-endian
                f.write(b"".join(word.encode("utf-8") + b" " + row.tobytes() + b"\n"
                                 for word, row in zip(block_words, rows)))
            else:
                rows = vectors[start:start + ROWS_PER_BLOCK].astype(np.float32).tolist()
                f.write("".join(f"{word} {row_format % tuple(row)}\n"
                                for word, row in zip(block_words, rows)).encode("utf-8"))


def write_counts(path, words, counts, prefix=""):
    """Write an fvocab file, ``prefix + word count`` per line, atomically."""
    _check_words([prefix + word for word in words])
    with open_for_writing(path) as f:
        for start in range(0, len(words), ROWS_PER_BLOCK):
            f.write("".join(f"{prefix}{word} {int(count)}\n" for word, count in
                            zip(words[start:start + ROWS_PER_BLOCK],
                                counts[start:start + ROWS_PER_BLOCK].tolist())).encode("utf-8"))


def _check_words(words):
    for word in words:
        if not isinstance(word, str) or not word or any(c.isspace() for c in word):
            raise ValueError(f"word {word!r} is empty, not a string, or contains whitespace; the "
                             "word2vec format separates fields by spaces, so it cannot be saved")
