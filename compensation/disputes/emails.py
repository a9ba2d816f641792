"""E-mail at each step of a dispute, to the rep and to finance (sent after the transaction commits)."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction

from spm.models import Membership
from spm.roles import CAPABILITIES

if TYPE_CHECKING:
    from compensation.disputes.models import Dispute

logger = logging.getLogger(__name__)


def rep_addresses(dispute: Dispute) -> list[str]:
    seller = dispute.seller
    address = (seller.user.email if seller.user_id and seller.user.email else "") or seller.email
    return [address] if address else []


def finance_addresses() -> list[str]:
    """Everyone in the tenant in scope who resolves disputes (finance, admin)."""
    roles = CAPABILITIES["disputes.resolve"]
    return sorted({e for e in Membership.objects.filter(role__in=roles).values_list("user__email", flat=True) if e})


def notify(dispute: Dispute, *, subject: str, body: str, to_rep: bool = True, to_finance: bool = True) -> None:
    """Queue one e-mail to the rep and one to finance, sent on commit (never for a rolled-back step)."""
    recipients = []
    if to_rep:
        recipients.append(rep_addresses(dispute))
    if to_finance:
        recipients.append(finance_addresses())
    statement = dispute.statement
    text = (f"{body}\n\nDispute #{dispute.pk} on {dispute.seller.name}'s statement for {statement.period}"
            f" ({dispute.line_component or 'whole statement'}{', deal ' + dispute.line_deal if dispute.line_deal else ''}).\n"
            f"Status: {dispute.get_status_display()}.")
    full_subject = f"[Dispute #{dispute.pk}] {subject}"

    def send() -> None:
        for to in recipients:
            if to:
                try:
                    send_mail(full_subject, text, settings.DEFAULT_FROM_EMAIL, to)
                except Exception:  # noqa: BLE001 - a mail outage must not undo a committed step
                    logger.exception("dispute e-mail failed", extra={"dispute_id": dispute.pk, "subject": subject})

    transaction.on_commit(send)
