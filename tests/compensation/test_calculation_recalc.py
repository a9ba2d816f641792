"""Recalculation on change (issue 11 item 3): a committed change recalculates only the affected sellers
(+ managers through the roll-up) and open months, automatically, and always equals a full rerun."""

import datetime as dt
import random
from decimal import Decimal

import pytest
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from compensation.explanations import render_explanation
from compensation.models import EarningLine, PlanAssignment, Statement
from compensation.services import adjustment_create, plan_assignment_upsert, recalculation
from performance.models import Opportunity
from performance.services import opportunity_event_record, opportunity_update
from planning.models import Seller
from planning.services import quota_set
from spm.errors import DomainError
from spm.hub.scenarios import scenario_load
from spm.models import Tenant
from spm.services import fx_rate_set
from spm.tenancy.db import tenant_atomic

pytestmark = pytest.mark.django_db

REP_PLAN = {"name": "AE", "currency": "USD",
            "components": [
                {"name": "New business", "type": "commission", "measure": {"deal_types": ["new_logo", "expansion"]},
                 "quota": {"measure": "bookings", "period": "quarter"}, "basis": "credit", "method": "marginal",
                 "tiers": [{"upto": 1.0, "rate": "0.10"}, {"upto": 1.5, "rate": "0.15"}, {"rate": "0.20"}],
                 "cap": {"amount": "30000"}},
                {"name": "Retro", "type": "commission", "measure": {}, "quota": {"measure": "bookings", "period": "month"},
                 "basis": "target_incentive", "weight": "0.5", "method": "retroactive",
                 "tiers": [{"upto": 1.0, "rate": "1.0"}, {"rate": "1.5"}]},
                {"name": "SPIF", "type": "spif", "amount": "500", "when": {"deal_types": ["new_logo"], "min_amount": "20000"}}],
            "clawback": {"window_days": 90, "method": "prorated"}, "draw": {"amount": "2000", "recoverable": True}}
MGR_PLAN = {"name": "MGR", "currency": "USD",
            "components": [{"name": "Team", "type": "commission", "measure": {}, "rollup": True,
                            "quota": {"measure": "bookings", "period": "quarter"}, "basis": "credit",
                            "method": "marginal", "tiers": [{"upto": 1.0, "rate": "0.02"}, {"rate": "0.04"}]}]}
SELLERS = ["R-1", "R-2", "R-3", "R-4"]


def world() -> dict:
    rng = random.Random(7)
    deals = []
    for i in range(24):
        owner = SELLERS[i % 4]
        deal = {"id": f"D-{i:02d}", "owner": owner, "amount": str(rng.choice([15000, 30000.5, 41100, 60000, -5000])),
                "close_date": (dt.date(2027, 1, 3) + dt.timedelta(days=7 * i)).isoformat(), "stage": "closed_won",
                "deal_type": rng.choice(["new_logo", "expansion", "renewal"]), "currency": rng.choice(["USD", "EUR"])}
        if i % 5 == 0:
            deal["splits"] = [{"seller": owner, "pct": 60}, {"seller": SELLERS[(i + 1) % 4], "pct": 40}]
        deals.append(deal)
    return {
        "tenant": {"name": "Recalc Co", "currency": "USD"},
        "fx_rates": [{"currency": "EUR", "rate_to_base": "1.08", "effective_from": "2026-01-01"}],
        "sellers": [{"id": "VP", "name": "Vi", "role_type": "manager"},
                    {"id": "M-1", "name": "Mo", "role_type": "manager", "manager": "VP"},
                    {"id": "M-2", "name": "Max", "role_type": "manager", "manager": "VP"},
                    *[{"id": s, "name": s, "role_type": "AE", "manager": "M-1" if i < 2 else "M-2"}
                      for i, s in enumerate(SELLERS)]],
        "plans": [REP_PLAN, MGR_PLAN],
        "assignments": [*[{"seller": s, "plan": "AE", "from": "2027-01-01", "target_incentive": "60000"} for s in SELLERS],
                        *[{"seller": m, "plan": "MGR", "from": "2027-01-01"} for m in ["VP", "M-1", "M-2"]]],
        "quotas": [{"seller": s, "measure": "bookings", "period": p, "amount": "90000"}
                   for s in [*SELLERS, "M-1", "M-2", "VP"] for p in ["2027-Q1", "2027-Q2"]]
                  + [{"seller": s, "measure": "bookings", "period": f"2027-{m:02d}", "amount": "30003"}
                     for s in SELLERS for m in range(1, 7)],
        "deals": deals,
        "events": [{"type": "churn", "deal": "D-02", "date": "2027-02-20"}],
        "adjustments": [{"seller": "R-1", "period": "2027-02", "amount": "100.05", "reason": "SPIF fix"}],
    }


