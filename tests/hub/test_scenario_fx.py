"""Scenario FX rates set-based (spm.hub.scenario_fx) against the per-record service they replace
(spm.services.fx.fx_rate_set, one record at a time): same rows, counts, refusals and change feed."""

import datetime as dt
from collections import Counter
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import transaction
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from spm.errors import DomainError
from spm.hub.scenario_fx import load_fx_rates
from spm.models import FxRate, InputChange
from spm.services.fx import fx_rate_set
from spm.tenancy.db import tenant_atomic
from tests.hub.equivalence import outcome

pytestmark = pytest.mark.django_db


_RATE = st.one_of(st.sampled_from([Decimal("1.1"), Decimal("1.10"), Decimal("0.9")]),
                  st.decimals(min_value=Decimal("0.0000000001"), max_value=Decimal("99999"), places=10,
                              allow_nan=False, allow_infinity=False))


@st.composite
def _rate(draw):
    rate = draw(st.one_of(_RATE, st.just(Decimal("0.00000000001")))) if draw(st.integers(0, 9)) == 0 else draw(_RATE)
    return {"currency": draw(st.sampled_from(["EUR", "GBP"])), "rate_to_base": rate,
            "effective_from": draw(st.sampled_from([dt.date(2027, 1, 1), dt.date(2027, 7, 1)]))}


def _per_record(records):
    counts = Counter()
    for r in records:
        counts[fx_rate_set(**r).upsert_status] += 1
    return counts


def _snapshot():
    return (sorted(FxRate.objects.values_list("currency", "effective_from", "rate_to_base")),
            list(InputChange.objects.values_list("seller_id", "month", "reason")))


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(before=st.lists(_rate(), max_size=3), records=st.lists(_rate(), max_size=5))
def test_set_based_fx_rates_load_as_the_per_record_service(acme, before, records):
    with tenant_atomic(acme.tenant):
        try:
            with transaction.atomic():
                _per_record(before)
        except (DomainError, ValidationError):
            pass
        InputChange.objects.all().delete()

        def bulk():
            counts = Counter()
            load_fx_rates(records, counts)
            return counts

        expected = outcome(lambda: _per_record(records), _snapshot)
        event("refused" if expected[0] == "refused" else "loaded")
        assert outcome(bulk, _snapshot) == expected
        FxRate.objects.all().delete()
