"""A statement as reps read it: lines grouped by deal, components side by side, subtotals.

Pure (no ORM): takes the lines as plain dicts (`line_rows`), so it is tested without a database
and follows the engine whatever it stores. Money stays Decimal; nothing is rounded here (each
line is already in cents and a subtotal is a plain sum of lines).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal

from compensation.engine.formatting import fmt_money, fmt_pct, fmt_rate

ZERO = Decimal("0.00")
# Lines with one of these kinds and a deal sit in that deal's row, in the column of their component.
DEAL_KINDS = ("commission", "spif", "clawback")


Explain = Callable[[Mapping], str]


@dataclass(slots=True)
class Cell:
    amount: Decimal = ZERO
    lines: list[Mapping] = field(default_factory=list)
    attainment_before: Decimal | None = None  # the first line's that has one
    attainment_after: Decimal | None = None  # the last line's that has one


@dataclass
class DealRow:
    deal: str
    opportunity_id: int | None
    name: str
    credit: Decimal | None
    cells: dict[str, Cell] = field(default_factory=dict)
    total: Decimal = ZERO
    lines: list[Mapping] = field(default_factory=list)  # the deal's lines, in statement order
    ordered: list[Cell | None] = field(default_factory=list)  # cells in the breakdown's column order
    explain: Explain | None = None

    def cell_list(self, components: list[str]) -> list[Cell | None]:
        return [self.cells.get(c) for c in components]

    @property
    def explanations(self) -> list[str]:
        """The deal's lines in words, built only for the rows a page or print actually shows."""
        words = self.explain or explain
        return [words(line) for line in self.lines]


@dataclass(slots=True)
class ComponentSummary:
    component: str
    subtotal: Decimal
    attainment_before: Decimal | None
    attainment_after: Decimal | None
    quota_period: str


@dataclass
class Breakdown:
    components: list[str]
    deals: list[DealRow]
    other: list[Mapping]  # draw, draw recovery, adjustments, lines without a deal
    summaries: list[ComponentSummary]
    other_total: Decimal
    total: Decimal

    @property
    def deal_total(self) -> Decimal:
        return sum((d.total for d in self.deals), ZERO)

    @property
    def line_count(self) -> int:
        return sum(len(d.lines) for d in self.deals) + len(self.other)


@dataclass
class StatementWindow(Breakdown):
    """A Breakdown of one page of deal groups (`deals`) with every line without a deal (`other`);
    the subtotals, attainment, totals and counts are over the whole statement."""

    number: int = 1  # 1-based page of deal groups; 0 = all of them
    deal_count: int = 0
    all_deal_lines: int = 0
    deals_total: Decimal = ZERO

    @property
    def deal_total(self) -> Decimal:
        return self.deals_total

    @property
    def line_count(self) -> int:
        return self.all_deal_lines + len(self.other)


def explain(line: Mapping) -> str:
    """The line's explanation in words: the engine's own text, or one built from its fields."""
    text = (line.get("explanation") or "").strip()
    if text:
        return text
    amount = line.get("amount") or ZERO
    kind = line.get("kind", "")
    deal = line.get("deal") or ""
    if kind == "commission" and line.get("quota") and line.get("attainment_after") is not None:
        return (f"Deal {deal} credited {fmt_money(line.get('credit') or ZERO)} of a {fmt_money(line['quota'])} quota "
                f"for {line.get('quota_period') or 'the period'}: attainment {fmt_pct(line['attainment_before'] or 0)} → "
                f"{fmt_pct(line['attainment_after'])} at {fmt_rate(line.get('rate') or 0)} → {fmt_money(amount)}")
    if kind == "commission" and line.get("rate") is not None:
        return f"Deal {deal} credited {fmt_money(line.get('credit') or ZERO)}: flat {fmt_rate(line['rate'])} → {fmt_money(amount)}"
    labels = {"spif": "SPIF", "clawback": "Clawback", "draw": "Draw paid up to the guaranteed amount",
              "draw_recovery": "Draw recovered from earnings", "adjustment": "Manual adjustment"}
    subject = f" on deal {deal}" if deal else ""
    return f"{labels.get(kind, kind.title() or 'Line')}{subject}: {fmt_money(amount)}"


def group_statement(lines: Iterable[Mapping], *, explain_line: Explain = explain) -> Breakdown:
    """Group a statement's lines (in statement order) by deal, with one column per component.

    One pass over the lines: deal rows, cells, per-component subtotals and attainment are all
    accumulated as the lines go by, so a 5,000-line statement groups in a few milliseconds. No
    explanation is rendered here: `explain_line` is called for the rows a page shows (`words` on
    other lines, `DealRow.explanations`).
    """
    components: list[str] = []
    deals: dict[str, DealRow] = {}
    other: list[Mapping] = []
    summaries: dict[str, ComponentSummary] = {}
    total = ZERO
    for line in lines:
        amount = line.get("amount") or ZERO
        total += amount
        deal = line.get("deal") or ""
        kind = line.get("kind")
        if not deal or kind not in DEAL_KINDS:
            other.append({**line})  # a copy: `words` is added to it below
            continue
        component = line["component"]
        summary = summaries.get(component)
        if summary is None:
            components.append(component)
            summary = summaries[component] = ComponentSummary(component, ZERO, None, None, "")
        row = deals.get(deal)
        if row is None:
            row = deals[deal] = DealRow(deal=deal, opportunity_id=line.get("opportunity_id"),
                                        name=line.get("deal_name") or deal, credit=None, explain=explain_line)
        if row.credit is None and kind == "commission":
            row.credit = line.get("credit")
        cell = row.cells.get(component)
        if cell is None:
            cell = row.cells[component] = Cell()
        cell.amount += amount
        cell.lines.append(line)
        row.total += amount
        row.lines.append(line)
        summary.subtotal += amount
        before, after = line.get("attainment_before"), line.get("attainment_after")
        if before is not None:
            if cell.attainment_before is None:
                cell.attainment_before = before
            if summary.attainment_before is None:
                summary.attainment_before = before
        if after is not None:
            cell.attainment_after = summary.attainment_after = after
        if line.get("quota_period"):
            summary.quota_period = line["quota_period"]
    for row in deals.values():
        row.ordered = row.cell_list(components)
    for line in other:
        line["words"] = explain_line(line)  # few lines (draws, adjustments): always shown
    other_total = sum((ln.get("amount") or ZERO for ln in other), ZERO)
    return Breakdown(components=components, deals=list(deals.values()), other=other,
                     summaries=[summaries[c] for c in components], other_total=other_total, total=total)


def breakdown_csv_rows(breakdown: Breakdown, *, currency: str) -> list[list[str]]:
    """The grouped statement as CSV rows: one per deal, one per other line, then subtotals and total."""
    header = ["deal", "deal_name", "credit", *breakdown.components, "deal_total", "currency"]
    rows: list[list[str]] = [header]
    for d in breakdown.deals:
        cells = [str(c.amount) if c is not None else "" for c in d.cell_list(breakdown.components)]
        rows.append([d.deal, d.name, "" if d.credit is None else str(d.credit), *cells, str(d.total), currency])
    blanks = [""] * len(breakdown.components)
    for line in breakdown.other:
        label = f"{line.get('kind', '')}: {line.get('component', '')}"
        rows.append([line.get("deal") or "", label, "", *blanks, str(line.get("amount") or ZERO), currency])
    rows.append(["", "Subtotal", "", *[str(s.subtotal) for s in breakdown.summaries], str(breakdown.deal_total), currency])
    rows.append(["", "Total", "", *blanks, str(breakdown.total), currency])
    return rows
