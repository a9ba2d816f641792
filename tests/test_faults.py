"""Faults survived against the real services: a dropped PostgreSQL connection, Redis down.

PostgreSQL is shared on this machine, so a restart is simulated the way clients see one: the
server ends the application's session (pg_terminate_backend, what a restart does to every
session). With persistent connections and CONN_HEALTH_CHECKS the next request gets a fresh
connection — no process restart.
"""

from __future__ import annotations

import psycopg
import pytest
from django.db import close_old_connections, connection
from django.test import Client

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
