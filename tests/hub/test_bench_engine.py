"""The Pay engine's bench step (spm.hub.demo.bench_engine): the per-row ORM engine writes nothing it keeps,
and the floor rates and writes as many lines as it is asked for (PostgreSQL: COPY)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection

from compensation.models import EarningLine
from spm.hub.demo import bench_engine
from spm.hub.demo.generator import generate_company
from spm.services import tenant_create_or_update
from spm.tenancy.db import tenant_atomic

TODAY = dt.date(2026, 11, 23)


@pytest.fixture
def company(db, calculate):
    tenant = tenant_create_or_update(slug="benchco", name="Bench Co")
    generate_company(tenant=tenant, seed=7, today=TODAY, sellers=21, accounts=80, opportunities=400)
    run = calculate(tenant, period_from="2025-12", through="2026-11")
    return tenant, run


def test_the_per_row_engine_rates_its_sample_and_rolls_its_lines_back(company):
    tenant, run = company
    with tenant_atomic(tenant):
        before = EarningLine.objects.count()
    result = bench_engine.per_row_baseline(tenant, period_from="2025-12", period_through="2026-11", every=3)
    assert result["sellers"] >= 5 and result["lines"] > 0
    with tenant_atomic(tenant):
        assert EarningLine.objects.count() == before == run.line_count


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the floor COPYs (PostgreSQL)")
def test_the_floor_rates_and_writes_as_many_lines_as_the_run(company):
    tenant, run = company
    floor = bench_engine.year_floor(tenant, period_from="2025-12", period_through="2026-11", lines=run.line_count)
    assert floor["lines"] == run.line_count > 0
    assert 0 < floor["summaries"] <= floor["lines"]
    assert floor["total"] >= floor["read"] + floor["rate"]
