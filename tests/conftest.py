"""Shared pytest settings.

With ``MINEMBED_REQUIRE_PEERS=1`` (set by ``.ci/run``) a skipped test fails the run: the
cross-checks against scikit-learn, SciPy, gensim and PyTorch skip on a user's machine without
them, but CI installs them all, so a skip there means a claim went unchecked.
"""
import os


def pytest_sessionfinish(session, exitstatus):
    if not os.environ.get("MINEMBED_REQUIRE_PEERS"):
        return
    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    skipped = reporter.stats.get("skipped", []) if reporter else []
    if skipped:
        reporter.write_line(f"MINEMBED_REQUIRE_PEERS is set and {len(skipped)} test(s) were skipped "
                            "(see the skip reasons above): install the peers with pip install -e "
                            "'.[crosscheck]'", red=True)
        session.exitstatus = 1
