"""A small territory world in acme: four accounts, two AEs with 2027 quotas, one draft plan."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from planning.models import Account, Quota
from planning.territories.services import territory_plan_create, territory_save
from spm.tenancy.db import tenant_atomic

ACCOUNTS = [  # external id, region, industry, employees, potential
    ("T-1", "EMEA", "retail", 50, "300000"),
    ("T-2", "EMEA", "software", 500, "100000"),
    ("T-3", "APAC", "retail", 5000, "250000"),
    ("T-4", "LATAM", "energy", 20, "50000"),
]


@pytest.fixture
def territory_world(acme):
    """rep owns EMEA, peer owns APAC; T-4 is a gap. 2027 quotas: rep 200,000 (Q1–Q4 50,000), peer 400,000."""
    revops = acme.users["revops"]
    with tenant_atomic(acme.tenant):
        accounts = {}
        for ext, region, industry, employees, potential in ACCOUNTS:
            accounts[ext] = Account.objects.create(external_id=ext, name=f"Account {ext}", region=region,
                                                   industry=industry, employees=employees, potential=Decimal(potential),
                                                   latitude=Decimal("50.0"), longitude=Decimal("8.0"))
        Quota.objects.filter(seller__in=[acme.sellers["rep"], acme.sellers["peer"]]).delete()
        for q in range(1, 5):
            Quota.objects.create(seller=acme.sellers["rep"], period=f"2027-Q{q}", amount=Decimal("50000"))
        Quota.objects.create(seller=acme.sellers["peer"], period="2027", amount=Decimal("400000"))
        plan = territory_plan_create(name="FY2027", actor=revops)
        emea = territory_save(plan=plan, name="EMEA", rules={"regions": ["EMEA"]}, owner=acme.sellers["rep"], actor=revops)
        apac = territory_save(plan=plan, name="APAC", rules={"regions": ["APAC"]}, owner=acme.sellers["peer"], actor=revops)
    acme.accounts = accounts
    acme.territory_plan = plan
    acme.territories = {"EMEA": emea, "APAC": apac}
    acme.day = dt.date(2027, 1, 1)
    return acme
