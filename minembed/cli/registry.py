"""The commands of train.py: one line per model.

A runner is a module with ``add_args(parser)`` (its own options) and ``run(args) -> RunResult``.
``all_preset`` is the options ``train.py all`` gives it on the shipped corpus (None: ``all`` leaves
it out); ``common_args`` adds the options every corpus model has (--corpus, --out, --seed,
--min-count, --max-vocab). To add a model (GloVe, say): write ``cli/glove.py`` like cli/onehot.py,
then add one line here, or call :func:`register` from your own code before ``train.main``.
"""
import dataclasses
from typing import Callable, Optional

from . import encoder, finetune, onehot, search, tfidf, word2vec


@dataclasses.dataclass(frozen=True)
class Runner:
    add_args: Callable
    run: Callable
    all_preset: Optional[list] = None
    common_args: bool = True


RUNNERS = {
    "onehot": Runner(onehot.add_args, onehot.run, all_preset=[]),
    "tfidf": Runner(tfidf.add_args, tfidf.run, all_preset=["--min-df", "2"]),
    "word2vec": Runner(word2vec.add_args, word2vec.run, all_preset=["--epochs", "10", "--min-count", "3", "--dim", "64"]),
    "encoder": Runner(encoder.add_args, encoder.run,
                      all_preset=["--steps", "3000", "--min-count", "3", "--eval-every", "500",
                                  "--checkpoint-every", "500", "--mask-frequency-power", "0.5"]),
    "finetune": Runner(finetune.add_args, finetune.run, common_args=False),
    "search": Runner(search.add_args, search.run, common_args=False),
}


def register(name, add_args, run, all_preset=None, common_args=True):
    """Add a command to train.py (and, with ``all_preset``, to ``train.py all``)."""
    if name in RUNNERS or name == "all":
        raise ValueError(f"train.py already has a command {name!r}; choose another name")
    RUNNERS[name] = Runner(add_args, run, all_preset, common_args)
