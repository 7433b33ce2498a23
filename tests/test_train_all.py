"""train.py all: every model on a tiny corpus, the side-by-side comparison, report.md and its pictures."""
import dataclasses
import os
import sys
import xml.etree.ElementTree as ET

import numpy as np
import pytest

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, REPO)
import train  # noqa: E402  (train.py lives at the repository root)
from minembed.cli import encoder as encoder_runner, registry, senses  # noqa: E402
from minembed.cli import pictures as pictures_module  # noqa: E402
from minembed.cli.pictures import ARROW_LEGEND, pca_sentence  # noqa: E402
from minembed.cli import report as report_module  # noqa: E402
from minembed.cli import word2vec as word2vec_runner  # noqa: E402
from minembed.cli.common import DEFAULT_CORPUS, RunResult  # noqa: E402

TITLES = {"onehot": "one-hot", "tfidf": "TF-IDF", "word2vec": "word2vec", "encoder": "encoder"}

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
        if name in registry.RUNNERS:
            monkeypatch.setitem(registry.RUNNERS, name, dataclasses.replace(registry.RUNNERS[name], all_preset=preset))
    return corpus


def run_all(corpus, out):
    return train.main(["all", "--corpus", str(corpus), "--out", str(out)])


def test_all_trains_every_model_and_writes_the_report(tiny, tmp_path, capsys):
    out = tmp_path / "all"
    assert run_all(tiny, out) == 0
    printed = capsys.readouterr().out
    for name in TITLES:
        assert os.path.exists(out / name / "config.json"), name
    assert "none: cosine 0 with every other word" in printed           # the one-hot lesson
    assert "cosine 1.000" in printed                                     # static vectors cannot change
    # one block per compared word, one line per method, 5 neighbours each
    block = printed[printed.index("\nsister\n"):]
    for method, title in TITLES.items():
        line = next(line for line in block.splitlines() if line.strip().startswith(title))
        if method != "onehot":
            assert len(line.split(title, 1)[1].split(",")) == 5, line

    report = (out / "report.md").read_text(encoding="utf-8")
    assert "held-out masked-token accuracy" in report and "last epoch loss" in report
    assert "| word | one-hot | TF-IDF | word2vec | encoder |" in report
    for word in report_module.COMPARE_WORDS:
        assert f"| **{word}** |" in report
    assert "## One word, several sentences" in report and "| *kind* |" in report
    assert "## Fill in the blank" in report and "*she opened the [MASK] and walked into the room*: " in report
    assert "token embeddings start from" in printed                      # the encoder builds on word2vec
    pictures = [line.split("](")[1].rstrip(")") for line in report.splitlines() if line.startswith("![")]
    assert sorted(pictures) == sorted(["tfidf/pca.svg", "word2vec/pca.svg", "encoder/pca.svg",
                                       "encoder/attention.svg", "word2vec/loss.svg", "encoder/loss.svg"])
    for picture in pictures:
        root = ET.parse(out / picture).getroot()                         # well-formed SVG
        assert root.tag.endswith("svg")
    scatter = ET.parse(out / "word2vec" / "pca.svg").getroot()
    labels = [t.text for t in scatter.iter("{http://www.w3.org/2000/svg}text")]
    assert {"king", "queen", "man", "woman", "five"} <= set(labels)
    assert any(label.startswith("PC1: ") and label.endswith("% of the variance") for label in labels)
    assert "arrows: " + ARROW_LEGEND in labels

    # the header is the command that ran; the numbers are interpreted; the presets are shown
    typed = report_module.shown_command(["all", "--corpus", str(tiny), "--out", str(out)])
    assert report.splitlines()[2] == f"`{typed}`, that is `{typed} --seed 1`"
    assert "## What the numbers say" in report and "(1+k)·ln 2 = 4.159 with k = 5 negatives" in report
    assert "a uniform guess scores ln V = " in report and "Is the word2vec PCA meaningful" in report
    assert "Why the vocabularies differ in size" in report and "exactly the one-hot words seen that often" in report
    assert "## The settings `all` used" in report
    assert f"| word2vec | `{' '.join(TINY['word2vec'])}` | `python train.py word2vec " in report
    assert "===== what the numbers say =====" in printed and "word2vec's loss is per (centre, context) pair" in printed


