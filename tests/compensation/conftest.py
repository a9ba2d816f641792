"""Fixtures for the Pay pillar's service tests: a loaded scenario tenant."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

SCENARIOS = Path(__file__).parent / "scenarios"


def scenario_data(name: str = "basic") -> dict:
    return json.loads((SCENARIOS / f"{name}.json").read_text())


@pytest.fixture
def scenario_file():
    return SCENARIOS / "basic.json"


@pytest.fixture
def loaded(db):
    """Tenant "scen" loaded from scenarios/basic.json (sellers S-1, S-2 under M-1)."""
    from spm.hub.scenarios import scenario_load
    from spm.models import Tenant

    scenario_load(data=scenario_data(), tenant_slug="scen")
    return Tenant.objects.get(slug="scen")


@pytest.fixture
def calculate(django_capture_on_commit_callbacks):
    """Calculate a tenant through the product's path (request → on-commit task, eager here) and return
    the finished run: `calculate(tenant, through="2027-01")`."""
    from compensation.services import calculation_request
    from spm.tenancy.db import tenant_atomic

    def run(tenant, *, period_from="2027-01", through="2027-03"):
        with django_capture_on_commit_callbacks(execute=True), tenant_atomic(tenant):
            calculation_run = calculation_request(period_from=period_from, period_through=through)
        with tenant_atomic(tenant):
            calculation_run.refresh_from_db()
        return calculation_run

    return run
