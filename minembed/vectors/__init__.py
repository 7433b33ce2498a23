"""A table of word vectors (KeyedVectors), its file formats, and the word-level evaluations."""
