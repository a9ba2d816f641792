"""Quota relief proposals when accounts change owner (issue 9, item 2). Pure: no Django.

Given the accounts whose owner changes (with their potential) and each losing seller's total
potential before the move, propose one relief per (from seller, to seller) pair:
``share = potential moved / from seller's total potential`` (exact Decimal, rounded half-up to 4
places, at most 1), effective from the move's month (``YYYY-MM``). Accounts without a previous owner
relieve nobody; a losing seller with no potential gets no proposal (nothing to divide by).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import NamedTuple

SHARE_PLACES = Decimal("0.0001")


class AccountMove(NamedTuple):
    account_id: int
    from_seller: int | None
    to_seller: int | None
    potential: Decimal


@dataclass(frozen=True)
class ReliefProposal:
    from_seller: int
    to_seller: int | None
    accounts: int
    potential: Decimal  # moved
    total_potential: Decimal  # the from seller's before the move
    share: Decimal  # 4 places
    month: str  # YYYY-MM


def month_key(day: dt.date) -> str:
    return f"{day.year:04d}-{day.month:02d}"


def propose_relief(moves: Iterable[AccountMove], totals: dict[int, Decimal], effective: dt.date) -> list[ReliefProposal]:
    """One proposal per (from, to) pair, ordered by from seller then to seller (None last)."""
    pairs: dict[tuple[int, int | None], list[Decimal]] = {}
    for move in moves:
        if move.from_seller is None or move.from_seller == move.to_seller:
            continue
        pairs.setdefault((move.from_seller, move.to_seller), []).append(Decimal(move.potential))
    month = month_key(effective)
    out = []
    for (source, target), potentials in sorted(pairs.items(), key=lambda kv: (kv[0][0], kv[0][1] is None, kv[0][1] or 0)):
        total = Decimal(totals.get(source) or 0)
        if total <= 0:
            continue
        moved = sum(potentials, Decimal(0))
        share = min(moved / total, Decimal(1)).quantize(SHARE_PLACES, rounding=ROUND_HALF_UP)
        out.append(ReliefProposal(from_seller=source, to_seller=target, accounts=len(potentials), potential=moved,
                                  total_potential=total, share=share, month=month))
    return out
