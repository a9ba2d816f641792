"""`demo_setup`: two tenants, one persona per role in each, a year of statements in every state.

acme   — the generated company (spm.hub.demo.generator)
globex — the public CRM export (spm.hub.importers.crm_maven), with its plans created here
         because performance cannot import compensation.

Statements: one calculation run from the first month with data through the current month,
requested by revops (so finance may approve); months before last month are published, approved
by finance and paid; last month is published (finance's approval queue, the rep sees it); the
current month stays draft. Everything goes through the compensation services. Then the
follow-through: two disputes of the demo rep (spm.hub.demo.disputes), today's alerts and the demo
manager's coaching record (spm.hub.demo.coaching), and a trained win-probability model per tenant
(acme's history carries signal, globex's export does not, and the forecast page says so).
"""

from __future__ import annotations

import datetime as dt
import time
from collections import Counter
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.db.models import Count, Q

from compensation.models import CalculationRun, Statement
from compensation.payroll.services import payroll_batch_create
from compensation.services import (
    calculation_request,
    comp_plan_create,
    plan_assignment_upsert,
    statement_approve,
    statement_publish_period,
)
from performance.forecasting.models import WinModelRun
from performance.forecasting.services import win_model_request
from planning.models import Seller
from planning.services import seller_link_user
from spm.fiscal import shift_month
from spm.hub.demo.capacity import capacity_plan_demo
from spm.hub.demo.coaching import alerts_and_coaching_demo
from spm.hub.demo.disputes import disputes_demo
from spm.hub.demo.generator import demo_window, generate_company
from spm.hub.demo.territories import demo_territories
from spm.hub.demo.weekly_import import weekly_import_demo
from spm.hub.importers.crm_maven import (
    default_data_dir,
    import_crm_maven,
    manager_plan_document,
    rep_plan_document,
)
from spm.models import Tenant
from spm.roles import Role
from spm.services import membership_set, tenant_create_or_update
from spm.tenancy.context import tenant_scope
from spm.tenancy.db import tenant_atomic

PASSWORD = "demo"
PERSONAS = [("rep", Role.REP), ("manager", Role.MANAGER), ("revops", Role.REVOPS), ("finance", Role.FINANCE),
            ("exec", Role.EXECUTIVE), ("admin", Role.ADMIN)]
CONSULTANT = ("consultant@example.com", {"acme": Role.REVOPS, "globex": Role.FINANCE})
SIZES = {"default": {"sellers": 60, "accounts": 1200, "opportunities": 9000},
         "small": {"sellers": 14, "accounts": 100, "opportunities": 500}}


@dataclass
class SetupReport:
    skipped: bool = False
    lines: list[str] = field(default_factory=list)
    seconds: dict[str, float] = field(default_factory=dict)


def login_table() -> list[tuple[str, str, str]]:
    """(role, acme e-mail, globex e-mail) for the banner and the README."""
    rows = [(role.label, f"{name}@acme.example", f"{name}@globex.example") for name, role in PERSONAS]
    rows.append(("RevOps in acme, Finance in globex", CONSULTANT[0], CONSULTANT[0]))
    return rows


def _has_data(slug: str) -> bool:
    tenant = Tenant.objects.filter(slug=slug).first()
    if tenant is None:
        return False
    with tenant_atomic(tenant):
        return Seller.objects.exists()


