"""factory_boy factories and `build_tenant`, the two-tenant world every test can use.

Personas of a tenant built by `build_tenant(slug)` (password "pw"):
    rep        rep@<slug>.test       AE under team manager `manager`; sees own statements and deals
    peer       peer@<slug>.test      AE under another manager; the manager must NOT see them
    manager    manager@<slug>.test   team manager of `rep` (and, through `rep2`'s manager, a subtree)
    revops     revops@<slug>.test    all planning/performance; statements read-only
    finance    finance@<slug>.test   all statements; approves
    executive  exec@<slug>.test      analytics, read-only
    admin      admin@<slug>.test     everything in the tenant
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

import factory
from django.contrib.auth import get_user_model

from compensation.models import CompPlan, PlanAssignment, Statement
from performance.models import WON_STAGE, Opportunity, stage_flags
from planning.models import Account, Quota, Seller
from spm.models import Membership, Tenant
from spm.roles import Role
from spm.tenancy.db import tenant_atomic

User = get_user_model()


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ("username",)

    username = factory.Sequence(lambda n: f"user{n}@example.test")
    email = factory.SelfAttribute("username")
    first_name = factory.Faker("first_name")
    last_name = factory.Faker("last_name")
    password = factory.django.Password("pw")


class TenantFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Tenant
        django_get_or_create = ("slug",)

    slug = factory.Sequence(lambda n: f"tenant{n}")
    name = factory.LazyAttribute(lambda o: o.slug.title())
    base_currency = "USD"


class TenantScopedFactory(factory.django.DjangoModelFactory):
    """Tenant-owned rows: created through the unscoped manager with an explicit tenant."""

    class Meta:
        abstract = True

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        tenant = kwargs.pop("tenant")
        with tenant_atomic(tenant):
            return model_class.all_tenants.create(*args, tenant=tenant, **kwargs)


class MembershipFactory(TenantScopedFactory):
    class Meta:
        model = Membership

    user = factory.SubFactory(UserFactory)
    role = Role.REP


class SellerFactory(TenantScopedFactory):
    class Meta:
        model = Seller

    external_id = factory.Sequence(lambda n: f"S{n:05d}")
    name = factory.Faker("name")
    role_type = Seller.RoleType.AE
    hire_date = dt.date(2024, 1, 1)


class AccountFactory(TenantScopedFactory):
    class Meta:
        model = Account

    external_id = factory.Sequence(lambda n: f"A{n:05d}")
    name = factory.Faker("company")
    industry = "software"
    region = "NA"


class OpportunityFactory(TenantScopedFactory):
    class Meta:
        model = Opportunity

    external_id = factory.Sequence(lambda n: f"D{n:06d}")
    name = factory.Sequence(lambda n: f"Deal {n}")
    amount = Decimal("10000.00")
    currency = "USD"
    stage = WON_STAGE
    is_closed = factory.LazyAttribute(lambda o: stage_flags(o.stage)[0])
    is_won = factory.LazyAttribute(lambda o: stage_flags(o.stage)[1])
    deal_type = Opportunity.DealType.NEW_LOGO
    close_date = dt.date(2027, 1, 15)
    created_date = dt.date(2026, 11, 1)


class QuotaFactory(TenantScopedFactory):
    class Meta:
        model = Quota

    measure = "bookings"
    period = "2027-Q1"
    amount = Decimal("100000.00")


AE_PLAN = {
    "name": "AE Plan",
    "currency": "USD",
    "components": [
        {
            "name": "New business",
            "type": "commission",
            "measure": {"deal_types": ["new_logo", "expansion"]},
            "quota": {"measure": "bookings", "period": "quarter"},
            "basis": "credit",
            "method": "marginal",
            "tiers": [{"upto": "1.0", "rate": "0.10"}, {"rate": "0.15"}],
        }
    ],
}


@dataclass
class TenantWorld:
    tenant: Tenant
    users: dict[str, object] = field(default_factory=dict)
    sellers: dict[str, Seller] = field(default_factory=dict)
    plan: CompPlan | None = None
    deals: dict[str, Opportunity] = field(default_factory=dict)
    statements: dict[str, Statement] = field(default_factory=dict)


def build_tenant(slug: str) -> TenantWorld:
    """Two tenants built by this look alike but share nothing (ids, names, emails all differ)."""
    tenant = TenantFactory(slug=slug, name=slug.title())
    world = TenantWorld(tenant=tenant)
    personas = {
        "rep": Role.REP,
        "peer": Role.REP,
        "manager": Role.MANAGER,
        "revops": Role.REVOPS,
        "finance": Role.FINANCE,
        "executive": Role.EXECUTIVE,
        "admin": Role.ADMIN,
    }
    for persona, role in personas.items():
        email = f"{'exec' if persona == 'executive' else persona}@{slug}.test"
        user = UserFactory(username=email, email=email)
        MembershipFactory(tenant=tenant, user=user, role=role)
        world.users[persona] = user

    vp = SellerFactory(tenant=tenant, external_id=f"{slug}-vp", name=f"{slug} VP", role_type=Seller.RoleType.MANAGER)
    mgr = SellerFactory(
        tenant=tenant, external_id=f"{slug}-mgr", name=f"{slug} Manager", manager=vp,
        role_type=Seller.RoleType.MANAGER, user=world.users["manager"],
    )
    other_mgr = SellerFactory(
        tenant=tenant, external_id=f"{slug}-mgr2", name=f"{slug} Other Manager", manager=vp,
        role_type=Seller.RoleType.MANAGER,
    )
    rep = SellerFactory(tenant=tenant, external_id=f"{slug}-rep", name=f"{slug} Rep", manager=mgr, user=world.users["rep"])
    peer = SellerFactory(
        tenant=tenant, external_id=f"{slug}-peer", name=f"{slug} Peer", manager=other_mgr, user=world.users["peer"],
    )
    world.sellers.update(vp=vp, manager=mgr, other_manager=other_mgr, rep=rep, peer=peer)

    with tenant_atomic(tenant):
        plan = CompPlan.all_tenants.create(
            tenant=tenant, name="AE Plan", version=1, document=AE_PLAN, currency="USD",
            status=CompPlan.Status.PUBLISHED, effective_from=dt.date(2027, 1, 1),
        )
        for seller in (rep, peer):
            PlanAssignment.all_tenants.create(
                tenant=tenant, seller=seller, plan=plan, start_date=dt.date(2027, 1, 1),
                target_incentive=Decimal("60000"),
            )
            QuotaFactory(tenant=tenant, seller=seller)
    world.plan = plan
    account = AccountFactory(tenant=tenant, external_id=f"{slug}-acct", name=f"{slug} Account")
    world.deals["rep"] = OpportunityFactory(
        tenant=tenant, external_id=f"{slug}-D1", name=f"{slug} rep deal", owner=rep, account=account,
        amount=Decimal("60000.00"),
    )
    world.deals["peer"] = OpportunityFactory(
        tenant=tenant, external_id=f"{slug}-D2", name=f"{slug} peer deal", owner=peer, account=account,
        amount=Decimal("40000.00"),
    )
    with tenant_atomic(tenant):
        for persona in ("rep", "peer"):
            world.statements[persona] = Statement.all_tenants.create(
                tenant=tenant, seller=world.sellers[persona], period="2027-01", currency="USD",
                total=Decimal("6000.00"), status=Statement.Status.PUBLISHED, prepared_by=world.users["revops"],
            )
    return world


def complete_tenant(world: TenantWorld) -> TenantWorld:
    """Give `world` at least one row of every kernel/planning/performance/compensation table.

    The cross-tenant sweep and the RLS test want an object of every tenant model to aim at; the
    rows are named after the tenant slug like everything else. Models added later without a row
    here are reported by the sweep (tests.test_cross_tenant_sweep), not silently skipped.
    """
    from compensation.models import Adjustment, CalculationRun, EarningLine
    from performance.models import (
        CrmWebhook,
        ImportJob,
        ImportMapping,
        OpportunityEvent,
        OpportunityHistory,
        OpportunitySplit,
        PipelineStage,
        StageChange,
        WebhookDelivery,
    )
    from planning.models import AccountAssignment, Territory, TerritoryMove, TerritoryOverride, TerritoryPlan
    from spm.models import AuditEvent, FxRate, InputChange, Period

    tenant = world.tenant
    slug = tenant.slug
    rep, peer = world.sellers["rep"], world.sellers["peer"]
    deal = world.deals["rep"]
    with tenant_atomic(tenant):
        FxRate.all_tenants.create(tenant=tenant, currency="EUR", rate_to_base=Decimal("1.10"), effective_from=dt.date(2027, 1, 1))
        Period.all_tenants.create(tenant=tenant, key="2027-01", start=dt.date(2027, 1, 1), end=dt.date(2027, 1, 31))
        InputChange.all_tenants.create(tenant=tenant, seller_id=rep.pk, month="2027-01", reason=f"{slug} deal changed",
                                       changed_at=dt.datetime(2027, 1, 20, 9, tzinfo=dt.UTC))
        AuditEvent.all_tenants.create(
            tenant=tenant, actor=world.users["admin"], action="statement.publish", object_type="statement",
            object_id=str(world.statements["rep"].pk), object_repr=f"{slug} Rep 2027-01",
        )
        plan = TerritoryPlan.all_tenants.create(tenant=tenant, name=f"{slug} Territories 2027", status="published",
                                                effective_from=dt.date(2027, 1, 1))
        territory = Territory.all_tenants.create(tenant=tenant, plan=plan, name=f"{slug} West", region="NA", owner=rep,
                                                 rules={"regions": ["NA"]})
        OpportunitySplit.all_tenants.create(tenant=tenant, opportunity=world.deals["peer"], seller=peer, pct=Decimal("100"))
        StageChange.all_tenants.create(
            tenant=tenant, opportunity=deal, from_stage="negotiation", to_stage="closed_won",
            changed_at=dt.datetime(2027, 1, 15, 12, tzinfo=dt.UTC),
        )
        OpportunityEvent.all_tenants.create(tenant=tenant, opportunity=world.deals["peer"], date=dt.date(2027, 3, 1))
        PipelineStage.all_tenants.create(tenant=tenant, name="closed_won", position=5, probability=Decimal(1),
                                         is_closed=True, is_won=True)
        OpportunityHistory.all_tenants.create(
            tenant=tenant, opportunity=deal, as_of=dt.date(2027, 1, 15), stage=deal.stage, amount=deal.amount,
            currency=deal.currency, close_date=deal.close_date, owner=deal.owner, forecast_category="closed",
            is_closed=True, is_won=True,
        )
        ImportMapping.all_tenants.create(tenant=tenant, kind="opportunities", mapping={"amount": f"{slug} value"})
        ImportJob.all_tenants.create(
            tenant=tenant, kind="opportunities", file_name=f"{slug}-crm.csv", data=b"", header=["external_id"],
            status=ImportJob.Status.FAILED, report={"rows": 1, "created": 0, "updated": 0, "unchanged": 0,
                                                   "errors": [], "error_count": 1},
            errors_csv=f"file,line,column,value,message\n{slug}-crm.csv,2,amount,12k,not an amount\n",
        )
        CrmWebhook.all_tenants.create(tenant=tenant, secret=f"{slug}-secret")
        from spm.sso.models import SsoDomain, SsoProvider

        SsoProvider.all_tenants.create(
            tenant=tenant, enabled=True, issuer=f"https://login.{slug}.test", client_id=f"{slug}-rcc",
            client_secret=f"{slug}-sso-client-secret", allowed_domains=[f"{slug}.test"],
            role_mapping=[[f"{slug}-sales-managers", "manager"]], create_members=True,
        )
        SsoDomain.objects.create(tenant=tenant, domain=f"{slug}.test")
        WebhookDelivery.all_tenants.create(tenant=tenant, signature=f"{slug}-sig", timestamp=1)
        run = CalculationRun.all_tenants.create(
            tenant=tenant, period_from="2027-01", period_through="2027-01", status=CalculationRun.Status.SUCCEEDED,
            progress=100, requested_by=world.users["revops"],
        )
        adjustment = Adjustment.all_tenants.create(
            tenant=tenant, seller=rep, period="2027-01", amount=Decimal("100.00"),
            reason=f"{slug} spiff correction", created_by=world.users["revops"],
        )
        for persona in ("rep", "peer"):
            statement = world.statements[persona]
            EarningLine.all_tenants.create(
                tenant=tenant, statement=statement, run=run, seller=world.sellers[persona], period="2027-01",
                position=1, plan_name="AE Plan", component="New business", kind=EarningLine.Kind.COMMISSION,
                opportunity=world.deals[persona], deal_external_id=world.deals[persona].external_id,
                amount=Decimal("5900.00"), explanation=f"{slug} {persona} deal: 10 % up to 100 %",
            )
        EarningLine.all_tenants.create(
            tenant=tenant, statement=world.statements["rep"], seller=rep, period="2027-01", position=2,
            component="Adjustment", kind=EarningLine.Kind.ADJUSTMENT, adjustment=adjustment,
            amount=Decimal("100.00"), explanation=f"{slug} spiff correction",
        )
        # Pay in full (issue 12): one row of each new table
        from compensation.models import (
            AccountingPolicy,
            CompPlan,
            Dispute,
            DisputeComment,
            PayrollBatch,
            PayrollBatchItem,
            PlanAcceptance,
        )

        comp_plan = CompPlan.all_tenants.filter(tenant=tenant).order_by("id").first()
        if comp_plan is not None:
            PlanAcceptance.all_tenants.create(tenant=tenant, plan=comp_plan, seller=rep, version=comp_plan.version,
                                              accepted_by=world.users["rep"])
        line = EarningLine.all_tenants.filter(tenant=tenant, statement=world.statements["rep"]).order_by("id").first()
        dispute = Dispute.all_tenants.create(
            tenant=tenant, statement=world.statements["rep"], seller=rep, line=line, line_component="New business",
            line_deal=deal.external_id, line_amount=Decimal("5900.00"), amount=Decimal("250.00"),
            reason=f"{slug} split missing", raised_by=world.users["rep"],
        )
        DisputeComment.all_tenants.create(tenant=tenant, dispute=dispute, author=world.users["finance"],
                                          body=f"{slug} looking into it")
        batch = PayrollBatch.all_tenants.create(tenant=tenant, period="2026-12", currency="USD", statement_count=1,
                                                total=Decimal("1200.00"), created_by=world.users["finance"])
        paid = Statement.all_tenants.create(tenant=tenant, seller=peer, period="2026-12", total=Decimal("1200.00"),
                                            status=Statement.Status.PAID)
        PayrollBatchItem.all_tenants.create(tenant=tenant, batch=batch, statement=paid, seller=peer,
                                            amount=Decimal("1200.00"))
        AccountingPolicy.all_tenants.create(tenant=tenant, expedient_months=12)
        from compensation.models import Hold, HoldPolicy

        HoldPolicy.all_tenants.create(tenant=tenant, pct=Decimal("0.25"), days=90)
        Hold.all_tenants.create(tenant=tenant, statement=world.statements["rep"], seller=rep, period="2027-01",
                                amount=Decimal("1475.00"), reason=f"{slug} invoice unpaid",
                                release_after=dt.date(2027, 4, 30), hold_adjustment=adjustment,
                                created_by=world.users["finance"])
        from compensation.models import ApprovalDelegate, ApprovalReminder, ApprovalStep, StatementApproval

        ApprovalStep.all_tenants.create(tenant=tenant, position=1, role="finance")
        ApprovalReminder.all_tenants.create(tenant=tenant, statement=world.statements["rep"], position=1,
                                            sent_on=dt.date(2027, 2, 5))
        StatementApproval.all_tenants.create(tenant=tenant, statement=paid, position=1, role="finance",
                                             approved_by=world.users["finance"])
        ApprovalDelegate.all_tenants.create(tenant=tenant, user=world.users["finance"], delegate=world.users["admin"],
                                            starts=dt.date(2027, 1, 1))
        world.dispute, world.payroll_batch = dispute, batch
        from planning.models import CapacityRosterMember, CapacityScenario, QuotaAllocation, QuotaSet

        scenario = CapacityScenario.all_tenants.create(
            tenant=tenant, name=f"{slug} FY27 capacity", year=2027, target=Decimal("1000000"),
            over_assignment=Decimal("0.10"), segments=[{"name": "mid", "productivity": "480000", "ramp_months": 6}],
        )  # a draft, so the edit page has something to serve (the sweep's positive control)
        CapacityRosterMember.all_tenants.create(tenant=tenant, scenario=scenario, seller=rep, name=rep.name,
                                                segment="mid", hire_date=dt.date(2026, 10, 1))
        quota_set = QuotaSet.all_tenants.create(
            tenant=tenant, scenario=scenario, version=1, effective_from="2027-01", total=Decimal("1100000.00"),
        )
        QuotaAllocation.all_tenants.create(
            tenant=tenant, quota_set=quota_set, seller=rep, label=f"{slug} Rep", amount=Decimal("1100000.00"),
            months=["91666.67"] * 11 + ["91666.63"], capacity=Decimal("420000.00"), above_capacity=True,
        )
        world.capacity_scenario = scenario
        world.quota_set = quota_set
        account = world.deals["rep"].account
        if account is not None:
            type(account).all_tenants.filter(pk=account.pk).update(territory=territory, owner=rep, region="NA",
                                                                   potential=Decimal("250000.00"))
            AccountAssignment.all_tenants.create(tenant=tenant, account=account, territory=territory, plan=plan,
                                                 seller=rep, effective_from=dt.date(2027, 1, 1))
            draft = TerritoryPlan.all_tenants.create(tenant=tenant, name=f"{slug} Territories 2028", scenario_of=plan)
            west = Territory.all_tenants.create(tenant=tenant, plan=draft, name=f"{slug} West", region="NA", owner=rep,
                                                rules={"regions": ["NA"]})
            east = Territory.all_tenants.create(tenant=tenant, plan=draft, name=f"{slug} East", region="NA", owner=peer,
                                                rules={"accounts": [account.external_id]}, precedence=50)
            TerritoryOverride.all_tenants.create(tenant=tenant, plan=draft, account=account, territory=west,
                                                 reason=f"{slug} keeps its rep")
            TerritoryMove.all_tenants.create(tenant=tenant, plan=draft, account=account, from_territory=west,
                                             to_territory=east, position=1, potential=Decimal("250000.00"),
                                             cv_before=1.0, cv_after=0.0)
    world.territory = territory
    world.run = run
    world.adjustment = adjustment
    complete_tenant_forecasting(world)
    complete_tenant_pipeline_summaries(world)
    return world


def complete_tenant_pipeline_summaries(world: TenantWorld) -> None:
    """The pipeline summary tables (helper "pipespeed"): a roll as of the world's day, plus a
    stage norm named after the tenant (the sweep looks for the slug in answers)."""
    from performance.models import PipelineStageNorm
    from performance.pipeline.summaries import pipeline_summaries_rebuild

    with tenant_atomic(world.tenant):
        pipeline_summaries_rebuild(as_of=dt.date(2027, 2, 15))
        PipelineStageNorm.all_tenants.create(tenant=world.tenant, stage=f"{world.tenant.slug} stage", norm_days=12.5,
                                             stays=5)


def complete_tenant_forecasting(world: TenantWorld) -> None:
    """A row of each forecasting / alert / coaching / activity table (issue 10)."""
    from performance.activities.models import Activity
    from performance.alerts.models import Alert
    from performance.coaching.models import CoachingNote, FollowUp
    from performance.forecasting.models import ForecastOverride, ForecastSubmission, WinModelRun

    tenant = world.tenant
    slug = tenant.slug
    rep, manager = world.sellers["rep"], world.sellers["manager"]
    at = dt.datetime(2027, 1, 5, 9, tzinfo=dt.UTC)
    with tenant_atomic(tenant):
        ForecastSubmission.all_tenants.create(tenant=tenant, seller=rep, period="2027-Q1", commit=Decimal("50000"),
                                              best_case=Decimal("70000"), note=f"{slug} call", submitted_at=at,
                                              submitted_by=world.users["rep"])
        ForecastOverride.all_tenants.create(tenant=tenant, seller=manager, period="2027-Q1", commit=Decimal("45000"),
                                            best_case=Decimal("60000"), note=f"{slug} override", created_at=at,
                                            created_by=world.users["manager"])
        WinModelRun.all_tenants.create(tenant=tenant, status=WinModelRun.Status.SUCCEEDED, finished_at=at,
                                       metrics={"verdict": f"{slug} model", "signal": False})
        Alert.all_tenants.create(tenant=tenant, kind=Alert.Kind.STALLED, key=f"stalled:{world.deals['rep'].pk}",
                                 seller=rep, opportunity=world.deals["rep"], message=f"{slug} deal stalled",
                                 action="Book a next step", created_at=at, updated_at=at)
        note = CoachingNote.all_tenants.create(tenant=tenant, seller=rep, opportunity=world.deals["rep"],
                                               author=world.users["manager"], body=f"{slug} coaching note", created_at=at)
        FollowUp.all_tenants.create(tenant=tenant, seller=rep, note=note, title=f"{slug} follow-up",
                                    due_date=dt.date(2027, 1, 12), created_by=world.users["manager"], created_at=at)
        Activity.all_tenants.create(tenant=tenant, owner=rep, kind=Activity.Kind.MEETING, occurred_on=dt.date(2027, 1, 4),
                                    subject=f"{slug} discovery meeting", opportunity=world.deals["rep"],
                                    external_id=f"{slug}-act-1", created_by=world.users["rep"], created_at=at)
