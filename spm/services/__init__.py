"""Writes of the shared kernel, one module per topic: tenants, memberships, FX rates, pay periods.

The audited upsert and its created/updated/unchanged vocabulary are `spm.upsert`; the fiscal
calendar is `spm.fiscal`. Names are re-exported here so `from spm.services import x` keeps working.
"""

from spm.services.fx import fx_rate_set
from spm.services.memberships import membership_invite, membership_remove, membership_role_change, membership_set
from spm.services.periods import closed_periods, period_close, period_is_closed, period_reopen, validate_month_key
from spm.services.tenants import tenant_create_or_update
from spm.upsert import CREATED, UNCHANGED, UPDATED, upsert_audited

__all__ = [
    "CREATED", "UNCHANGED", "UPDATED", "closed_periods", "fx_rate_set", "membership_invite", "membership_remove",
    "membership_role_change", "membership_set", "period_close", "period_is_closed", "period_reopen",
    "tenant_create_or_update", "upsert_audited", "validate_month_key",
]
