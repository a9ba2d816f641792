"""Plan acceptance: the rep accepts their own published plan once; RevOps sees who has not."""

import pytest

from compensation.acceptance.selectors import unaccepted_assignments
from compensation.acceptance.services import plan_accept
from compensation.models import CompPlan, PlanAcceptance
from spm.errors import ConflictError, PermissionDeniedError
from spm.models import AuditEvent
from spm.tenancy.access import TenantAccess, membership_in_scope
from spm.tenancy.db import tenant_atomic

pytestmark = pytest.mark.django_db


def access_of(world, persona):
    return TenantAccess(tenant=world.tenant, membership=membership_in_scope(world.users[persona]))


def test_the_rep_accepts_their_plan_with_who_when_and_version_recorded(acme):
    rep = acme.users["rep"]
    with tenant_atomic(acme.tenant):
        acceptance = plan_accept(plan=acme.plan, seller=acme.sellers["rep"], actor=rep)
        again = plan_accept(plan=acme.plan, seller=acme.sellers["rep"], actor=rep)
        events = list(AuditEvent.objects.filter(action="plan.accept").values_list("actor_id", "after"))
    assert (acceptance.version, acceptance.accepted_by, acceptance.accepted_at is not None) == (1, rep, True)
    assert again.pk == acceptance.pk  # idempotent, one audit event
    assert len(events) == 1 and events[0][0] == rep.pk and events[0][1]["version"] == 1


def test_nobody_else_accepts_for_the_rep(acme):
    with tenant_atomic(acme.tenant), pytest.raises(PermissionDeniedError):
        plan_accept(plan=acme.plan, seller=acme.sellers["rep"], actor=acme.users["revops"])


def test_a_draft_or_unassigned_plan_cannot_be_accepted(acme):
    with tenant_atomic(acme.tenant):
        draft = CompPlan.objects.create(name="AE Plan", version=2, document=acme.plan.document, tenant=acme.tenant)
        with pytest.raises(ConflictError, match="published"):
            plan_accept(plan=draft, seller=acme.sellers["rep"], actor=acme.users["rep"])
        other = CompPlan.objects.create(name="Other", version=1, document=acme.plan.document, tenant=acme.tenant,
                                        status=CompPlan.Status.PUBLISHED)
        with pytest.raises(ConflictError, match="not assigned"):
            plan_accept(plan=other, seller=acme.sellers["rep"], actor=acme.users["rep"])
        assert not PlanAcceptance.objects.exists()


def test_unaccepted_lists_the_sellers_who_have_not_accepted(acme, globex):
    with tenant_atomic(acme.tenant):
        plan_accept(plan=acme.plan, seller=acme.sellers["rep"], actor=acme.users["rep"])
        rows = list(unaccepted_assignments(access=access_of(acme, "revops")))
        mine = list(unaccepted_assignments(access=access_of(acme, "rep")))
    assert [a.seller.external_id for a in rows] == ["acme-peer"]
    assert mine == []
