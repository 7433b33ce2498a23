"""How the vectorizers find, number and count tokens with no Python work per token (speed only: the same
output as minembed/bow/reference.py)."""
