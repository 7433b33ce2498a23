"""The same train.py command with the same seed writes the same bytes; another seed does not.

word2vec runs in two fresh processes with different PYTHONHASHSEED values, so nothing may
depend on set or dict-of-str hash order; the other models run in-process. config.json must
record every setting, the seed and the package versions.
"""
import argparse
import json
import os
import subprocess
import sys

import numpy as np
import pytest

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, REPO)
import train  # noqa: E402
from minembed.cli.common import add_common_args  # noqa: E402
from minembed.cli.registry import RUNNERS  # noqa: E402

ALICE = os.path.join(REPO, "corpora", "pg11_alice_in_wonderland.txt")
COMMANDS = {    # small settings, a few seconds in all
    "onehot": ["--min-count", "2"],
    "tfidf": ["--min-df", "2"],
    "word2vec": ["--min-count", "2", "--dim", "12", "--epochs", "2", "--batch-size", "256"],
    "encoder": ["--min-count", "2", "--dim", "8", "--ff-dim", "16", "--max-len", "16", "--steps", "12",
                "--batch-size", "4", "--eval-every", "6", "--checkpoint-every", "4"],
}
ARTIFACTS = {"onehot": ["vocab.tsv"], "tfidf": ["idf.npy", "vocab.tsv"], "word2vec": ["vectors.txt", "vocab.tsv"],
             "encoder": ["vectors.txt", "vocab.tsv"]}


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    """The first 600 lines of Alice in Wonderland (about 5k words)."""
    if not os.path.exists(ALICE):
        pytest.skip("the shipped corpus is missing")
    with open(ALICE, encoding="utf-8") as f:
        lines = [next(f) for _ in range(600)]
    path = tmp_path_factory.mktemp("corpus") / "alice600.txt"
    path.write_text("".join(lines), encoding="utf-8")
    return str(path)


def models():
    return [pytest.param(name, marks=pytest.mark.skipif(name not in RUNNERS, reason=f"no {name} in train.py"))
            for name in COMMANDS]


def run(model, corpus, out, seed=1):
    assert train.main([model, *COMMANDS[model], "--corpus", corpus, "--out", str(out), "--seed", str(seed)]) == 0
    return out


def run_in_new_process(model, corpus, out, hash_seed):
    env = {**os.environ, "PYTHONHASHSEED": str(hash_seed)}
    done = subprocess.run([sys.executable, "train.py", model, *COMMANDS[model], "--corpus", corpus, "--out", str(out)],
                          cwd=REPO, env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    return out


def read_json(path):
    with open(path, encoding="utf-8") as f:
        return json.load(f)


def without_timings(value):
    """metrics.json minus everything measured in seconds or per second."""
    if isinstance(value, dict):
        return {k: without_timings(v) for k, v in value.items()
                if not any(t in k for t in ("seconds", "per_sec", "per_second"))}
    if isinstance(value, list):
        return [without_timings(v) for v in value]
    return value


@pytest.mark.parametrize("model", models())
def test_same_command_same_seed_same_bytes(model, corpus, tmp_path):
    if model == "word2vec":
        first = run_in_new_process(model, corpus, tmp_path / "first", hash_seed=1)
        second = run_in_new_process(model, corpus, tmp_path / "second", hash_seed=2)
    else:
        first, second = run(model, corpus, tmp_path / "first"), run(model, corpus, tmp_path / "second")
    for name in ARTIFACTS[model]:
        assert (first / name).read_bytes() == (second / name).read_bytes(), name
    assert without_timings(read_json(first / "metrics.json")) == without_timings(read_json(second / "metrics.json"))
    if model == "encoder":                           # .npz (zip) files carry timestamps: compare the arrays
        with np.load(first / "encoder.npz") as a, np.load(second / "encoder.npz") as b:
            assert a.files == b.files
            for key in a.files:
                np.testing.assert_array_equal(a[key], b[key], err_msg=key)


@pytest.mark.parametrize("model", ["word2vec", "encoder"])
def test_another_seed_gives_other_vectors(model, corpus, tmp_path):
    one, two = run(model, corpus, tmp_path / "one", seed=1), run(model, corpus, tmp_path / "two", seed=2)
    assert (one / "vocab.tsv").read_bytes() == (two / "vocab.tsv").read_bytes()     # the data are the same
    assert (one / "vectors.txt").read_bytes() != (two / "vectors.txt").read_bytes()


def model_defaults(model):
    """Every option of ``train.py MODEL`` with its default, from the same functions train.py uses."""
    add_args = RUNNERS[model].add_args
    parser = argparse.ArgumentParser()
    add_common_args(parser, model)
    add_args(parser)
    return vars(parser.parse_args([]))


@pytest.mark.parametrize("model", models())
def test_config_records_every_setting_the_seed_and_versions(model, corpus, tmp_path):
    out = run(model, corpus, tmp_path / "run", seed=7)
    config = read_json(out / "config.json")
    settings = config["settings"]
    assert config["model"] == model and config["seed"] == 7 and settings["seed"] == 7
    assert set(model_defaults(model)) <= set(settings), "options missing from config.json"
    given = COMMANDS[model]
    for option, value in zip(given[::2], given[1::2]):
        assert str(settings[option[2:].replace("-", "_")]) == value
    assert settings["corpus"] == corpus and settings["out"] == str(out)
    assert {"minembed", "python", "numpy", "tqdm"} <= set(config["versions"])
    assert config["versions"]["numpy"] == np.__version__
    assert config["tokenizer"]["pattern"] and "lowercase" in config["tokenizer"]


def test_the_encoders_mask_frequency_power_reaches_training_and_changes_the_vectors(corpus, tmp_path):
    bert = run("encoder", corpus, tmp_path / "bert")
    assert train.main(["encoder", *COMMANDS["encoder"], "--mask-frequency-power", "0.5", "--corpus", corpus,
                       "--out", str(tmp_path / "weighted"), "--seed", "1"]) == 0
    assert read_json(tmp_path / "weighted" / "config.json")["settings"]["mask_frequency_power"] == 0.5
    with open(bert / "vectors.txt", encoding="utf-8") as a, \
            open(tmp_path / "weighted" / "vectors.txt", encoding="utf-8") as b:
        assert a.read() != b.read()                 # rarer words predicted, other vectors


def test_the_encoders_mask_split_reaches_training_and_changes_the_vectors(corpus, tmp_path):
    bert = run("encoder", corpus, tmp_path / "bert")
    assert train.main(["encoder", *COMMANDS["encoder"], "--mask-split", "0.8", "0", "0.2", "--corpus", corpus,
                       "--out", str(tmp_path / "cramming"), "--seed", "1"]) == 0
    assert read_json(tmp_path / "cramming" / "config.json")["settings"]["mask_split"] == [0.8, 0.0, 0.2]
    with open(bert / "vectors.txt", encoding="utf-8") as a, \
            open(tmp_path / "cramming" / "vectors.txt", encoding="utf-8") as b:
        assert a.read() != b.read()                 # another split, other masks, other vectors
