"""fileio.save_npz writes what np.savez writes (np.load reads it back array for array), in slices."""
import numpy as np
import pytest

from minembed.core import fileio

ARRAYS = {
    "table": np.arange(21, dtype=np.float32).reshape(7, 3) / 7,
    "text": np.array('{"a": "h\u00e9llo"}'),                          # 0-d, as the JSON states are
    "words": np.array(["a", "bcd", "\u00e9t\u00e9"]),
    "flags": np.array([True, False, True]),
    "empty": np.zeros((0, 4), dtype=np.int64),
    "fortran": np.asfortranarray(np.arange(12.0).reshape(3, 4)),
    "strided": np.arange(40, dtype=np.int32)[::3],
    "not contiguous": np.arange(24.0).reshape(4, 6)[::2, 1::2],
    "big-endian": np.arange(5, dtype=">i4"),
    "field names beyond Latin-1": np.zeros(3, dtype=[("\u540d", "<f4"), ("x", "<i2")]),   # .npy format 3.0
}


@pytest.mark.filterwarnings("ignore:Stored array in format 3.0")      # (NumPy's note on the Latin-1 case)
@pytest.mark.parametrize("slice_bytes", [1, 7, 1 << 20], ids=["1 byte", "7 bytes", "1 MiB"])
def test_save_npz_round_trips_like_np_savez(tmp_path, monkeypatch, slice_bytes):
    monkeypatch.setattr(fileio, "NPZ_SLICE_BYTES", slice_bytes)
    fileio.save_npz(tmp_path / "ours.npz", **ARRAYS)
    np.savez(tmp_path / "numpy.npz", **ARRAYS)
    with np.load(tmp_path / "ours.npz") as ours, np.load(tmp_path / "numpy.npz") as theirs:
        assert ours.files == theirs.files == list(ARRAYS)
        for name in ARRAYS:
            assert ours[name].dtype == theirs[name].dtype, name
            assert ours[name].shape == theirs[name].shape, name
            np.testing.assert_array_equal(ours[name], theirs[name])


@pytest.mark.filterwarnings("ignore:Stored array in format 3.0")
def test_load_npz_returns_what_save_npz_wrote(tmp_path):
    fileio.save_npz(tmp_path / "a.npz", **ARRAYS)
    loaded = fileio.load_npz(tmp_path / "a.npz", "a test file", required=("table", "text"))
    assert loaded["text"].item() == '{"a": "h\u00e9llo"}'
    np.testing.assert_array_equal(loaded["strided"], [0, 3, 6, 9, 12, 15, 18, 21, 24, 27, 30, 33, 36, 39])


def test_save_npz_refuses_object_arrays_and_leaves_no_file(tmp_path):
    with pytest.raises(TypeError, match="Python objects"):
        fileio.save_npz(tmp_path / "a.npz", words=np.array(["a", None], dtype=object))
    assert list(tmp_path.iterdir()) == []


def test_save_npz_takes_arrays_by_name_only(tmp_path):
    with pytest.raises(TypeError):
        fileio.save_npz(tmp_path / "a.npz", np.arange(3))            # (np.savez would call it arr_0)


def test_a_versioned_npz_round_trips_and_another_version_gets_one_clear_error(tmp_path):
    path = tmp_path / "model.npz"
    fileio.save_npz(path, file_format=("minembed toy", 2), weights=np.arange(3.0))
    arrays = fileio.load_npz(path, "a toy model", ("weights",), file_format=("minembed toy", 2))
    assert set(arrays) == {"weights"} and arrays["weights"].tolist() == [0.0, 1.0, 2.0]
    with pytest.raises(ValueError, match=r"is minembed toy v2, and this minembed reads minembed toy v3"):
        fileio.load_npz(path, "a toy model", file_format=("minembed toy", 3))
    fileio.save_npz(path, weights=np.arange(3.0))                                  # no stamp at all
    with pytest.raises(ValueError, match=r"no format stamp .*re-create it"):
        fileio.load_npz(path, "a toy model", file_format=("minembed toy", 2))


def test_an_npz_whose_array_header_claims_more_than_the_file_holds_is_refused_before_allocating(tmp_path):
    """A header that says 10^12 float64s (8 TB) in a file of a few hundred bytes: a ValueError naming
    the array, not NumPy's MemoryError (nor, on a machine that overcommits, memory filling up)."""
    import zipfile
    path = tmp_path / "model.npz"
    fileio.save_npz(path, weights=np.arange(4.0))
    with zipfile.ZipFile(path) as archive:
        data = archive.read("weights.npy")
    header_len = int.from_bytes(data[8:10], "little")                # format 1.0: magic (8), length (2)
    header = data[10:10 + header_len].rstrip().replace(b"'shape': (4,)", b"'shape': (1000000000000,)")
    padded = header.ljust(((10 + len(header) + 1 + 63) // 64) * 64 - 10 - 1) + b"\n"   # 64-byte aligned
    lied = data[:8] + len(padded).to_bytes(2, "little") + padded + data[10 + header_len:]
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("weights.npy", lied)
    with pytest.raises(ValueError, match=r"'weights' claims shape \(1000000000000,\) of float64 "
                                         r"\(8,000,000,000,000 bytes\) but the file holds 32 bytes"):
        fileio.load_npz(path, "a toy model")
