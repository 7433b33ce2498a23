"""``train.py all``'s comparison: what each method learned, side by side, printed and in report.md.

Everything here reads :class:`~minembed.cli.common.RunResult` fields only (title, words, summary,
notes, pictures, contextual), never a model's name: a new model joins the table by returning one.
"""
import json
import os
import shlex

import numpy as np

from ..core.fileio import atomic_write
from .senses import sense_summary

COMPARE_WORDS = ("sister", "letter", "door", "eyes", "happy", "morning")     # frequent in corpora/
NO_NEIGHBOURS = "none: cosine 0 with every other word"


def neighbour_table(results, k=5):
    """``{word: {title: cell text}}`` for the COMPARE_WORDS some method knows; prints what is skipped."""
    tables = {result.title: result.words for result in results if result.words is not None}
    rows = {}
    for word in COMPARE_WORDS:
        if not any(words.contains(word) for words in tables.values()):
            print(f"probe word {word!r} is in no model's vocabulary; skipped")
            continue
        rows[word] = {}
        for title, words in tables.items():
            if not words.contains(word):
                rows[word][title] = "(not in vocabulary)"
            elif words.neighbours is None:
                rows[word][title] = NO_NEIGHBOURS
            else:
                rows[word][title] = ", ".join(w for w, _ in words.neighbours(word, k))
    return rows


NEIGHBOURS_MEANING = ("one-hot: every pair of distinct words has cosine 0, so no word is nearer than another. "
                      "TF-IDF: terms weighted in the same documents. word2vec and the encoder's input "
                      "embeddings: words used in the same contexts.")


def print_neighbour_table(rows):
    print("\n===== 5 nearest neighbours (cosine) =====\n" + NEIGHBOURS_MEANING)
    titles = list(next(iter(rows.values())))
    width = max(len(title) for title in titles)
    for word, cells in rows.items():
        print(f"{word}")
        for title in titles:
            print(f"  {title:<{width}}  {cells[title]}")


def write_report(out, args, results, rows, notes, commands):
    """``out/report.md``: what ran, what the numbers say (``notes``: (topic, sentence) pairs), the
    settings (``commands``: ``{name: (preset, argv)}``), the neighbour table, the contextual cosines and
    blanks, the pictures."""
    titles = list(next(iter(rows.values()))) if rows else []
    lines = ["# What each way of turning words into vectors learned", "", report_command(args), "",
             "| model | what it learned (settings: `<model>/config.json`) | seconds |", "|---|---|---:|"]
    for result in results:
        seconds = result.metrics.get("seconds")
        lines.append(f"| {result.title} | {result.summary} (`{result.name}/metrics.json`) | "
                     f"{'' if seconds is None else f'{seconds:.1f}'} |")
    if notes:
        lines += ["", "## What the numbers say", ""] + [f"- **{topic}.** {sentence}" for topic, sentence in notes]
    if commands:
        lines += ["", "## The settings `all` used", "",
                  "Each model ran as this command (its defaults otherwise: `python train.py MODEL --help`); "
                  "every setting is also in `<model>/config.json`.", "",
                  "| model | `all`'s preset | the command |", "|---|---|---|"]
        for result in results:
            preset, argv = commands[result.name]
            shown = f"`{shlex.join(preset)}`" if preset else "(the defaults)"
            lines.append(f"| {result.title} | {shown} | "
                         f"`{shown_command([result.name] + argv)}` |")
    lines += ["", "## 5 nearest neighbours (cosine)", "", NEIGHBOURS_MEANING, "",
              "| word | " + " | ".join(titles) + " |", "|---|" + "---|" * len(titles)]
    lines += [f"| **{word}** | " + " | ".join(cells[t] for t in titles) + " |" for word, cells in rows.items()]
    for result in results:
        if result.contextual is not None:
            lines += contextual_lines(result.contextual)
    pictures = {title: os.path.relpath(os.path.join(result.out, path), out)
                for result in results for title, path in result.pictures.items()}
    if pictures:
        lines += ["", "## Pictures", ""]
        lines += [f"### {title}\n\n![{title}]({path})\n" for title, path in pictures.items()]
    with atomic_write(os.path.join(out, "report.md")) as f:
        f.write("\n".join(lines) + "\n")


