"""A run over more sellers than `calculation.PARTITION_SELLERS` (or more credits than PARTITION_CREDITS), one
partition of sellers at a time, each with only the deals that can credit its sellers, read from the database
when the partition runs and dropped after it.

A seller's lines depend only on the credits they receive (EngineInput.only_sellers), and a deal credits its
parties (the owner, or the split sellers) and, through roll-up components, the managers above them. So a
partition needs the deals of its own sellers and of everyone below one of its sellers who can take a roll-up
(`Reach`); any other deal gives its sellers no line. Partitions are cut by seller count and by estimated
credits (`seller_groups`), since a manager takes a roll-up credit of every deal below them. The deals of the
tenant are never all in memory at once: the partition holding the top of the hierarchy reads them all, but
only as compact `Deal`s (slots, shared strings and dates) and with no other seller's credits, and the next
partition's deals are read once its lines are written.
"""
from __future__ import annotations

import dataclasses
from collections import defaultdict
from collections.abc import Iterable, Iterator
from decimal import Decimal

from compensation.engine import CommissionComponent, Deal, EngineInput
from compensation.engine.calculate import _skey
from performance import selectors as performance_selectors

# Credits (deal × recipient) one partition may take, estimated from the deal counts of its sellers' reach: the
# top of a hierarchy takes a roll-up credit of every deal below it, so a partition of sellers would otherwise
# hold most of the run's credits (at 10,000 sellers the first 2,000 — the VP, the regional and the team
# managers — hold 1.4M of 1.65M lines). A seller over it alone is a partition of its own. At 300,000 the VP's own
# partition (~310,000 deals at 10,000 sellers) stays the largest: the peak is its, with fewer partitions to read.
PARTITION_CREDITS = 300_000


class Reach:
    """Who can credit whom: `parties(only)` is every seller whose deals can give a seller of `only` a line —
    those sellers, and everyone below a seller of `only` whose plans (any assignment) have a roll-up
    commission component; the managers above a party get only roll-up credits."""

    def __init__(self, inp: EngineInput):
        takes_rollup = {key for key, plan in inp.plans.items()
                        if any(isinstance(c, CommissionComponent) and c.rollup for c in plan.components)}
        self.rollup_sellers = {a.seller for a in inp.assignments if a.plan in takes_rollup}
        self.reports: dict = defaultdict(list)
        for seller, manager in inp.managers.items():
            if manager is not None:
                self.reports[manager].append(seller)

    def parties(self, only: Iterable) -> set:
        out = set(only)
        todo = [s for s in out if s in self.rollup_sellers]
        seen = set(todo)
        while todo:  # every seller below them (cycle-safe, as `ancestors`)
            for report in self.reports.get(todo.pop(), ()):
                if report not in seen:
                    seen.add(report)
                    out.add(report)
                    todo.append(report)
        return out


def seller_groups(inp: EngineInput, size: int, party_deals: dict | None = None,
                  max_credits: int | None = None) -> list[frozenset]:
    """The sellers of `inp` (hierarchy, assignments, adjustments) in seller order, cut into partitions of at most
    `size` sellers and, given `party_deals` ({seller: deals crediting them as a party}), of at most `max_credits`
    estimated credits (the deals of each seller's reach); one partition when there are no more."""
    sellers = sorted({*inp.managers, *(a.seller for a in inp.assignments), *(a.seller for a in inp.adjustments)},
                     key=_skey)
    reach = Reach(inp) if party_deals else None
    max_credits = PARTITION_CREDITS if max_credits is None else max_credits
    out: list[frozenset] = []
    group: list = []
    weight = 0
    for seller in sellers:
        w = sum(party_deals.get(p, 0) for p in reach.parties((seller,))) if reach is not None else 0
        if group and (len(group) >= size or weight + w > max_credits):
            out.append(frozenset(group))
            group, weight = [], 0
        group.append(seller)
        weight += w
    return [*out, frozenset(group)]


