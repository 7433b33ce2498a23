"""For ``python -m pytest --doctest-glob='*.md' docs``: the pages' examples run from a scratch folder
that sees the shipped ``corpora/`` (so the files they write land there, not in the repository).

The exercises' checks are left out of that run: they fail until a student solves them. Run one
directly (``python -m pytest docs/exercises/test_glove.py``), or all against the reference
solutions with ``MINEMBED_SOLUTIONS=1 python -m pytest docs/exercises``."""
import os

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
collect_ignore = ["exercises", "solutions"]        # (paths named on the command line are still collected)


@pytest.fixture(autouse=True)
def _scratch_folder_with_corpora(tmp_path, monkeypatch, request):
    if request.node.path.suffix == ".md":
        os.symlink(os.path.join(os.path.dirname(HERE), "corpora"), tmp_path / "corpora")
        monkeypatch.chdir(tmp_path)
