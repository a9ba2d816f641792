"""The demo's disputes: what finance's queue and a rep's statement look like once reps question lines.

The demo rep has questioned two commission lines, through the same services the statement page
uses: on last month's published statement, the largest line ("the order form was multi-year"),
which finance has taken into review with a comment; on an older paid statement, a line that
finance rejected with its reason. No dispute is accepted: an accepted one becomes an adjustment
and a recalculation, and the demo's statements should stay as set up.
"""
from __future__ import annotations

from decimal import Decimal

from compensation.disputes.services import dispute_comment, dispute_open, dispute_reject, dispute_review
from compensation.models import EarningLine, Statement
from planning.models import Seller
from spm.tenancy.db import tenant_atomic


def _largest_commission(statement: Statement) -> EarningLine | None:
    return (EarningLine.objects.filter(statement=statement, kind=EarningLine.Kind.COMMISSION, amount__gt=0)
            .order_by("-amount", "position").first())


def disputes_demo(*, tenant, rep_user, finance_user) -> str:
    """Open the demo rep's two disputes and answer them as finance (see the module docstring)."""
    with tenant_atomic(tenant):
        seller = Seller.objects.filter(user=rep_user).first()
        if seller is None:
            return "disputes: no seller linked to the demo rep"
        statements = list(Statement.objects.filter(seller=seller, status__in=[
            Statement.Status.PUBLISHED, Statement.Status.PAID]).order_by("-period"))
        published = next((s for s in statements if s.status == Statement.Status.PUBLISHED), None)
        paid = next((s for s in statements if s.status == Statement.Status.PAID), None)
        opened = []
        line = _largest_commission(published) if published else None
        if line is not None:
            dispute = dispute_open(
                statement=published, line=line, actor=rep_user, amount=(line.amount / 2).quantize(Decimal("0.01")),
                reason="The order form was signed for two years; this line credits the first year only.")
            dispute = dispute_review(dispute=dispute, actor=finance_user)
            dispute_comment(dispute=dispute, actor=finance_user,
                            body="Checking the order form with deal desk: the plan credits multi-year deals on the "
                                 "first year's value unless prepaid.")
            opened.append(dispute)
        line = _largest_commission(paid) if paid else None
        if line is not None:
            dispute = dispute_open(statement=paid, line=line, actor=rep_user, amount=Decimal("250.00"),
                                   reason="I sourced this deal; the split should be 100 % mine, not shared.")
            dispute = dispute_reject(dispute=dispute, actor=finance_user,
                           reason="The split was agreed with your manager when the deal was created; the line "
                                  "follows it.")
            opened.append(dispute)
    return f"disputes: {len(opened)} from the demo rep ({', '.join(d.get_status_display() for d in opened)})"
