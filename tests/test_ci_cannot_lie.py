"""CI cannot pass without what it claims to test: under SPM_REQUIRE_SERVICES=1 every skip fails.

Runs pytest in a subprocess on a throwaway test file with the project's conftest loaded as a
plugin, once as CI (a plain skipif and a pytest.skip() both fail, naming their reason) and once
locally (both skip).
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from django.conf import settings

ROOT = Path(settings.BASE_DIR)
SAMPLE = '''
import pytest

@pytest.mark.skipif(True, reason="the CRM export is not there")
def test_needs_shared_data():
    pass

def test_skips_at_run_time():
    pytest.skip("no such service")

@pytest.mark.xfail(reason="known", strict=True)
def test_expected_failure():
    assert False

def test_passes():
    pass
'''


def run_pytest(tmp_path: Path, *, ci: bool) -> subprocess.CompletedProcess:
    (tmp_path / "test_sample.py").write_text(SAMPLE)
    env = {k: v for k, v in os.environ.items() if k not in ("SPM_REQUIRE_SERVICES", "CI", "PYTEST_ADDOPTS")}
    env["DATABASE_URL"] = "sqlite:///:memory:"
    if ci:
        env["SPM_REQUIRE_SERVICES"] = "1"
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-c", str(ROOT / "pyproject.toml"), "--rootdir", str(ROOT),
         "-p", "tests.ci_guard", "-p", "no:cacheprovider", "-p", "no:django", "-q", "-rA", str(tmp_path / "test_sample.py")],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=120,
    )


def test_in_ci_every_skip_is_a_failure_naming_its_reason(tmp_path):
    result = run_pytest(tmp_path, ci=True)
    out = result.stdout
    assert result.returncode == 1, out
    # A skipif skips in set-up, so it is reported as an error; pytest.skip() in the call, a failure.
    assert "1 failed, 1 passed, 1 xfailed" in out and "1 error" in out, out
    assert "the CRM export is not there" in out and "no such service" in out


def test_locally_the_same_tests_skip(tmp_path):
    result = run_pytest(tmp_path, ci=False)
    assert result.returncode == 0, result.stdout
    assert "1 passed, 2 skipped, 1 xfailed" in result.stdout, result.stdout
