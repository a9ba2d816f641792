"""Scenario accounts set-based (spm.hub.scenario_accounts) against the per-record service they replace
(planning.services.account_upsert, one record at a time): same rows, same counts, same refusals."""

from collections import Counter
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import transaction
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from planning.models import Account
from planning.services import account_upsert, territory_upsert
from spm.errors import DomainError
from spm.hub.scenario_accounts import FIELDS, load_accounts
from spm.tenancy.db import tenant_atomic
from tests.hub.equivalence import outcome

pytestmark = pytest.mark.django_db

TERRITORIES = ("North", "South")


_TEXT = st.one_of(st.just(""), st.text("ab\t\\é,", min_size=1, max_size=4))
_BREAKABLE = {"external_id": "x" * 65, "name": "n" * 201, "industry": "i" * 61, "region": "r" * 51,
              "employees": 2**31, "annual_revenue": Decimal(10) ** 16, "latitude": Decimal("0.1234567")}


@st.composite
def _record(draw):
    rec = {"external_id": draw(st.sampled_from(["A-1", "A-2", "A-3", "A-4"])), "name": draw(st.sampled_from(["Acme", "Beta"])),
           "industry": draw(_TEXT), "country": draw(_TEXT), "region": draw(_TEXT),
           "territory": draw(st.sampled_from([None, *TERRITORIES]))}
    if draw(st.booleans()):
        rec["employees"] = draw(st.integers(0, 5000))
    # (SQLite reads 18-digit decimals back through a float: values up to 10^12 here)
    for field, places, whole in (("annual_revenue", 2, 12), ("latitude", 6, 3), ("longitude", 6, 3)):
        if draw(st.booleans()):
            rec[field] = draw(st.one_of(st.none(), st.decimals(min_value=-(10**whole) + 1, max_value=10**whole - 1,
                                                               places=places, allow_nan=False, allow_infinity=False)))
    # one record in ten breaks one of full_clean's rules
    broken = draw(st.sampled_from([None] * 9 + [st.sampled_from(sorted(_BREAKABLE))]))
    if broken is not None:
        field = draw(broken)
        rec[field] = _BREAKABLE[field]
    return rec


def _rows():
    return sorted(Account.objects.values_list("external_id", *FIELDS, "potential", "owner_id"))


def _per_record(records, territories):
    counts = Counter()
    for r in records:
        account, _ = account_upsert(**{**r, "territory": territories[r["territory"]] if r["territory"] else None})
        counts[account.upsert_status] += 1
    return counts


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(before=st.lists(_record(), max_size=3), records=st.lists(_record(), max_size=6))
def test_set_based_accounts_load_as_the_per_record_service(acme, before, records):
    with tenant_atomic(acme.tenant):
        territories = {name: territory_upsert(name=name)[0] for name in TERRITORIES}
        ids = {name: t.pk for name, t in territories.items()}
        try:
            with transaction.atomic():
                _per_record(before, territories)  # what the tenant holds before the load (if valid)
        except (DomainError, ValidationError):
            pass

        def bulk():
            counts = Counter()
            mapping = load_accounts(records, ids, counts)
            assert mapping == dict(Account.objects.values_list("external_id", "id"))
            return counts

        expected = outcome(lambda: _per_record(records, territories), lambda: (_rows(),))
        event("refused" if expected[0] == "refused" else "loaded")
        assert outcome(bulk, lambda: (_rows(),)) == expected
        Account.objects.all().delete()


def test_the_refusal_names_the_record_and_field(acme):
    with tenant_atomic(acme.tenant), pytest.raises(ValidationError) as exc:
        load_accounts([{"external_id": "A-9", "name": "n" * 201, "industry": "", "country": "", "region": "",
                        "territory": None}], {}, Counter())
    assert exc.value.message_dict == {"name": ["account 'A-9': Ensure this value has at most 200 characters (it has 201)."]}
