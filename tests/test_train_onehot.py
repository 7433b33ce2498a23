"""train.py onehot: the files it writes, and one-line errors with exit code 2 for bad input."""
import json
import os
import subprocess
import sys

import pytest

from minembed import Vocabulary
from minembed.text.tokenize import LETTERS

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, REPO)
import train  # noqa: E402  (train.py lives at the repository root)

# tokens: [the cat sat on the mat] [the dog sat] [] [a cat] -> 11 tokens, 3 documents
# counts: the 3, cat 2, sat 2, a 1, dog 1, mat 1, on 1
TEXT = "The cat sat on the mat.\nthe dog sat\n\nA cat!\n"


@pytest.fixture
def corpus_dir(tmp_path):
    directory = tmp_path / "corpus"
    directory.mkdir()
    (directory / "a.txt").write_text(TEXT, encoding="utf-8")
    (directory / "README.md").write_text("not part of the corpus\n", encoding="utf-8")
    return directory


def read_json(path):
    with open(path, encoding="utf-8") as f:
        return json.load(f)


def test_onehot_writes_config_vocab_and_metrics(corpus_dir, tmp_path, capsys):
    out = tmp_path / "run"
    assert train.main(["onehot", "--corpus", str(corpus_dir), "--out", str(out), "--seed", "7"]) == 0
    assert sorted(os.listdir(out)) == ["config.json", "metrics.json", "vocab.tsv"]

    config = read_json(out / "config.json")
    assert config["model"] == "onehot" and config["seed"] == 7
    assert config["settings"]["corpus"] == str(corpus_dir)
    assert config["settings"]["min_count"] == 1 and config["settings"]["max_vocab"] is None
    assert config["settings"]["binary"] is False
    assert config["tokenizer"] == {"pattern": LETTERS, "lowercase": True, "normalize": "NFC"}
    assert {"minembed", "python", "numpy", "tqdm"} <= set(config["versions"])

    vocab = Vocabulary.load(out / "vocab.tsv")
    assert vocab.itos == ["the", "cat", "sat", "a", "dog", "mat", "on"]
    assert vocab.counts.tolist() == [3, 2, 2, 1, 1, 1, 1]

    metrics = read_json(out / "metrics.json")
    assert metrics["vocab_size"] == 7 and metrics["n_tokens"] == 11 and metrics["n_documents"] == 3
    assert metrics["oov_rate"] == 0.0
    assert metrics["top_words"] == ["the", "cat", "sat", "a", "dog", "mat", "on"]
    # distinct words per document: 5 + 3 + 2 = 10 non-zeros in 3 x 7 cells
    assert metrics["bag_of_words"] == {"shape": [3, 7], "nnz": 10, "sparsity": pytest.approx(1 - 10 / 21)}
    assert metrics["seconds"] >= 0

    printed = capsys.readouterr().out
    assert "20 most frequent words: the cat sat a dog mat on" in printed
    assert "out-of-vocabulary rate 0.00%" in printed


def test_onehot_min_count_and_max_vocab(corpus_dir, tmp_path):
    out = tmp_path / "run"
    assert train.main(["onehot", "--corpus", str(corpus_dir), "--out", str(out), "--min-count", "2"]) == 0
    metrics = read_json(out / "metrics.json")
    assert metrics["top_words"] == ["the", "cat", "sat"]
    assert metrics["n_tokens"] == 7 and metrics["n_documents"] == 3
    assert metrics["oov_rate"] == pytest.approx(4 / 11)          # on, mat, dog, a
    assert read_json(out / "config.json")["settings"]["min_count"] == 2
    assert train.main(["onehot", "--corpus", str(corpus_dir), "--out", str(out), "--overwrite",
                       "--max-vocab", "2"]) == 0
    assert Vocabulary.load(out / "vocab.tsv").itos == ["the", "cat"]


def test_existing_output_directory_needs_overwrite(corpus_dir, tmp_path, capsys):
    out = tmp_path / "run"
    out.mkdir()
    (out / "keep.txt").write_text("x", encoding="utf-8")
    args = ["onehot", "--corpus", str(corpus_dir), "--out", str(out)]
    assert train.main(args) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "already exists and is not empty" in err and "--overwrite" in err
    assert not (out / "vocab.tsv").exists()
    assert train.main(args + ["--overwrite"]) == 0
    assert (out / "vocab.tsv").exists()
    empty = tmp_path / "empty_out"
    empty.mkdir()
    assert train.main(["onehot", "--corpus", str(corpus_dir), "--out", str(empty)]) == 0


@pytest.mark.parametrize("option, value", [("--min-count", "0"), ("--max-vocab", "0"), ("--min-count", "-3")])
def test_non_positive_options_are_usage_errors(corpus_dir, tmp_path, capsys, option, value):
    code = train.main(["onehot", "--corpus", str(corpus_dir), "--out", str(tmp_path / "r"), option, value])
    assert code == 2
    err = capsys.readouterr().err
    assert err == f"error: {option} must be > 0, got {value}\n"


@pytest.mark.parametrize("content, message", [
    (b"", "contains no tokens"),
    (b"  \n\t\n", "contains no tokens"),
    (b"ok\n\xff\xfe bad\n", "byte 3 is not valid UTF-8"),
    (b"rare words only\n", "empty after min_count=5"),
])
def test_bad_corpora_are_one_line_errors(tmp_path, capsys, content, message):
    path = tmp_path / "bad.txt"
    path.write_bytes(content)
    assert train.main(["onehot", "--corpus", str(path), "--out", str(tmp_path / "r"), "--min-count", "5"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: ") and err.count("\n") == 1 and message in err


def test_missing_corpus_exits_2_with_one_line_and_no_traceback(tmp_path):
    missing = tmp_path / "no" / "such" / "corpus.txt"
    env = {k: v for k, v in os.environ.items() if k != "MINEMBED_DEBUG"}
    done = subprocess.run([sys.executable, os.path.join(REPO, "train.py"), "onehot", "--corpus", str(missing),
                           "--out", str(tmp_path / "run")], capture_output=True, text=True, env=env, cwd=tmp_path,
                          timeout=120)
    assert done.returncode == 2
    assert "Traceback" not in done.stderr
    lines = done.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ") and str(missing) in lines[0]


def test_version_prints_minembed_and_exits_0(capsys):
    import minembed
    assert train.main(["--version"]) == 0
    assert capsys.readouterr().out.startswith(f"minembed {minembed.__version__} (Python ")
