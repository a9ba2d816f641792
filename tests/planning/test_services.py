from decimal import Decimal

import pytest

from planning.models import Quota
from planning.services import account_upsert, quota_set, seller_upsert, territory_upsert
from spm.errors import DomainError
from spm.models import AuditEvent
from spm.tenancy.db import tenant_atomic


def test_quota_set_audits_changes_only(acme):
    rep, revops = acme.sellers["rep"], acme.users["revops"]
    with tenant_atomic(acme.tenant):
        quota_set(seller=rep, period="2027-Q1", amount="100000", actor=revops)  # same as the factory's
        assert not AuditEvent.objects.filter(action__startswith="quota.").exists()
        q = quota_set(seller=rep, period="2027-Q1", amount="120000", actor=revops)
        event = AuditEvent.objects.get(action="quota.update")
    assert q.amount == Decimal("120000") and q.upsert_status == "updated"
    assert (event.actor, event.before["amount"], event.after["amount"]) == (revops, "100000.00", "120000")


def test_quota_set_rejects_bad_period_and_negative_amount(acme):
    with tenant_atomic(acme.tenant):
        with pytest.raises(DomainError):
            quota_set(seller=acme.sellers["rep"], period="2027-Q7", amount=1)
        with pytest.raises(DomainError):
            quota_set(seller=acme.sellers["rep"], period="2027", amount=-1)
        assert Quota.objects.count() == 2


def test_seller_upsert_is_idempotent_and_rejects_cycles(acme):
    with tenant_atomic(acme.tenant):
        seller, created = seller_upsert(external_id="new", name="New Rep", manager=acme.sellers["manager"])
        assert created
        again, created = seller_upsert(external_id="new", name="New Rep", manager=acme.sellers["manager"])
        assert not created and again.upsert_status == "unchanged"
        with pytest.raises(DomainError, match="cycle"):
            seller_upsert(external_id=acme.sellers["vp"].external_id, name="VP", role_type="manager",
                          manager=acme.sellers["rep"])


def test_territory_and_account_upsert(acme):
    with tenant_atomic(acme.tenant):
        t, created = territory_upsert(name="West", region="NA", owner=acme.sellers["rep"])
        assert created
        a, created = account_upsert(external_id="X1", name="Initech", territory=t, industry="retail")
        assert created and a.territory == t
        _, created = account_upsert(external_id="X1", name="Initech", territory=t, industry="retail")
        assert not created
        assert AuditEvent.objects.filter(action__in=["territory.create", "account.create"]).count() == 2
