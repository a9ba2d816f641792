"""Faults survived against the real services: a dropped PostgreSQL connection, Redis down.

PostgreSQL is shared on this machine, so a restart is simulated the way clients see one: the
server ends the application's session (pg_terminate_backend, what a restart does to every
session). With persistent connections and CONN_HEALTH_CHECKS the next request gets a fresh
connection — no process restart.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import psycopg
import pytest
import requests
from django.conf import settings as django_settings
from django.db import close_old_connections, connection
from django.test import Client

from spm.web.unavailable import MESSAGE
from tests.factories import build_tenant

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def terminate(pid: int) -> None:
    s = connection.settings_dict
    with psycopg.connect(dbname=s["NAME"], user=s["USER"], password=s["PASSWORD"] or None, host=s["HOST"] or None,
                         port=s["PORT"] or None, autocommit=True) as owner:
        owner.execute("SELECT pg_terminate_backend(%s)", [pid])


def test_pages_recover_when_the_server_drops_the_connection(acme, settings):
    connection.close()
    settings.DATABASES["default"]["CONN_MAX_AGE"] = 600  # keep the connection between requests
    connection.settings_dict["CONN_MAX_AGE"] = 600
    connection.settings_dict["CONN_HEALTH_CHECKS"] = True
    try:
        client = Client()
        client.force_login(acme.users["admin"])
        assert client.get("/api/v1/t/acme/sellers/").status_code == 200
        pid = connection.connection.info.backend_pid
        terminate(pid)  # what a PostgreSQL restart does to every session
        # The WSGI handler runs this on request_started; Django's test client disconnects it.
        close_old_connections()
        response = client.get("/api/v1/t/acme/sellers/")
        assert response.status_code == 200, response.content
        assert connection.connection.info.backend_pid != pid  # a new session, same process
        with connection.cursor() as cursor:
            cursor.execute("SELECT current_user")
            assert cursor.fetchone()[0] == settings.DATABASE_APP_ROLE  # and still the app role
    finally:
        connection.settings_dict["CONN_MAX_AGE"] = 0
        connection.close()


# --- a PostgreSQL restart under traffic ------------------------------------------------------------

ROOT = Path(__file__).resolve().parents[1]
PAGES = ("/t/acme/", "/api/v1/t/acme/sellers/", "/t/acme/sellers/", "/api/v1/t/acme/statements/")


def terminate_every_session() -> int:
    """What a server restart does to clients: every session of this database ends (but ours).

    The PostgreSQL server is shared on this machine, so it is not restarted; its sessions of the
    test database are, which is all a client of a restarted server can tell."""
    s = connection.settings_dict
    with psycopg.connect(dbname=s["NAME"], user=s["USER"], password=s["PASSWORD"] or None, host=s["HOST"] or None,
                         port=s["PORT"] or None, autocommit=True) as owner:
        return len(owner.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                                 "WHERE datname = current_database() AND pid <> pg_backend_pid()").fetchall())


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def gunicorn_server():
    """The app under gunicorn (1 worker × 4 threads, persistent connections) on the test database."""
    s = connection.settings_dict
    auth = s["USER"] + (f":{s['PASSWORD']}" if s.get("PASSWORD") else "")
    port = free_port()
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "spm.settings.test", "CONN_MAX_AGE": "60",
           "CONN_HEALTH_CHECKS": "true", "ALLOWED_HOSTS": "127.0.0.1",
           "DATABASE_URL": f"postgres://{auth}@{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}/{s['NAME']}"}
    proc = subprocess.Popen([sys.executable, "-m", "gunicorn", "spm.wsgi", "-b", f"127.0.0.1:{port}", "-w", "1",
                             "--threads", "4", "--timeout", "60", "--graceful-timeout", "3", "--access-logfile", "/dev/null"],
                            cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            assert proc.poll() is None, proc.stderr.read().decode()[-3000:]
            try:
                if requests.get(f"{base}/accounts/login/", timeout=20).status_code == 200:
                    break
            except requests.RequestException:  # not listening yet, or still importing
                pass
            assert time.monotonic() < deadline, "gunicorn did not start"
            time.sleep(0.2)
        yield base, proc
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        connection.close()  # our own session was ended too: the teardown flush opens a new one


def gunicorn_workers(master: int) -> set[int]:
    out = subprocess.run(["ps", "-o", "pid=", "--ppid", str(master)], capture_output=True, text=True).stdout
    return {int(pid) for pid in out.split()}


def test_a_postgresql_restart_under_traffic_fails_in_flight_requests_cleanly_then_recovers(gunicorn_server):
    base, proc = gunicorn_server
    acme = build_tenant("acme")
    browser = Client()
    browser.force_login(acme.users["revops"])
    cookie = browser.cookies[django_settings.SESSION_COOKIE_NAME].value
    workers = gunicorn_workers(proc.pid)
    answers: list[tuple[str, float, int, str]] = []  # (path, when, status, body head)
    stop = threading.Event()

    def client(n: int) -> None:
        session = requests.Session()
        session.cookies.set(django_settings.SESSION_COOKIE_NAME, cookie)
        i = n
        while not stop.is_set():
            path = PAGES[i % len(PAGES)]
            i += 1
            try:
                r = session.get(base + path, timeout=30, allow_redirects=False)
                answers.append((path, time.monotonic(), r.status_code, r.text[:2000]))
            except requests.RequestException as exc:  # a dropped HTTP connection would be a failure too
                answers.append((path, time.monotonic(), -1, repr(exc)))

    threads = [threading.Thread(target=client, args=(n,), daemon=True) for n in range(4)]
    for t in threads:
        t.start()
    try:
        time.sleep(1.0)
        kills, deadline = 0, time.monotonic() + 12
        # Restart "the server" until at least two requests were caught in flight.
        while sum(a[2] == 503 for a in answers) < 2 and time.monotonic() < deadline:
            kills += terminate_every_session()
            time.sleep(0.25)
        recovered_from = time.monotonic() + 0.5  # requests started after this one see a restarted server
        time.sleep(2.5)
    finally:
        stop.set()
        for t in threads:
            t.join(35)

    assert kills, "no application session was there to end"
    statuses = {a[2] for a in answers}
    assert statuses <= {200, 503}, [a[:3] + (a[3][:300],) for a in answers if a[2] not in (200, 503)][:5]
    failed = [a for a in answers if a[2] == 503]
    assert len(failed) >= 2, f"no request was caught in flight by {kills} terminated sessions"
    for path, _, _, body in failed:  # failed cleanly, in the one error shape / a page saying why
        if path.startswith("/api/"):
            assert json.loads(body) == {"detail": MESSAGE, "code": "unavailable", "errors": {}}
        else:
            assert "Temporarily unavailable" in body and MESSAGE in body
    after = [a for a in answers if a[1] > recovered_from]
    assert len(after) >= 8 and all(a[2] == 200 for a in after), [a[:3] for a in after if a[2] != 200]
    assert {p for p, *_ in after} == set(PAGES)
    assert proc.poll() is None and gunicorn_workers(proc.pid) == workers  # recovered with no restart
