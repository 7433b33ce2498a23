"""Counting words: one-hot rows, bag-of-words counts and TF-IDF weights (start with reference.py)."""