def demo_setup(*, small: bool = False, today: dt.date | None = None, data_dir: Path | None = None, log=print) -> SetupReport:
    """Create acme and globex with users, plans and statements. Skips when acme already has data."""
    today = today or dt.date.today()
    report = SetupReport()
    if _has_data("acme"):
        report.skipped = True
        log("Tenant acme already has data: nothing to do (drop the database to start again).")
        return report
    clock = time.perf_counter()

    def lap(name):
        nonlocal clock
        report.seconds[name] = time.perf_counter() - clock
        clock = time.perf_counter()

    size = SIZES["small" if small else "default"]
    acme = tenant_create_or_update(slug="acme", name="Acme Corporation")
    gen = generate_company(tenant=acme, seed=7, today=today, **size)
    log(f"acme: generated {', '.join(f'{v:,} {k}' for k, v in gen.counts.items())}")
    lap("acme generate")

    globex = tenant_create_or_update(slug="globex", name="Globex Corporation")
    data_dir = data_dir or default_data_dir()
    if (data_dir / "sales_pipeline.csv").exists() and not _has_data("globex"):
        imp = import_crm_maven(tenant=globex, data_dir=data_dir, today=today)
        for note in imp.notes:
            log(f"globex: {note}")
        log("globex: " + ", ".join(f"{v:,} {k}" for k, v in imp.counts.items()))
        _globex_plans(globex, imp.rep_ids, imp.manager_ids, today)
        globex_from = imp.first_month
    else:
        if not _has_data("globex"):
            log(f"globex: no CRM export at {data_dir}; generating a small synthetic company instead")
            generate_company(tenant=globex, seed=11, today=today, **SIZES["small"])
        globex_from = demo_window(today)[0].strftime("%Y-%m")
    lap("globex import")

    for tenant in (acme, globex):
        log(f"{tenant.slug}: {demo_territories(tenant, today=today)}")
    lap("territories")

    users = _users(acme, globex)
    lap("users")
    for tenant in (acme, globex):  # the quotas Pay reads come from a published capacity plan
        for line in capacity_plan_demo(tenant=tenant, actor=users[tenant.slug]["revops"]):
            log(f"{tenant.slug}: {line}")
    lap("capacity plans")
    acme_from = demo_window(today)[0].strftime("%Y-%m")
    for tenant, first in ((acme, acme_from), (globex, globex_from)):
        started = time.perf_counter()
        summary = _statements(tenant, first, today, users[tenant.slug])
        log(f"{tenant.slug}: {summary} ({time.perf_counter() - started:.1f}s)")
    lap("statements")
    for tenant in (acme, globex):
        log(f"{tenant.slug}: {weekly_import_demo(tenant=tenant, today=today, actor=users[tenant.slug]['revops'])}")
    lap("weekly import")
    for tenant in (acme, globex):
        log(f"{tenant.slug}: {disputes_demo(tenant=tenant, rep_user=users[tenant.slug]['rep'], finance_user=users[tenant.slug]['finance'])}")
        log(f"{tenant.slug}: {alerts_and_coaching_demo(tenant=tenant, today=today, manager_user=users[tenant.slug]['manager'])}")
    lap("disputes, alerts and coaching")
    for tenant in (acme, globex):
        log(f"{tenant.slug}: {_win_model(tenant, users[tenant.slug])}")
    lap("win models")
    _analyze()
    lap("analyze")
    report.lines = [f"{k}: {v:.1f}s" for k, v in report.seconds.items()]
    return report


def _analyze() -> None:
    """Fresh planner statistics and visibility maps after the bulk load (PostgreSQL), as autovacuum
    would leave them. Without statistics the planner takes the new tables for empty and, e.g., sorts
    every deal for a 50-row page (160 ms instead of 1 ms); without the visibility map the newest id
    of a tenant (every cached figure's data version) walks back the primary key over the other
    tenant's rows (10–40 ms) instead of one index-only probe of (tenant, id). VACUUM runs outside a
    transaction and needs the tables' owner: the login user, not the app role."""
    from django.db import connection

    from spm.tenancy.db import owner_mode

    if connection.vendor != "postgresql":
        return
    with owner_mode(), connection.cursor() as cursor:
        cursor.execute("VACUUM (ANALYZE)")


def _globex_plans(tenant: Tenant, rep_ids: list[str], manager_ids: list[str], today: dt.date) -> None:
    with tenant_atomic(tenant):
        sellers = {s.external_id: s for s in Seller.objects.all()}
        first = min(s.hire_date for s in sellers.values() if s.hire_date)
        start = dt.date(first.year, 1, 1)
        rep = comp_plan_create(document=rep_plan_document(), effective_from=start, publish=True)
        mgr = comp_plan_create(document=manager_plan_document(), effective_from=start, publish=True)
        for ext in rep_ids:
            plan_assignment_upsert(seller=sellers[ext], plan=rep, start_date=start, target_incentive=Decimal(30000))
        for ext in manager_ids:
            plan_assignment_upsert(seller=sellers[ext], plan=mgr, start_date=start, target_incentive=Decimal(50000))


