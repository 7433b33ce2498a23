"""Reference solution: a bigram vocabulary and word2phrase's phrase score (the exercise is docs/exercises/bigrams.py)."""
from minembed import Vocabulary


def bigrams(tokens):
    """See docs/exercises/bigrams.py."""
    return [f"{a} {b}" for a, b in zip(tokens, tokens[1:])]


def bigram_vocabulary(token_lists, min_count=1):
    """See docs/exercises/bigrams.py."""
    return Vocabulary.build((bigrams(tokens) for tokens in token_lists), min_count=min_count)


def phrase_score(words, pairs, pair, delta=5):
    """See docs/exercises/bigrams.py."""
    a, b = pair.split(" ")
    count_a, count_b = words.counts[words[a]], words.counts[words[b]]
    return (pairs.counts[pairs[pair]] - delta) * words.total / (count_a * count_b)
