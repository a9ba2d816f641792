"""Pure calculation engine for compensation (no Django imports).  See README.md."""
from spm.fiscal import month_key, months_between, parse_period_key, quota_period_key

from .calculate import (
                        AdjustmentInput,
                        Assignment,
                        ChurnEvent,
                        Deal,
                        EngineError,
                        EngineInput,
                        EngineResult,
                        FxRate,
                        Line,
                        calculate,
)
from .payout import round_cents
from .plan_document import (
                        Cap,
                        Clawback,
                        CommissionComponent,
                        Component,
                        Draw,
                        Measure,
                        PlanDocument,
                        PlanValidationError,
                        Quota,
                        SpifComponent,
                        SpifCondition,
                        Tier,
                        parse_plan_document,
                        plan_document_to_dict,
)

__all__ = [
    "AdjustmentInput", "Assignment", "Cap", "ChurnEvent", "Clawback", "CommissionComponent", "Component",
    "Deal", "Draw", "EngineError", "EngineInput", "EngineResult", "FxRate", "Line", "Measure",
    "PlanDocument", "PlanValidationError", "Quota", "SpifComponent", "SpifCondition", "Tier",
    "calculate", "month_key", "months_between", "parse_period_key", "parse_plan_document",
    "plan_document_to_dict", "quota_period_key", "round_cents",
]
