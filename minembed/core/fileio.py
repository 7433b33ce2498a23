"""Small file helpers shared by every module that writes to disk.

Every file minembed writes goes through :func:`atomic_write`: the bytes go to a
temporary file in the same directory, which is renamed over the destination only
once it is complete. A crash, a full disk or Ctrl-C in the middle therefore leaves
the previous file intact (or no file), never half of one.

The one exception is a lock file (:func:`lock_file`): it is not an output, only a sign that a
live process is using a directory, and is written in place.
"""
import contextlib
import json
import os
import tempfile


@contextlib.contextmanager
def atomic_write(path, mode="w", encoding="utf-8", newline="\n"):
    """Open a temporary file for writing; rename it to ``path`` on success.

    Use it like ``open``::

        with atomic_write("vocab.tsv") as f:
            f.write("the\\t42\\n")

    ``mode`` is ``"w"`` (text) or ``"wb"`` (bytes). If the block raises, the
    temporary file is deleted and ``path`` is left as it was.
    """
    if mode not in ("w", "wb"):
        raise ValueError(f"atomic_write mode must be 'w' or 'wb', got {mode!r}")
    path = os.fspath(path)
    directory = os.path.dirname(os.path.abspath(path))
    fd, tmp_path = tempfile.mkstemp(prefix="." + os.path.basename(path) + ".", suffix=".tmp",
                                    dir=directory)
    try:
        os.fchmod(fd, _file_mode(path))       # mkstemp makes owner-only files; keep open()'s mode
        if mode == "wb":
            f = os.fdopen(fd, "wb")
        else:
            f = os.fdopen(fd, "w", encoding=encoding, newline=newline)
        with f:
            yield f
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp_path, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp_path)
        raise


@contextlib.contextmanager
def compressed_by_name(raw, path):
    """``raw`` (a bytes file open for writing) itself, or a gzip / bzip2 writer into it when
    ``path`` ends in ``.gz`` / ``.bz2``::

        with atomic_write("vectors.txt.gz", "wb") as raw, compressed_by_name(raw, "vectors.txt.gz") as f:
            f.write(b"2 3\\n")
    """
    import bz2
    import gzip
    name = os.fspath(path)
    if name.endswith(".gz"):
        with gzip.GzipFile(fileobj=raw, mode="wb", filename="", mtime=0) as f:   # mtime 0: same bytes each time
            yield f
    elif name.endswith(".bz2"):
        with bz2.BZ2File(raw, "wb") as f:
            yield f
    else:
        yield raw


def _file_mode(path):
    """The permissions ``open(path, "w")`` would give: those of the file it replaces, else 0o666
    minus the umask (``os.umask`` can only be read by setting it, so it is set back at once)."""
    try:
        return os.stat(path).st_mode & 0o7777
    except OSError:
        umask = os.umask(0o022)
        os.umask(umask)
        return 0o666 & ~umask


@contextlib.contextmanager
def naming_decode_errors(path):
    """Inside the block, invalid UTF-8 becomes a ValueError that names ``path`` (a bare
    UnicodeDecodeError says neither which file nor what to do)::

        with open(path, encoding="utf-8") as f, naming_decode_errors(path):
            lines = list(f)
    """
    try:
        yield
    except UnicodeDecodeError as err:
        raise ValueError(f"{path} is not valid UTF-8 (byte {err.object[err.start:err.start + 1]!r}: "
                         f"{err.reason}); convert it to UTF-8, e.g. iconv -f cp1252 -t utf-8") from None


def write_json(path, obj):
    """Write ``obj`` as indented JSON, atomically."""
    with atomic_write(path) as f:
        json.dump(obj, f, indent=2, sort_keys=False)
        f.write("\n")


NPZ_SLICE_BYTES = 1 << 20     # how much of an array save_npz hands the zip at a time


def save_npz(path, *, file_format=None, **arrays):
    """``np.savez`` atomically (the name is kept exactly; no ``.npz`` is appended).

    ``file_format=(kind, version)``, e.g. ``("minembed encoder", 1)``, is stored beside the arrays
    (as ``file_format``) so that :func:`load_npz` can tell a file of another version by its stamp.

    The file is an uncompressed zip of one ``.npy`` per array, as ``np.savez`` makes it, read
    back by ``np.load`` array for array; but each array's bytes go into the zip straight from its
    memory, ``NPZ_SLICE_BYTES`` at a time. ``np.savez`` copies them 16 MiB at a time (``tobytes``)
    when the target is a zip: at a word2vec checkpoint that copy was the run's peak memory, on top
    of both tables. (A Fortran-ordered array is written in its own order, as ``np.savez`` does; one
    that is neither C- nor Fortran-ordered is copied first.)
    """
    import zipfile
    import numpy as np
    if file_format is not None:
        kind, version = file_format
        arrays = {FORMAT_ENTRY: np.array(f"{kind} v{int(version)}"), **arrays}
    with atomic_write(path, "wb") as f, zipfile.ZipFile(f, "w", zipfile.ZIP_STORED, allowZip64=True) as archive:
        for name, value in arrays.items():
            array = np.asarray(value)
            if array.dtype.hasobject:
                raise TypeError(f"save_npz: {name!r} holds Python objects, which np.load would refuse "
                                "without pickle; convert it (np.array(json.dumps(...)) for text)")
            if not (array.flags.c_contiguous or array.flags.f_contiguous):
                array = array.copy(order="C")
            with archive.open(name + ".npy", "w", force_zip64=True) as entry:
                _write_npy(entry, array)


