"""A database failure in the middle of an import rolls the whole import back, and says so.

Through the public entry points only (commands, the import job service, the API), so these tests hold
whatever the loader does inside. Two real failures: a constraint PostgreSQL itself enforces, added
for the test and violated by one row in the middle of the file, and a disk full raised from the
COPY (psycopg's DiskFull, the error PostgreSQL sends when it cannot extend a file). Afterwards every
table of the database holds exactly the rows it held before: no tenant, seller, account, deal,
history, stage change, audit event or change-feed row — only the failed import job, when there is one.
"""

from __future__ import annotations

import io
import json
from contextlib import contextmanager

import psycopg
import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection

from performance.models import ImportJob
from spm.hub.imports import import_job_create, import_job_start
from spm.tenancy.db import tenant_atomic
from tests.conftest import scenario_data
from tests.factories import build_tenant

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

SELLERS = """email,name,role,manager_email,region,team,hire_date
ann@x.com,Ann Rep,rep,mia@x.com,EMEA,Wolves,2025-01-02
zed@x.com,Zed Refused,rep,mia@x.com,NA,Bears,
mia@x.com,Mia Boss,manager,,EMEA,Wolves,2024-01-01
"""
OPP_HEADER = "external_id,account,owner_email,stage,amount,currency,created_date,close_date,is_won,is_closed"


def opportunities(owner: str) -> str:
    return (f"{OPP_HEADER}\nF-1,Faults Ltd,{owner},Closed Won,4821,USD,2027-01-05,2027-01-10,true,true\n"
            f"F-2,Other Inc,{owner},Discovery,1000.50,USD,2027-01-06,,false,false\n"
            f"F-3,Third plc,{owner},Closed Lost,0,USD,2027-01-02,2027-01-03,false,true\n")


@contextmanager
def owner():
    s = connection.settings_dict
    with psycopg.connect(dbname=s["NAME"], user=s["USER"], password=s["PASSWORD"] or None, host=s["HOST"] or None,
                         port=s["PORT"] or None, autocommit=True) as conn:
        yield conn


def row_counts() -> dict[str, int]:
    """Rows of every table (as the owner: row-level security hides nothing)."""
    with owner() as conn:
        tables = [t for (t,) in conn.execute("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")]
        return {t: conn.execute(f'SELECT count(*) FROM "{t}"').fetchone()[0] for t in tables}


@pytest.fixture
def refused_seller_name():
    """A CHECK constraint the second seller of SELLERS violates (PostgreSQL raises CheckViolation)."""
    with owner() as conn:
        conn.execute("ALTER TABLE planning_seller ADD CONSTRAINT faults_refused CHECK (name <> 'Zed Refused') NOT VALID")
    try:
        yield
    finally:
        with owner() as conn:
            conn.execute("ALTER TABLE planning_seller DROP CONSTRAINT faults_refused")


@pytest.fixture
def disk_full(monkeypatch):
    """Every 4th row written by COPY fails as PostgreSQL does on a full disk — mid-load, after rows went in."""
    calls = {"n": 0}

    def fail_midway(original):
        def write(self, *args, **kwargs):
            calls["n"] += 1
            if calls["n"] % 4 == 0:  # each import below fails at its 4th row
                raise psycopg.errors.DiskFull("could not extend file \"base/1/2\": No space left on device")
            return original(self, *args, **kwargs)
        return write

    monkeypatch.setattr(psycopg.Copy, "write_row", fail_midway(psycopg.Copy.write_row))
    monkeypatch.setattr(psycopg.Copy, "write", fail_midway(psycopg.Copy.write))
    return calls


def rep_email(world) -> str:
    """The world's rep, given an e-mail (the CSV names owners by e-mail)."""
    from planning.models import Seller

    with tenant_atomic(world.tenant):
        Seller.objects.filter(pk=world.sellers["rep"].pk).update(email="rep.owner@acme.test")
    return "rep.owner@acme.test"


def command(*args, **kwargs) -> str:
    with pytest.raises(CommandError) as exc:
        call_command(*args, stdout=io.StringIO(), **kwargs)
    return str(exc.value)


def write(tmp_path, name: str, text: str) -> str:
    path = tmp_path / name
    path.write_text(text)
    return str(path)


def test_a_constraint_violation_mid_import_leaves_no_tenant_no_seller_no_audit(tmp_path, refused_seller_name):
    before = row_counts()
    message = command("import_sellers", write(tmp_path, "sellers.csv", SELLERS), tenant="newco")
    assert "sellers.csv: the database refused the data" in message and "faults_refused" in message
    assert "nothing was imported" in message
    assert row_counts() == before

    scenario = scenario_data()
    scenario["sellers"][0]["name"] = "Zed Refused"
    message = command("load_scenario", write(tmp_path, "scenario.json", json.dumps(scenario)), tenant="scen")
    assert "nothing was written" in message and "faults_refused" in message
    assert row_counts() == before


def test_a_disk_full_during_the_copy_rolls_back_the_command_the_api_and_an_import_job(tmp_path, api_as, client,
                                                                                      disk_full):
    world = build_tenant("acme")
    owner_email = rep_email(world)
    client = api_as(world, "revops")
    before = row_counts()
    message = command("import_opportunities", write(tmp_path, "deals.csv", opportunities(owner_email)),
                      tenant="acme", as_of="2027-01-31")
    assert disk_full["n"] >= 4, message
    assert "deals.csv: the database ran out of disk space during the load, so nothing was imported" in message
    assert row_counts() == before

    rows = [dict(zip(OPP_HEADER.split(","), line.split(","), strict=True))
            for line in opportunities(owner_email).splitlines()[1:]]
    response = client.post("/api/v1/t/acme/imports/opportunities/", {"rows": rows}, format="json")
    assert response.status_code == 503, response.content
    body = response.json()
    assert body["code"] == "load_failed" and "ran out of disk space" in body["detail"] and body["errors"] == {}
    assert row_counts() == before


    # The upload page's path: an import job, run by the service (inline here: a small file).
    data = opportunities(owner_email).encode()
    with tenant_atomic(world.tenant):
        job = import_job_create(kind="opportunities", file_name="deals.csv", data=data, actor=world.users["revops"])
    before = row_counts()
    with tenant_atomic(world.tenant):
        job = import_job_start(job=ImportJob.objects.get(pk=job.pk), mapping=job.mapping, actor=world.users["revops"])
    assert job.status == ImportJob.Status.FAILED
    assert job.message.startswith("deals.csv: the database ran out of disk space during the load")
    changed = {t for t, n in row_counts().items() if before[t] != n}
    assert changed <= {"performance_importmapping"}  # the column mapping is saved before the import starts

    client.force_login(world.users["revops"])
    page = client.get(f"/t/acme/imports/{job.pk}/").content.decode()
    assert 'data-status="failed"' in page and "ran out of disk space during the load" in page
