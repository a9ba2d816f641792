"""Explanations rendered on read: a commission line's structured facts → the engine's own text.

Rendering the explanation of every line during a run cost more than rating them (money and percentage
formatting on exact fractions, the payout evaluated again for the text). The set-based engine can instead
emit each quota-based commission line's *facts* — the exact numbers its text is made of — as compact
JSON, and the text is rendered when someone reads the line (statement page, exports, API, scenario
output). Rendering goes through the very same `commission_text` the run would have called, with the same
exact values, so the words are byte-identical (tests/compensation/engine/test_engine_explain.py proves it
on random plans).

Facts (format version 1): the component as its canonical plan-document dict, the deal (key, type, amount
when converted), the credit as an exact fraction "n/d", credit kind, split fraction, roll-up source, FX
rate "n/d", target incentive, quota and quota period, months in it, attainment before/after as exact
fractions "n/d", the rounded line amount, whether the cap bit and the exact uncapped payout change. Everything else (base, band, rate, the
payout pieces) is derived from those exactly as in the run.
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from decimal import Decimal, localcontext
from fractions import Fraction
from functools import lru_cache
from json.encoder import encode_basestring_ascii  # type: ignore[attr-defined]

from .payout import PREC
from .plan_document import CommissionComponent, parse_plan_document, plan_document_to_dict

__all__ = ["FACTS_VERSION", "component_json", "commission_facts", "render_facts"]

FACTS_VERSION = 1


def component_json(comp: CommissionComponent) -> str:
    """The component in its canonical plan-document form (JSON text, computed once per component)."""
    doc = plan_document_to_dict(_PlanOf(comp))["components"][0]  # type: ignore[arg-type]
    return json.dumps(doc, separators=(",", ":"), sort_keys=True)


@dataclass(frozen=True)
class _PlanOf:
    """Just enough of a PlanDocument for plan_document_to_dict to serialise one component."""
    comp: CommissionComponent
    name: str = ""
    currency: str = ""
    clawback: None = None
    draw: None = None

    @property
    def components(self):
        return (self.comp,)


def _frac(x: Fraction) -> str:
    return f"{x.numerator}/{x.denominator}"


def commission_facts(cr, comp_json: str, *, quota: Decimal, quota_period: str, n_months: int,
                     before: Fraction | tuple[int, int], after: Fraction | tuple[int, int], amount: Decimal,
                     capped: bool, uncapped: tuple[int, int] | None = None) -> str:
    """The facts of one quota-based commission line as JSON text (what the run stores instead of text).

    `before`/`after` are the exact attainments, as Fractions or (numerator, denominator) pairs; `uncapped`
    the exact F(after) − F(before) before the cap when the caller has it (saves evaluating F on read)."""
    # Formatted directly (json.dumps of a dict per line was most of this function's cost); strings that
    # come from the customer's data go through the JSON string encoder.
    deal = cr.deal
    amt = cr.amount
    fx = "" if cr.fx is None else (f',"fx":{{"currency":{_q(deal.currency)},"deal_amount":"{deal.amount}",'
                                   f'"rate":"{cr.fx.numerator}/{cr.fx.denominator}"}}')
    unc = "" if uncapped is None else f',"uncapped":"{_pair(uncapped)}"'
    return (f'{{"v":{FACTS_VERSION},"deal":{_q(deal.key)},"deal_type":{_q(deal.deal_type)},'
            f'"credit_kind":"{cr.kind}","credit":"{amt.numerator}/{amt.denominator}","split":"{cr.fraction}",'
            f'"source":{_q(str(cr.source))},"target_incentive":"{cr.assignment.target_incentive}",'
            f'"quota":"{quota}","quota_period":{_q(quota_period)},"months":{n_months},'
            f'"attainment_before":"{_pair(before)}","attainment_after":"{_pair(after)}",'
            f'"amount":"{amount}","capped":{"true" if capped else "false"}{fx}{unc},"component":{comp_json}}}')


_q = encode_basestring_ascii  # a str as a JSON string literal (C implementation)


def _pair(x) -> str:
    return _frac(x) if isinstance(x, Fraction) else f"{x[0]}/{x[1]}"


@lru_cache(maxsize=256)
def _component(comp_json: str) -> CommissionComponent:
    doc = {"name": "explanation", "currency": "USD", "components": [json.loads(comp_json)]}
    return parse_plan_document(doc).components[0]  # type: ignore[return-value]


@dataclass(frozen=True)
class _Deal:
    key: str
    deal_type: str
    currency: str
    amount: Decimal


@dataclass(frozen=True)
class _Assignment:
    target_incentive: Decimal


@dataclass(frozen=True)
class _Credit:
    """The fields of calculate._Credit that the explanation reads."""
    deal: _Deal
    kind: str
    fraction: Decimal
    source: str
    fx: Fraction | None
    amount: Fraction
    assignment: _Assignment


def render_facts(facts: dict | str) -> str:
    """The explanation of a line from its stored facts: the same words the run would have stored."""
    from .calculate import commission_text, group_base  # calculate imports this module's helpers lazily

    if isinstance(facts, str):
        facts = json.loads(facts)
    if facts.get("v") != FACTS_VERSION:
        raise ValueError(f"unknown explanation facts version {facts.get('v')!r}")
    comp = _component(json.dumps(facts["component"], separators=(",", ":"), sort_keys=True))
    fx = facts.get("fx")
    deal = _Deal(key=facts["deal"], deal_type=facts["deal_type"], currency=fx["currency"] if fx else "",
                 amount=Decimal(fx["deal_amount"]) if fx else Decimal(0))
    cr = _Credit(deal=deal, kind=facts["credit_kind"], fraction=Decimal(facts["split"]), source=facts["source"],
                 fx=Fraction(fx["rate"]) if fx else None, amount=Fraction(facts["credit"]),
                 assignment=_Assignment(Decimal(facts["target_incentive"])))
    quota = Decimal(facts["quota"])
    n_months = int(facts["months"])
    with localcontext() as ctx:
        ctx.prec = PREC
        base = group_base(cr, comp, Fraction(quota), n_months)
        return commission_text(cr, comp, quota, facts["quota_period"], base, Fraction(facts["attainment_before"]),
                               Fraction(facts["attainment_after"]), Decimal(facts["amount"]), n_months,
                               bool(facts["capped"]), Fraction(facts["uncapped"]) if "uncapped" in facts else None)

