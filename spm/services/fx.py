"""FX rates: 1 unit of a currency = rate_to_base units of the tenant's base currency, from a date."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from spm.changes import inputs_changed
from spm.models import FxRate
from spm.upsert import UNCHANGED, upsert_audited


def fx_rate_set(*, currency: str, effective_from: dt.date, rate_to_base: Decimal, actor=None) -> FxRate:
    """Upsert the FX rate of `currency` from `effective_from` (1 currency = rate base). Audited."""
    rate = upsert_audited(
        model=FxRate, lookup={"currency": currency, "effective_from": effective_from},
        values={"rate_to_base": Decimal(str(rate_to_base))}, actor=actor, action_prefix="fxrate",
    )
    if rate.upsert_status != UNCHANGED:
        # A rate converts the deals in that currency closed from `effective_from` until the currency's next
        # rate (and every amount of a plan in that currency): the listeners narrow it to their holders.
        until = (FxRate.objects.filter(currency=currency, effective_from__gt=effective_from)
                 .order_by("effective_from").values_list("effective_from", flat=True).first())
        inputs_changed(seller_ids=None, months=None, reason=f"FX rate {currency} from {effective_from} set",
                       fx=(currency, effective_from, until))
    return rate
