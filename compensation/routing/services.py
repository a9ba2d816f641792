"""Approval routes: each statement passes the tenant's steps in order (e.g. the seller's manager,
then finance); the last step is the statement approval itself (statement_approve, with its
segregation of duties). A delegate acts for an approver between two dates. Every step is audited.
Without a route, approval is the single finance step it always was."""

from __future__ import annotations

import datetime as dt
import logging

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.utils import timezone

from compensation.models import Statement
from compensation.routing.models import ApprovalDelegate, ApprovalReminder, ApprovalStep, StatementApproval
from compensation.services import approval_refusal, statement_approve
from planning.selectors import personal_seller_ids
from spm.audit import audit_record, snapshot
from spm.errors import ConflictError, DomainError, PermissionDeniedError
from spm.models import Membership, Tenant
from spm.roles import Role, has_capability
from spm.tenancy.access import TenantAccess
from spm.tenancy.context import current_tenant

logger = logging.getLogger(__name__)
STEP_ROLES = (Role.MANAGER, Role.FINANCE, Role.ADMIN)


def route_steps() -> list[ApprovalStep]:
    return list(ApprovalStep.objects.order_by("position"))


def approval_route_set(*, roles: list[str], actor) -> list[ApprovalStep]:
    """Replace the tenant's route with `roles` in order (e.g. ["manager", "finance"]).

    DomainError unless every role is manager/finance/admin and the last one may approve statements
    (finance or admin), since the last step IS the approval. An empty list removes the route. Audited.
    """
    roles = [str(r) for r in roles]
    for r in roles:
        if r not in STEP_ROLES:
            raise DomainError(f"roles: {r!r} cannot approve (manager, finance or admin)", field="roles")
    if roles and not has_capability(roles[-1], "statements.approve"):
        raise DomainError("roles: the last step approves the statement, so it must be finance or admin", field="roles")
    with transaction.atomic():
        before = [s.role for s in route_steps()]
        ApprovalStep.objects.all().delete()
        tenant = current_tenant()
        steps = [ApprovalStep(tenant=tenant, position=i, role=r) for i, r in enumerate(roles, start=1)]
        ApprovalStep.objects.bulk_create(steps)
        marker = steps[0] if steps else ApprovalStep(tenant=tenant, position=0, role="")
        audit_record(actor=actor, action="approval.route", instance=marker, before={"roles": before}, after={"roles": roles})
        return route_steps()


def approval_delegate_set(*, user, delegate, starts: dt.date, ends: dt.date | None, actor) -> ApprovalDelegate:
    """`delegate` approves for `user` from `starts` to `ends`. Both must be members; DomainError
    otherwise or on reversed dates. Audited."""
    if ends is not None and ends < starts:
        raise DomainError("ends: before starts", field="ends")
    if user == delegate:
        raise DomainError("delegate: someone cannot delegate to themselves", field="delegate")
    members = set(Membership.objects.filter(user__in=[user, delegate]).values_list("user_id", flat=True))
    if members != {user.pk, delegate.pk}:
        raise DomainError("delegate: both people must be members of this workspace", field="delegate")
    with transaction.atomic():
        row = ApprovalDelegate(tenant=current_tenant(), user=user, delegate=delegate, starts=starts, ends=ends)
        row.save()
        audit_record(actor=actor, action="approval.delegate", instance=row, after=snapshot(row))
        return row


def _takes(step: ApprovalStep, membership: Membership | None, team: set[int], statement: Statement, user_pk: int) -> bool:
    """THE rule: may the member (as themselves) take `step` on `statement`? `team`: the sellers below
    them (only read for a manager's step)."""
    if membership is None:
        return False
    if membership.role == Role.ADMIN:
        return True
    if step.role != membership.role:
        return False
    if step.role == Role.MANAGER:
        # the seller's manager (anyone above them), never a peer team's manager
        return statement.seller_id in team and statement.seller.user_id != user_pk
    return True