def test_options_without_a_model_run_all(tiny, tmp_path):
    out = tmp_path / "given_out"
    assert train.main(["--corpus", str(tiny), "--out", str(out)]) == 0
    report = (out / "report.md").read_text(encoding="utf-8")
    typed = report_module.shown_command(["--corpus", str(tiny), "--out", str(out)])
    assert report.splitlines()[2].startswith(f"`{typed}`, that is `python train.py all --corpus ")
    assert train.main(["--out", str(out), "--no-such-option"]) == 2        # still an error, named by all's parser


def test_the_default_command_is_shown_as_typed_and_as_what_it_means(monkeypatch, tmp_path):
    monkeypatch.chdir(tmp_path)
    args = train.build_parser().parse_args(["all", "--overwrite"])
    args.given = []
    assert report_module.report_command(args) == ("`python train.py`, that is `python train.py all --corpus "
                                          f"{os.path.relpath(DEFAULT_CORPUS)} --out runs/all --seed 1 --overwrite`")
    args.given = ["all", "--out", "runs/all", "--overwrite", "--corpus", DEFAULT_CORPUS]
    assert report_module.report_command(args).startswith("`python train.py all --out runs/all --overwrite --corpus ../")


def test_contextual_cosines_are_measured_not_assumed(tiny, tmp_path, monkeypatch):
    captured = {}
    compare, draw = encoder_runner.contextual_comparison, senses.attention_svg
    monkeypatch.setattr(encoder_runner, "contextual_comparison", lambda enc: captured.setdefault("c", compare(enc)))
    monkeypatch.setattr(senses, "attention_svg", lambda matrix, *a, **k: draw(captured.setdefault("A", matrix), *a, **k))
    assert run_all(tiny, tmp_path / "all") == 0
    cosines = np.array(captured["c"]["triples"][0]["cosines"])
    assert cosines.shape == (3, 3)
    np.testing.assert_allclose(np.diag(cosines), 1.0, rtol=1e-5)
    assert np.all(cosines[~np.eye(3, dtype=bool)] < 0.9999)             # context changes the vector
    np.testing.assert_allclose(captured["A"].sum(axis=1), 1.0, rtol=1e-5)


def test_missing_probe_words_are_reported_and_skipped(tiny, tmp_path, monkeypatch, capsys):
    monkeypatch.setattr(report_module, "COMPARE_WORDS", ("zebra", "a", "sister"))
    assert run_all(tiny, tmp_path / "all") == 0
    printed = capsys.readouterr().out
    assert "probe word 'zebra' is in no model's vocabulary; skipped" in printed
    report = (tmp_path / "all" / "report.md").read_text(encoding="utf-8")
    assert "**zebra**" not in report and "| **sister** |" in report
    # "a" is a word for the letter tokenizer, but too short for TF-IDF's 2+ character pattern
    a_row = next(line for line in report.splitlines() if line.startswith("| **a** |"))
    assert a_row.split(" | ")[2] == "(not in vocabulary)"


