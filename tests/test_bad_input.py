"""The bad-input catalogue: every mistake a user can make, and what minembed answers.

This is the one list to read when something goes wrong. Each entry names the mistake,
how it is reached (the library, or ``train.py`` on the command line) and the answer:

* library: the exception type, and a message that names the problem (a regex);
* train.py: exit code 2 and exactly one line on stderr, ``error: <message>``, no traceback
  (a representative subset runs ``python train.py ...`` as a real subprocess, the rest
  calls ``train.main([...])`` in-process);
* works: inputs that look odd but are fine (Windows line endings, a 50 MB line).

Some of these are also tested next to their module (test_corpus.py, test_vectors.py, ...);
they are repeated here so that the catalogue is complete in one place.
"""
import dataclasses
import gzip
import json
import os
import re
import struct
import subprocess
import sys
from typing import Callable, Optional

import numpy as np
import pytest

from minembed import AttentionEncoder, KeyedVectors, OneHotEncoder, TfidfVectorizer, Tokenizer, Vocabulary
from minembed.tasks.classify import EncoderClassifier, WordVectorClassifier
from minembed.text.corpus import encode_corpus
from minembed.vectors.evaluate import evaluate_analogies
from minembed.text.vocab import MASK, PAD, UNK
from minembed.word2vec.model import Word2Vec

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, REPO)
import train  # noqa: E402  (train.py lives at the repository root)
from minembed.cli.registry import RUNNERS  # noqa: E402
from minembed.cli.rundir import LOCK_NAME  # noqa: E402

OK_TEXT = "the cat sat on the mat\nthe dog sat on the log\n" * 10     # every word >= 10 times
LONG_LINE_BYTES = 50 * 2**20
LONG_WORD = "abcdefghijklmnopqrstuvwxyz" * 2 + " "                   # 52 letters + a space


# ---------------------------------------------------------------------------- the kinds of entries
@dataclasses.dataclass
class Case:
    problem: str                      # the mistake, as a user would describe it
    via: str                          # "library", "train.py", "train.py (subprocess)" or "works"
    run: Callable                     # library: d -> None (raises); train.py: d -> argv; works: d -> None
    error: Optional[type] = None      # library: the exception type
    message: str = ""                 # regex the message must contain
    setup: Optional[Callable] = None  # d -> None, run first (e.g. to leave a checkpoint behind)
    argv: str = ""                    # train.py: the command line, with {d} for the test's directory


def lib(problem, run, error, message):
    return Case(problem, "library", run, error, message)


def cli(problem, argv, message, setup=None, own_process=False):
    """``argv`` is a string; ``{d}`` stands for the test's directory, where the sample files are."""
    via = "train.py (subprocess)" if own_process else "train.py"
    return Case(problem, via, lambda d: [a.format(d=d) for a in argv.split()], None, message, setup, argv)


def works(problem, run):
    return Case(problem, "works", run)


# ---------------------------------------------------------------------------- sample files
def write_samples(d):
    """Every small sample file the catalogue uses, in directory ``d``."""
    (d / "ok.txt").write_text(OK_TEXT, encoding="utf-8")
    (d / "lf.txt").write_bytes(b"The cat sat.\nA dog, a log!\n\nlast line")
    (d / "crlf.txt").write_bytes(b"The cat sat.\r\nA dog, a log!\r\n\r\nlast line")
    (d / "empty.txt").write_bytes(b"")
    (d / "blank.txt").write_bytes(b"  \n\t\r\n \n")
    (d / "image.png").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(100))
    (d / "latin1.txt").write_bytes("caf\xe9 ok\n".encode("utf-8") + "na\xefve\n".encode("latin-1"))
    (d / "no_text_files").mkdir()
    (d / "no_text_files" / "notes.md").write_text("a markdown file is not a corpus file\n")
    (d / "a_file").write_text("I am a file, not a directory\n")


def vector_file(d, data, name="v.txt"):
    path = d / name
    path.write_bytes(data)
    return path


def load_text(d, data):
    KeyedVectors.load_word2vec_format(vector_file(d, data))


def load_binary(d, data):
    KeyedVectors.load_word2vec_format(vector_file(d, data, "v.bin"), binary=True)


def load_glove(d, data):
    KeyedVectors.load_word2vec_format(vector_file(d, data), no_header=True)


def load_with_fvocab(d, vocab):
    KeyedVectors.load_word2vec_format(vector_file(d, b"2 1\na 1\nb 2\n"), fvocab=vector_file(d, vocab, "vocab.txt"))


def binary_row(word, *values):
    return word.encode() + b" " + struct.pack(f"<{len(values)}f", *values) + b"\n"


def table():
    return KeyedVectors(["king", "queen", "man", "woman"], np.eye(4, 3) + 0.1)


def docs():
    return [["a", "b", "c", "d", "a", "b"]] * 30


def small_w2v_checkpoint(path, **settings):
    Word2Vec(**{"dim": 8, "min_count": 1, "epochs": 1, **settings}).fit(docs(), progress=False,
                                                                          checkpoint=str(path))


def encoder_corpus(d):
    return encode_corpus(str(d / "ok.txt"), specials=(PAD, UNK, MASK))


def small_encoder(d, **config):
    return AttentionEncoder(encoder_corpus(d).vocab, **{"dim": 8, "ff_dim": 8, "max_len": 8, **config})


def small_encoder_checkpoint(path, d, **config):
    small_encoder(d, **config).fit(encoder_corpus(d), steps=2, batch_size=2, eval_every=1,
                                   checkpoint=str(path), progress=False)


def leave_w2v_checkpoint(d):
    (d / "run").mkdir()
    small_w2v_checkpoint(d / "run" / "checkpoint.npz")


def leave_encoder_checkpoint(d):
    (d / "run").mkdir()
    small_encoder_checkpoint(d / "run" / "checkpoint.npz", d)


def leave_garbage_checkpoint(d):
    (d / "run").mkdir()
    (d / "run" / "checkpoint.npz").write_bytes(b"this is not a checkpoint\n")


