"""Recalculation on change, case by case (issue 11 item 3): which statements a change rewrites, that the
result equals a full rerun to the cent, and that approved/paid statements stay byte-for-byte as they were."""

import datetime as dt
from decimal import Decimal

import pytest

from compensation.models import CalculationRun, EarningLine, PlanAssignment, Statement
from compensation.services import adjustment_upsert, plan_assignment_upsert
from performance.models import Opportunity
from performance.services import opportunity_update
from planning.models import Seller
from planning.services import quota_set
from spm.models import Period
from spm.services import fx_rate_set
from spm.tenancy.db import tenant_atomic
from tests.compensation.test_calculation_recalc import full_rerun, loaded, snapshot, world

pytestmark = pytest.mark.django_db


@pytest.fixture
def tenant(db, calculate):
    t = loaded(world(), "recalc-cases")
    run = calculate(t, period_from="2027-01", through="2027-06")
    assert run.status == "succeeded", run.message
    return t


def stamps(tenant) -> dict:
    with tenant_atomic(tenant):
        return {(s, p): u for s, p, u in Statement.objects.values_list("seller__external_id", "period", "updated_at")}


def moved(before: dict, after: dict) -> set:
    return {k for k in after if before.get(k) != after[k]}


def locked_rows(tenant, seller: str, period: str):
    with tenant_atomic(tenant):
        st = Statement.objects.filter(seller__external_id=seller, period=period)
        return (list(st.values()), list(EarningLine.objects.filter(statement__in=st).order_by("pk").values()))


def change(tenant, capture, fn):
    with capture(execute=True), tenant_atomic(tenant):
        runs = CalculationRun.objects.count()
        fn({s.external_id: s for s in Seller.objects.all()})
    with tenant_atomic(tenant):
        return CalculationRun.objects.count() - runs


def test_re_saving_unchanged_records_recalculates_nothing(tenant, django_capture_on_commit_callbacks):
    before = stamps(tenant)

    def resave(s):
        deal = Opportunity.objects.get(external_id="D-05")
        opportunity_update(opportunity=deal, amount=deal.amount, owner=deal.owner, close_date=deal.close_date,
                           splits=[(x.seller, x.pct) for x in deal.splits.all()])
        q = s["R-1"].quotas.get(period="2027-Q1")
        quota_set(seller=s["R-1"], period="2027-Q1", amount=q.amount)
        a = PlanAssignment.objects.get(seller=s["R-2"])
        plan_assignment_upsert(seller=a.seller, plan=a.plan, start_date=a.start_date, end_date=a.end_date,
                               target_incentive=a.target_incentive)
        fx_rate_set(currency="EUR", effective_from=dt.date(2026, 1, 1), rate_to_base=Decimal("1.08"))

    assert change(tenant, django_capture_on_commit_callbacks, resave) == 0
    assert stamps(tenant) == before
    with django_capture_on_commit_callbacks(execute=True), tenant_atomic(tenant):
        adjustment_upsert(external_id="A-1", seller=Seller.objects.get(external_id="R-3"), period="2027-04",
                          amount="12.34", reason="fix", actor=None)
    once = stamps(tenant)
    assert change(tenant, django_capture_on_commit_callbacks, lambda s: adjustment_upsert(
        external_id="A-1", seller=s["R-3"], period="2027-04", amount="12.34", reason="fix", actor=None)) == 0
    assert stamps(tenant) == once


def test_an_owner_change_recalculates_both_sellers_and_both_manager_chains(tenant, calculate,
                                                                          django_capture_on_commit_callbacks):
    before = stamps(tenant)
    # D-01: R-2's (M-1), no split, 10 January → R-3 (M-2)
    assert change(tenant, django_capture_on_commit_callbacks, lambda s: opportunity_update(
        opportunity=Opportunity.objects.get(external_id="D-01"), owner=s["R-3"])) == 1
    touched = {seller for seller, _ in moved(before, stamps(tenant))}
    assert touched == {"R-2", "R-3", "M-1", "M-2", "VP"}
    recalculated = snapshot(tenant)
    assert ("R-3", "D-01") in {(line[0], line[5]) for line in recalculated[0]}
    assert ("R-2", "D-01") not in {(line[0], line[5]) for line in recalculated[0]}
    assert full_rerun(tenant, calculate) == recalculated


def test_a_split_from_60_40_to_100_0_takes_the_deal_off_the_second_seller(tenant, calculate,
                                                                        django_capture_on_commit_callbacks):
    # D-05: R-2 60 % / R-3 40 %, 7 February
    before = stamps(tenant)
    change(tenant, django_capture_on_commit_callbacks, lambda s: opportunity_update(
        opportunity=Opportunity.objects.get(external_id="D-05"), splits=[(s["R-2"], Decimal("100"))]))
    assert {seller for seller, _ in moved(before, stamps(tenant))} <= {"R-2", "R-3", "M-1", "M-2", "VP"}
    recalculated = snapshot(tenant)
    assert {line[0] for line in recalculated[0] if line[5] == "D-05"} == {"R-2", "M-1", "VP"}
    assert full_rerun(tenant, calculate) == recalculated


