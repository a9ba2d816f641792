"""A real Celery worker process for tests/compensation/test_calculation_worker_crash.py (not a test module).

Started as a subprocess (so the test can SIGKILL it) with DATABASE_URL / REDIS_URL of the test session.
With CRASH_MARKER set, the worker writes a calculation's new results inside the write transaction, then
touches the marker file and hangs before committing: the test kills it there, mid-run.
A short Redis visibility timeout makes the broker hand the unacknowledged task to the next worker
within seconds instead of the default hour.
"""
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "spm.settings.test")

import django  # noqa: E402

django.setup()

from spm.celery import app  # noqa: E402

app.conf.task_always_eager = False
app.conf.broker_transport_options = {"visibility_timeout": 3, "unacked_restore_interval": 1,
                                     "unacked_restore_throttle": 1}

marker = os.environ.get("CRASH_MARKER")
if marker:
    from compensation.services import calculation

    write = calculation._write_results

    def write_then_hang(*args, **kwargs):
        result = write(*args, **kwargs)  # new lines written, transaction still open
        Path(marker).write_text("written, not committed")
        time.sleep(600)
        return result

    calculation._write_results = write_then_hang

app.worker_main(["worker", "--pool=solo", "--loglevel=WARNING", "--without-heartbeat", "--without-mingle",
                 "--without-gossip", "--hostname", f"crash-test-{os.getpid()}@%h"])
