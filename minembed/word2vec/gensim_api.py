"""gensim 4's interface on minembed's Word2Vec, as plain functions of the model: its names,
``build_vocab`` + ``train``, ``save`` / ``load``.

Code written for gensim should run on minembed unchanged, so :class:`~minembed.word2vec.model.Word2Vec`
takes gensim's parameter names beside its own (:data:`GENSIM_NAMES` says what each becomes, and
:func:`from_gensim` turns them into minembed's), and its methods of gensim's names are one-line
delegates to the functions here, each taking the model as its first argument:

=====================================  ================================================================
gensim                                 minembed
=====================================  ================================================================
``Word2Vec(sentences, ...)``           trains at once, as gensim (``fit(corpus)`` is minembed's verb)
``build_vocab(corpus_iterable)``       reads the corpus, builds the vocabulary, initialises the tables
``train(corpus, total_examples=...,    more epochs, continuing from the current vectors
epochs=...)``
``get_latest_training_loss()``         the loss summed over the latest ``fit`` / ``train``
``save(path)`` / ``Word2Vec.load``     the whole model: arrays + JSON in one ``.npz``, no pickle,
                                       stamped with :data:`FILE_FORMAT` (so is a checkpoint)
``callbacks=[...]``                    ``on_train_begin`` / ``on_epoch_begin`` / ``on_epoch_end`` /
                                       ``on_train_end(model)``, as gensim's ``CallbackAny2Vec``
=====================================  ================================================================

None of this changes the algorithm: it is all in :mod:`minembed.word2vec.model` and
:mod:`minembed.word2vec.objectives`.
"""
import json
import os

import numpy as np

from ..text.corpus import encode_corpus
from ..core.fileio import load_npz, save_npz
from ..text.tokenize import Tokenizer
from ..text.vocab import Vocabulary

# The stamp of a saved model and of a checkpoint (one format: a checkpoint is a saved model). A file
# with another stamp is refused by load_npz with one error naming both versions; change the version
# whenever what save writes, or what a checkpoint's positions mean, changes.
FILE_FORMAT = ("minembed word2vec", 1)

# gensim 4's constructor names and what they become here. (Its other names are minembed's too:
# window, min_count, sample, alpha, min_alpha, seed, workers, negative, epochs, ns_exponent,
# shrink_windows, max_final_vocab, callbacks.)
GENSIM_NAMES = {
    "vector_size": "dim",
    "sg": "objective: 1 = 'skipgram', 0 = 'cbow' (or 'cbow_sum' with cbow_mean=0)",
    "cbow_mean": "with sg=0: 1 = mean of the context vectors, 0 = their sum",
    "hs": "0 only: hierarchical softmax is not implemented (negative sampling is)",
    "compute_loss": "accepted; minembed always computes the loss (it costs one log per score)",
    "max_vocab_size": "None only (gensim's memory cap while counting; use max_final_vocab)",
    "trim_rule": "None only (prune with min_count / max_final_vocab)",
    "sorted_vocab": "1 only (rows are always in descending frequency)",
    "null_word": "0 only",
    "hashfxn": "accepted and unused (the initial vectors come from seed)",
    "batch_words": "accepted and unused (gensim's job size; minembed's step is batch_size centres)",
    "comment": "kept as .comment",
}
GENSIM_ONLY_AT = {"hs": 0, "max_vocab_size": None, "trim_rule": None, "sorted_vocab": 1, "null_word": 0}


# ---------------------------------------------------------------------------- gensim's verbs
def build_vocab(model, corpus_iterable=None, corpus_file=None, update=False, progress_per=10000,
                keep_raw_vocab=False, trim_rule=None, **unused):
    """gensim's first step: read the corpus, build the vocabulary, initialise the tables.

    ``corpus_iterable`` is token lists; ``corpus_file`` a text file, split on whitespace
    and not lowercased (gensim's ``LineSentence``) unless the model was given a tokenizer.
    The encoded corpus is kept, so a ``train`` on the same object does not read it again."""
    corpus = one_corpus(corpus_iterable, corpus_file)
    check(not update, "build_vocab(update=True) is not supported: minembed's vocabulary is fixed "
           "once built; build a new model on all of the corpus")
    check(trim_rule is None, "trim_rule is not supported; prune with min_count or max_final_vocab")
    model.build(corpus, tokenizer_for(model, corpus_file))
    model._built_from = corpus
    return model


