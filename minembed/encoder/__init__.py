"""A tiny single-head self-attention encoder trained by masked-token prediction (start with reference.py)."""