def _team(membership: Membership | None, step: ApprovalStep) -> set[int]:
    if membership is None or step.role != Role.MANAGER or membership.role != Role.MANAGER:
        return set()
    return personal_seller_ids(TenantAccess(tenant=current_tenant(), membership=membership))


def _may_take(step: ApprovalStep, user, statement: Statement) -> bool:
    """Whether `user` (as themselves) may take `step` on `statement`."""
    membership = Membership.objects.filter(user=user).first()
    return _takes(step, membership, _team(membership, step), statement, user.pk)


def steps_waiting_for(*, statements, actor, today: dt.date | None = None) -> list[tuple[Statement, ApprovalStep, object]]:
    """(statement, its next step, on whose behalf or None) for each published statement of `statements`
    whose next step `actor` may take now, themselves or as a delegate — what step_refusal would allow,
    in a fixed number of queries (the manager's queue). Empty without a route (finance's queue serves)."""
    today = today or timezone.localdate()
    steps = route_steps()
    statements = [s for s in statements if s.status == Statement.Status.PUBLISHED and s.prepared_by_id != actor.pk]
    if not steps or not statements:
        return []
    done: dict[int, set[int]] = {}
    for sid, position in StatementApproval.objects.filter(statement__in=statements).values_list("statement_id", "position"):
        done.setdefault(sid, set()).add(position)
    principals = [(actor, None)] + [
        (d.user, d.user) for d in ApprovalDelegate.objects.filter(delegate=actor, starts__lte=today).select_related("user")
        if d.ends is None or d.ends >= today]
    members = {m.user_id: m for m in Membership.objects.filter(user__in=[u for u, _ in principals])}
    teams: dict[tuple[int, int], set[int]] = {}
    out = []
    for statement in statements:
        step = next((s for s in steps if s.position not in done.get(statement.pk, ())), None)
        if step is None:
            continue
        for user, behalf in principals:
            m = members.get(user.pk)
            key = (user.pk, step.position)
            if key not in teams:
                teams[key] = _team(m, step)
            if _takes(step, m, teams[key], statement, user.pk):
                out.append((statement, step, behalf))
                break
    return out


def _principal(step: ApprovalStep, actor, statement: Statement, today: dt.date):
    """(eligible, on_behalf_of): the actor themselves, or someone who delegated to them today."""
    if _may_take(step, actor, statement):
        return True, None
    delegations = ApprovalDelegate.objects.filter(delegate=actor, starts__lte=today).select_related("user")
    for d in delegations:
        if (d.ends is None or d.ends >= today) and _may_take(step, d.user, statement):
            return True, d.user
    return False, None


def next_step(statement: Statement) -> ApprovalStep | None:
    done = set(StatementApproval.objects.filter(statement=statement).values_list("position", flat=True))
    return next((s for s in route_steps() if s.position not in done), None)


def step_refusal(statement: Statement, actor, *, today: dt.date | None = None) -> str | None:
    """Why `actor` may not take the statement's next step now, or None."""
    if statement.status != Statement.Status.PUBLISHED:
        return f"The statement is {statement.status}; only a published one is approved."
    step = next_step(statement)
    if step is None:
        return approval_refusal(statement, actor)
    ok, _ = _principal(step, actor, statement, today or timezone.localdate())
    if not ok:
        return f"Step {step.position} is for the {step.role} (or their delegate)."
    if statement.prepared_by_id == actor.pk:
        return "You prepared this statement (you ran its calculation); someone else must approve it."
    return None


