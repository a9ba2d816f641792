"""Scenario plan assignments, set-based: what `plan_assignment_upsert` did one record at a time (a
savepoint, a `SELECT … FOR UPDATE`, `full_clean`, an audit row and a change-feed call each), as one
read, one insert and one update.

Same rules as the service: an assignment is found by (seller, plan name, start date), so a newer
version of the same plan replaces the older one on the existing assignment; the records of one key
apply in file order, each counted created / updated / unchanged as the service counted it (plan
version, end date and target incentive compared, the incentive by value). When the seller has no
assignment of that plan from that day, the service's `upsert_audited` lookup (seller, start date) finds
the seller's assignment of ANY plan from that day and moves it to this plan; only when there is none
is a new one created — and so here. The change feed gets every
seller (and their managers) whose assignment was created or changed, months None = every month, as
the service recorded it. The load's one audit event (`scenario.load`, with the counts) stands for the
per-row ones.

A file the set-based path cannot vouch for — a target incentive that `full_clean` would refuse (more
than 2 decimals, more than 12 whole digits), or a key that matches more than one stored assignment (a
seller on two versions of a plan from the same day, which the service's `.first()` and uniqueness
check decide) — is declined (`load_assignments` returns False) and the caller loads it through the
service, so the refusal and its message are exactly the service's. tests/hub/test_scenario_assignments.py
compares both paths.
"""

from __future__ import annotations

from decimal import Decimal

from compensation.models import CompPlan, PlanAssignment
from planning.services import seller_inputs_changed
from spm.db.bulk import bulk_insert, bulk_update
from spm.hub.scenario_checks import fits_decimal_field
from spm.tenancy.context import current_tenant


def load_assignments(rows: list[dict], seller_ids: dict[str, int], plans: dict[str, CompPlan], counts) -> bool:
    """Upsert the validated assignment records (seller and plan as external id / name; `plans` maps a
    name to its latest version). Returns False, having written nothing, when the file needs the
    per-record service (see the module docstring)."""
    if not all(fits_decimal_field(PlanAssignment, "target_incentive", r["target_incentive"]) for r in rows):
        return False
    plan_names = dict(CompPlan.objects.order_by().values_list("id", "name"))
    at: dict[tuple, list[dict]] = {}  # (seller id, start) → the rows as they stand
    for a in (PlanAssignment.objects.order_by()
              .values("id", "seller_id", "plan_id", "start_date", "end_date", "target_incentive")):
        at.setdefault((a["seller_id"], a["start_date"]), []).append(a)
    touched: list[dict] = []
    statuses: list[str] = []
    changed: dict[str, list[int]] = {}  # plan name → sellers whose assignment changed (the feed's reason)
    for r in rows:
        plan = plans[r["plan"]]
        seller_id = seller_ids[r["seller"]]
        here = at.setdefault((seller_id, r["start_date"]), [])
        # the service's lookups: this plan name first, then (upsert_audited's) any plan of the seller that day
        same_plan = [a for a in here if plan_names[a["plan_id"]] == plan.name]
        found = same_plan or here
        if len(found) > 1:
            return False  # the service's `.first()` picks one of them: left to it
        values = {"plan_id": plan.pk, "end_date": r["end_date"], "target_incentive": r["target_incentive"]}
        if not found:
            row = {"id": None, "seller_id": seller_id, "start_date": r["start_date"], **values}
            here.append(row)
            touched.append(row)
            status = "created"
        elif (found[0]["plan_id"] == plan.pk and found[0]["end_date"] == r["end_date"]
              and Decimal(str(found[0]["target_incentive"])) == Decimal(str(r["target_incentive"]))):
            status = "unchanged"
        else:
            found[0].update(values)
            touched.append(found[0])
            status = "updated"
        statuses.append(status)
        if status != "unchanged":
            changed.setdefault(plan.name, []).append(seller_id)
    for status in statuses:
        counts[status] += 1
    touched = list({id(a): a for a in touched}.values())
    new = [a for a in touched if a["id"] is None]
    bulk_insert(PlanAssignment, ["seller_id", "plan_id", "start_date", "end_date", "target_incentive"],
                ((a["seller_id"], a["plan_id"], a["start_date"], a["end_date"], a["target_incentive"]) for a in new),
                tenant_id=current_tenant().pk)
    bulk_update(PlanAssignment, ["plan_id", "end_date", "target_incentive"],
                [(a["id"], a["plan_id"], a["end_date"], a["target_incentive"]) for a in touched
                 if a["id"] is not None])
    for name, seller_list in changed.items():
        seller_inputs_changed(seller_ids=seller_list, months=None, reason=f"plan assignment {name} changed")
    return True