def world_without_draws() -> dict:
    """The same people and deals in a tenant whose fiscal year starts in March, with no draw and a 30-day
    clawback window: a recalculation from April on may leave out the deals before March
    (calculation.history_start), so the random edits exercise that trimmed input too."""
    data = world()
    data["tenant"]["fiscal_year_start_month"] = 3
    data["plans"] = [{**REP_PLAN, "clawback": {"window_days": 30, "method": "prorated"}}, MGR_PLAN]
    del data["plans"][0]["draw"]
    data["quotas"] = [q for q in data["quotas"] if "-Q" not in q["period"]] + [
        {"seller": s, "measure": "bookings", "period": p, "amount": "90000"}
        for s in [*SELLERS, "M-1", "M-2", "VP"] for p in ["2026-Q4", "2027-Q1", "2027-Q2"]]
    return data


@pytest.fixture
def tenant(db):
    return loaded(world(), "recalc")


@pytest.fixture
def fy_tenant(db):
    return loaded(world_without_draws(), "recalc-fy")


def loaded(data: dict, slug: str):
    scenario_load(data=data, tenant_slug=slug)
    # The load's commit would have sent its (whole-tenant) change; inside the test transaction it never
    # commits, so drop it rather than let it ride along with the first edit (which would then rewrite
    # every seller and hide whether an edit touches only its seller and managers).
    recalculation._local.__dict__.pop("pending", None)
    return Tenant.objects.get(slug=slug)


def snapshot(tenant):
    with tenant_atomic(tenant):
        lines = sorted((*row[:-2], render_explanation({"explanation": row[-2], "explain": row[-1]}))
                       for row in EarningLine.objects.values_list("seller__external_id", "period", "position",
                                                                  "component", "kind", "deal_external_id", "amount",
                                                                  "explanation", "explain"))
        statements = sorted(Statement.objects.values_list("seller__external_id", "period", "total", "status",
                                                          "attainment"))
    return lines, statements


def full_rerun(tenant, calculate):
    run = calculate(tenant, period_from="2027-01", through="2027-06")
    assert run.status == "succeeded", run.message
    return snapshot(tenant)


def edit(tenant, rng, django_capture_on_commit_callbacks):
    """One random committed change through the product's services (the recalculation runs on commit)."""
    with django_capture_on_commit_callbacks(execute=True), tenant_atomic(tenant):
        sellers = {s.external_id: s for s in Seller.objects.all()}
        deal = Opportunity.objects.get(external_id=f"D-{rng.randrange(24):02d}")
        what = rng.choice(["amount", "owner", "close", "stage", "split", "quota", "adjustment", "assignment", "fx",
                           "churn", "approve-then-amount"])
        if what == "amount":
            opportunity_update(opportunity=deal, amount=Decimal(rng.choice(["4944.25", "120000", "-3000.10"])))
        elif what == "owner":
            opportunity_update(opportunity=deal, owner=sellers[rng.choice(SELLERS)], splits=[])
        elif what == "close":
            opportunity_update(opportunity=deal, close_date=deal.close_date + dt.timedelta(days=rng.choice([-40, 35, 70])))
        elif what == "stage":
            opportunity_update(opportunity=deal, stage="closed_lost")
        elif what == "split":
            other = sellers[rng.choice([s for s in SELLERS if s != deal.owner.external_id])]
            opportunity_update(opportunity=deal, splits=[(deal.owner, Decimal("50")), (other, Decimal("50"))])
        elif what == "quota":
            quota_set(seller=sellers[rng.choice(SELLERS)], period=rng.choice(["2027-Q1", "2027-Q2", "2027-03"]),
                      amount=Decimal("41100"))
        elif what == "adjustment":
            adjustment_create(seller=sellers[rng.choice(SELLERS)], period=rng.choice(["2027-02", "2027-05"]),
                              amount="-250.50", reason="correction", actor=None)
        elif what == "assignment":
            a = PlanAssignment.objects.filter(seller=sellers[rng.choice(SELLERS)]).first()
            plan_assignment_upsert(seller=a.seller, plan=a.plan, start_date=a.start_date,
                                   target_incentive=Decimal("84000"))
        elif what == "fx":
            fx_rate_set(currency="EUR", effective_from=dt.date(2027, 3, 1), rate_to_base=Decimal("1.2"))
        elif what == "approve-then-amount":  # an approved month: its change must land as a correction
            Statement.objects.filter(seller=deal.owner, period__lte=deal.close_date.strftime("%Y-%m")).update(
                status="approved")
            opportunity_update(opportunity=deal, amount=deal.amount + Decimal("12345.67"))
        else:
            opportunity_event_record(opportunity=deal, date=deal.close_date + dt.timedelta(days=30))
    return what