def leave_truncated_w2v_checkpoint(d):
    leave_w2v_checkpoint(d)
    path = d / "run" / "checkpoint.npz"
    path.write_bytes(path.read_bytes()[:-100])         # a copy cut short, e.g. on a full disk


def truncated_encoder_file(d):
    small_encoder(d).save(d / "enc.npz")
    (d / "enc.npz").write_bytes((d / "enc.npz").read_bytes()[:2000])
    AttentionEncoder.load(d / "enc.npz")


def edited_encoder_file(d, name, change):
    """An encoder file whose array ``name`` was replaced by ``change(array)``, loaded."""
    small_encoder(d).save(d / "enc.npz")
    with np.load(d / "enc.npz") as data:
        arrays = dict(data)
    arrays[name] = change(arrays[name])
    np.savez(d / "enc.npz", **arrays)
    AttentionEncoder.load(d / "enc.npz")


def leave_full_out_dir(d):
    (d / "run").mkdir()
    (d / "run" / "vectors.txt").write_text("results of an earlier run\n")


def fit_w2v_twice(d, first, second):
    small_w2v_checkpoint(d / "ckpt.npz", **first)
    small_w2v_checkpoint(d / "ckpt.npz", **second)


def fit_encoder_twice(d, first, second):
    small_encoder_checkpoint(d / "ckpt.npz", d, **first)
    small_encoder_checkpoint(d / "ckpt.npz", d, **second)


def w2v_checkpoint_then_another_corpus(d):
    small_w2v_checkpoint(d / "c.npz")
    Word2Vec(dim=8, min_count=1, epochs=1).fit([["x", "y"]] * 9, checkpoint=str(d / "c.npz"), progress=False)


def encoder_checkpoint_then_another_corpus(d):
    """Same config (dim, vocabulary size, ...) and training settings, other words."""
    small_encoder_checkpoint(d / "c.npz", d)
    other_words = Vocabulary(list("abcdefg"), [1] * 7, specials=(PAD, UNK, MASK))
    AttentionEncoder(other_words, dim=8, ff_dim=8, max_len=8).fit(
        np.arange(3, 10).repeat(10), steps=2, batch_size=2, checkpoint=str(d / "c.npz"), progress=False)