def tokenizer_for(model, corpus_file):
    """A corpus_file is split on whitespace, as gensim's LineSentence, unless the model was given
    a tokenizer (then that one, as for ``fit(path)``)."""
    if corpus_file is not None and not model._tokenizer_given:
        return Tokenizer(pattern=r"\S+", lowercase=False, normalize=None)
    return model.tokenizer


def train(model, corpus_iterable=None, corpus_file=None, total_examples=None, total_words=None, epochs=None,
          start_alpha=None, end_alpha=None, word_count=0, queue_factor=2, report_delay=1.0,
          compute_loss=False, callbacks=(), progress=True, **unused):
    """gensim's ``train``: ``epochs`` more epochs on a corpus, **continuing** from the current
    vectors, with the learning rate going from ``start_alpha`` (default ``alpha``) to
    ``end_alpha`` (``min_alpha``) over them. Words outside the built vocabulary are skipped.
    (An epoch that Ctrl-C stopped half way is not resumed here: its updates stay in the
    vectors, and ``fit(corpus, checkpoint=path)`` is what resumes an interrupted run.)

    As in gensim, ``epochs`` and one of ``total_examples`` / ``total_words`` must be given
    (minembed counts its own progress, so their values are not used). ``callbacks``: objects
    with any of ``on_train_begin``, ``on_epoch_begin``, ``on_epoch_end``, ``on_train_end``,
    each called with the model (gensim's ``CallbackAny2Vec`` work as they are). Returns
    ``(effective words trained, raw words read)``, summed over the epochs."""
    if model.vocab is None:
        raise RuntimeError("you must first build vocabulary before training the model "
                           "(build_vocab(corpus), or fit(corpus))")
    if total_examples is None and total_words is None:
        raise ValueError("You must specify either total_examples or total_words, for proper learning-rate "
                         "and progress calculations; if you've just built the vocabulary using the same "
                         "corpus, use total_examples=model.corpus_count")
    if epochs is None or epochs <= 0:
        raise ValueError("You must specify an explicit epochs count. The usual value is epochs=model.epochs.")
    corpus = one_corpus(corpus_iterable, corpus_file)
    built_from = model._built_from
    if not (corpus is built_from or (isinstance(corpus, (str, os.PathLike)) and corpus == built_from)):
        model.corpus = encode_corpus(corpus, tokenizer_for(model, corpus_file), vocab=model.vocab)
    model._built_from = None
    model._resume_at = None                                # a new session starts its epochs afresh
    model.alpha = start_alpha or model.alpha
    model.min_alpha = end_alpha or model.min_alpha
    model.epochs = int(epochs)
    first = len(model.history)
    model._train_epochs(model.epochs, model.alpha, model.min_alpha, progress, callbacks)
    raw_words = (model.corpus.n_tokens + model.corpus.n_dropped) * model.epochs
    return sum(h["effective_words"] for h in model.history[first:]), raw_words


# ---------------------------------------------------------------------------- files: the whole model, checkpoints
def save(model, path):
    """Save the whole model, to load and go on training later (gensim's ``save``): one ``.npz``
    holding both tables, the vocabulary and its counts, and the settings, tokenizer and
    history as JSON (no pickle, so loading runs no code), written atomically. For the word
    vectors alone use ``model.wv.save_word2vec_format``."""
    if model.vocab is None:
        raise ValueError("this Word2Vec has no vocabulary or vectors yet; fit or build_vocab first")
    state = {"config": model.config(), "tokenizer": model.tokenizer.config(),
             "tokenizer_given": model._tokenizer_given, "comment": model.comment,
             "running_training_loss": model.running_training_loss,
             "epochs_done": model.epochs_done, "history": model.history, "resume_at": model._resume_at}
    save_npz(path, file_format=FILE_FORMAT, in_vectors=model.in_vectors, out_vectors=model.out_vectors,
             words=np.array(model.vocab.itos), counts=model.vocab.counts, state=np.array(json.dumps(state)))


def load(model_class, path):
    """A ``model_class`` (Word2Vec) saved by :func:`save` (or a ``fit(checkpoint=...)`` file), ready
    to ``train`` on."""
    saved, state = read_model(path)
    given = state["tokenizer_given"]          # (else a corpus_file is split on whitespace, as gensim)
    model = model_class(**state["config"], tokenizer=Tokenizer(**state["tokenizer"]) if given else None)
    model._set_vocab(Vocabulary(saved["words"].tolist(), saved["counts"]))
    model.in_vectors, model.out_vectors = saved["in_vectors"], saved["out_vectors"]
    model.epochs_done, model.history, model._resume_at = state["epochs_done"], state["history"], state["resume_at"]
    model.comment, model.running_training_loss = state["comment"], state["running_training_loss"]
    return model