def contextual_lines(context):
    """The report's sections on one word in several sentences, and on the blanks (cli/senses.py)."""
    lines = ["", "## One word, several sentences", "",
             "Sentences a and c use one sense of the word, b the other. Cosine between the encoder's "
             "contextual vectors of the word (the word hidden: what its sentence says about it); the senses "
             "are told apart when a-c is the closest pair. Any static embedding (one-hot, TF-IDF, word2vec, "
             "the encoder's input table) gives a word one vector in every sentence: cosine 1.000.", "",
             "| word | a | b | c | a-c (same) | a-b | b-c | separated |", "|---|---|---|---|---:|---:|---:|---|"]
    for t in context["triples"]:
        cos = t["cosines"]
        lines.append(f"| *{t['word']}* | {' | '.join(t['sentences'])} | {cos[0][2]:.3f} | {cos[0][1]:.3f} | "
                     f"{cos[1][2]:.3f} | {'yes' if t['separated'] else 'no'} |")
    lines += ["", sense_summary(context)]
    if context["fill_mask"]:
        lines += ["", "## Fill in the blank", "", "The encoder's five most probable words for each blank:", ""]
        lines += [f"- *{sentence}*: " + ", ".join(f"{w} ({p:.2f})" for w, p in answers)
                  for sentence, answers in context["fill_mask"]]
    if context.get("learned"):
        lines += ["", context["learned"]]
    return lines


def shown_command(argv):
    """``python train.py ...`` as a reader would type it here: absolute paths made relative to the
    current directory, quoted for a POSIX shell."""
    return shlex.join(["python", "train.py"] + [os.path.relpath(a) if os.path.isabs(a) else a for a in argv])


def report_command(args):
    """The report's first line: the command that was run and, if it was shorter, what it expanded to."""
    full = shown_command(["all", "--corpus", args.corpus, "--out", args.out, "--seed", str(args.seed)]
                         + (["--overwrite"] if args.overwrite else []))
    given = getattr(args, "given", None)
    if given is None or shown_command(given) == full:
        return f"`{full}`"
    return f"`{shown_command(given)}`, that is `{full}`"


# ---------------------------------------------------------------------------- why the vocabularies differ
SPECIALS_MEANING = {"<pad>": "padding", "<unk>": "words not in the vocabulary", "<mask>": "the blanks it learns to fill"}


def vocabulary_story(results):
    """Why the methods' vocabularies differ in size, one sentence per run, from each run's config.json
    (its tokenizer, --min-count or --min-df, special tokens) and the size of the vocabulary it kept."""
    configs = {}
    for result in results:
        with open(os.path.join(result.out, "config.json"), encoding="utf-8") as f:
            configs[result.name] = json.load(f)
    counted = [r for r in results                        # the runs whose --min-count decides their words
               if not r.vocabulary and r.vocab is not None and "min_count" in configs[r.name]["settings"]]
    parts = []
    tokenizers = {json.dumps(configs[r.name]["tokenizer"], sort_keys=True) for r in counted}
    if len(counted) > 1 and len(tokenizers) == 1:
        names = [r.title for r in counted]
        parts.append(f"{', '.join(names[:-1])} and {names[-1]} read the corpus with one tokenizer (pattern "
                     f"{configs[counted[0].name]['tokenizer'].get('pattern', '?')}); they differ in the words they keep.")
    full = next((r for r in counted if configs[r.name]["settings"]["min_count"] == 1 and not r.vocab.specials), None)
    for result in results:
        settings, specials = configs[result.name]["settings"], configs[result.name].get("vocab_specials", [])
        if result in counted:
            min_count = settings["min_count"]
            words = len(result.vocab) - len(specials)
            text = (f"{result.title} keeps the words seen at least {'once' if min_count == 1 else f'{min_count} times'}"
                    f" (--min-count {min_count}): {words:,}")
            if full is not None and result is not full:
                kept = int(np.sum(full.vocab.counts >= min_count))
                text += (f", exactly the {full.title} words seen that often" if kept == words
                         else f", while {full.title} has {kept:,} words seen that often")
            if specials:
                meaning = ", ".join(f"{s} ({SPECIALS_MEANING.get(s, 'special')})" for s in specials)
                text += f", plus {len(specials)} special tokens {meaning}: {len(result.vocab):,}"
            parts.append(text + ".")
        elif result.vocabulary:
            parts.append(result.vocabulary)
    return " ".join(parts)


def compare_models(args, results, commands):
    """Print the side-by-side comparison and write report.md into ``args.out``. ``results``: the
    runs' :class:`RunResult` in order; ``commands``: ``{name: (preset, argv)}`` as ``all`` ran them."""
    rows = neighbour_table(results)
    if rows:
        print_neighbour_table(rows)
    notes = [note for result in results for note in result.notes]
    story = vocabulary_story(results)
    if story:
        notes.append(("Why the vocabularies differ in size", story))
    print("\n===== what the numbers say =====")
    for topic, sentence in notes:
        print(f"- {topic}. {sentence}")
    write_report(args.out, args, results, rows, notes, commands)
    print(f"\nreport: {os.path.join(args.out, 'report.md')}")