def test_all_runs_without_a_model(tiny, tmp_path, monkeypatch, capsys):
    monkeypatch.delitem(registry.RUNNERS, "tfidf")
    monkeypatch.setattr(senses, "AMBIGUOUS", (("zebra", ("a zebra", "the zebra", "zebra")),))
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
    assert senses.sense_summary(good) == ("The encoder puts the two same-sense uses closest for 2 of 3 words "
                                         "(kind, miss); not for case. Chance would do it for about 1 of 3 (a "
                                         "random pair is the closest 1 time in 3).")
    bad = {"triples": [triple("kind", 0.1, 0.5, 0.6), triple("miss", 0.8, 0.7, 0.1), triple("case", 0.2, 0.9, 0.3)]}
    summary = senses.sense_summary(bad)
    assert summary.startswith("The encoder puts the two same-sense uses closest for 1 of 3 words (miss); "
                              "not for kind, case.")
    assert "no better than chance" in summary and "has not learned these senses" in summary
    assert "no better than chance" not in senses.sense_summary(good)


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
    metrics = {"heldout": {"accuracy": 0.2}, "baseline_accuracy": 0.08, "baseline_token": "the"}
    mostly_short = {"fill_mask": [("x [MASK]", [("the", 0.2), ("a", 0.1), ("door", 0.05), ("of", 0.01)])]}
    text = senses.learned_summary(metrics, vocab, mostly_short)
    assert text.startswith("It guesses 20.0% of held-out masked words, 2.5 times the 8.0% of always guessing 'the'.")
    assert "75% of its fill-in-the-blank guesses above are among the 50 most frequent words: it has learned mostly" in text
    content = {"fill_mask": [("x [MASK]", [("door", 0.2), ("window", 0.1), ("the", 0.05)])]}
    assert "33% of its fill-in-the-blank guesses" in senses.learned_summary(metrics, vocab, content)
    assert "the rest are rarer, content words" in senses.learned_summary(metrics, vocab, content)


# ---------------------------------------------------------------------------- the sentences follow the numbers
def test_the_word2vec_loss_sentence_follows_the_losses():
    text = word2vec_runner.word2vec_loss_sentence([3.1, 2.7, 2.469], negative=5)
    assert "(1+k)·ln 2 = 4.159 with k = 5 negatives" in text
    assert text.endswith("It averaged 3.100 in epoch 1 and fell to 2.469 by epoch 3, 59% of the untrained 4.159.")
    assert "(1+k)·ln 2 = 2.079 with k = 2" in word2vec_runner.word2vec_loss_sentence([1.5, 1.2], negative=2)
    flat = word2vec_runner.word2vec_loss_sentence([2.5, 2.6], negative=5)
    assert "It did not fall: 2.500 in epoch 1, 2.600 in epoch 2" in flat and "fell" not in flat
    assert word2vec_runner.word2vec_loss_sentence([3.0], 5).endswith("Its one epoch averaged 3.000, 72% of that start.")
    assert "per centre word" in word2vec_runner.word2vec_loss_sentence([3.0], 5, unit="centre word")


def test_the_encoder_loss_sentence_follows_the_losses():
    ln_v = np.log(6702)                                               # 8.81
    near = encoder_runner.encoder_loss_sentence([8.9] + [5.0] * 99, 6702)
    assert "V = 6,702 tokens; a uniform guess scores ln V = 8.81. Its first step scored 8.90, near ln V" in near
    assert "The mean of its last 50 training batches is 5.00: perplexity e^5.00 ≈ 148, as unsure as a uniform " \
           "choice among 148 tokens instead of 6,702." in near
    above = encoder_runner.encoder_loss_sentence([12.0, 6.0], 6702, from_vectors=True)
    assert ("12.00, above ln V: its first guesses were confidently wrong, worse than a uniform guess. Its token "
            "table started from word2vec's vectors.") in above
    assert "The mean of its last 2 training batches is 9.00" in above
    below = encoder_runner.encoder_loss_sentence([ln_v / 2, 3.0], 6702)
    assert "below ln V: it started better than a uniform guess (its output bias starts at the words'" in below
    assert "held-out" not in below
    same = encoder_runner.encoder_loss_sentence([8.9] + [5.0] * 99, 6702, heldout_loss=5.1)
    assert "On held-out text the loss is 5.10 (perplexity ≈ 164): about the same, so it does not overfit." in same
    worse = encoder_runner.encoder_loss_sentence([8.9] + [5.0] * 99, 6702, heldout_loss=6.0)
    assert "higher than on its training batches" in worse
    assert "It did not fall: the mean of its last 2 steps is 8.90." in encoder_runner.encoder_loss_sentence([8.8, 9.0], 6702)


