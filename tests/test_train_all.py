"""train.py all: every model on a tiny corpus, the side-by-side comparison, report.md and its pictures."""
import os
import sys
import xml.etree.ElementTree as ET

import numpy as np
import pytest

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, REPO)
import train  # noqa: E402  (train.py lives at the repository root)

TINY = {  # small settings: the whole run takes a few seconds
    "onehot": [],
    "tfidf": ["--min-df", "1"],
    "word2vec": ["--epochs", "1", "--min-count", "1", "--dim", "16", "--sample", "0"],
    "encoder": ["--steps", "4", "--min-count", "1", "--dim", "16", "--ff-dim", "32", "--max-len", "16",
                "--batch-size", "4", "--eval-every", "4", "--checkpoint-every", "4"],
}
WORDS = ("man woman king queen father mother brother sister husband wife son daughter uncle aunt gentleman "
         "lady two three four five morning evening night letter door eyes happy kind good what of is he she "
         "was very to her a").split()


@pytest.fixture
def tiny(tmp_path, monkeypatch):
    """A corpus of 120 random lines over WORDS, and every model's preset made tiny."""
    rng = np.random.default_rng(0)
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    lines = [" ".join(rng.choice(WORDS, size=12)) for _ in range(120)]
    (corpus / "tiny.txt").write_text("\n".join(lines) + "\n", encoding="utf-8")
    for name, preset in TINY.items():
        if name in train.MODELS:
            add_args, run, _ = train.MODELS[name]
            monkeypatch.setitem(train.MODELS, name, (add_args, run, preset))
    return corpus


def run_all(corpus, out):
    return train.main(["all", "--corpus", str(corpus), "--out", str(out)])


def test_all_trains_every_model_and_writes_the_report(tiny, tmp_path, capsys):
    out = tmp_path / "all"
    assert run_all(tiny, out) == 0
    printed = capsys.readouterr().out
    for name in train.MODELS:
        assert os.path.exists(out / name / "config.json"), name
    assert "none: cosine 0 with every other word" in printed           # the one-hot lesson
    assert "cosine 1.000" in printed                                     # static vectors cannot change
    # one block per compared word, one line per method, 5 neighbours each
    block = printed[printed.index("\nsister\n"):]
    for method in train.MODELS:
        line = next(line for line in block.splitlines() if line.strip().startswith(train.METHOD_TITLES[method]))
        if method != "onehot":
            assert len(line.split(train.METHOD_TITLES[method], 1)[1].split(",")) == 5, line

    report = (out / "report.md").read_text(encoding="utf-8")
    assert "held-out masked-token accuracy" in report and "last epoch loss" in report
    assert "| word | one-hot | TF-IDF | word2vec | encoder |" in report
    for word in train.COMPARE_WORDS:
        assert f"| **{word}** |" in report
    assert "## One word, several sentences" in report and "| *kind* |" in report
    assert "## Fill in the blank" in report and "*she opened the [MASK] and walked into the room*: " in report
    assert "token embeddings start from" in printed                      # the encoder builds on word2vec
    pictures = [line.split("](")[1].rstrip(")") for line in report.splitlines() if line.startswith("![")]
    assert sorted(pictures) == sorted(["tfidf/pca.svg", "word2vec/pca.svg", "encoder/pca.svg",
                                       "encoder/attention.svg"])
    for picture in pictures:
        root = ET.parse(out / picture).getroot()                         # well-formed SVG
        assert root.tag.endswith("svg")
    scatter = ET.parse(out / "word2vec" / "pca.svg").getroot()
    labels = [t.text for t in scatter.iter("{http://www.w3.org/2000/svg}text")]
    assert {"king", "queen", "man", "woman", "five"} <= set(labels)


def test_contextual_cosines_are_measured_not_assumed(tiny, tmp_path, monkeypatch):
    captured = {}
    compare = train.contextual_comparison
    monkeypatch.setattr(train, "contextual_comparison", lambda results: captured.setdefault("c", compare(results)))
    assert run_all(tiny, tmp_path / "all") == 0
    cosines = np.array(captured["c"]["triples"][0]["cosines"])
    assert cosines.shape == (3, 3)
    np.testing.assert_allclose(np.diag(cosines), 1.0, rtol=1e-5)
    assert np.all(cosines[~np.eye(3, dtype=bool)] < 0.9999)             # context changes the vector
    A = captured["c"]["attention"]
    np.testing.assert_allclose(A.sum(axis=1), 1.0, rtol=1e-5)