def _write_npy(entry, array):
    """One ``.npy`` into an open zip entry: the header, then the array's own bytes in slices."""
    import numpy as np
    header = np.lib.format.header_data_from_array_1_0(array)   # (says fortran_order for an F array)
    try:
        try:
            np.lib.format.write_array_header_1_0(entry, header)
        except ValueError:                                    # a header past 64 KiB: format 2.0
            np.lib.format.write_array_header_2_0(entry, header)
    except UnicodeEncodeError:                                # field names beyond Latin-1: NumPy's
        np.lib.format.write_array(entry, array)               # own writer (format 3.0) does it
        return
    in_memory_order = array.T if header["fortran_order"] else array   # C-ordered view, no copy
    data = memoryview(in_memory_order.reshape(-1).view(np.uint8))       # (n_bytes,) no copy
    for start in range(0, len(data), NPZ_SLICE_BYTES):
        entry.write(data[start:start + NPZ_SLICE_BYTES])


def load_npz(path, what, required=(), file_format=None):
    """Every array of an ``.npz`` file, as a dict; or a ValueError saying that ``path`` is not
    ``what`` (another kind of file, or a damaged one) instead of whatever zipfile, zlib or NumPy
    happened to raise. ``required``: the names the file must hold. ``file_format=(kind, version)``:
    the stamp :func:`save_npz` wrote; a file with another stamp (or none) gets one error naming both
    versions and what to do, before anything else is read from it.
    """
    import numpy as np
    try:
        _check_npz_claims(path, what)
        with np.load(path) as data:
            arrays = {name: data[name] for name in data.files}
    except (FileNotFoundError, ClaimTooBig):
        raise
    except Exception as err:            # BadZipFile, zlib.error, EOFError, pickle refusal, a .npy, ...
        raise ValueError(f"{path} is not {what}, or it is damaged ({type(err).__name__}: {err}); "
                         "delete it or use another file") from None
    if file_format is not None:
        check_file_format(path, what, str(arrays.pop(FORMAT_ENTRY, "")), *file_format)
    missing = sorted(set(required) - set(arrays))
    if missing:
        raise ValueError(f"{path} is not {what}: it has no {', '.join(missing)}")
    return arrays


class ClaimTooBig(ValueError):
    """An array header that claims more bytes than its file holds."""


def _check_npz_claims(path, what):
    """Before ``np.load`` allocates anything: every ``.npy`` in the zip must hold the bytes its header
    claims (shape x item size). NumPy allocates the whole array from the header before reading a zip
    member, so a damaged or hostile header of 10^12 rows would ask for terabytes; here it is a
    ValueError naming the array, what its header says and what the file holds."""
    import zipfile
    import numpy as np
    if not zipfile.is_zipfile(path):
        return                                          # (np.load's own error says what it is)
    with zipfile.ZipFile(path) as archive:
        for info in archive.infolist():
            if not info.filename.endswith(".npy"):
                continue
            with archive.open(info) as entry:
                try:
                    version = np.lib.format.read_magic(entry)
                    read_header = (np.lib.format.read_array_header_1_0 if version == (1, 0)
                                   else np.lib.format.read_array_header_2_0)
                    shape, _, dtype = read_header(entry, max_header_size=1 << 20)
                except (ValueError, UnicodeDecodeError, SyntaxError):
                    continue                            # (format 3.0's UTF-8 names; np.load reads those)
                header_bytes = entry.tell()
            if dtype.hasobject:
                continue                                # (np.load refuses pickled objects itself)
            claimed = int(np.prod(shape, dtype=object)) * dtype.itemsize
            if claimed > info.file_size - header_bytes:
                raise ClaimTooBig(f"{path} is not {what}, or it is damaged: its array {info.filename[:-4]!r} "
                                  f"claims shape {tuple(shape)} of {dtype} ({claimed:,} bytes) but the file holds "
                                  f"{info.file_size - header_bytes:,} bytes of it; delete it or use another file")