def test_a_deal_edit_recalculates_its_seller_and_managers_only(tenant, calculate, django_capture_on_commit_callbacks):
    calculate(tenant, period_from="2027-01", through="2027-06")
    with tenant_atomic(tenant):
        before = {(s, p): t for s, p, t in Statement.objects.values_list("seller__external_id", "period", "total")}
        untouched = set(Statement.objects.filter(seller__external_id__in=["R-3", "R-4", "M-2"])
                        .values_list("id", "updated_at"))
    with django_capture_on_commit_callbacks(execute=True), tenant_atomic(tenant):
        opportunity_update(opportunity=Opportunity.objects.get(external_id="D-04"), amount=Decimal("80000"))
    with tenant_atomic(tenant):
        after = {(s, p): t for s, p, t in Statement.objects.values_list("seller__external_id", "period", "total")}
        # D-04 is R-1's (M-1's team, under VP): those three change; the other team is not even rewritten
        assert set(Statement.objects.filter(seller__external_id__in=["R-3", "R-4", "M-2"])
                   .values_list("id", "updated_at")) == untouched
    changed = {s for (s, _), t in after.items() if before.get((s, _)) != t}
    assert changed and changed <= {"R-1", "M-1", "VP"}
    recalculated = snapshot(tenant)
    assert full_rerun(tenant, calculate) == recalculated


@pytest.mark.parametrize("seed", range(8))
def test_recalculation_after_random_changes_equals_a_full_rerun(tenant, calculate, django_capture_on_commit_callbacks,
                                                                seed):
    rng = random.Random(seed)
    calculate(tenant, period_from="2027-01", through="2027-06")
    for _ in range(3):
        what = edit(tenant, rng, django_capture_on_commit_callbacks)
        recalculated = snapshot(tenant)
        assert full_rerun(tenant, calculate) == recalculated, what


def test_an_approved_statement_never_changes_the_difference_lands_next_month(
        tenant, calculate, django_capture_on_commit_callbacks):
    calculate(tenant, period_from="2027-01", through="2027-06")
    with tenant_atomic(tenant):
        jan = Statement.objects.get(seller__external_id="R-1", period="2027-01")
        Statement.objects.filter(pk=jan.pk).update(status="approved")  # (the approval workflow has its own tests)
        jan.refresh_from_db()
        approved = (jan.total, list(jan.lines.values_list("id", "amount")))
    with django_capture_on_commit_callbacks(execute=True), tenant_atomic(tenant):
        # D-00 (R-1, 3 January): +10,000 of credit in January
        deal = Opportunity.objects.get(external_id="D-00")
        opportunity_update(opportunity=deal, amount=deal.amount + Decimal("10000"))
    with tenant_atomic(tenant):
        jan.refresh_from_db()
        assert (jan.status, jan.total, list(jan.lines.values_list("id", "amount"))) == ("approved", *approved)
        correction = EarningLine.objects.get(seller__external_id="R-1", period="2027-02", component="Correction")
        assert correction.kind == "adjustment" and correction.amount != 0
        assert correction.explanation.startswith("Correction of approved/paid statements after a change")
        assert "2027-01 recalculated" in correction.explanation
    recalculated = snapshot(tenant)
    assert full_rerun(tenant, calculate) == recalculated


