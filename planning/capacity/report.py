"""Plain-text rendering of a capacity result (the command's ``--format table``), pure."""
from __future__ import annotations

from planning.capacity.engine import CapacityResult, ScenarioInput, money, quantity


def _q(value) -> str:
    return f"{quantity(value):,}" if isinstance(quantity(value), int) else f"{quantity(value):,.2f}"


def result_table(scenario: ScenarioInput, result: CapacityResult) -> str:
    header = f"{'month':<8} {'ramped':>9} {'ramping':>9} {'fre':>9} {'capacity':>16} {'target':>16}"
    lines = [header, "-" * len(header)]
    for m in result.months:
        lines.append(
            f"{m.month:<8} {_q(m.ramped):>9} {_q(m.ramping):>9} {_q(m.fre):>9} "
            f"{money(m.capacity):>16,} {money(m.target):>16,}"
        )
    lines.append("-" * len(header))
    lines.append(f"{'year':<8} {'':>9} {'':>9} {'':>9} {money(result.capacity):>16,} {money(result.target):>16,}")
    lines.append("")
    cos = "n/a" if result.cost_of_sales is None else f"{float(result.cost_of_sales) * 100:.2f} %"
    hires = "not reachable" if result.hires_needed is None else str(result.hires_needed)
    rows = [
        ("target", f"{money(result.target):,}"),
        ("capacity", f"{money(result.capacity):,}"),
        ("gap", f"{money(result.gap):,}"),
        ("quota to assign", f"{money(result.quota_to_assign):,}"),
        ("hires needed", hires),
        ("variable pay at target", f"{money(result.variable_pay):,}"),
        ("comp cost of sales", cos),
    ]
    width = max(len(k) for k, _ in rows)
    lines += [f"{k:<{width}}  {v}" for k, v in rows]
    return "\n".join(lines) + "\n"
