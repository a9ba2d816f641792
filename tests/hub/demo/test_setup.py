"""demo_setup: both tenants, one user per role, statements in every state; a second run changes nothing."""

import datetime as dt
import io

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.db.models import Sum

from compensation.disputes.models import Dispute
from compensation.models import Statement
from compensation.payroll.models import PayrollBatch
from performance.alerts.models import Alert
from performance.coaching.models import CoachingNote, FollowUp
from performance.forecasting.models import WinModelRun
from performance.models import ImportJob
from planning.models import Seller
from spm.models import Membership, Tenant
from spm.tenancy.db import tenant_atomic

TODAY = dt.date(2026, 11, 23)


@pytest.mark.django_db(transaction=True)  # the calculation starts on commit
def test_it_sets_up_both_tenants_once(tmp_path):
    out = io.StringIO()
    # An empty --dir makes globex a small generated company: keeps the test quick.
    call_command("demo_setup", small=True, today=TODAY, dir=tmp_path, stdout=out)
    assert "rep@acme.example" in out.getvalue()
    User = get_user_model()
    assert User.objects.filter(username__endswith="@acme.example").count() == 6
    assert User.objects.filter(username__endswith="@globex.example").count() == 6
    consultant = User.objects.get(username="consultant@example.com")
    acme = Tenant.objects.get(slug="acme")
    with tenant_atomic(acme):
        assert Membership.objects.get(user=consultant).role == "revops"
        rep = Seller.objects.get(user__username="rep@acme.example")
        assert rep.role_type == "AE"
        manager = Seller.objects.get(user__username="manager@acme.example")
        assert manager.reports.filter(role_type="AE").exists()
        statuses = dict(Statement.objects.values_list("period", "status").distinct())
        assert statuses["2026-11"] == "draft"
        assert statuses["2026-10"] == "published"
        assert statuses["2026-09"] == "paid"
        assert Statement.objects.filter(seller=rep, period="2026-10").exists()
        paid = Statement.objects.filter(status="paid").first()
        assert paid.approved_by.username == "finance@acme.example"
        # Paid through payroll, as finance would: one batch per month whose total is its paid statements'
        # (the payroll page ties to the liability page's "paid"), never a paid statement outside a batch.
        batches = {b.period: b.total for b in PayrollBatch.objects.all()}
        paid_by_month = dict(Statement.objects.filter(status="paid").values("period")
                             .annotate(t=Sum("total")).values_list("period", "t"))
        assert batches and batches == paid_by_month
        assert not Statement.objects.filter(status="paid", payroll_item__isnull=True).exists()
        counts = (Seller.objects.count(), Statement.objects.count())
        # The daily alert refresh ran once, and the manager has coached their reports from those alerts:
        # every note is the manager's, on a deal of the rep it is about; one follow-up is overdue.
        assert Alert.objects.filter(status="open").exists()
        notes = list(CoachingNote.objects.select_related("opportunity", "author"))
        assert notes and {n.author.username for n in notes} == {"manager@acme.example"}
        assert all(n.seller.manager_id == manager.pk and n.opportunity.owner_id == n.seller_id for n in notes)
        assert FollowUp.objects.filter(done_at__isnull=True, due_date__lt=TODAY).count() == 1
        assert WinModelRun.objects.get().status == "succeeded"
        # The demo rep's two disputes: one in finance's review with a comment, one rejected with a reason.
        assert sorted(Dispute.objects.filter(seller=rep).values_list("status", flat=True)) == ["in_review", "rejected"]
        assert Dispute.objects.get(status="in_review").comments.exists()  # the forecast page shows a trained model
        # This week's CRM file went through the upload path: first with two bad rows (nothing written), then fixed.
        failed, done = ImportJob.objects.order_by("id")
        assert (failed.status, failed.report["error_count"], done.status) == ("failed", 2, "succeeded")
        assert done.report["created"] == 12 and done.report["updated"] > 0 and done.report["unchanged"] > 0
        assert done.requested_by.username == "revops@acme.example"
    with tenant_atomic(Tenant.objects.get(slug="globex")):
        assert Membership.objects.get(user=consultant).role == "finance"

    again = io.StringIO()
    call_command("demo_setup", small=True, today=TODAY, dir=tmp_path, stdout=again)
    assert "already has data" in again.getvalue()
    with tenant_atomic(acme):
        assert (Seller.objects.count(), Statement.objects.count()) == counts
