"""Every file minembed writes is written atomically: a crash half way leaves the previous file.

All writers go through minembed.core.fileio.atomic_write (temporary file in the same directory,
renamed over the destination when complete). The failure is injected inside the file object
itself: writes pass through until half of the new file's bytes are written, then the next
write raises (a full disk, or Ctrl-C). The destination must still hold the previous bytes,
and no temporary file may be left behind.
"""
import errno
import os
import re

import numpy as np
import pytest

from minembed import AttentionEncoder, KeyedVectors, Vocabulary
from minembed.core import fileio
from minembed.plot.viz import scatter_svg
from minembed.text.vocab import MASK, PAD, UNK

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


class FailingFile:
    """A file object that writes ``budget`` bytes (or characters), then raises ``error``."""

    def __init__(self, file, budget, error):
        self._file, self._budget, self._error = file, budget, error

    def write(self, data):
        if len(data) > self._budget:
            self._file.write(data[:self._budget])           # the part that fits, as a real disk would
            self._budget = 0
            raise self._error
        self._budget -= len(data)
        return self._file.write(data)

    def __getattr__(self, name):                             # seek, tell, flush, fileno, ...
        return getattr(self._file, name)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return self._file.__exit__(*exc)


class OsWithFailingFiles:
    """Stands in for the ``os`` module inside minembed.core.fileio: files it opens fail half way."""

    def __init__(self, budget, error):
        self.budget, self.error = budget, error

    def fdopen(self, fd, *args, **kwargs):
        return FailingFile(os.fdopen(fd, *args, **kwargs), self.budget, self.error)

    def __getattr__(self, name):
        return getattr(os, name)


def table(n_words, seed):
    rng = np.random.default_rng(seed)
    return KeyedVectors([f"w{i}" for i in range(n_words)], rng.standard_normal((n_words, 5)))


def encoder(seed):
    vocab = Vocabulary.build([["the", "cat", "sat", "on", "the", "mat"]]).with_specials((PAD, UNK, MASK))
    return AttentionEncoder(vocab, dim=8, ff_dim=8, max_len=8, seed=seed)


# name -> (file name, write(path, version)); version 0 is the previous file, version 1 the new one
WRITERS = {
    "Vocabulary.save": ("vocab.tsv", lambda path, v: Vocabulary.build(
        [["old"] * 3, ["x"]] if v == 0 else [[f"new{i}" for i in range(3000)]]).save(path)),
    "save_word2vec_format text": ("vectors.txt", lambda path, v: table(10 + 9000 * v, v)
                                  .save_word2vec_format(path)),
    "save_word2vec_format binary": ("vectors.bin", lambda path, v: table(10 + 9000 * v, v)
                                    .save_word2vec_format(path, binary=True)),
    "write_json": ("metrics.json", lambda path, v: fileio.write_json(path, {"loss": list(range(1 + 5000 * v))})),
    "save_npz": ("checkpoint.npz", lambda path, v: fileio.save_npz(path, a=np.arange(10 + 100_000 * v))),
    "save_npy": ("idf.npy", lambda path, v: fileio.save_npy(path, np.arange(10 + 100_000 * v, dtype=float))),
    "AttentionEncoder.save": ("encoder.npz", lambda path, v: encoder(v).save(path)),
    "scatter_svg": ("pca.svg", lambda path, v: scatter_svg(np.arange(4 + 400 * v).reshape(-1, 2) * 1.0,
                                                           [f"p{i}" for i in range(2 + 200 * v)], path)),
}


@pytest.mark.parametrize("error", [OSError(errno.ENOSPC, "No space left on device"), KeyboardInterrupt()],
                         ids=["disk full", "Ctrl-C"])
@pytest.mark.parametrize("writer", WRITERS)
def test_a_crash_half_way_leaves_the_previous_file(tmp_path, monkeypatch, writer, error):
    name, write = WRITERS[writer]
    write(tmp_path / "scratch", 1)                            # how big is the new file?
    new_size = (tmp_path / "scratch").stat().st_size
    os.remove(tmp_path / "scratch")
    path = tmp_path / name
    write(path, 0)
    previous = path.read_bytes()

    monkeypatch.setattr(fileio, "os", OsWithFailingFiles(new_size // 2, error))
    with pytest.raises(type(error)):
        write(path, 1)
    monkeypatch.undo()

    assert path.read_bytes() == previous
    assert os.listdir(tmp_path) == [name], "a temporary file was left behind"
    write(path, 1)                                            # and without the failure it works
    assert path.stat().st_size == new_size


def test_a_crash_leaves_no_file_when_there_was_none(tmp_path, monkeypatch):
    monkeypatch.setattr(fileio, "os", OsWithFailingFiles(5, OSError(errno.EIO, "I/O error")))
    with pytest.raises(OSError, match="I/O error"):
        fileio.write_json(tmp_path / "metrics.json", {"a": list(range(100))})
    assert os.listdir(tmp_path) == []


def test_written_files_get_the_permissions_open_would_give(tmp_path):
    umask = os.umask(0o022)
    os.umask(umask)
    fileio.write_json(tmp_path / "new.json", {})
    assert (tmp_path / "new.json").stat().st_mode & 0o777 == 0o666 & ~umask    # not mkstemp's 0o600
    os.chmod(tmp_path / "new.json", 0o640)
    fileio.write_json(tmp_path / "new.json", {"again": 1})
    assert (tmp_path / "new.json").stat().st_mode & 0o777 == 0o640             # a replaced file keeps its mode


WRITE_CALL = re.compile(r"""\bopen\([^)]*["'][wax][bt]?\+?["']|mode=["'][wax]|\bnp\.(save|savez|savez_compressed|"""
                        r"""savetxt)\(|\.tofile\(|\b(json|pickle)\.dump\(|\.write_(text|bytes)\(""")


def test_nothing_writes_a_file_except_through_fileio():
    """A static check, so that a new module cannot forget: no open(..., "w"), np.save, np.savez,
    json.dump, ... in minembed/ or train.py outside fileio.py (calling the atomic helpers is fine)."""
    sources = [os.path.join(REPO, "train.py")] + sorted(
        os.path.join(folder, name) for folder, _, names in os.walk(os.path.join(REPO, "minembed"))
        for name in names if name.endswith(".py") and name != "fileio.py")
    offenders = []
    for source in sources:
        with open(source, encoding="utf-8") as f:
            for line_no, line in enumerate(f, start=1):
                code = line.split("#")[0]
                if WRITE_CALL.search(code):
                    offenders.append(f"{os.path.relpath(source, REPO)}:{line_no}: {line.strip()}")
    assert not offenders, "write through minembed.core.fileio instead:\n" + "\n".join(offenders)
