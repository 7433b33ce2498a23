"""What only a contextual model shows: one word in several sentences, and blanks to fill.

For each AMBIGUOUS word, sentences a and c use one sense and b the other; the encoder tells the
senses apart when a and c get the closest vectors (a static embedding gives all three cosine 1).
The vector is the encoder's contextual reading of the word (``target_vectors``, the word hidden
behind <mask>: what the sentence says about it), the same reading benchmarks/bench_context.py
reports. FILL_MASK shows the masked-token head at work.
"""
import numpy as np

from ..plot.viz import attention_svg
from .pictures import best_effort

# One word, two senses: sentences a and c use the first sense, b the second. The encoder tells the
# senses apart on a word when a-c is its closest pair (a static vector gives cosine 1 to all three).
AMBIGUOUS = (("kind", ("she was very kind to her sister", "what kind of man is he", "he is a kind and good man")),
             ("miss", ("miss bennet came into the room", "i shall miss you very much", "miss lucas sat down by her")),
             ("present", ("she was not present at the ball", "he gave her a present", "all who were present were silent")),
             ("like", ("she looked like her mother", "i should like to see him", "a face like that of an angel")),
             ("case", ("in any case i shall go", "holmes took up the case", "in that case we must wait")),
             ("hand", ("on the other hand he was poor", "he took her hand", "on the one hand she was glad")))


# The masked-token head at work: what does the encoder put in each blank?
FILL_MASK = ("she opened the [MASK] and walked into the room", "it was late at [MASK] when he came home",
             "he took off his [MASK] and sat down", "i have not the least [MASK] of it")


def contextual_comparison(encoder):
    """The encoder's vectors of each AMBIGUOUS word in its three sentences (pairwise cosines, and
    whether the same-sense pair a-c is the closest), its answers to FILL_MASK, and the sentence whose
    attention map is drawn; None if none of the words is in its vocabulary."""
    triples = []
    for word, sentences in AMBIGUOUS:
        token_lists = [encoder.tokenizer.tokenize(s) for s in sentences]
        if word not in encoder.vocab or any(word not in tokens for tokens in token_lists):
            print(f"the ambiguous word {word!r} is not in the encoder's vocabulary; its sentences are skipped")
            continue
        # the word hidden behind <mask>: its vector is what the sentence says about it (target_vectors)
        vectors = encoder.target_vectors(list(sentences), [tokens.index(word) for tokens in token_lists])
        unit = vectors / np.linalg.norm(vectors, axis=1, keepdims=True)
        cosines = unit @ unit.T                                             # (3, 3)
        triples.append({"word": word, "sentences": list(sentences), "cosines": cosines.tolist(),
                        "separated": bool(cosines[0, 2] > max(cosines[0, 1], cosines[1, 2]))})
    if not triples:
        print("no ambiguous word is in the encoder's vocabulary; contextual comparison skipped")
        return None
    fill = []
    for sentence in FILL_MASK:
        try:
            fill.append((sentence, encoder.fill_mask(sentence, top_k=5)))
        except ValueError as err:                                           # e.g. longer than --max-len
            print(f"fill-mask skipped for {sentence!r}: {err}")
    return {"triples": triples, "fill_mask": fill, "attention_sentence": triples[0]["sentences"][1]}


def sense_summary(context):
    """One sentence, computed from the cosines, of whether the encoder tells senses apart."""
    triples = context["triples"]
    good = [t["word"] for t in triples if t["separated"]]
    bad = [t["word"] for t in triples if not t["separated"]]
    text = (f"The encoder puts the two same-sense uses closest for {len(good)} of {len(triples)} words"
            + (f" ({', '.join(good)})" if good else ""))
    text += f"; not for {', '.join(bad)}." if bad else "."
    if len(good) <= len(triples) / 3:
        text += (" That is no better than chance (a random pair is the closest 1 time in 3): on this small "
                 "corpus it has not learned these senses.")
    else:
        text += (f" Chance would do it for about {len(triples) / 3:.0f} of {len(triples)} (a random pair is the "
                 "closest 1 time in 3).")
    return text


def learned_summary(metrics, vocab, context):
    """Sentences, computed from the run's numbers, of what the encoder learned and what it did not."""
    lines = []
    if "heldout" in metrics:
        accuracy, baseline = metrics["heldout"]["accuracy"], metrics.get("baseline_accuracy", 0.0)
        text = f"It guesses {accuracy:.1%} of held-out masked words"
        if baseline > 0:
            text += (f", {accuracy / baseline:.1f} times the {baseline:.1%} of always guessing "
                     f"{metrics['baseline_token']!r}")
        lines.append(text + ".")
    if context and context["fill_mask"]:
        frequent = set(vocab.itos[len(vocab.specials):len(vocab.specials) + 50])
        guesses = [word for _, answers in context["fill_mask"] for word, _ in answers]
        share = sum(word in frequent for word in guesses) / len(guesses)
        lines.append(f"{share:.0%} of its fill-in-the-blank guesses above are among the 50 most frequent words"
                     + (": it has learned mostly which short words go where, little of the content words."
                        if share >= 0.5 else "; the rest are rarer, content words."))
    return " ".join(lines)


def print_contextual(context):
    if context is None:
        return
    print("\n===== one word, several sentences (a and c share a sense, b has the other) =====")
    for triple in context["triples"]:
        cos = triple["cosines"]
        print(f"  {triple['word']!r}: a-c {cos[0][2]:.3f} (same sense), a-b {cos[0][1]:.3f}, b-c {cos[1][2]:.3f}"
              f"  {'separated' if triple['separated'] else 'NOT separated'}   a: {triple['sentences'][0]} | "
              f"b: {triple['sentences'][1]} | c: {triple['sentences'][2]}")
    print(f"  {sense_summary(context)}")
    print("  static embeddings (one vector per word: one-hot, TF-IDF, word2vec, the encoder's input table) "
          "give a word the same vector in every sentence: cosine 1.000")
    if context["fill_mask"]:
        print("\n===== fill in the blank (the encoder's top 5, with probabilities) =====")
        for sentence, answers in context["fill_mask"]:
            print(f"  {sentence}\n    " + ", ".join(f"{word} {p:.2f}" for word, p in answers))
    if context.get("learned"):
        print(f"  {context['learned']}")



def draw_attention(encoder, sentence, path):
    """attention.svg: the encoder's attention weights over ``sentence`` (T tokens: a T x T map)."""
    attention, tokens = encoder.attention(sentence)
    T = len(tokens)
    return best_effort(path, lambda: attention_svg(
        attention, tokens, path, title=f"encoder attention over \"{sentence}\" (T = {T} tokens: row i, "
                                       f"column j = how much token i's vector takes from token j)") or True)