def statement_route_approve(*, statement: Statement, actor, today: dt.date | None = None) -> Statement:
    """Take the next step of the route on a published statement; the last step approves it
    (statement_approve, segregation of duties included). With no route: statement_approve.

    Errors: PermissionDeniedError when the actor may not take the step (names whose step it is);
    ConflictError unless published. Audited: approval.step per step, statement.approve at the end.
    """
    steps = route_steps()
    if not steps:
        return statement_approve(statement=statement, actor=actor)
    today = today or timezone.localdate()
    with transaction.atomic():
        statement = Statement.objects.select_for_update(of=("self",)).select_related("seller").get(pk=statement.pk)
        if statement.status != Statement.Status.PUBLISHED:
            raise ConflictError(f"Statement {statement} is {statement.status}; only a published one can be approved.")
        step = next_step(statement)
        if step is None:  # every step recorded but not approved (a concurrent attempt failed): finish it
            return statement_approve(statement=statement, actor=actor)
        ok, on_behalf_of = _principal(step, actor, statement, today)
        if not ok:
            raise PermissionDeniedError(f"Step {step.position} of {len(steps)} is for the {step.role} (or their delegate).")
        if statement.prepared_by_id == actor.pk:
            raise PermissionDeniedError("You prepared this statement (you ran its calculation); someone else must approve it.")
        record = StatementApproval(tenant=current_tenant(), statement=statement, position=step.position, role=step.role,
                                   approved_by=actor, on_behalf_of=on_behalf_of)
        record.save()
        audit_record(actor=actor, action="approval.step", instance=statement,
                     after={"position": step.position, "role": step.role,
                            "on_behalf_of": getattr(on_behalf_of, "pk", None)})
        if step.position == steps[-1].position:
            return statement_approve(statement=statement, actor=actor)
        return statement


def approval_reminders_send(*, older_than_days: int = 3, now=None) -> int:
    """E-mail each approver (and their current delegates) the statements waiting at their step for
    more than `older_than_days` days. Returns the number of e-mails sent.

    Idempotent per day: each (statement, step) reminded is claimed as an ApprovalReminder of today
    before anything is sent, under a lock of the tenant row (two runs at once serialise), so a second
    run on the same day — a beat retry, a manual command — sends nothing; a step still waiting
    tomorrow is reminded again."""
    now = now or timezone.now()
    today = now.date()
    cutoff = now - dt.timedelta(days=older_than_days)
    with transaction.atomic():
        Tenant.objects.select_for_update().filter(pk=current_tenant().pk).first()  # one run at a time per tenant
        waiting = list(Statement.objects.filter(status=Statement.Status.PUBLISHED, published_at__lt=cutoff)
                       .select_related("seller").order_by("period", "id"))
        if not waiting:
            return 0
        steps = route_steps()
        reminded = set(ApprovalReminder.objects.filter(sent_on=today, statement__in=waiting)
                       .values_list("statement_id", "position"))
        inbox: dict[str, list[str]] = {}
        claims: list[ApprovalReminder] = []
        members = list(Membership.objects.select_related("user"))
        delegates = list(ApprovalDelegate.objects.filter(starts__lte=today).select_related("user", "delegate"))
        for statement in waiting:
            step = next_step(statement) if steps else ApprovalStep(position=1, role=Role.FINANCE)
            if step is None or (statement.pk, step.position) in reminded:
                continue
            emails = set()
            for m in members:
                if m.role in (step.role, Role.ADMIN) and (step.role != Role.MANAGER or _may_take(step, m.user, statement)):
                    users = [m.user] + [d.delegate for d in delegates
                                        if d.user_id == m.user_id and (d.ends is None or d.ends >= today)]
                    emails.update(u.email for u in users if u.email)
            for email in sorted(emails):
                inbox.setdefault(email, []).append(
                    f"{statement.seller.name} {statement.period} (step {step.position}: {step.role})")
            if emails:
                claims.append(ApprovalReminder(tenant=statement.tenant, statement=statement, position=step.position,
                                               sent_on=today))
        ApprovalReminder.objects.bulk_create(claims)
    for email, items in inbox.items():
        try:
            send_mail(f"{len(items)} statement{'s' if len(items) != 1 else ''} waiting for your approval",
                      f"Waiting for more than {older_than_days} days:\n" + "\n".join(f"- {i}" for i in items),
                      settings.DEFAULT_FROM_EMAIL, [email])
        except Exception:  # noqa: BLE001 - one bad address must not stop the others
            logger.exception("approval reminder failed", extra={"email": email})
    return len(inbox)
