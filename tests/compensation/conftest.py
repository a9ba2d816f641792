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
    from compensation.scenarios import scenario_load
    from spm.models import Tenant

    scenario_load(data=scenario_data(), tenant_slug="scen")
    return Tenant.objects.get(slug="scen")