FORMAT_ENTRY = "file_format"     # the array holding "<kind> v<version>" in every versioned .npz


def check_file_format(path, what, stamp, kind, version):
    """A ValueError unless ``stamp`` is ``"<kind> v<version>"``: the one message for a file that
    another version of minembed wrote (it names both versions and what to do), or none at all.

    >>> check_file_format("m.npz", "a model", "minembed encoder v1", "minembed encoder", 1)
    >>> check_file_format("m.npz", "a model", "minembed encoder v0", "minembed encoder", 1)
    Traceback (most recent call last):
    ValueError: m.npz is minembed encoder v0, and this minembed reads minembed encoder v1: re-create it with this version (train or save it again), or load it with the minembed that wrote it
    """
    expected = f"{kind} v{int(version)}"
    if stamp == expected:
        return
    if stamp.startswith(kind + " v"):
        raise ValueError(f"{path} is {stamp}, and this minembed reads {expected}: re-create it with this "
                         "version (train or save it again), or load it with the minembed that wrote it")
    raise ValueError(f"{path} is not {what} in the format this minembed reads ({expected}): it has "
                     f"{'the stamp ' + repr(stamp) if stamp else 'no format stamp'} (a file of a development "
                     "version, or another kind of file); re-create it with this version")


def save_npy(path, array):
    """``np.save`` of one array, atomically (the name is kept exactly; no ``.npy`` is appended)."""
    import numpy as np
    with atomic_write(path, "wb") as f:
        np.save(f, array)


class LockHeld(OSError):
    """Another live process holds the lock; ``holder`` is the pid it wrote (or "unknown")."""

    def __init__(self, path, holder):
        super().__init__(f"{path} is locked by process {holder}")
        self.holder = holder


def lock_file(path):
    """Take an exclusive ``flock`` on ``path`` (created if needed), write our pid in it, and
    return the open file (the lock lasts while it is open); raise :class:`LockHeld` if a live
    process holds it. Returns None where ``fcntl`` does not exist (Windows): no lock.

    The operating system releases an flock when its process ends, however it ends, so a lock
    left by a dead process is simply taken over. A process that locked a file another one had
    just deleted (:func:`unlock_file`) sees that the inode changed and tries again.
    """
    try:
        import fcntl
    except ImportError:
        return None
    while True:
        handle = open(path, "a+")
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            handle.seek(0)
            holder = handle.read().strip() or "unknown"
            handle.close()
            raise LockHeld(path, holder) from None
        try:
            if os.fstat(handle.fileno()).st_ino == os.stat(path).st_ino:
                break                                   # the file we locked is still the lock file
        except FileNotFoundError:
            pass
        handle.close()
    handle.seek(0)
    handle.truncate()
    handle.write(f"{os.getpid()}\n")
    handle.flush()
    return handle


def unlock_file(handle):
    """Delete the lock file and release the lock (the unlink first, while still holding it)."""
    with contextlib.suppress(OSError):
        os.remove(handle.name)
    handle.close()


def read_labelled_texts(path):
    """A ``label<TAB>text`` file (one example per line) -> ``(texts, labels)``, two lists of str.

    A first line ``label<TAB>text`` is a header and skipped; blank lines are skipped; the text is
    everything after the first TAB. A line without a TAB, an empty label or text, bytes that are not
    UTF-8, or a file with no examples or only one class raise a ValueError naming the line.
    """
    texts, labels = [], []
    with open(path, "rb") as f:
        for number, raw in enumerate(f, start=1):
            try:
                line = raw.decode("utf-8").rstrip("\r\n")
            except UnicodeDecodeError as err:
                raise ValueError(f"{path}, line {number}: not UTF-8 (byte {raw[err.start]:#04x} at column "
                                 f"{err.start + 1}); convert the file to UTF-8 (e.g. iconv -t utf-8)") from None
            if not line.strip() or (number == 1 and line.strip().lower() == "label\ttext"):
                continue
            label, tab, text = line.partition("\t")
            if not tab:
                raise ValueError(f"{path}, line {number}: no TAB; each line must be label<TAB>text, got {line[:60]!r}")
            if not label.strip() or not text.strip():
                raise ValueError(f"{path}, line {number}: empty {'label' if not label.strip() else 'text'}; "
                                 "each line must be label<TAB>text with both parts present")
            labels.append(label.strip())
            texts.append(text)
    if not texts:
        raise ValueError(f"{path} has no examples; it must hold label<TAB>text lines")
    if len(set(labels)) < 2:
        raise ValueError(f"{path}: every example has the label {labels[0]!r}; a classifier needs two or more classes")
    return texts, labels
