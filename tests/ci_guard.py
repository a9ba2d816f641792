"""Under SPM_REQUIRE_SERVICES=1 (CI) a skipped test is a failure (imported by tests/conftest.py).

Kept free of Django imports so that tests/test_ci_cannot_lie.py can load it as a plain plugin.
"""

from __future__ import annotations

import os

import pytest


def _require_services() -> bool:
    return os.environ.get("SPM_REQUIRE_SERVICES", "").strip().lower() in ("1", "true", "yes", "on")


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    """A skip (skipif on shared data, pytest.skip(), importorskip) fails in CI, saying what was missing."""
    report = yield
    if _require_services() and report.skipped and not hasattr(report, "wasxfail"):
        reason = report.longrepr[2] if isinstance(report.longrepr, tuple) else str(report.longrepr)
        report.outcome = "failed"
        report.longrepr = f"SPM_REQUIRE_SERVICES=1: this test would have been skipped, which CI counts as a failure: {reason}"
    return report