def test_an_fx_rate_recalculates_only_the_sellers_with_deals_in_that_currency_and_period(
        tenant, calculate, django_capture_on_commit_callbacks):
    """EUR from 1 May: only sellers credited with a EUR deal closed from May (and their managers) move."""
    with tenant_atomic(tenant):
        eur = {(d.owner.external_id, *(x.seller.external_id for x in d.splits.all()))
               for d in Opportunity.objects.filter(currency="EUR", close_date__gte=dt.date(2027, 5, 1))}
    owners = {s for group in eur for s in group}
    assert owners and owners != {"R-1", "R-2", "R-3", "R-4"}
    before = stamps(tenant)
    change(tenant, django_capture_on_commit_callbacks, lambda s: fx_rate_set(
        currency="EUR", effective_from=dt.date(2027, 5, 1), rate_to_base=Decimal("1.3")))
    touched = moved(before, stamps(tenant))
    reps = {seller for seller, _ in touched if seller.startswith("R-")}
    assert reps == owners
    assert {month for _, month in touched} <= {"2027-05", "2027-06"}
    assert full_rerun(tenant, calculate) == snapshot(tenant)


def test_a_quota_change_across_a_tier_band_equals_a_full_rerun(tenant, calculate, django_capture_on_commit_callbacks):
    change(tenant, django_capture_on_commit_callbacks, lambda s: quota_set(seller=s["R-1"], period="2027-Q1",
                                                                           amount=Decimal("20000")))
    assert full_rerun(tenant, calculate) == snapshot(tenant)


def test_a_plan_assignment_ended_mid_quarter_equals_a_full_rerun(tenant, calculate, django_capture_on_commit_callbacks):
    def end(s):
        a = PlanAssignment.objects.get(seller=s["R-1"])
        plan_assignment_upsert(seller=a.seller, plan=a.plan, start_date=a.start_date, end_date=dt.date(2027, 2, 14),
                               target_incentive=a.target_incentive)

    before = stamps(tenant)
    change(tenant, django_capture_on_commit_callbacks, end)
    assert {seller for seller, _ in moved(before, stamps(tenant))} <= {"R-1", "M-1", "VP"}
    recalculated = snapshot(tenant)
    assert not {p for s, p, *_ in recalculated[1] if s == "R-1" and p > "2027-02"}  # no statement after it ended
    assert full_rerun(tenant, calculate) == recalculated


def test_a_change_in_a_closed_approved_month_lands_once_in_the_first_open_month(
        tenant, calculate, django_capture_on_commit_callbacks):
    with tenant_atomic(tenant):
        Statement.objects.filter(period__in=["2027-01", "2027-02"]).update(status="paid")
        for key in ("2027-01", "2027-02"):
            Period.objects.update_or_create(key=key, defaults={"status": Period.Status.CLOSED, "tenant": tenant,
                                                                "kind": "month", "start": dt.date(2027, int(key[-1]), 1),
                                                                "end": dt.date(2027, int(key[-1]), 28)})
    jan, feb = locked_rows(tenant, "R-1", "2027-01"), locked_rows(tenant, "R-1", "2027-02")
    # D-00 (R-1, 3 January) twice in quick succession: two commits, two recalculations
    for amount in ("10000", "2500.25"):
        change(tenant, django_capture_on_commit_callbacks, lambda s, amount=amount: opportunity_update(
            opportunity=Opportunity.objects.get(external_id="D-00"),
            amount=Opportunity.objects.get(external_id="D-00").amount + Decimal(amount)))
    assert locked_rows(tenant, "R-1", "2027-01") == jan and locked_rows(tenant, "R-1", "2027-02") == feb
    with tenant_atomic(tenant):
        corrections = list(EarningLine.objects.filter(seller__external_id="R-1", component="Correction")
                           .values_list("period", "amount", "explanation"))
    assert len(corrections) == 1 and corrections[0][0] == "2027-03", corrections
    # it says why: the month it belongs to and the change (the change feed's reason)
    assert "2027-01 recalculated" in corrections[0][2] and "deal D-00 changed" in corrections[0][2]
    recalculated = snapshot(tenant)
    assert full_rerun(tenant, calculate) == recalculated


def test_a_change_in_a_closed_month_of_draft_statements_lands_as_a_correction(
        tenant, calculate, django_capture_on_commit_callbacks):
    """A closed period takes no new lines, whatever its statements' status: a change to a deal of a closed
    month whose statements were never approved lands, like one in an approved month, as a correction in the
    first open month. It vanished: the closed draft was not rewritten and no correction was made."""
    from spm.services import period_close

    with tenant_atomic(tenant):
        period_close(period="2027-01", actor=None)
    jan = locked_rows(tenant, "R-1", "2027-01")
    assert jan[0][0]["status"] == "draft"
    change(tenant, django_capture_on_commit_callbacks, lambda s: opportunity_update(
        opportunity=Opportunity.objects.get(external_id="D-00"),
        amount=Opportunity.objects.get(external_id="D-00").amount + Decimal("10000")))
    assert locked_rows(tenant, "R-1", "2027-01") == jan
    with tenant_atomic(tenant):
        corrections = list(EarningLine.objects.filter(seller__external_id="R-1", component="Correction")
                           .values_list("period", "amount", "explanation"))
    assert [(p, a > 0) for p, a, _ in corrections] == [("2027-02", True)], corrections
    assert "2027-01: deal D-00 changed" in corrections[0][2]
    recalculated = snapshot(tenant)
    assert full_rerun(tenant, calculate) == recalculated
