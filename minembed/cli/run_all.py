"""``train.py all``: every model of the registry that has an ``all_preset``, on one corpus, each into
``--out/<model>``, then the side-by-side comparison (cli/report.py).

One link between the runs: a model with an ``--init-from`` option (the encoder) starts its token
table from the static vectors of an earlier run of the same width (word2vec's), as CoVe and ELMo
built on static vectors.
"""
import argparse
import os

from .common import add_common_args
from .registry import RUNNERS
from .report import compare_models
from .rundir import prepare_out_dir


def run_all(args):
    """Run every model with its preset into ``args.out/<model>``, then compare what they learned."""
    prepare_out_dir(args)
    results, commands = [], {}
    for name, runner in RUNNERS.items():
        if runner.all_preset is None:
            continue
        print(f"\n===== {name} =====")
        model_parser = argparse.ArgumentParser(prog=f"train.py {name}")
        add_common_args(model_parser, name)
        runner.add_args(model_parser)
        argv = (runner.all_preset + ["--corpus", args.corpus, "--out", os.path.join(args.out, name),
                                     "--seed", str(args.seed)]
                + (["--overwrite"] if args.overwrite else []) + static_start(model_parser, runner.all_preset, results))
        model_args = model_parser.parse_args(argv)
        model_args.model, model_args.script = name, args.script
        results.append(runner.run(model_args))
        commands[name] = (runner.all_preset, argv)
    compare_models(args, results, commands)
    return results


def static_start(model_parser, preset, results):
    """``--init-from VECTORS`` for a model that takes it, from the last earlier run that wrote static
    vectors (vectors.txt) of the model's --dim; nothing otherwise."""
    model_args = model_parser.parse_args(preset)
    if not hasattr(model_args, "init_from"):
        return []
    for result in reversed(results):
        path = os.path.join(result.out, "vectors.txt")
        if result.vectors is None or not os.path.exists(path):
            continue
        width = result.vectors.vectors.shape[1]
        if width == model_args.dim:
            return ["--init-from", path]
        print(f"starts from random vectors: {result.title}'s dim {width} is not its dim {model_args.dim}")
    return []