def test_the_pca_sentence_says_whether_the_picture_means_much():
    # 23 words in 64 dimensions: 22 directions, two of them would hold 2/22 = 9% if the variance were even
    assert pca_sentence("word2vec", (0.41, 0.20), 23, 64) == (
        "word2vec: PC1 and PC2 hold 41% + 20% = 61% of the variance of its 23 unit word vectors (spread evenly "
        "over their 22 directions, two would hold 9%): most of it, so the picture is a fair map of these words.")
    assert "a partial view" in pca_sentence("TF-IDF", (0.11, 0.08), 23, 9000)
    assert "the picture says little" in pca_sentence("TF-IDF", (0.06, 0.05), 23, 9000)
    assert "over their 5 directions" in pca_sentence("x", (0.3, 0.2), 30, 5)     # fewer dims than words


def story_run(tmp_path, name, title, settings, tokenizer, vocab=None, specials=(), vocabulary=""):
    """A RunResult whose folder holds the config.json a run writes (what vocabulary_story reads)."""
    import json
    out = tmp_path / name
    out.mkdir()
    (out / "config.json").write_text(json.dumps({"settings": settings, "tokenizer": tokenizer,
                                                 "vocab_specials": list(specials)}), encoding="utf-8")
    return RunResult(name, title, str(out), vocab=vocab, vocabulary=vocabulary)


def test_the_vocabulary_story_gives_each_size_its_reason(tmp_path):
    from minembed import Vocabulary
    tokenizer = {"pattern": "[a-z]+", "lowercase": True}
    counts = {f"w{i}": 1 + i % 5 for i in range(40)}                     # 8 words each seen 1..5 times
    full = Vocabulary.from_counts(counts)
    often = Vocabulary.from_counts({w: c for w, c in counts.items() if c >= 3})
    tfidf_sentence = "TF-IDF follows scikit-learn: its own sentence."
    runs = [story_run(tmp_path, "onehot", "one-hot", {"min_count": 1}, tokenizer, full),
            story_run(tmp_path, "tfidf", "TF-IDF", {"min_df": 2}, {}, vocabulary=tfidf_sentence),
            story_run(tmp_path, "word2vec", "word2vec", {"min_count": 3}, tokenizer, often),
            story_run(tmp_path, "encoder", "encoder", {"min_count": 3}, tokenizer,
                      often.with_specials(), specials=["<pad>", "<unk>", "<mask>"])]
    story = report_module.vocabulary_story(runs)
    assert story.startswith("one-hot, word2vec and encoder read the corpus with one tokenizer (pattern [a-z]+)")
    assert "one-hot keeps the words seen at least once (--min-count 1): 40." in story
    assert "word2vec keeps the words seen at least 3 times (--min-count 3): 24, exactly the one-hot words" in story
    assert ("encoder keeps the words seen at least 3 times (--min-count 3): 24, exactly the one-hot words seen "
            "that often, plus 3 special tokens <pad> (padding), <unk> (words not in the vocabulary), <mask> "
            "(the blanks it learns to fill): 27.") in story
    assert tfidf_sentence in story
    # the opposite cases: another tokenizer, and a vocabulary that is not the one-hot words seen that often
    other = tmp_path / "other"
    other.mkdir()
    runs[2] = story_run(other, "word2vec", "word2vec", {"min_count": 3}, {"pattern": "other"},
                        Vocabulary.from_counts({w: c for w, c in counts.items() if c >= 4}))
    story = report_module.vocabulary_story(runs)
    assert "one tokenizer" not in story and "16, while one-hot has 24 words seen that often" in story


def test_tfidf_says_what_decides_its_terms():
    from minembed import TfidfVectorizer
    from minembed.cli.tfidf import vocabulary_sentence
    tfidf = TfidfVectorizer(min_df=2).fit(["the cat sat", "the cat ran", "a dog"])
    assert vocabulary_sentence(tfidf, 3) == (
        "TF-IDF follows scikit-learn: its token pattern (?u)\\b\\w\\w+\\b keeps runs of 2 or more letters or "
        "digits (so 'a' and 'i' are not terms), and --min-df 2 keeps the terms found in at least 2 of the 3 "
        "documents: 2 terms.")
    tfidf = TfidfVectorizer(min_df=0.01, token_pattern="[a-z]+").fit(["the cat sat", "a dog"])
    assert "its token pattern [a-z]+, and --min-df 0.01 keeps the terms found in at least 1% of the 2" in \
        vocabulary_sentence(tfidf, 2)


