"""word2vec with negative sampling: skip-gram and CBOW (start with reference.py)."""