def write_long_line(path, n_bytes=LONG_LINE_BYTES):
    """One line of ``n_bytes`` bytes and no newline; returns its number of tokens."""
    block = LONG_WORD * (2**20 // len(LONG_WORD))
    with open(path, "w", encoding="ascii") as f:
        written = 0
        while written + len(block) <= n_bytes:
            f.write(block)
            written += len(block)
        f.write("x" * (n_bytes - written))
    assert os.path.getsize(path) == n_bytes
    return written // len(LONG_WORD) + 1


def text8_sized_line_streams(d):
    """text8's shape: one line of 100 MB, no newline. Same bound as for 50 MB: it does not grow."""
    long_line_streams(d, n_bytes=100 * 2**20)


def long_line_streams(d, n_bytes=LONG_LINE_BYTES):
    """Reading a 50 MB line holds a bounded piece of it, never the whole line.

    Measured in a fresh process (ru_maxrss, the peak resident memory, before and after reading
    every token): the line is cut into pieces of at most corpus.MAX_CHARS = 1M characters, so
    the growth (about 12 MB) is one 1 MiB block, the unfinished piece and one piece's token
    list, whatever the length of the line. (tracemalloc would show the same, 10x slower.)"""
    path = d / "long.txt"
    expected = write_long_line(path, n_bytes)
    done = subprocess.run([sys.executable, "-c", STREAM_AND_MEASURE, str(path)], cwd=REPO,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    n_tokens, growth_kb = map(int, done.stdout.split())
    assert n_tokens == expected
    assert growth_kb * 1024 < 20 * 2**20, f"memory grew by {growth_kb / 1024:.0f} MB reading a {n_bytes >> 20} MB line"


STREAM_AND_MEASURE = """
import resource, sys
from minembed.text.corpus import iter_token_lists
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss          # KiB on Linux
n_tokens = sum(map(len, iter_token_lists(sys.argv[1])))
print(n_tokens, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before)
"""


def long_line_train_py(d):
    """train.py onehot on a 50 MB line with no newline completes (in its own process)."""
    path = d / "long.txt"
    expected = write_long_line(path)
    done = run_train_py(["onehot", "--corpus", str(path), "--out", str(d / "run")], timeout=60)
    assert done.returncode == 0, done.stderr
    metrics = json.loads((d / "run" / "metrics.json").read_text())
    assert metrics["n_tokens"] == expected and metrics["vocab_size"] == 2


def crlf_equals_lf(d):
    lf, crlf = encode_corpus(str(d / "lf.txt")), encode_corpus(str(d / "crlf.txt"))
    assert crlf.vocab.itos == lf.vocab.itos == ["a", "cat", "dog", "last", "line", "log", "sat", "the"]
    np.testing.assert_array_equal(crlf.ids, lf.ids)
    np.testing.assert_array_equal(crlf.offsets, lf.offsets)


def crlf_equals_lf_train_py(d):
    for name in ("lf", "crlf"):
        assert train.main(["onehot", "--corpus", str(d / f"{name}.txt"), "--out", str(d / name)]) == 0
    assert (d / "crlf" / "vocab.tsv").read_bytes() == (d / "lf" / "vocab.tsv").read_bytes()


def hold_the_out_dir(d):
    """A live run holds d/run: a process that keeps the flock (and its pid) until the test ends."""
    (d / "run").mkdir()
    holder = subprocess.Popen([sys.executable, "-c", "import fcntl, sys, time; f = open(sys.argv[1], 'w'); "
                               "fcntl.flock(f, fcntl.LOCK_EX); f.write('31337\\n'); f.flush(); "
                               "print('held', flush=True); time.sleep(60)", str(d / "run" / LOCK_NAME)],
                              stdout=subprocess.PIPE, text=True)
    assert holder.stdout.readline() == "held\n"
    HOLDERS.append(holder)


HOLDERS = []


def decomposed_accents_are_one_word(d):
    composed = encode_corpus([Tokenizer().tokenize("un caf\u00e9 noir")])
    decomposed = encode_corpus([Tokenizer().tokenize("un cafe\u0301 noir")])
    assert composed.vocab.itos == decomposed.vocab.itos and "caf\u00e9" in composed.vocab


def unstamped_encoder_file(d):
    """An encoder.npz of a development version (before file format stamps): one clear error."""
    small_encoder(d).save(d / "e.npz")
    with np.load(d / "e.npz") as data:
        arrays = {name: data[name] for name in data.files if name != "file_format"}
    np.savez(d / "e.npz", **arrays)
    AttentionEncoder.load(d / "e.npz")


def encoder_checkpoint_from_the_previous_version(d):
    """A checkpoint of an encoder with random positions is refused by the default (sinusoid)
    encoder, naming both configurations."""
    small_encoder_checkpoint(d / "c.npz", d, position_init="random")
    small_encoder(d).fit(encoder_corpus(d), steps=2, batch_size=2, checkpoint=str(d / "c.npz"), progress=False)


FT = "finetune --encoder {d}/enc.npz --out {d}/run --data {d}/"


def finetune_files(d):
    """A small encoder (enc.npz, vocabulary of ok.txt) and labelled files, good and bad."""
    small_encoder(d).save(d / "enc.npz")
    (d / "labelled.tsv").write_text("label\ttext\n" + "pos\tthe cat sat\nneg\tthe dog sat\n" * 5)
    (d / "empty.tsv").write_bytes(b"")
    (d / "header_only.tsv").write_text("label\ttext\n\n")
    (d / "no_tab.tsv").write_text("pos\tthe cat sat\nneg the dog sat\n")
    (d / "no_label.tsv").write_text("pos\tthe cat sat\n\tthe dog sat\n")
    (d / "one_class.tsv").write_text("pos\tthe cat sat\npos\tthe dog sat\n")
    (d / "latin1.tsv").write_bytes("pos\tthe cat\nneg\tthe na\xefve dog\n".encode("latin-1"))
    (d / "french.tsv").write_text("pos\tle chat est assis\nneg\tle chien dort ici\n")


def finetune_reads_its_own_classifier(d):
    """A finetune run's classifier.npz loads and classifies (the round trip through the CLI)."""
    finetune_files(d)
    assert train.main(FT.format(d=d).split()[:-2] + ["--data", str(d / "labelled.tsv"), "--epochs", "2"]) == 0
    classifier = EncoderClassifier.load(d / "run" / "classifier.npz")
    assert set(classifier.predict(["the cat sat", "the dog sat"])) <= {"pos", "neg"}


def finetune_from_word_vectors(d):
    """finetune --vectors: a mean-of-word-vectors classifier from a vectors.txt, saved and loaded."""
    finetune_files(d)
    (d / "v.txt").write_text("3 2\nthe 0.1 0.2\ncat 0.3 -0.1\ndog -0.2 0.4\n")
    argv = ["finetune", "--vectors", str(d / "v.txt"), "--data", str(d / "labelled.tsv"), "--out", str(d / "wv"),
            "--epochs", "2"]
    assert train.main(argv) == 0
    classifier = WordVectorClassifier.load(d / "wv" / "classifier.npz")
    assert list(classifier.predict(["the cat sat"])) in (["pos"], ["neg"])


W2V = "word2vec --corpus {d}/ok.txt --out {d}/run"
ENC = "encoder --corpus {d}/ok.txt --out {d}/run --min-count 1"

# ---------------------------------------------------------------------------- the catalogue
CATALOGUE = [
    # ------------------------------------------------------------ the corpus
    lib("missing file", lambda d: encode_corpus(str(d / "nope.txt")),
        FileNotFoundError, r"corpus path not found: '.*nope\.txt'"),
    cli("missing file", "onehot --corpus {d}/nope.txt --out {d}/run",
        r"corpus path not found: '.*nope\.txt'", own_process=True),
    cli("missing file", "word2vec --corpus {d}/nope.txt --out {d}/run", r"corpus path not found"),
    cli("missing file", "encoder --corpus {d}/nope.txt --out {d}/run", r"corpus path not found"),
    lib("directory with no text files", lambda d: encode_corpus(str(d / "no_text_files")),
        ValueError, r"no_text_files' contains no \.txt or \.gz files"),
    cli("directory with no text files", "word2vec --corpus {d}/no_text_files --out {d}/run",
        r"contains no \.txt or \.gz files"),
    lib("empty file", lambda d: encode_corpus(str(d / "empty.txt")),
        ValueError, r"empty\.txt contains no tokens \(it is empty or whitespace-only"),
    cli("empty file", "encoder --corpus {d}/empty.txt --out {d}/run", r"empty\.txt contains no tokens"),
    lib("whitespace-only file", lambda d: encode_corpus(str(d / "blank.txt")),
        ValueError, r"blank\.txt contains no tokens"),
    cli("whitespace-only file", "word2vec --corpus {d}/blank.txt --out {d}/run", r"contains no tokens"),
    lib("binary file", lambda d: encode_corpus(str(d / "image.png")),
        ValueError, r"image\.png looks like a binary file \(NUL byte at offset 8\)"),
    cli("binary file", "onehot --corpus {d}/image.png --out {d}/run", r"looks like a binary file",
        own_process=True),
    lib("invalid UTF-8 (a Latin-1 file)", lambda d: encode_corpus(str(d / "latin1.txt")),
        ValueError, r"latin1\.txt: byte 11 is not valid UTF-8 .*iconv"),
    cli("invalid UTF-8 (a Latin-1 file)", "word2vec --corpus {d}/latin1.txt --out {d}/run",
        r"latin1\.txt: byte 11 is not valid UTF-8"),
    works("one 50 MB line with no newline (streamed, bounded memory)", long_line_streams),
    works("one 50 MB line with no newline, through train.py", long_line_train_py),
    works("one 100 MB line, text8's shape (streamed, same memory bound)", text8_sized_line_streams),
    works("Windows line endings (same tokens as LF)", crlf_equals_lf),
    works("Windows line endings, through train.py", crlf_equals_lf_train_py),
    lib("vocabulary emptied by min_count", lambda d: encode_corpus(str(d / "lf.txt"), min_count=3),
        ValueError, r"vocabulary is empty after min_count=3.*most frequent occurs 2 times.*Lower min_count"),
    cli("vocabulary emptied by min_count", "word2vec --corpus {d}/lf.txt --out {d}/run",
        r"vocabulary is empty after min_count=5"),
    cli("vocabulary emptied by --min-count", "encoder --corpus {d}/ok.txt --out {d}/run --min-count 99",
        r"vocabulary is empty after min_count=99"),
    lib("word2vec on one distinct word", lambda d: Word2Vec(min_count=1).fit([["a", "a"]], progress=False),
        ValueError, r"needs at least 2 distinct words"),
    cli("word2vec vocabulary cut to one word by --max-vocab", W2V + " --max-vocab 1",
        r"needs at least 2 distinct words after min_count=5, max_vocab=1, got 1"),
    cli("a setting too big for memory", ENC + " --dim 1000000",
        r"out of memory \(Unable to allocate .*\); use smaller settings \(--batch-size, --dim"),
    lib("raw strings instead of token lists", lambda d: Word2Vec().fit(["the cat sat"], progress=False),
        TypeError, r"expected an iterable of token lists.*Tokenize it first"),
    lib("raw strings to Vocabulary.build", lambda d: Vocabulary.build(["the cat sat"]),
        TypeError, r"expects an iterable of token lists.*Tokenize first"),
    lib("bytes to the tokenizer", lambda d: Tokenizer().tokenize(b"the cat"),
        TypeError, r"expects a str, got bytes; decode bytes first"),
    lib("encoder corpus shorter than its max_len",
        lambda d: small_encoder(d, max_len=500).fit(encoder_corpus(d), steps=1, progress=False),
        ValueError, r"1 sequences of max_len=500 tokens.*smaller max_len"),
    cli("encoder corpus shorter than --max-len", ENC + " --max-len 500", r"max_len=500.*smaller max_len"),
    lib("encoder vocabulary without special tokens",
        lambda d: AttentionEncoder(Vocabulary.build([["a", "b"]])),
        ValueError, r"needs the special tokens \['<pad>', '<unk>', '<mask>'\].*with_specials"),

    # ------------------------------------------------------------ nonsense hyperparameters: library
    *[lib(f"Word2Vec({key}={value!r})", lambda d, kw={key: value}: Word2Vec(**kw), ValueError, message)
      for key, value, message in [
          ("dim", 0, r"dim must be >= 1, got 0"), ("dim", -5, r"dim must be >= 1, got -5"),
          ("window", 0, r"window must be >= 1"), ("negative", -1, r"negative must be >= 1, got -1"),
          ("negative", 0, r"negative must be >= 1, got 0: .*there will be no training"),
          ("min_count", 0, r"min_count must be >= 1"),
          ("sample", -1e-3, r"sample must be >= 0 \(0 disables subsampling\)"),
          ("alpha", 0.0, r"need alpha > 0"), ("alpha", float("nan"), r"need alpha > 0.*alpha=nan"),
          ("min_alpha", 1.0, r"0 <= min_alpha <= alpha"), ("epochs", 0, r"epochs must be >= 1"),
          ("batch_size", 0, r"batch_size must be >= 1"), ("seed", -1, r"seed must be an integer >= 0")]],
    *[lib(f"AttentionEncoder({key}={value!r})", lambda d, kw={key: value}: small_encoder(d, **kw),
          ValueError, message)
      for key, value, message in [
          ("dim", 0, r"dim must be a positive integer, got 0"), ("ff_dim", -1, r"ff_dim must be a positive"),
          ("max_len", 0, r"max_len must be a positive integer"), ("dim", 2.5, r"dim must be a positive integer"),
          ("activation", "tanh", r"activation must be one of \['gelu', 'relu'\]"),
          ("seed", -1, r"seed must be an integer >= 0")]],
    *[lib(f"AttentionEncoder.fit({key}={value!r})",
          lambda d, kw={key: value}: small_encoder(d).fit(encoder_corpus(d), progress=False, **kw),
          ValueError, message)
      for key, value, message in [
          ("steps", 0, r"steps must be > 0"), ("batch_size", -2, r"batch_size must be > 0"),
          ("lr", 0.0, r"lr must be > 0"), ("lr", float("nan"), r"lr must be > 0, got nan"),
          ("mask_prob", 0.0, r"mask_prob must be in \(0, 1\)"), ("mask_prob", 1.5, r"mask_prob must be in"),
          ("heldout", 1.0, r"heldout must be a fraction in \[0, 1\)"),
          ("mask_split", (0.8, 0.1), r"mask_split must be three shares .* summing to 1"),
          ("mask_split", (0.9, 0.2, -0.1), r"mask_split must be three shares \(mask, random word, unchanged\) >= 0"),
          ("mask_frequency_power", -0.5, r"mask_frequency_power must be a finite number >= 0 \(0 = BERT's uniform"),
          ("mask_frequency_power", float("nan"), r"mask_frequency_power must be a finite number >= 0 .*, got nan"),
          ("mask_frequency_power", float("inf"), r"mask_frequency_power must be a finite number >= 0 .*, got inf")]],
    *[lib(f"TfidfVectorizer({key}={value!r})", lambda d, kw={key: value}: TfidfVectorizer(**kw),
          ValueError, message)
      for key, value, message in [
          ("min_df", 0, r"min_df must be an int >= 1"), ("max_df", 1.5, r"max_df must be .* in \[0.0, 1.0\]"),
          ("max_features", 0, r"max_features must be None or an int >= 1"),
          ("norm", "l3", r"norm must be 'l2', 'l1' or None"), ("ngram_range", (2, 1), r"1 <= min_n <= max_n")]],
    lib("Vocabulary.build(min_count=0)", lambda d: Vocabulary.build([["a"]], min_count=0),
        ValueError, r"min_count must be >= 1, got 0"),
    lib("Vocabulary.build(max_size=0)", lambda d: Vocabulary.build([["a"]], max_size=0),
        ValueError, r"max_size must be >= 1 or None"),
    lib("subsampling with sample < 0", lambda d: Vocabulary.build([["a"]]).keep_probs(-1e-5),
        ValueError, r"sample must be >= 0"),
    lib("one-hot of an id outside the vocabulary",
        lambda d: OneHotEncoder(Vocabulary.build([["a", "b"]])).transform_ids([0, 2]),
        ValueError, r"ids must be in \[0, 2\), got min 0 max 2"),

    # ------------------------------------------------------------ nonsense hyperparameters: train.py
    *[cli(f"onehot {option} {value}", f"onehot --corpus {{d}}/ok.txt --out {{d}}/run {option} {value}",
          message)
      for option, value, message in [
          ("--min-count", "0", r"--min-count must be > 0, got 0"),
          ("--max-vocab", "-1", r"--max-vocab must be > 0, got -1"),
          ("--seed", "-1", r"argument --seed: must be an integer >= 0, got '-1'"),
          ("--min-count", "two", r"--min-count.*'two'")]],
    *[cli(f"word2vec {option} {value}", f"{W2V} {option} {value}", message, own_process=own_process)
      for option, value, message, own_process in [
          ("--dim", "0", r"--dim must be > 0, got 0", False), ("--dim", "-3", r"--dim must be > 0", False),
          ("--window", "0", r"--window must be > 0", False),
          ("--negative", "-1", r"negative must be >= 1, got -1", False),
          ("--negative", "0", r"negative must be >= 1, got 0: minembed trains by negative sampling only", False),
          ("--sample", "-0.001", r"sample must be >= 0 \(0 disables subsampling\), got -0.001", False),
          ("--alpha", "0", r"--alpha must be > 0", False), ("--alpha", "nan", r"--alpha must be > 0, got nan", False),
          ("--alpha", "inf", r"--alpha must be finite, got inf", False),
          ("--min-alpha", "-1", r"0 <= min_alpha <= alpha", False),
          ("--epochs", "0", r"--epochs must be > 0", False), ("--batch-size", "-8", r"--batch-size must be > 0", False),
          ("--workers", "0", r"--workers must be > 0, got 0", False),
          ("--workers", "two", r"--workers.*invalid int value: 'two'", True),
          ("--seed", "-2", r"--seed: must be an integer >= 0", False), ("--dim", "ten", r"--dim.*'ten'", True),
          ("--dimension", "10", r"unrecognized arguments: --dimension 10", False)]],
    *[cli(f"encoder {option} {value}", f"{ENC} {option} {value}", message, own_process=own_process)
      for option, value, message, own_process in [
          ("--dim", "0", r"--dim must be > 0, got 0", False), ("--ff-dim", "-1", r"--ff-dim must be > 0", False),
          ("--max-len", "0", r"--max-len must be > 0", False), ("--steps", "0", r"--steps must be > 0", False),
          ("--batch-size", "0", r"--batch-size must be > 0", False), ("--lr", "-0.1", r"--lr must be > 0", False),
          ("--lr", "nan", r"--lr must be > 0, got nan", False),
          ("--mask-prob", "0", r"--mask-prob must be between 0 and 1, got 0.0", False),
          ("--mask-prob", "1.5", r"--mask-prob must be between 0 and 1", True),
          ("--mask-split", "0.8 0.3 0.1", r"--mask-split must be three shares .* summing to 1", False),
          ("--mask-frequency-power", "-1", r"--mask-frequency-power must be a finite number >= 0 \(0 = uniform\), got -1.0", False),
          ("--mask-frequency-power", "inf", r"--mask-frequency-power must be a finite number >= 0 .*, got inf", False),
          ("--eval-every", "0", r"--eval-every must be > 0", False),
          ("--checkpoint-every", "-5", r"--checkpoint-every must be > 0", False),
          ("--activation", "tanh", r"--activation.*invalid choice: 'tanh'", False)]],
    cli("unknown model", "nosuchmodel --corpus {d}/ok.txt", r"invalid choice: 'nosuchmodel'"),
    *[cli(f"tfidf {option} {value}", f"tfidf --corpus {{d}}/ok.txt --out {{d}}/run {option} {value}", message)
      for option, value, message in [
          ("--min-df", "-1", r"min_df must be an int >= 1 .* or a float in \[0.0, 1.0\]"),
          ("--max-df", "1.5", r"max_df must be"), ("--min-df", "x", r"argument --min-df: invalid .* 'x'"),
          ("--max-features", "0", r"--max-features must be > 0"), ("--ngram-min", "0", r"--ngram-min must be > 0"),
          ("--ngram-max", "-1", r"--ngram-max must be > 0"), ("--min-count", "2", r"--min-count .* do not apply"),
          ("--norm", "l3", r"argument --norm: invalid choice: 'l3'"), ("--seed", "x", r"--seed: must be an integer")]
      if "tfidf" in RUNNERS],
    *[cli(f"{problem}", f"tfidf --corpus {{d}}/{name} --out {{d}}/run", message)
      for problem, name, message in [
          ("missing file", "nope.txt", r"corpus path not found"),
          ("directory with no text files", "no_text_files", r"contains no \.txt or \.gz files"),
          ("empty file", "empty.txt", r"empty vocabulary: no document contains a token"),
          ("binary file", "image.png", r"looks like a binary file"),
          ("invalid UTF-8 (a Latin-1 file)", "latin1.txt", r"latin1\.txt: byte 11 is not valid UTF-8")]
      if "tfidf" in RUNNERS],
    cli("all --seed -1", "all --corpus {d}/ok.txt --out {d}/run --seed -1", r"--seed: must be an integer >= 0"),

    # ------------------------------------------------------------ unknown words in queries
    lib("unknown word: vector lookup", lambda d: table()["kingdom"], KeyError, r"word 'kingdom' is not in"),
    lib("unknown word: most_similar", lambda d: table().most_similar("kingdom"),
        KeyError, r"word 'kingdom' is not in the vocabulary \(4 words\).*min_count"),
    lib("unknown word: analogy", lambda d: table().most_similar(positive=["king", "woman"], negative=["mann"]),
        KeyError, r"word 'mann' is not in"),
    lib("unknown word: similarity", lambda d: table().similarity("king", "Queen"), KeyError, r"word 'Queen'"),
    lib("unknown word: doesnt_match", lambda d: table().doesnt_match(["king", "xyz"]), KeyError, r"word 'xyz'"),
    lib("unknown word: vocabulary id", lambda d: Vocabulary.build([["a"]])["zebra"],
        KeyError, r"word 'zebra' is not in the vocabulary"),
    lib("unknown term: TF-IDF similar_terms",
        lambda d: TfidfVectorizer().fit(["the cat sat", "the dog"]).similar_terms("zebra"),
        KeyError, r"term 'zebra' is not in the TF-IDF vocabulary"),
    lib("encoder text with no known token", lambda d: small_encoder(d).encode(["42 !!"]),
        ValueError, r"text 0 \('42 !!'\) has no tokens"),
    lib("encoder given one str instead of a list", lambda d: small_encoder(d).encode("the cat"),
        TypeError, r"wrap a single text as \[text\]"),

    # ------------------------------------------------------------ word-vector files
    lib("vector file truncated (text)", lambda d: load_text(d, b"2 3\na 1 2 3\nb 4 5"),
        ValueError, r"v\.txt, line 3: expected a word and 3 numbers, got 2 numbers \(truncated row\?\)"),
    lib("vector file truncated (binary)", lambda d: load_binary(d, b"2 2\n" + binary_row("a", 1, 2) + b"b \x00\x00"),
        ValueError, r"v\.bin: the header says 2 words .*truncated file, or wrong header"),
    lib("vector file with a wrong header count", lambda d: load_text(d, b"3 2\na 1 2\nb 3 4\n"),
        ValueError, r"header says 3 words but the file has 2 rows"),
    lib("vector file with a row of the wrong length", lambda d: load_text(d, b"2 3\na 1 2 3\nb 4 5 6 7\n"),
        ValueError, r"line 3: expected a word and 3 numbers, got 4 numbers"),
    lib("vector file with NaN", lambda d: load_text(d, b"2 2\na 1 2\nb nan 4\n"),
        ValueError, r"the vector of 'b' contains NaN or inf"),
    lib("vector file with inf", lambda d: load_text(d, b"1 2\na -inf 2\n"), ValueError, r"'a' contains NaN or inf"),
    lib("vector file with a value beyond float32", lambda d: load_text(d, b"1 2\na 1e39 2\n"),
        ValueError, r"'a' contains NaN or inf \(or a value beyond the float32 range\)"),
    lib("vector file with duplicate words", lambda d: load_text(d, b"2 2\na 1 2\na 3 4\n"),
        ValueError, r"v\.txt: duplicate words in the vector table: \['a'\]"),
    lib("vector file without header (GloVe)", lambda d: load_text(d, b"a 1 2\nb 3 4\n"),
        ValueError, r"first line must be the header 'n_words dim'.*GloVe"),
    lib("binary vector file read as text", lambda d: load_text(d, b"1 2\n" + binary_row("a", 0.1, 0.2)),
        ValueError, r"load it with binary=True"),
    lib("text vector file read as binary", lambda d: load_binary(d, b"1 2\na 1 2\n"),
        ValueError, r"rows are text .*load it with binary=False"),
    lib("saving a word that contains a space", lambda d: KeyedVectors(["new york"], [[1.0]])
        .save_word2vec_format(d / "v.txt"), ValueError, r"word 'new york' is empty, not a string, or contains"),
    lib("saving NaN vectors", lambda d: KeyedVectors(["a"], [[np.nan]]).save_word2vec_format(d / "v.txt"),
        ValueError, r"cannot save .*v\.txt: the vector of 'a' contains NaN"),
    lib("GloVe file (no_header) with ragged rows", lambda d: load_glove(d, b"a 1 2 3\nb 1 2\n"),
        ValueError, r"v\.txt, line 2: expected a word and 3 numbers \(as on line 1\), got 2 numbers \(truncated row\?\)"),
    lib("word2vec file read with no_header=True", lambda d: load_glove(d, b"2 3\na 1 2 3\nb 1 2 3\n"),
        ValueError, r"line 2: expected a word and 1 numbers .*looks like a word2vec header.*no_header=False"),
    lib("no_header=True for a binary file", lambda d: KeyedVectors.load_word2vec_format(
        vector_file(d, b"a 1 2\n"), binary=True, no_header=True), ValueError, r"no_header=True reads text \(GloVe\)"),
    lib("fvocab line without a count", lambda d: load_with_fvocab(d, b"a 5\nb\n"),
        ValueError, r"vocab\.txt, line 2: expected 'word count' .*got 'b'"),
    lib("fvocab count that is not a whole number", lambda d: load_with_fvocab(d, b"a 5\nb 2.5\n"),
        ValueError, r"vocab\.txt, line 2: expected 'word count'"),
    lib("fvocab of other vectors", lambda d: load_with_fvocab(d, b"a 5\nc 2\n"),
        ValueError, r"vocab\.txt has no count for 1 of the 2 words, e\.g\. \['b'\]"),
    lib("saving fvocab without counts", lambda d: table().save_word2vec_format(d / "v.txt", fvocab=d / "vocab.txt"),
        ValueError, r"cannot write fvocab: this table has no counts"),
    lib("compressed vector file cut short", lambda d: KeyedVectors.load_word2vec_format(
        vector_file(d, gzip.compress(b"2 2\na 1 2\nb 3 4\n" * 50)[:40], "v.txt.gz")),
        ValueError, r"v\.txt\.gz: the compressed file is damaged or cut short"),
    lib("negative limit", lambda d: KeyedVectors.load_word2vec_format(vector_file(d, b"1 1\na 1\n"), limit=-1),
        ValueError, r"limit must be None or >= 0, got -1"),
    lib("KeyedVectors.load of a word2vec text file", lambda d: KeyedVectors.load(vector_file(d, b"1 1\na 1\n")),
        ValueError, r"v\.txt is not a minembed KeyedVectors file \(word2vec .* load_word2vec_format\)"),

    # ------------------------------------------------------------ other files
    lib("vocabulary file of another kind", lambda d: Vocabulary.load(d / "ok.txt"),
        ValueError, r"ok\.txt is not a minembed vocabulary file"),
    lib("encoder file that is not one", lambda d: AttentionEncoder.load(d / "ok.txt"),
        ValueError, r"ok\.txt is not a minembed encoder file"),
    lib("encoder file cut short", truncated_encoder_file,
        ValueError, r"enc\.npz is not a minembed encoder file .*, or it is damaged \(BadZipFile"),
    lib("analogy file missing", lambda d: evaluate_analogies(table(), d / "questions.txt"),
        FileNotFoundError, r"questions\.txt"),
    cli("--analogies file missing (refused before training)", W2V + " --analogies {d}/questions.txt",
        r"--analogies file not found: '.*questions\.txt'"),
    cli("--pairs file that is not UTF-8 (refused before training)", W2V + " --pairs {d}/latin1.txt",
        r"latin1\.txt is not valid UTF-8 \(byte b'\\xef': invalid continuation byte\); convert it"),
    cli("--analogies line without 4 words (refused before training)", W2V + " --analogies {d}/lf.txt",
        r"lf\.txt, line 1: an analogy needs 4 words, got 3"),
    lib("vocabulary file that is not UTF-8", lambda d: Vocabulary.load(d / "latin1.txt"),
        ValueError, r"latin1\.txt is not valid UTF-8"),
    lib("analogy line without 4 words", lambda d: evaluate_analogies(table(), vector_file(d, b"king queen man\n")),
        ValueError, r"v\.txt, line 1: an analogy needs 4 words, got 3"),

    # ------------------------------------------------------------ checkpoints from another configuration
    lib("word2vec checkpoint from other settings", lambda d: fit_w2v_twice(d, {"dim": 8}, {"dim": 9}),
        ValueError, r"ckpt\.npz was made with other settings \(dim\); resume with the same settings"),
    lib("word2vec checkpoint from another corpus", w2v_checkpoint_then_another_corpus, ValueError, r"made on another corpus \(its vocabulary differs\)"),
    cli("word2vec --resume with other settings", W2V + " --resume --min-count 1 --dim 16",
        r"checkpoint .*checkpoint\.npz was made with other settings \(dim, epochs\)", setup=leave_w2v_checkpoint),
    cli("word2vec --resume from a checkpoint cut short", W2V + " --resume",
        r"checkpoint\.npz is not a word2vec checkpoint, or it is damaged", setup=leave_truncated_w2v_checkpoint),
    cli("word2vec --resume from a damaged checkpoint", W2V + " --resume",
        r"checkpoint\.npz is not a word2vec checkpoint", setup=leave_garbage_checkpoint),
    lib("encoder checkpoint from another configuration", lambda d: fit_encoder_twice(d, {"dim": 8}, {"dim": 16}),
        ValueError, r"ckpt\.npz was made by an encoder with config .*'dim': 8"),
    lib("encoder checkpoint from another corpus", encoder_checkpoint_then_another_corpus, ValueError, r"c\.npz was made on another corpus \(its vocabulary differs\)"),
    cli("encoder --resume with another configuration", ENC + " --resume --dim 16 --ff-dim 8 --max-len 8",
        r"was made by an encoder with config", setup=leave_encoder_checkpoint, own_process=True),
    cli("encoder --resume from a damaged checkpoint", ENC + " --resume",
        r"checkpoint\.npz is not an encoder checkpoint", setup=leave_garbage_checkpoint),
    cli("encoder --resume from a word2vec checkpoint", ENC + " --resume",
        r"checkpoint\.npz is not an encoder checkpoint", setup=leave_w2v_checkpoint),
    cli("--resume with nothing to resume", W2V + " --resume", r"--resume: there is no checkpoint"),

    # ------------------------------------------------------------ output directory
    cli("output directory exists (onehot)", "onehot --corpus {d}/ok.txt --out {d}/run",
        r"output directory '.*run' already exists and is not empty; pass --overwrite",
        setup=leave_full_out_dir, own_process=True),
    cli("output directory exists (word2vec)", W2V, r"already exists and is not empty; pass --overwrite",
        setup=leave_full_out_dir),
    cli("output directory exists (encoder)", ENC, r"already exists and is not empty", setup=leave_full_out_dir),
    cli("--out is a regular file", "onehot --corpus {d}/ok.txt --out {d}/a_file",
        r"--out '.*a_file' exists and is not a directory"),
    cli("--out cannot be created (its parent is a file)", "word2vec --corpus {d}/ok.txt --out {d}/a_file/run",
        r"cannot write to output directory '.*a_file/run': Not a directory", own_process=True),
    # ------------------------------------------------------------ added in turn 2
    cli("--out held by a live run", "onehot --corpus {d}/ok.txt --out {d}/run --overwrite",
        r"--out '.*run' is in use by another train.py run \(process 31337\)", setup=hold_the_out_dir),
    works("a decomposed accent (e + U+0301) is the composed word (NFC)", decomposed_accents_are_one_word),
    lib("an encoder file of a development version", unstamped_encoder_file, ValueError,
        r"e\.npz is not .* in the format this minembed reads \(minembed encoder v1\): it has no format stamp"),
    lib("encoder checkpoint from the previous version", encoder_checkpoint_from_the_previous_version, ValueError,
        r"made by an encoder with config .*'position_init': 'random'.*delete it or build the same encoder"),
    lib("fill_mask without a blank", lambda d: small_encoder(d).fill_mask("the cat sat"), ValueError,
        r"no blank in 'the cat sat': mark the word to fill in with \[MASK\]"),
    lib("fill_mask text longer than max_len", lambda d: small_encoder(d).fill_mask("the cat [MASK] " * 5),
        ValueError, r"15 tokens with its blanks, more than max_len=8; shorten it"),
    lib("target_vectors position outside the text", lambda d: small_encoder(d).target_vectors(["the cat"], [2]),
        ValueError, r"position 2 is outside text 0, which has 2 tokens"),
    lib("static vectors of another dim for the encoder",
        lambda d: small_encoder(d).init_embeddings(KeyedVectors(["cat"], np.ones((1, 3)))), ValueError,
        r"the vectors have dim 3 but the encoder has dim=8; train them with the same dim"),
    cli("encoder --init-from vectors of another dim", ENC + " --dim 8 --ff-dim 8 --max-len 8 --init-from {d}/v3.txt",
        r"the vectors have dim 3 but the encoder has dim=8",
        setup=lambda d: (d / "v3.txt").write_text("1 3\ncat 1 2 3\n")),
    cli("encoder --init-from a missing file", ENC + " --init-from {d}/nope.txt", r"--init-from file not found"),
    cli("encoder --init-from a file that is not vectors", ENC + " --init-from {d}/ok.txt", r"ok\.txt"),
    cli("encoder --sampled-softmax -1", ENC + " --sampled-softmax -1", r"--sampled-softmax must be >= 0"),
    lib("encoder file whose table has the wrong shape",
        lambda d: edited_encoder_file(d, "param/tok_emb", lambda a: a[:-1]), ValueError,
        r"param/tok_emb is float32 \(\d+, 8\), but the file's own config and vocabulary need float \(\d+, 8\)"),
    lib("encoder file whose weights are integers",
        lambda d: edited_encoder_file(d, "param/W_q", lambda a: a.astype(np.int64)), ValueError,
        r"param/W_q is int64 \(8, 8\).*damaged or was edited"),
    lib("encoder file with NaN weights",
        lambda d: edited_encoder_file(d, "param/b_1", lambda a: a * np.nan), ValueError,
        r"param/b_1 contains NaN or inf"),
    cli("finetune on an empty file", FT + "empty.tsv", r"empty\.tsv has no examples", setup=finetune_files),
    cli("finetune on a file with only a header", FT + "header_only.tsv", r"has no examples", setup=finetune_files),
    cli("finetune on a line without a TAB", FT + "no_tab.tsv", r"no_tab\.tsv, line 2: no TAB", setup=finetune_files),
    cli("finetune on a line with an empty label", FT + "no_label.tsv", r"line 2: empty label",
        setup=finetune_files),
    cli("finetune on one class", FT + "one_class.tsv", r"every example has the label 'pos'.*two or more classes",
        setup=finetune_files),
    cli("finetune on non-UTF-8 text", FT + "latin1.tsv", r"latin1\.tsv, line 2: not UTF-8", setup=finetune_files),
    cli("finetune on another language than the encoder's", FT + "french.tsv",
        r"only 0% of the 8 tokens .* are in the encoder's vocabulary of 7 words", setup=finetune_files),
    cli("finetune without --encoder or --vectors", "finetune --data {d}/labelled.tsv --out {d}/run",
        r"one of the arguments --encoder --vectors is required", setup=finetune_files),
    cli("finetune from a corpus instead of an encoder", "finetune --encoder {d}/ok.txt --data {d}/labelled.tsv "
        "--out {d}/run", r"ok\.txt is not a minembed encoder file", setup=finetune_files),
    cli("finetune with --dropout 1", FT + "labelled.tsv --dropout 1", r"--dropout must be in \[0, 1\)",
        setup=finetune_files),
    works("finetune writes a classifier that loads", finetune_reads_its_own_classifier),
    works("finetune --vectors writes a word-vector classifier that loads", finetune_from_word_vectors),
    lib("Tokenizer with an unknown normal form", lambda d: Tokenizer(normalize="nfc"), ValueError,
        r"normalize must be one of"),
]


def case_id(case):
    model = case.argv.split()[0] + "-" if case.argv and case.argv.split()[0] not in case.problem else ""
    return re.sub(r"[^\w.=-]+", "_", f"{case.via.split()[0]}-{model}{case.problem}").strip("_")


# ---------------------------------------------------------------------------- running the catalogue
def run_train_py(argv, timeout=60):
    env = {k: v for k, v in os.environ.items() if k != "MINEMBED_DEBUG"}
    return subprocess.run([sys.executable, "train.py", *argv], cwd=REPO, env=env, capture_output=True,
                          text=True, timeout=timeout)


def assert_one_line_error(code, stderr, message):
    assert code == 2, f"exit code {code}, stderr: {stderr}"
    assert "Traceback" not in stderr, stderr
    assert stderr.endswith("\n") and stderr.count("\n") == 1, f"not one line: {stderr!r}"
    assert stderr.startswith("error: "), stderr
    assert re.search(message, stderr), f"{message!r} not in {stderr!r}"


@pytest.fixture(autouse=True)
def stop_holders():
    yield
    while HOLDERS:
        HOLDERS.pop().kill()


@pytest.mark.parametrize("case", CATALOGUE, ids=case_id)
def test_bad_input(case, tmp_path, capsys, monkeypatch):
    monkeypatch.delenv("MINEMBED_DEBUG", raising=False)
    write_samples(tmp_path)
    if case.setup:
        case.setup(tmp_path)
    if case.via == "works":
        case.run(tmp_path)
    elif case.via == "library":
        with pytest.raises(case.error) as raised:
            case.run(tmp_path)
        error = raised.value
        message = error.args[0] if isinstance(error, KeyError) and error.args else str(error)  # unquoted
        assert re.search(case.message, message), \
            f"{case.message!r} not in {message!r}"
    elif case.via == "train.py":
        capsys.readouterr()
        try:
            code = train.main(case.run(tmp_path))
        except SystemExit as exit:                                          # argparse
            code = exit.code
        assert_one_line_error(code, capsys.readouterr().err, case.message)
    else:
        done = run_train_py(case.run(tmp_path))
        assert_one_line_error(done.returncode, done.stderr, case.message)


def test_catalogue_covers_every_kind_of_entry():
    kinds = {case.via for case in CATALOGUE}
    assert kinds == {"library", "train.py", "train.py (subprocess)", "works"}
    assert len({case_id(case) for case in CATALOGUE}) == len(CATALOGUE), "duplicate case ids"
    assert len(CATALOGUE) >= 100
