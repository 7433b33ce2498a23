"""Exercise (docs/01-tokens-and-vocabulary.md): a vocabulary of word pairs, and which pairs are phrases.

"mock turtle" and "new york" mean more than their words. word2vec's ``word2phrase`` tool finds such
pairs by counting: a pair is a phrase when it occurs together far more often than its words'
frequencies predict. Build it in three steps, then check with

    python -m pytest docs/exercises/test_bigrams.py
"""


def bigrams(tokens):
    """The neighbouring pairs of one token list, each joined by one space, in order.

    ``bigrams(["the", "mock", "turtle"]) -> ["the mock", "mock turtle"]``; a list of fewer than
    two tokens has none: ``bigrams(["alice"]) -> []``.
    """
    raise NotImplementedError("docs/exercises/bigrams.py: bigrams")


def bigram_vocabulary(token_lists, min_count=1):
    """A :class:`minembed.Vocabulary` of the bigrams of every token list.

    Pairs are taken inside each list only (never from the last token of one list to the first of
    the next: a list is a document). Keep the pairs seen at least ``min_count`` times. Ids follow
    minembed's rule (most frequent first, ties alphabetical), which ``Vocabulary.build`` applies
    for you: ``bigram_vocabulary([["a", "b", "a", "b"]]).itos -> ["a b", "b a"]`` with counts [2, 1].
    """
    raise NotImplementedError("docs/exercises/bigrams.py: bigram_vocabulary")


def phrase_score(words, pairs, pair, delta=5):
    """word2phrase's score of ``pair`` ("a b"), a float:

        score(a b) = (count(a b) - delta) * T / (count(a) * count(b))

    ``words`` is the Vocabulary of single words (its ``counts``, and ``T = words.total``, the number
    of tokens), ``pairs`` the Vocabulary from :func:`bigram_vocabulary`. ``delta`` discounts rare
    pairs: a pair seen ``delta`` times or fewer scores <= 0. (word2phrase keeps a pair as one token
    when its score is above a threshold, 100 by default.)
    Hint: ``vocab[token]`` is the id, ``vocab.counts[id]`` its count.
    """
    raise NotImplementedError("docs/exercises/bigrams.py: phrase_score")