# ---------------------------------------------------------------------------- a new model is one runner + one line
def test_a_model_registered_in_one_line_runs_through_train_py_and_all(tiny, tmp_path, request):
    """Coursework adds a model (here a toy: every word's vector is its letter counts) without
    touching train.py: a runner module's two functions and one register() call."""
    from minembed import KeyedVectors, Tokenizer
    from minembed.cli.common import WordTable, load_corpus
    from minembed.cli.rundir import prepare_out_dir, write_config

    def add_args(parser):
        parser.add_argument("--letters", default="abcdefghijklmnopqrstuvwxyz")

    def run(args):
        """letter counts: a toy model."""
        out = prepare_out_dir(args)
        tokenizer = Tokenizer()
        corpus = load_corpus(args, tokenizer)
        words = corpus.vocab.itos
        table = np.array([[w.count(c) for c in args.letters] for w in words], dtype=np.float32) + 1e-3
        kv = KeyedVectors(list(words), table)
        write_config(out, args, tokenizer, corpus.vocab)
        return RunResult("letters", "letter counts", out, vocab=corpus.vocab, vectors=kv,
                         words=WordTable.from_keyed(kv, "letter counts"), summary=f"{len(words)} words")

    request.addfinalizer(lambda: registry.RUNNERS.pop("letters", None))    # other tests see the registry unchanged
    registry.register("letters", add_args, run, all_preset=["--letters", "aeiou"])
    assert train.main(["letters", "--corpus", str(tiny), "--out", str(tmp_path / "one")]) == 0
    assert (tmp_path / "one" / "config.json").exists()
    assert run_all(tiny, tmp_path / "all") == 0
    written = (tmp_path / "all" / "report.md").read_text(encoding="utf-8")
    header = next(line for line in written.splitlines() if line.startswith("| word | "))
    assert "| letter counts |" in written and header.endswith(" | letter counts |")
    assert "`python train.py letters --letters aeiou --corpus" in written
    with pytest.raises(ValueError, match="already has a command 'letters'"):
        registry.register("letters", add_args, run)


# ---------------------------------------------------------------------------- a picture never fails a run
def test_a_corpus_with_a_two_million_letter_word_trains_and_draws(tmp_path):
    corpus = tmp_path / "c.txt"
    corpus.write_text("the cat sat on the mat and the dog sat on the log\n" * 40 + "x" * 2_000_000 + "\n",
                      encoding="utf-8")
    out = tmp_path / "w"
    assert train.main(["word2vec", "--corpus", str(corpus), "--out", str(out), "--min-count", "1",
                       "--epochs", "1", "--dim", "8"]) == 0
    assert (out / "vectors.txt").exists() and (out / "pca.svg").exists()
    assert "shortened with …" in (out / "pca.svg").read_text(encoding="utf-8")


def test_a_drawing_that_fails_is_a_warning_naming_the_picture_and_the_run_finishes(tmp_path, monkeypatch, tiny):
    def broken(*args, **kwargs):
        raise ValueError("no room on the page")
    monkeypatch.setattr(pictures_module, "pca_picture", broken)
    monkeypatch.setattr(word2vec_runner, "curves_svg", broken)
    out = tmp_path / "w"
    with pytest.warns(RuntimeWarning) as caught:
        code = train.main(["word2vec", "--corpus", str(tiny), "--out", str(out)] + TINY["word2vec"])
    assert code == 0
    messages = sorted(str(w.message) for w in caught)
    assert len(messages) == 2 and all("was not drawn (ValueError: no room on the page)" in m for m in messages)
    assert messages[0].startswith(str(out / "loss.svg")) and messages[1].startswith(str(out / "pca.svg"))
    assert {"vectors.txt", "metrics.json", "config.json", "vocab.tsv"} <= set(os.listdir(out))
    assert not (out / "pca.svg").exists() and not (out / "loss.svg").exists()
