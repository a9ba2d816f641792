from datetime import date
from decimal import Decimal

import pytest

from compensation.engine import (
    CommissionComponent,
    PlanValidationError,
    SpifComponent,
    parse_plan_document,
    plan_document_to_dict,
)

DESIGN_EXAMPLE = {
    "name": "AE FY2027", "currency": "usd",
    "components": [
        {"name": "New business", "type": "commission", "measure": {"deal_types": ["new_logo", "expansion"]},
         "quota": {"measure": "bookings", "period": "quarter"}, "basis": "credit", "method": "marginal",
         "tiers": [{"upto": 1.0, "rate": "0.10"}, {"upto": 1.5, "rate": "0.15"}, {"rate": "0.20"}],
         "cap": {"amount": "50000"}},
        {"name": "Quota bonus", "type": "commission", "measure": {}, "weight": "0.5",
         "quota": {"measure": "bookings", "period": "year"}, "basis": "target_incentive",
         "method": "marginal", "tiers": [{"upto": 1.0, "rate": "1.0"}, {"rate": "2.0"}]},
        {"name": "Q1 new-logo SPIF", "type": "spif", "amount": "1000",
         "when": {"deal_types": ["new_logo"], "min_amount": "50000", "closed_from": "2027-01-01",
                  "closed_to": "2027-03-31"}}],
    "clawback": {"window_days": 90, "method": "full"},
    "draw": {"amount": "3000", "recoverable": True},
}


def test_design_example_parses_with_decimals_and_defaults():
    p = parse_plan_document(DESIGN_EXAMPLE)
    assert p.currency == "USD"
    nb, qb, spif = p.components
    assert isinstance(nb, CommissionComponent) and isinstance(spif, SpifComponent)
    assert nb.tiers[0].upto == Decimal("1.0") and nb.tiers[0].rate == Decimal("0.10")
    assert nb.cap.amount == Decimal("50000") and nb.rollup is False and nb.weight == 1
    assert qb.weight == Decimal("0.5") and qb.basis == "target_incentive"
    assert spif.when.closed_to == date(2027, 3, 31) and spif.when.min_amount == Decimal("50000")
    assert p.clawback.window_days == 90 and p.draw.recoverable is True


def test_float_values_have_no_binary_artefacts():
    doc = {"name": "x", "currency": "EUR", "components": [
        {"name": "c", "type": "commission", "quota": None, "tiers": [{"rate": 0.1}]}]}
    assert parse_plan_document(doc).components[0].tiers[0].rate == Decimal("0.1")


def test_round_trip_to_dict():
    p = parse_plan_document(DESIGN_EXAMPLE)
    d = plan_document_to_dict(p)
    assert d["components"][0]["tiers"][0] == {"upto": "1.0", "rate": "0.10"}
    assert parse_plan_document(d) == p
    import json
    json.dumps(d)


def test_all_errors_collected_naming_component_and_field():
    doc = {"name": "", "currency": "US", "components": [
        {"name": "New business", "type": "commission", "quota": {"measure": "bookings", "period": "week"},
         "tiers": [{"upto": "1.0", "rate": "0.1"}, {"upto": "0.5", "rate": "x"}, {"rate": "0.2"}], "rate": "0.1"},
        {"name": "Quota bonus", "type": "commission", "quota": None, "tiers": [{"rate": "abc"}]},
        {"name": "Quota bonus", "type": "bonus"},
        {"name": "S", "type": "spif", "amount": "1", "when": {"deal_types": ["upsell"], "closed_from": "2027-13-01"}},
    ], "draw": {"amount": "-1"}}
    with pytest.raises(PlanValidationError) as ei:
        parse_plan_document(doc)
    errs = ei.value.errors
    expected = [
        "name: must be a non-empty string",
        "currency: must be a 3-letter currency code",
        "components[0] 'New business': component: unknown key(s) 'rate'",
        "components[0] 'New business': quota.period: must be one of month, quarter, year",
        "components[0] 'New business': tiers[1].rate: must be a decimal number",
        "components[0] 'New business': tiers[1].upto: must be greater than the previous upto",
        "components[1] 'Quota bonus': tiers[0].rate: must be a decimal number",
        "components[2] 'Quota bonus': name: duplicate component name",
        "components[2] 'Quota bonus': type: must be one of commission, spif",
        "components[3] 'S': when.deal_types: unknown deal type(s) 'upsell'",
        "components[3] 'S': when.closed_from: must be an ISO date",
        "draw.amount: must be >= 0",
    ]
    for e in expected:
        assert any(x.startswith(e) for x in errs), (e, errs)
    assert isinstance(ei.value, ValueError)


def test_only_last_tier_may_omit_upto_and_unknown_plan_keys_fail():
    doc = {"name": "x", "currency": "USD", "components": [
        {"name": "c", "type": "commission", "tiers": [{"rate": "0.1"}, {"rate": "0.2"}]}], "clawbak": {}}
    with pytest.raises(PlanValidationError) as ei:
        parse_plan_document(doc)
    errs = ei.value.errors
    assert "components[0] 'c': tiers[0].upto: is required (only the last tier may omit upto)" in errs
    assert not any("quota" in e for e in errs)  # an absent quota is a flat-rate component
    assert any(e.startswith("plan: unknown key(s) 'clawbak'") for e in errs)


def test_empty_components_and_unnamed_component():
    with pytest.raises(PlanValidationError) as ei:
        parse_plan_document({"name": "x", "currency": "USD", "components": []})
    assert ei.value.errors == ["components: must be a non-empty list"]
    with pytest.raises(PlanValidationError) as ei:
        parse_plan_document({"name": "x", "currency": "USD", "components": [{"type": "spif", "amount": "1"}]})
    assert ei.value.errors == ["components[0]: name: must be a non-empty string"]


def test_plan_metadata_keys_are_accepted_and_absent_quota_means_flat_rate():
    doc = {"name": "x", "currency": "usd", "version": 3, "description": "FY plan", "components": [
        {"name": "flat", "type": "commission", "tiers": [{"rate": "0.05"}]}]}
    plan = parse_plan_document(doc)
    assert plan.currency == "USD"
    assert plan.components[0].quota is None


def test_values_a_statement_line_cannot_store_are_refused_for_storing_but_stored_plans_still_parse():
    """A rate of 1e400 parsed (Decimal calls it finite) and the plan page failed to render it (a 500);
    a rate of a million or more, an amount of a trillion or more, or a component name longer than a
    statement line's column would fail the calculation's write instead of the edit. A plan already
    stored with such a value still parses (the calculation reads every stored plan)."""
    doc = {"name": "x", "currency": "USD", "components": [
        {"name": "c" * 201, "type": "commission", "quota": None, "tiers": [{"rate": "1e400"}]},
        {"name": "d", "type": "commission", "quota": None, "tiers": [{"rate": "1000000"}]},
        {"name": "s", "type": "spif", "amount": "1000000000000"},
        {"name": "ok", "type": "commission", "quota": None, "tiers": [{"rate": "-999999.5"}]}]}
    with pytest.raises(PlanValidationError) as ei:
        parse_plan_document(doc, storable=True)
    assert ei.value.field_errors == [
        ("components[0].name", "must be at most 200 characters"),
        ("components[0].tiers[0].rate", "must be less than 1,000,000 in size"),
        ("components[1].tiers[0].rate", "must be less than 1,000,000 in size"),
        ("components[2].amount", "must be less than 1,000,000,000,000 in size")]
    assert len(parse_plan_document(doc).components) == 4
