"""The load test runner: personas sign in, walk their journeys, latencies and errors are counted."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection

from spm.hub.load.runner import PERSONAS, label, markdown, percentile, run
from spm.roles import Role
from tests.factories import MembershipFactory, UserFactory, build_tenant

ROLES = {"rep": Role.REP, "manager": Role.MANAGER, "revops": Role.REVOPS, "finance": Role.FINANCE,
         "exec": Role.EXECUTIVE, "admin": Role.ADMIN}


def test_paths_fold_ids_and_percentiles_are_inclusive():
    assert label("/t/acme/statements/123/") == "/t/acme/statements/<id>/"
    assert percentile([0.1] * 99 + [5.0], 95) == 0.1
    assert percentile([1.0], 99) == 1.0


@pytest.mark.django_db(transaction=True)
def test_a_short_run_against_the_live_server_has_no_errors(live_server, tmp_path):
    world = build_tenant("acme")
    for persona in PERSONAS:
        user = UserFactory(username=f"{persona}@acme.example", email=f"{persona}@acme.example")
        user.set_password("demo")
        user.save()
        MembershipFactory(tenant=world.tenant, user=user, role=ROLES[persona])
    # SQLite's in-memory test database is one connection shared by the live server's threads:
    # concurrent users only on PostgreSQL.
    users = 6 if connection.vendor == "postgresql" else 1
    report = run(base=live_server.url, users=users, seconds=3, timeout=20, think=(0.0, 0.1))
    # Sign-in and the journeys work; a page of another feature that fails is counted as an error
    # (the command then exits non-zero) — the runner's job, checked here, is to see and report it.
    assert not [x for x in report["samples"] if x.startswith("sign-in")], report["samples"]
    pages = {row["page"] for row in report["rows"]}
    assert len(pages) >= 2 and all(p.startswith(("/t/acme/", "/api/v1/t/acme/")) for p in pages), pages
    text = markdown(report, target=live_server.url)
    assert "| page | requests | p50 | p95 | p99 |" in text and "thinks 0–0.1 s" in text

    out = tmp_path / "benchmarks.md"
    out.write_text("# Benchmarks\n\nbench figures\n")
    try:
        call_command("loadtest", url=live_server.url, users=1, seconds=1, think=[0, 0], warmup=False, output=out, stdout=io.StringIO())
    except CommandError as exc:
        assert "failed requests" in str(exc)
    text = out.read_text()
    assert text.startswith("# Benchmarks\n\nbench figures") and "## Load (`manage.py loadtest`)" in text