@pytest.mark.parametrize("size", [1, 2, 3])
def test_a_run_in_seller_partitions_stores_what_one_engine_call_does(tenant, calculate, monkeypatch, size):
    """Partitioning (calculation.PARTITION_SELLERS) changes no line, position, total or attainment, roll-ups
    (VP above M-1/M-2 above the reps) and splits across partitions included."""
    from compensation.services import calculation

    whole = full_rerun(tenant, calculate)
    calls = []
    engine = calculation.calculate
    monkeypatch.setattr(calculation, "PARTITION_SELLERS", size)
    monkeypatch.setattr(calculation, "calculate", lambda inp: calls.append(inp.only_sellers) or engine(inp))
    assert full_rerun(tenant, calculate) == whole
    assert len(calls) == -(-7 // size)  # 7 sellers
    assert set().union(*calls) == {"VP", "M-1", "M-2", *SELLERS}


def test_a_run_partitioned_by_credits_stores_what_one_engine_call_does(tenant, calculate, monkeypatch):
    """Partitions cut by estimated credits (partitions.PARTITION_CREDITS: here every seller alone, since each
    has a deal in reach) change nothing either."""
    from compensation.services import calculation, partitions

    whole = full_rerun(tenant, calculate)
    calls = []
    engine = calculation.calculate
    monkeypatch.setattr(partitions, "PARTITION_CREDITS", 1)
    monkeypatch.setattr(calculation, "calculate", lambda inp: calls.append(inp.only_sellers) or engine(inp))
    assert full_rerun(tenant, calculate) == whole
    assert len(calls) == 7 and set().union(*calls) == {"VP", "M-1", "M-2", *SELLERS}


def test_a_partitioned_run_fingerprints_every_deal_as_one_engine_call_does(tenant, calculate, monkeypatch):
    """A partitioned run reads the deals partition by partition and streams all of them through the input
    fingerprint: the fingerprint is the one of the whole input, and changes with any deal."""
    from compensation.services import calculation

    def fingerprint():
        run = calculate(tenant, period_from="2027-01", through="2027-06")
        assert run.status == "succeeded", run.message
        return run.input_fingerprint

    whole = fingerprint()
    monkeypatch.setattr(calculation, "PARTITION_SELLERS", 2)
    assert fingerprint() == whole
    with tenant_atomic(tenant):
        Opportunity.objects.filter(external_id="D-03").update(amount=Decimal("123.45"))
    changed = fingerprint()
    monkeypatch.setattr(calculation, "PARTITION_SELLERS", 2000)
    assert changed != whole and fingerprint() == changed


def test_a_partition_reads_the_deals_of_its_sellers_and_of_the_reports_of_its_roll_up_takers():
    from compensation.engine import Assignment, EngineInput, parse_plan_document
    from compensation.services.partitions import Reach, seller_groups

    rep, mgr = (parse_plan_document(p) for p in world_without_draws()["plans"])
    start = dt.date(2027, 1, 1)
    inp = EngineInput(
        fy_start_month=1, base_currency="USD", plans={"rep": rep, "mgr": mgr}, quotas={}, deals=[],
        managers={"VP": None, "M-1": "VP", "M-2": "VP", "R-1": "M-1", "R-2": "M-1", "R-3": "M-2", "X": "R-3"},
        assignments=[Assignment("VP", "mgr", start, None), Assignment("M-1", "mgr", start, None),
                     Assignment("M-2", "rep", start, None), Assignment("R-3", "rep", start, None)],
        period_from="2027-01", period_through="2027-06")
    assert Reach(inp).parties(frozenset({"VP"})) == {"VP", "M-1", "M-2", "R-1", "R-2", "R-3", "X"}
    assert Reach(inp).parties(frozenset({"M-1", "R-3"})) == {"M-1", "R-1", "R-2", "R-3"}
    assert Reach(inp).parties(frozenset({"M-2"})) == {"M-2"}  # its plan takes no roll-up: its reports' deals give it nothing
    # partitions by estimated credits too: the VP takes a roll-up of every deal, so it goes alone
    deals = {"R-1": 5, "R-2": 5, "R-3": 5, "X": 5, "M-2": 1}
    assert seller_groups(inp, 10, deals, max_credits=12) == [
        frozenset({"M-1", "M-2"}), frozenset({"R-1", "R-2"}), frozenset({"R-3"}), frozenset({"VP"}), frozenset({"X"})]


@pytest.mark.parametrize("which", ["tenant", "fy_tenant"])
@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(rng=st.randoms(use_true_random=False), n_edits=st.integers(min_value=1, max_value=4))
def test_property_any_edits_then_incremental_recalcs_equal_a_full_rerun(
        request, which, calculate, django_capture_on_commit_callbacks, rng, n_edits):
    """Hypothesis drives the edits (deal amount, owner, close date, stage, split, quota, adjustment, assignment,
    FX rate, churn, an approved month then an amount): after each one's incremental recalculation on commit,
    the stored lines and statements equal a full rerun to the cent. Each example starts from the same data
    (its own savepoint, rolled back); a change the services refuse changes nothing and is skipped."""
    tenant = request.getfixturevalue(which)
    with transaction.atomic():
        recalculation._local.__dict__.pop("pending", None)
        calculate(tenant, period_from="2027-01", through="2027-06")
        for _ in range(n_edits):
            try:
                what = edit(tenant, rng, django_capture_on_commit_callbacks)
            except DomainError:  # a change the product refuses (e.g. an adjustment into an approved month)
                continue
            recalculated = snapshot(tenant)
            assert full_rerun(tenant, calculate) == recalculated, what
        transaction.set_rollback(True)


def test_history_start_leaves_out_only_deals_that_cannot_change_a_rewritten_month(fy_tenant):
    from compensation.engine import parse_plan_document
    from compensation.services.calculation import history_start

    rep, mgr = (parse_plan_document(p) for p in world_without_draws()["plans"])
    # fiscal years start in March; 30 days before 1 May 2027 is in FY 2027 (from 1 March 2027)
    assert history_start({"r": rep, "m": mgr}, fy_start_month=3, period_from="2027-05") == dt.date(2027, 3, 1)
    # from March 2027 (FY 2027) a deal of FY 2026 counts only if a churn event from March on can claw it back
    assert history_start({"r": rep}, fy_start_month=3, period_from="2027-03") == dt.date(2027, 3, 1)
    churned = [(dt.date(2027, 2, 10), dt.date(2027, 3, 5))]  # 23 days before: within the 30-day window
    assert history_start({"r": rep}, fy_start_month=3, period_from="2027-03", churned=churned) == dt.date(2026, 3, 1)
    for close, when in [(dt.date(2027, 2, 10), dt.date(2027, 2, 25)),  # its clawback is in February: not rewritten
                        (dt.date(2027, 1, 20), dt.date(2027, 3, 5)),  # closed before the window reaches
                        (dt.date(2027, 3, 2), dt.date(2027, 3, 20))]:  # in FY 2027 anyway
        assert history_start({"r": rep}, fy_start_month=3, period_from="2027-03",
                             churned=[(close, when)]) == dt.date(2027, 3, 1)
    # a draw carries its balance from the assignment's first month: every deal counts
    assert history_start({"r": parse_plan_document(REP_PLAN)}, fy_start_month=3, period_from="2027-05") is None


def test_a_late_edit_recalculates_from_a_trimmed_history_and_equals_a_full_rerun(
        fy_tenant, calculate, django_capture_on_commit_callbacks, monkeypatch):
    from compensation.services import calculation

    calculate(fy_tenant, period_from="2027-01", through="2027-06")
    loaded_deals = []
    load = calculation.load_engine_input

    def spy(**kwargs):
        inp, lookups = load(**kwargs)
        loaded_deals.append(sorted(d.key for d in inp.deals))
        return inp, lookups

    monkeypatch.setattr(recalculation, "load_engine_input", spy)
    with django_capture_on_commit_callbacks(execute=True), tenant_atomic(fy_tenant):
        deal = Opportunity.objects.get(external_id="D-20")  # 23 May 2027, R-1
        opportunity_update(opportunity=deal, amount=deal.amount + Decimal("4944.25"))
    # the recalculation from May read only the deals closed from 1 March 2027 (FY 2027)
    with tenant_atomic(fy_tenant):
        kept = sorted(Opportunity.objects.filter(is_won=True, close_date__gte=dt.date(2027, 3, 1))
                      .values_list("external_id", flat=True))
        assert Opportunity.objects.filter(is_won=True, close_date__lt=dt.date(2027, 3, 1)).exists()
    assert loaded_deals == [kept]
    recalculated = snapshot(fy_tenant)
    assert full_rerun(fy_tenant, calculate) == recalculated


@pytest.mark.parametrize("size", [1, 3])
def test_lines_written_in_slices_are_those_of_one_write(tenant, calculate, monkeypatch, size):
    """The write makes its rows (facts and numeric text included) in slices of its output order
    (calculation.WRITE_SLICE): every stored column of every line is the same whatever the slice."""
    from compensation.services import calculation

    def every_column():
        with tenant_atomic(tenant):
            return sorted(EarningLine.objects.values_list(
                "statement__seller__external_id", "statement__period", "position", "seller__external_id", "period",
                "plan_name", "component", "kind", "deal_external_id", "opportunity_id", "credit_kind", "credit",
                "quota", "quota_period", "attainment_before", "attainment_after", "rate", "amount", "explanation",
                "explain", "adjustment_id"))

    whole = full_rerun(tenant, calculate), every_column()
    assert any(row[-2] for row in whole[1])  # commission lines with facts are written
    monkeypatch.setattr(calculation, "WRITE_SLICE", size)
    assert (full_rerun(tenant, calculate), every_column()) == whole


def test_a_recalculation_leaves_published_statements_it_does_not_change_published(
        tenant, calculate, django_capture_on_commit_callbacks):
    """A deal edit recalculates its seller and every manager above them; a statement whose total and
    attainment come out the same stays published (the rep keeps seeing it), one that changes goes back
    to draft for review. It unpublished them all: a 10.00 adjustment to one rep took their managers'
    unchanged statements away from them."""
    calculate(tenant, period_from="2027-01", through="2027-06")
    with tenant_atomic(tenant):
        Statement.objects.update(status="published", published_at=dt.datetime(2027, 7, 1, tzinfo=dt.UTC))
        before = {pk: (t, a) for pk, t, a in Statement.objects.values_list("pk", "total", "attainment")}
    with django_capture_on_commit_callbacks(execute=True), tenant_atomic(tenant):
        opportunity_update(opportunity=Opportunity.objects.get(external_id="D-04"), amount=Decimal("80000"))
    with tenant_atomic(tenant):
        after = {pk: (t, a, s, p) for pk, t, a, s, p in Statement.objects.values_list(
            "pk", "total", "attainment", "status", "published_at")}
    changed = {pk for pk, (t, a, *_) in after.items() if before.get(pk) != (t, a)}
    kept = set(after) - changed
    assert changed and kept
    assert {after[pk][2] for pk in changed} == {"draft"} and {after[pk][3] for pk in changed} == {None}
    assert {after[pk][2] for pk in kept} == {"published"}
    assert {after[pk][3] for pk in kept} == {dt.datetime(2027, 7, 1, tzinfo=dt.UTC)}


def test_a_quota_import_recalculates_its_sellers_and_managers_only(tenant, calculate, django_capture_on_commit_callbacks):
    """The quota CSV import (and every other bulk quota write: publishing a quota set, relief, the managers'
    roll-up) changes a calculation input like `quota_set` does: the seller's months (and their managers')
    are recalculated on commit and equal a full rerun. The import wrote the quotas and recalculated nothing:
    R-1's statements kept paying on the old quota until someone pressed recalculate."""
    from planning.quotas.services import quota_csv_import

    calculate(tenant, period_from="2027-01", through="2027-06")
    with tenant_atomic(tenant):
        untouched = set(Statement.objects.filter(seller__external_id__in=["R-3", "R-4", "M-2"])
                        .values_list("id", "updated_at"))
    before = snapshot(tenant)
    with django_capture_on_commit_callbacks(execute=True), tenant_atomic(tenant):
        report = quota_csv_import(content="seller,period,amount\nR-1,2027-Q1,41100\nR-1,2027-02,10000\n", actor=None)
        assert report.ok and report.updated == 2, report.as_dict()
    with tenant_atomic(tenant):
        assert set(Statement.objects.filter(seller__external_id__in=["R-3", "R-4", "M-2"])
                   .values_list("id", "updated_at")) == untouched
    recalculated = snapshot(tenant)
    assert {line[0] for line in set(recalculated[0]) ^ set(before[0])} == {"R-1"}  # new quota, new lines
    assert full_rerun(tenant, calculate) == recalculated