def party_deal_counts(ext: dict) -> dict:
    """{seller external id: closed-won deals crediting them as a party} (`seller_groups`' weights)."""
    counts: dict = defaultdict(int)
    for seller_id, n in performance_selectors.credited_deal_counts():
        counts[ext[seller_id]] += n
    return counts


class _Shared:
    """One object per distinct currency, deal type and close date, so a million deals share a few hundred."""

    def __init__(self):
        self.values: dict = {}

    def __call__(self, value):
        return self.values.setdefault(value, value)


def deals_from_rows(deal_rows: Iterable, split_rows: Iterable, ext: dict) -> tuple[list[Deal], dict[str, int]]:
    """`Deal`s (splits as fractions, sellers by external id) and {external id: deal id} from the rows of
    `performance.selectors.credited_deal_rows` / `credited_split_rows`, in the deal rows' order."""
    splits: dict[int, list[tuple[str, Decimal]]] = defaultdict(list)
    for opp_id, seller_id, pct in split_rows:
        splits[opp_id].append((ext[seller_id], pct / 100))  # stored in percent; the engine takes fractions
    share = _Shared().values.setdefault  # one object per distinct currency, close date and deal type
    deal_ids = {}
    deals = []
    append = deals.append
    for pk, external_id, owner, amount, currency, close, deal_type in deal_rows:  # `_deal`, inlined: ~1M a run
        deal_ids[external_id] = pk
        mine = splits.get(pk)
        append(Deal(external_id, ext[owner], amount, share(currency, currency), share(close, close),
                    share(deal_type, deal_type), tuple(sorted(mine)) if mine else ()))
    return deals, deal_ids


def deal_repr(row: tuple, splits: Iterable[tuple[str, Decimal]], ext: dict) -> str:
    """repr() of the `Deal` that `deals_from_rows` makes of a `credited_deal_rows` row and its splits (sellers by
    external id, fractions), without making it: the input fingerprint of a partitioned run hashes every deal's
    repr (tests/compensation/test_partitions_repr.py holds the two equal)."""
    _pk, external_id, owner, amount, currency, close, deal_type = row
    return (f"Deal(key={external_id!r}, owner={ext[owner]!r}, amount={amount!r}, currency={currency!r}, "
            f"close_date={close!r}, deal_type={deal_type!r}, splits={tuple(sorted(splits))!r})")


def every_deal_repr(ext: dict) -> Iterator[str]:
    """`deal_repr` of every credited deal of the tenant, in the order of `deals_from_rows`, read in chunks (for the
    input fingerprint of a partitioned run, which covers all of them)."""
    split_rows = performance_selectors.iter_credited_split_rows()
    pending = next(split_rows, None)
    for row in performance_selectors.iter_credited_deal_rows():
        mine = []
        while pending is not None and pending[0] == row[0]:  # the splits come in the deals' order
            mine.append((ext[pending[1]], pending[2] / 100))
            pending = next(split_rows, None)
        yield deal_repr(row, mine, ext)


def partition_input(inp: EngineInput, lookups: dict, only: frozenset | None) -> tuple[EngineInput, dict]:
    """`inp` (read without deals) for the sellers `only` (None: the whole run is one partition), with the deals
    that can credit them read now, and `lookups` with those deals' ids."""
    seller_ids = lookups["seller_ids"]
    ext = {pk: key for key, pk in seller_ids.items()}
    parties = None if only is None else sorted(seller_ids[s] for s in Reach(inp).parties(only))
    deals, deal_ids = deals_from_rows(performance_selectors.credited_deal_rows(parties=parties),
                                      performance_selectors.credited_split_rows(parties=parties), ext)
    narrowed = {} if only is None else {"adjustments": [a for a in inp.adjustments if a.seller in only],
                                        "only_sellers": only}
    return dataclasses.replace(inp, deals=deals, **narrowed), {**lookups, "deal_ids": deal_ids}
