"""The exercises in docs/exercises are known to bite: their checks pass against the reference solutions
in docs/solutions and fail, every one, against the untouched stubs.

Each exercise is three files with the same functions: the stub ``docs/exercises/<name>.py`` (what a
student edits), the checks ``docs/exercises/test_<name>.py`` and the solution ``docs/solutions/<name>.py``;
``docs/exercises/conftest.py`` hands the checks one or the other (``MINEMBED_SOLUTIONS=1``)."""
import ast
import glob
import os
import subprocess
import sys
import xml.etree.ElementTree as ET

import pytest

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
EXERCISES = os.path.join(REPO, "docs", "exercises")
NAMES = sorted(os.path.basename(p)[len("test_"):-len(".py")] for p in glob.glob(os.path.join(EXERCISES, "test_*.py")))


def _run_checks(tmp_path, solutions):
    """Run every check module in a subprocess; return {test id: outcome} from its JUnit XML report."""
    env = dict(os.environ, MINEMBED_SOLUTIONS="1" if solutions else "0")
    report = tmp_path / "report.xml"
    result = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "docs/exercises",
                             f"--junitxml={report}"], cwd=REPO, env=env, capture_output=True, text=True, timeout=300)
    outcomes = {}
    for case in ET.parse(report).getroot().iter("testcase"):
        kind = [child.tag for child in case if child.tag in ("failure", "error", "skipped")]
        outcomes[f"{case.get('classname')}::{case.get('name')}"] = kind[0] if kind else "passed"
    return result, outcomes


def _functions(path):
    with open(path, encoding="utf-8") as f:
        tree = ast.parse(f.read())
    return {node.name: [a.arg for a in node.args.args] for node in tree.body
            if isinstance(node, ast.FunctionDef) and not node.name.startswith("_")}


def test_there_are_exercises_for_every_page():
    assert {"bigrams", "hashing", "bm25", "glove", "subwords", "multihead", "weat", "smoothing"} <= set(NAMES)


@pytest.mark.parametrize("name", NAMES)
def test_stub_and_solution_have_the_same_functions(name):
    stub = _functions(os.path.join(EXERCISES, f"{name}.py"))
    solution = _functions(os.path.join(REPO, "docs", "solutions", f"{name}.py"))
    assert stub and stub == solution
    pages = "".join(open(p, encoding="utf-8").read() for p in glob.glob(os.path.join(REPO, "docs", "*.md")))
    assert f"docs/exercises/test_{name}.py" in pages, f"no page tells how to run the {name} exercise"


def test_checks_pass_against_the_solutions(tmp_path):
    result, outcomes = _run_checks(tmp_path, solutions=True)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-2000:]
    assert len(outcomes) >= 30 and set(outcomes.values()) == {"passed"}


def test_every_check_fails_against_the_stubs(tmp_path):
    result, outcomes = _run_checks(tmp_path, solutions=False)
    assert result.returncode == 1
    passed = sorted(test for test, outcome in outcomes.items() if outcome != "failure")
    assert not passed, f"these checks do not fail on the untouched stubs: {passed}"
    modules = {test.split("::")[0].rsplit(".", 1)[-1] for test in outcomes}
    assert modules == {f"test_{name}" for name in NAMES}
