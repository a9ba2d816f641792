from decimal import Decimal

import pytest

from compensation.models import CalculationRun, EarningLine, Statement
from compensation.services import adjustment_create, calculation_execute, calculation_request
from performance.models import Opportunity
from planning.models import Seller
from spm.errors import ConflictError, DomainError
from spm.services import period_close
from spm.tenancy.db import tenant_atomic

pytestmark = pytest.mark.django_db


def _lines(tenant):
    with tenant_atomic(tenant):
        return list(
            EarningLine.objects.order_by("seller__external_id", "period", "position")
            .values_list("seller__external_id", "period", "component", "kind", "deal_external_id", "amount",
                         "explanation")
        )


def test_run_records_progress_counts_and_fingerprint(loaded, calculate):
    run = calculate(loaded)
    assert (run.status, run.progress) == ("succeeded", 100)
    assert run.statement_count == 6 and run.line_count == 3
    assert len(run.input_fingerprint) == 64 and run.started_at and run.finished_at


def test_rerun_is_identical(loaded, calculate):
    first = calculate(loaded)
    lines = _lines(loaded)
    second = calculate(loaded)
    assert _lines(loaded) == lines
    assert first.input_fingerprint == second.input_fingerprint
    with tenant_atomic(loaded):
        assert Statement.objects.count() == 6


def test_a_second_delivery_of_the_task_does_nothing(loaded, calculate):
    run = calculate(loaded)
    with tenant_atomic(loaded):
        again = calculation_execute(run_id=run.pk)
    assert again.finished_at == run.finished_at and again.status == "succeeded"


def test_approved_statements_are_not_rewritten(loaded, calculate):
    calculate(loaded)
    with tenant_atomic(loaded):
        st = Statement.objects.get(seller__external_id="S-1", period="2027-01")
        Statement.objects.filter(pk=st.pk).update(status="approved")
        # the January deal changes afterwards: the rerun must still leave the approved statement alone
        Opportunity.objects.filter(close_date__month=1, owner__external_id="S-1").update(amount=Decimal("90000"))
    calculate(loaded)
    with tenant_atomic(loaded):
        st.refresh_from_db()
        assert (st.status, st.total, st.lines.count()) == ("approved", Decimal("6000.00"), 1)


def test_closed_period_is_not_rewritten(loaded, calculate):
    calculate(loaded)
    with tenant_atomic(loaded):
        period_close(period="2027-01", actor=None)
        st = Statement.objects.get(seller__external_id="S-1", period="2027-01")
        line_ids = set(st.lines.values_list("id", flat=True))
    run = calculate(loaded)
    assert run.status == "succeeded"
    with tenant_atomic(loaded):
        assert set(st.lines.values_list("id", flat=True)) == line_ids
        ada = Seller.objects.get(external_id="S-1")
        with pytest.raises(ConflictError):
            adjustment_create(seller=ada, period="2027-01", amount="1.00", reason="x", actor=None)


def test_overlapping_run_is_refused(loaded):
    with tenant_atomic(loaded):
        CalculationRun.objects.create(period_from="2027-02", period_through="2027-04", status="running")
        with pytest.raises(ConflictError):
            calculation_request(period_from="2027-01", period_through="2027-02")
        run = calculation_request(period_from="2027-05")  # no overlap: accepted
    assert (run.period_from, run.period_through, run.status) == ("2027-05", "2027-05", "queued")


def test_bad_period_keys_are_refused(loaded):
    with tenant_atomic(loaded):
        with pytest.raises(DomainError):
            calculation_request(period_from="2027-13")
        with pytest.raises(DomainError):
            calculation_request(period_from="2027-03", period_through="2027-01")


def test_engine_failure_marks_run_failed_and_keeps_results(loaded, calculate, monkeypatch):
    calculate(loaded)
    before = _lines(loaded)

    def boom(inp):
        raise ValueError("engine exploded")

    monkeypatch.setattr("compensation.services.calculation.calculate", boom)
    run = calculate(loaded)
    assert run.status == "failed" and "engine exploded" in run.message
    assert _lines(loaded) == before


def test_runs_of_one_tenant_do_not_touch_another(loaded, globex, calculate):
    calculate(loaded)
    with tenant_atomic(globex.tenant):
        before = list(Statement.objects.values_list("id", "total", "status"))
    calculate(globex.tenant, through="2027-01")
    with tenant_atomic(globex.tenant):
        totals = dict(Statement.objects.values_list("seller__external_id", "total"))
    assert before  # globex had its own published statements; they were recalculated in place
    assert totals == {"globex-rep": Decimal("6000.00"), "globex-peer": Decimal("4000.00")}


def test_an_orphaned_run_stops_blocking_after_the_stale_timeout(acme, django_capture_on_commit_callbacks):
    import datetime as dt

    from django.utils import timezone

    from compensation.models import CalculationRun
    from compensation.services import calculation_request

    with tenant_atomic(acme.tenant):
        old = timezone.now() - dt.timedelta(hours=2)
        orphan = CalculationRun.objects.create(period_from="2027-01", period_through="2027-01", status="running",
                                               started_at=old)
        CalculationRun.objects.filter(pk=orphan.pk).update(created_at=old)
    with django_capture_on_commit_callbacks(execute=True), tenant_atomic(acme.tenant):
        run = calculation_request(period_from="2027-01")
    with tenant_atomic(acme.tenant):
        orphan.refresh_from_db()
        run.refresh_from_db()
    assert orphan.status == "failed" and "Abandoned" in orphan.message
    assert run.status == "succeeded"


def test_the_beat_task_releases_orphaned_runs_in_every_tenant(acme, globex):
    import datetime as dt

    from django.utils import timezone

    from compensation.tasks import release_stale_runs

    old = timezone.now() - dt.timedelta(hours=2)
    for world in (acme, globex):
        with tenant_atomic(world.tenant):
            run = CalculationRun.objects.create(period_from="2027-01", period_through="2027-01", status="queued")
            CalculationRun.objects.filter(pk=run.pk).update(created_at=old)
    assert release_stale_runs.delay().get() == 2
    for world in (acme, globex):
        with tenant_atomic(world.tenant):
            assert CalculationRun.objects.get().status == "failed"
