"""A deal in a currency the tenant has no FX rate for stops every calculation of the tenant ("no FX
rate for XYZ"), so the import refuses it, naming the rate that is missing, and writes nothing."""

import datetime as dt
from decimal import Decimal

import pytest

from performance.models import Opportunity
from spm.hub.imports import import_opportunities_file
from spm.models import FxRate
from spm.tenancy.db import tenant_atomic

pytestmark = pytest.mark.django_db

HEADER = "external_id,account,owner_email,stage,amount,currency,created_date,close_date,is_won,is_closed\n"


@pytest.fixture
def owner(acme):
    """acme converts currencies (EUR from 2027-01-01); its rep gets an e-mail to own imported deals."""
    rep = acme.sellers["rep"]
    with tenant_atomic(acme.tenant):
        FxRate.objects.create(tenant=acme.tenant, currency="EUR", rate_to_base=Decimal("1.10"),
                              effective_from=dt.date(2027, 1, 1))
        type(rep).objects.filter(pk=rep.pk).update(email="rep.seller@acme.test")
    return "rep.seller@acme.test"


def test_a_currency_without_any_fx_rate_is_a_row_error(acme, owner):
    data = (HEADER + f"C-1,Acme,{owner},Won,100,xyz,2027-01-02,2027-02-01,true,true\n"
                     f"C-2,Acme,{owner},Won,100,EUR,2026-11-02,2026-12-15,true,true\n"
                     f"C-3,Acme,{owner},Won,100,EUR,2027-01-02,2027-02-01,true,true\n"
                     f"C-4,Acme,{owner},Won,100,USD,2026-11-02,2026-12-15,true,true\n").encode()
    outcome = import_opportunities_file(data=data, file="o.csv", tenant_slug="acme")
    assert not outcome.written
    # the cell as written ("xyz"), as every row error of the import names it
    # a won EUR deal closed before EUR's first rate (C-2) is not refused: only a run that credits it converts it
    assert [(e.line, e.column, e.value) for e in outcome.errors] == [(2, "currency", "xyz")]
    assert "no FX rate for XYZ" in outcome.errors[0].message
    with tenant_atomic(acme.tenant):
        assert not Opportunity.objects.filter(external_id__startswith="C-").exists()
    fixed = data.replace(b"xyz", b"USD")
    assert import_opportunities_file(data=fixed, file="o.csv", tenant_slug="acme").written


def test_a_tenant_without_fx_rates_is_not_checked(acme, owner):
    """A single-currency tenant (no FX rows) converts nothing: its deals are not checked."""
    with tenant_atomic(acme.tenant):
        FxRate.objects.all().delete()
    data = (HEADER + f"C-9,Acme,{owner},Won,100,EUR,2026-11-02,2026-12-15,true,true\n").encode()
    assert import_opportunities_file(data=data, file="o.csv", tenant_slug="acme").written