def test_missing_probe_words_are_reported_and_skipped(tiny, tmp_path, monkeypatch, capsys):
    monkeypatch.setattr(train, "COMPARE_WORDS", ("zebra", "a", "sister"))
    assert run_all(tiny, tmp_path / "all") == 0
    printed = capsys.readouterr().out
    assert "probe word 'zebra' is in no model's vocabulary; skipped" in printed
    report = (tmp_path / "all" / "report.md").read_text(encoding="utf-8")
    assert "**zebra**" not in report and "| **sister** |" in report
    # "a" is a word for the letter tokenizer, but too short for TF-IDF's 2+ character pattern
    a_row = next(line for line in report.splitlines() if line.startswith("| **a** |"))
    assert a_row.split(" | ")[2] == "(not in vocabulary)"


def test_all_runs_without_a_model(tiny, tmp_path, monkeypatch, capsys):
    monkeypatch.delitem(train.MODELS, "tfidf")
    monkeypatch.setattr(train, "AMBIGUOUS", (("zebra", ("a zebra", "the zebra", "zebra")),))
    assert run_all(tiny, tmp_path / "all") == 0
    printed = capsys.readouterr().out
    assert "the ambiguous word 'zebra' is not in the encoder's vocabulary; its sentences are skipped" in printed
    assert "no ambiguous word is in the encoder's vocabulary; contextual comparison skipped" in printed
    report = (tmp_path / "all" / "report.md").read_text(encoding="utf-8")
    assert "| word | one-hot | word2vec | encoder |" in report and "tfidf/pca.svg" not in report
    assert "attention.svg" not in report


def test_the_sense_sentence_follows_the_cosines():
    def triple(word, ac, ab, bc):
        return {"word": word, "cosines": [[1, ab, ac], [ab, 1, bc], [ac, bc, 1]], "separated": ac > max(ab, bc)}
    good = {"triples": [triple("kind", 0.9, 0.5, 0.6), triple("miss", 0.8, 0.7, 0.1), triple("case", 0.2, 0.9, 0.3)]}
    assert train.sense_summary(good) == ("The encoder puts the two same-sense uses closest for 2 of 3 words "
                                         "(kind, miss); not for case.")
    bad = {"triples": [triple("kind", 0.1, 0.5, 0.6), triple("miss", 0.8, 0.7, 0.1), triple("case", 0.2, 0.9, 0.3)]}
    summary = train.sense_summary(bad)
    assert summary.startswith("The encoder puts the two same-sense uses closest for 1 of 3 words (miss); "
                              "not for kind, case.")
    assert "no better than chance" in summary and "has not learned these senses" in summary
    assert "chance" not in train.sense_summary(good)


def test_encoder_init_from_needs_vectors_of_its_dim(tiny, tmp_path, capsys):
    vectors = tmp_path / "v.txt"
    vectors.write_text("2 3\nking 1 0 0\nqueen 0 1 0\n", encoding="utf-8")
    code = train.main(["encoder", "--corpus", str(tiny), "--out", str(tmp_path / "e"), "--dim", "16",
                       "--init-from", str(vectors)] + TINY["encoder"][:2])
    assert code == 2
    assert "the vectors have dim 3 but the encoder has dim=16" in capsys.readouterr().err
    code = train.main(["encoder", "--corpus", str(tiny), "--out", str(tmp_path / "f"), "--init-from",
                       str(tmp_path / "missing.txt")])
    assert code == 2 and "--init-from file not found" in capsys.readouterr().err


def test_what_the_encoder_learned_is_said_from_its_numbers():
    from minembed import Vocabulary
    frequent = ["the", "a", "of"] + [f"filler{i}" for i in range(47)]             # the 50 most frequent
    vocab = Vocabulary.build([frequent * 10 + ["door", "window"]]).with_specials()
    results = {"encoder": {"vocab": vocab, "metrics": {"heldout": {"accuracy": 0.2}, "baseline_accuracy": 0.08,
                                                       "baseline_token": "the"}}}
    mostly_short = {"fill_mask": [("x [MASK]", [("the", 0.2), ("a", 0.1), ("door", 0.05), ("of", 0.01)])]}
    text = train.learned_summary(results, mostly_short)
    assert text.startswith("It guesses 20.0% of held-out masked words, 2.5 times the 8.0% of always guessing 'the'.")
    assert "75% of its fill-in-the-blank guesses above are among the 50 most frequent words: it has learned mostly" in text
    content = {"fill_mask": [("x [MASK]", [("door", 0.2), ("window", 0.1), ("the", 0.05)])]}
    assert "33% of its fill-in-the-blank guesses" in train.learned_summary(results, content)
    assert "the rest are rarer, content words" in train.learned_summary(results, content)