def _users(acme: Tenant, globex: Tenant) -> dict[str, dict[str, object]]:
    """The six personas per tenant (password "demo"), the consultant in both, reps/managers linked."""
    user_model = get_user_model()
    hashed = make_password(PASSWORD)  # hash once: PBKDF2 per user would cost seconds
    out: dict[str, dict[str, object]] = {}
    for tenant in (acme, globex):
        out[tenant.slug] = {}
        with tenant_atomic(tenant):
            for name, role in PERSONAS:
                email = f"{name}@{tenant.slug}.example"
                user, _ = user_model.objects.get_or_create(
                    username=email, defaults={"email": email, "password": hashed, "first_name": name.title(),
                                              "last_name": tenant.name.split()[0]})
                membership_set(user=user, role=role)
                out[tenant.slug][name] = user
            consultant, _ = user_model.objects.get_or_create(
                username=CONSULTANT[0], defaults={"email": CONSULTANT[0], "password": hashed,
                                                  "first_name": "Casey", "last_name": "Consultant"})
            membership_set(user=consultant, role=CONSULTANT[1][tenant.slug])
            seller_link_user(seller=_best_rep(), user=out[tenant.slug]["rep"])
            seller_link_user(seller=_best_manager(), user=out[tenant.slug]["manager"])
    return out


def _best_rep() -> Seller:
    """An AE still employed, with the most won deals (so the rep's statements are full)."""
    return (Seller.objects.filter(role_type=Seller.RoleType.AE, end_date__isnull=True)
            .annotate(won=Count("opportunities", filter=Q(opportunities__is_won=True)))
            .order_by("-won", "external_id").first())


def _best_manager() -> Seller:
    """The manager with the most AEs reporting directly (a team manager with a real subtree)."""
    return (Seller.objects.filter(role_type=Seller.RoleType.MANAGER)
            .annotate(aes=Count("reports", filter=Q(reports__role_type=Seller.RoleType.AE)))
            .order_by("-aes", "external_id").first())


def _win_model(tenant: Tenant, users: dict) -> str:
    """Train the tenant's win-probability model as RevOps would from the forecast page (a task on commit:
    in-process without Redis, else on the worker), so the forecast shows the model and its backtest."""
    with tenant_atomic(tenant):  # the training task starts when this commits
        run = win_model_request(actor=users["revops"])
    with tenant_atomic(tenant):
        run = WinModelRun.objects.get(pk=run.pk)
    if run.status != WinModelRun.Status.SUCCEEDED:
        return f"win model {run.status} (a worker will train it)"
    return f"win model: {run.metrics.get('verdict', '')}"


def _statements(tenant: Tenant, first_month: str, today: dt.date, users: dict) -> str:
    current = today.strftime("%Y-%m")
    last = shift_month(today.replace(day=1), -1).strftime("%Y-%m")
    with tenant_scope(tenant):
        # calculation_request starts the task on commit, so it must not run inside an outer transaction.
        t0 = time.perf_counter()
        run = calculation_request(period_from=first_month, period_through=current, requested_by=users["revops"])
        t_calc = time.perf_counter() - t0
        with tenant_atomic(tenant):
            run = CalculationRun.objects.get(pk=run.pk)
            if run.status != CalculationRun.Status.SUCCEEDED:
                return f"calculation {run.status}: {run.message} (a worker will finish it; statements left as they are)"
            months = sorted(set(Statement.objects.filter(period__lte=last).values_list("period", flat=True)))
            for month in months:
                statement_publish_period(period=month, actor=users["admin"])
            older = list(Statement.objects.filter(period__lt=last, status=Statement.Status.PUBLISHED).order_by("period", "id"))
            for statement in older:
                statement_approve(statement=statement, actor=users["finance"])
            # Paid through payroll as finance pays: a batch per month and currency, so the payroll page's
            # batches add up to the liability page's "paid" (a statement marked paid alone is in none).
            for period, currency in sorted({(s.period, s.currency) for s in older}):
                payroll_batch_create(period=period, currency=currency, actor=users["finance"])
            states = Counter(Statement.objects.values_list("status", flat=True))
        t_flow = time.perf_counter() - t0 - t_calc
        return (f"run {run.pk} {first_month}..{current}: {run.line_count:,} lines, {run.statement_count:,} statements "
                f"({', '.join(f'{n:,} {s}' for s, n in sorted(states.items()))}); calculation {t_calc:.1f}s, "
                f"publish/approve/pay {t_flow:.1f}s")
