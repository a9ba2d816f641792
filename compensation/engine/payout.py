"""Payout functions F(a) for tiered components, exact in Decimal.  Pure, no Django."""
from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, localcontext

from .plan_document import Tier

__all__ = ["Band", "bands", "band_index", "marginal_integral", "marginal_portions", "payout",
           "round_cents", "PREC"]

PREC = 40
CENT = Decimal("0.01")
ZERO = Decimal(0)


def round_cents(x: Decimal) -> Decimal:
    """Round to cents, half up (away from zero on .5)."""
    with localcontext() as ctx:
        ctx.prec = PREC
        return x.quantize(CENT, rounding=ROUND_HALF_UP) + ZERO  # "+ 0" turns -0.00 into 0.00


@dataclass(frozen=True)
class Band:
    lo: Decimal  # exclusive lower bound (0 for the first band)
    hi: Decimal | None  # inclusive upper bound; None = unbounded
    rate: Decimal


def bands(tiers: tuple[Tier, ...]) -> tuple[Band, ...]:
    """Tiers -> consecutive bands ``(lo, hi]``.  The last band is always unbounded: attainment
    above the last tier's ``upto`` (if it has one) is paid at the last tier's rate."""
    out = []
    lo = ZERO
    for i, t in enumerate(tiers):
        hi = None if i == len(tiers) - 1 else t.upto
        out.append(Band(lo, hi, t.rate))
        if hi is not None:
            lo = hi
    return tuple(out)


def band_index(bs: tuple[Band, ...], a: Decimal) -> int:
    """Index of the band containing ``a`` (bands are (lo, hi]; a <= 0 -> first band)."""
    for i, b in enumerate(bs):
        if b.hi is None or a <= b.hi:
            return i
    return len(bs) - 1  # pragma: no cover


def marginal_integral(bs: tuple[Band, ...], a: Decimal) -> Decimal:
    """∫₀ᵃ rate(x) dx; for a < 0 the first band's rate is extended linearly."""
    with localcontext() as ctx:
        ctx.prec = PREC
        if a <= 0:
            return a * bs[0].rate
        total = ZERO
        for b in bs:
            if a <= b.lo:
                break
            top = a if b.hi is None else min(a, b.hi)
            total += (top - b.lo) * b.rate
        return total


def marginal_portions(bs: tuple[Band, ...], a0: Decimal, a1: Decimal) -> list[tuple[Band, Decimal, Decimal]]:
    """Split the attainment move a0 -> a1 into (band, from, to) pieces, in the direction of travel.
    The first band extends to -inf and the last to +inf."""
    lo_, hi_ = (a0, a1) if a0 <= a1 else (a1, a0)
    pieces = []
    for i, b in enumerate(bs):
        blo = None if i == 0 else b.lo
        bhi = b.hi
        s = lo_ if blo is None else max(lo_, blo)
        e = hi_ if bhi is None else min(hi_, bhi)
        if e > s:
            pieces.append((b, s, e))
    if a0 > a1:
        pieces = [(b, e, s) for (b, s, e) in reversed(pieces)]
    return pieces


def payout(bs: tuple[Band, ...], method: str, base: Decimal, a: Decimal, cap: Decimal | None = None) -> Decimal:
    """F(a) (exact, unrounded), capped at ``cap`` when given."""
    with localcontext() as ctx:
        ctx.prec = PREC
        if method == "marginal":
            f = base * marginal_integral(bs, a)
        elif method == "retroactive":
            f = base * a * bs[band_index(bs, a)].rate
        else:
            raise ValueError(f"unknown method {method!r}")
        if cap is not None and f > cap:
            f = cap
        return f
