import pytest

from spm.errors import ConflictError
from spm.models import AuditEvent, Period
from spm.services import period_close, period_is_closed, period_reopen
from spm.tenancy.db import tenant_atomic

pytestmark = pytest.mark.django_db


def test_a_period_closes_and_reopens_once_each_and_every_step_is_audited(acme):
    finance = acme.users["finance"]
    with tenant_atomic(acme.tenant):
        period_close(period="2027-01", actor=finance)
        assert period_is_closed("2027-01")
        with pytest.raises(ConflictError, match="already closed"):
            period_close(period="2027-01", actor=finance)
        period_reopen(period="2027-01", actor=finance)
        assert Period.objects.get(key="2027-01").status == Period.Status.OPEN
        with pytest.raises(ConflictError, match="not closed"):
            period_reopen(period="2027-01", actor=finance)
        events = list(AuditEvent.objects.filter(object_type="spm.period").order_by("id").values_list("action", "before", "after"))
    assert events == [
        ("period.close", {"status": "open"}, {"status": "closed"}),
        ("period.reopen", {"status": "closed"}, {"status": "open"}),
    ]
