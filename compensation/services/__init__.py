"""Writes of the Pay pillar (see docs/TEAM-CONTRACTS.md). Import from here, not the submodules."""

from .adjustments import adjustment_create, adjustment_refusal, adjustment_upsert
from .calculation import (
    calculation_after_adjustment,
    calculation_execute,
    calculation_release_stale,
    calculation_request,
    calculation_resend_queued,
)
from .plans import PlanDocumentError, comp_plan_create, comp_plan_publish, plan_assignment_upsert
from .recalculation import calculation_recalculate
from .statements import (
    approval_refusal,
    statement_approve,
    statement_mark_paid,
    statement_publish,
    statement_publish_period,
)

__all__ = [
    "PlanDocumentError", "adjustment_create", "adjustment_refusal", "adjustment_upsert", "approval_refusal", "calculation_after_adjustment", "calculation_execute", "calculation_recalculate", "calculation_release_stale", "calculation_request", "calculation_resend_queued",
    "comp_plan_create", "comp_plan_publish", "plan_assignment_upsert", "statement_approve", "statement_mark_paid",
    "statement_publish", "statement_publish_period",
]
