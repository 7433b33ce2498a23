"""The examples in README.md and docs/*.md run, and print what the pages say they print.

Each page is run as a doctest (its ``>>>`` lines) in a scratch directory that sees the shipped
``corpora/``, so the examples can write files without touching the repository."""
import doctest
import glob
import os

import pytest

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PAGES = [os.path.join(REPO, "README.md")] + sorted(glob.glob(os.path.join(REPO, "docs", "*.md")))
INDEX = os.path.join(REPO, "docs", "README.md")      # the table of contents: links, no examples
PEERS = {"sklearn": "scikit-learn", "gensim": "gensim", "scipy": "SciPy", "torch": "PyTorch"}


@pytest.mark.parametrize("page", PAGES, ids=[os.path.relpath(p, REPO) for p in PAGES])
def test_the_examples_of_a_page_run(page, tmp_path, monkeypatch):
    with open(page, encoding="utf-8") as f:
        text = f.read()
    for module, name in PEERS.items():                        # a page that uses a peer needs it
        if f"import {module}" in text or f"from {module}" in text:
            pytest.importorskip(module, reason=f"{os.path.basename(page)} uses {name}")
    os.symlink(os.path.join(REPO, "corpora"), tmp_path / "corpora")
    monkeypatch.chdir(tmp_path)
    examples = doctest.DocTestParser().get_doctest(text, {}, os.path.basename(page), page, 0)
    if page == INDEX:
        assert not examples.examples, "docs/README.md is the index; put examples on a page"
        return
    assert examples.examples, f"{page} has no examples to run"
    runner = doctest.DocTestRunner(optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    report = []
    result = runner.run(examples, out=report.append)
    assert result.failed == 0, "".join(report)


def test_the_index_links_every_page_in_reading_order():
    import re
    with open(INDEX, encoding="utf-8") as f:
        links = re.findall(r"\]\(([^)#]+\.md)\)", f.read())
    assert all(os.path.exists(os.path.join(REPO, "docs", link)) for link in links), links
    numbered = sorted(os.path.basename(p) for p in glob.glob(os.path.join(REPO, "docs", "[0-9][0-9]-*.md")))
    assert [link for link in links if link[:2].isdigit()] == numbered and len(numbered) == 7
    assert "gensim-and-sklearn.md" in links


def test_the_docs_run_after_the_plain_install_skipping_a_page_whose_peer_is_missing(tmp_path):
    """docs/README.md tells a learner to run ``python -m pytest --doctest-glob='*.md' docs``; without
    scikit-learn and gensim (blocked here by a sitecustomize) the page that uses them is skipped with
    the install command, and every other page passes."""
    import subprocess
    import sys
    (tmp_path / "sitecustomize.py").write_text(
        "import sys\n"
        "class Blocker:\n"
        "    def find_spec(self, name, path=None, target=None):\n"
        "        if name.split('.')[0] in ('sklearn', 'gensim'):\n"
        "            raise ModuleNotFoundError(f'No module named {name!r}')\n"
        "sys.meta_path.insert(0, Blocker())\n", encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if k != "MINEMBED_REQUIRE_PEERS"}
    env["PYTHONPATH"] = str(tmp_path) + os.pathsep + env.get("PYTHONPATH", "")
    result = subprocess.run([sys.executable, "-m", "pytest", "-q", "-rs", "-p", "no:cacheprovider",
                             "--doctest-glob=*.md", "docs"], cwd=REPO, env=env, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "gensim-and-sklearn.md: its examples need scikit-learn: pip install" in result.stdout
    assert " 1 skipped" in result.stdout