def load_checkpoint(model, path):
    """Continue ``model`` (built on its corpus) from the checkpoint ``path`` that ``fit`` wrote: same
    settings and vocabulary required."""
    saved, state = read_model(path, "a word2vec checkpoint")
    # the worker count shapes only an unfinished epoch: at an epoch boundary it may change
    free = ("workers",) if state["resume_at"] is None else ()
    changed = [k for k, v in model.config().items() if state["config"][k] != v and k not in free]
    if changed:
        raise ValueError(f"checkpoint {path} was made with other settings ({', '.join(changed)}); "
                         "resume with the same settings, or delete the checkpoint to start afresh")
    if saved["words"].tolist() != model.vocab.itos:
        raise ValueError(f"checkpoint {path} was made on another corpus (its vocabulary differs); "
                         "resume on the same corpus, or delete the checkpoint")
    model.in_vectors[:], model.out_vectors[:] = saved["in_vectors"], saved["out_vectors"]
    model.epochs_done, model.history, model._resume_at = state["epochs_done"], state["history"], state["resume_at"]


def read_model(path, what="a saved minembed Word2Vec model (Word2Vec.save)"):
    """The arrays of a file :func:`save` wrote, and its JSON ``state`` as a dict; a ValueError
    naming ``what`` for another kind of file, and both versions for another version of this one."""
    saved = load_npz(path, what, ("state", "words", "counts", "in_vectors", "out_vectors"), file_format=FILE_FORMAT)
    return saved, json.loads(str(saved["state"]))


def from_gensim(names, dim, objective):
    """gensim's constructor arguments -> (dim, objective), each None if not given (defaults: 100,
    skip-gram); refuses what minembed does not do, and a gensim name that contradicts minembed's."""
    unknown = sorted(set(names) - set(GENSIM_NAMES))
    if unknown:
        renamed = {"size": "vector_size", "iter": "epochs"}
        hints = [f"{old} is gensim 3's name: use {renamed[old]}" for old in unknown if old in renamed]
        raise TypeError(f"Word2Vec got unexpected keyword argument(s) {unknown}" + (f" ({'; '.join(hints)})" if hints else ""))
    for name, allowed in GENSIM_ONLY_AT.items():
        if name in names and names[name] != allowed:
            raise ValueError(f"{name}={names[name]!r} is not supported: {GENSIM_NAMES[name]}")
    if "vector_size" in names:
        check(dim is None or dim == names["vector_size"], f"dim={dim} and vector_size={names['vector_size']} "
               "disagree; give one of them")
        dim = names["vector_size"]
    if "sg" in names:
        check(names["sg"] in (0, 1), f"sg must be 0 (CBOW) or 1 (skip-gram), got {names['sg']!r}")
        named = "skipgram" if names["sg"] else ("cbow" if names.get("cbow_mean", 1) else "cbow_sum")
        check(objective is None or objective == named, f"objective={objective!r} and sg={names['sg']}"
               + (f", cbow_mean={names['cbow_mean']}" if "cbow_mean" in names else "") + " disagree; give one of them")
        objective = named
    elif "cbow_mean" in names and objective is not None and objective.startswith("cbow"):
        objective = "cbow" if names["cbow_mean"] else "cbow_sum"
    return (100 if dim is None else dim), ("skipgram" if objective is None else objective)


def one_corpus(corpus_iterable, corpus_file):
    """gensim's rule: exactly one of the two."""
    if (corpus_iterable is None) == (corpus_file is None):
        raise TypeError("give exactly one of corpus_iterable (sentences: token lists) and corpus_file (a path)")
    if corpus_file is not None and not os.path.isfile(corpus_file):
        raise TypeError(f"corpus_file must be the path of a file, got {corpus_file!r}")
    return corpus_iterable if corpus_file is None else corpus_file


def call_callbacks(callbacks, event, model):
    """``callback.<event>(model)`` for each callback that has that method (gensim's CallbackAny2Vec)."""
    for callback in callbacks:
        method = getattr(callback, event, None)
        if method is not None:
            method(model)


def check(condition, message):
    """Raise ValueError(message) unless condition (Word2Vec's settings checks too)."""
    if not condition:
        raise ValueError(message)
