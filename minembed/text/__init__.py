"""Text -> tokens -> ids: the tokenizer, the vocabulary and the corpus reader every method shares."""
