"""Load the implementation a check module tests: your stub, or the reference solution.

``docs/exercises/test_<name>.py`` asks for the fixture ``impl`` and gets the module
``docs/exercises/<name>.py`` (the file you edit), or ``docs/solutions/<name>.py`` when the
environment variable ``MINEMBED_SOLUTIONS=1`` is set (CI does, in ``tests/test_exercises.py``).

    python -m pytest docs/exercises/test_glove.py                       # your answer
    MINEMBED_SOLUTIONS=1 python -m pytest docs/exercises/test_glove.py  # the reference
"""
import importlib.util
import os

import pytest

import minembed

HERE = os.path.dirname(os.path.abspath(__file__))
# the repository minembed is installed from: its corpora/ and docs/solutions/ are found from there, so a
# copy of this folder (cp -r docs/exercises ~/my-exercises) runs the same checks on your copy's files
REPO = os.path.dirname(os.path.dirname(os.path.abspath(minembed.__file__)))
SOLUTIONS = os.path.join(REPO, "docs", "solutions")


def load(name):
    """The module ``<name>.py`` from docs/exercises, or from docs/solutions with MINEMBED_SOLUTIONS=1."""
    folder = SOLUTIONS if os.environ.get("MINEMBED_SOLUTIONS") == "1" else HERE
    path = os.path.join(folder, f"{name}.py")
    spec = importlib.util.spec_from_file_location(f"minembed_exercise_{name}", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def impl(request):
    """The implementation of the exercise named by the test file: test_glove.py -> glove.py."""
    name = os.path.basename(request.module.__file__)[len("test_"):-len(".py")]
    return load(name)
