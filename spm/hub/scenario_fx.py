"""Scenario FX rates, set-based: what `fx_rate_set` did one record at a time (a savepoint, a
`SELECT … FOR UPDATE`, `full_clean`, an audit row and a change-feed write each), as one read, one
insert, one update and at most one change-feed write.

Same rules as the service: a rate is keyed by (currency, effective_from); the records of one key apply
in file order, each counted created / updated / unchanged as the service counted it; `full_clean`'s digit
check with its message, naming the record. A rate converts every seller's deals, so any change records
"every seller, every month" once, with the reason the service's last call wrote.
tests/hub/test_scenario_fx.py compares both paths.
"""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal

from spm.changes import inputs_changed
from spm.db.bulk import bulk_insert, bulk_update
from spm.hub.scenario_checks import check_decimal
from spm.models import FxRate
from spm.tenancy.context import current_tenant


def load_fx_rates(rows: Iterable[dict], counts) -> None:
    """Upsert the parsed scenario FX rates (currency, effective_from, rate_to_base)."""
    existing = {(currency, day): (pk, rate) for pk, currency, day, rate in
                FxRate.objects.values_list("id", "currency", "effective_from", "rate_to_base")}
    state: dict[tuple, Decimal] = {}
    last_change = None
    for r in rows:
        key, rate = (r["currency"], r["effective_from"]), Decimal(str(r["rate_to_base"]))
        check_decimal(FxRate, "rate_to_base", rate, f"fx rate {r['currency']} from {r['effective_from']}")
        current = state[key] if key in state else existing[key][1] if key in existing else None
        if current is None:
            counts["created"] += 1
        elif Decimal(str(current)) == rate:
            counts["unchanged"] += 1
            continue
        else:
            counts["updated"] += 1
        state[key], last_change = rate, key
    bulk_insert(FxRate, ["currency", "effective_from", "rate_to_base"],
                ([*key, rate] for key, rate in state.items() if key not in existing), tenant_id=current_tenant().pk)
    bulk_update(FxRate, ["rate_to_base"], [(existing[key][0], rate) for key, rate in state.items()
                                           if key in existing and Decimal(str(existing[key][1])) != rate])
    if last_change is not None:
        inputs_changed(seller_ids=None, months=None, reason=f"FX rate {last_change[0]} from {last_change[1]} set")
