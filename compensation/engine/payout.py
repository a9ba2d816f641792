"""Payout functions F(a) for tiered components, computed EXACTLY with `fractions.Fraction`.  Pure, no Django.

Why fractions: a quotient computed before a product loses half cents.  41,100 × (4,944.25 / 41,100) × 2 %
is exactly 98.885 and must round (half up) to 98.89; at any finite `Decimal` precision the quotient
4,944.25 / 41,100 is a hair short, the product lands on 98.88499… and rounds to 98.88.  So every
attainment, base and payout here is an exact rational, and each line is rounded ONCE, half up, at the
end (`round_cents`).
"""
from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, localcontext
from fractions import Fraction
from functools import lru_cache

from .plan_document import Tier

__all__ = ["Band", "bands", "band_index", "marginal_integral", "marginal_portions", "payout",
           "payout_exact", "round_cents", "to_decimal", "exact", "PREC"]

PREC = 40
CENT = Decimal("0.01")
ZERO = Decimal(0)
Number = Decimal | Fraction | int


def exact(x: Number) -> Fraction:
    """Decimal/int/Fraction -> Fraction, without loss (Fraction(Decimal) is exact)."""
    return x if isinstance(x, Fraction) else Fraction(x)


@lru_cache(maxsize=4096)
def _const(x: Decimal) -> Fraction:
    """`exact` for plan constants (band edges, rates): few distinct values, converted once."""
    return Fraction(x)


def to_decimal(x: Number) -> Decimal:
    """A Fraction as a Decimal: exact when it terminates, else 40 significant digits (display only)."""
    if isinstance(x, Decimal):
        return x
    x = exact(x)
    with localcontext() as ctx:
        ctx.prec = PREC
        return Decimal(x.numerator) / Decimal(x.denominator)


def round_cents(x: Number) -> Decimal:
    """Round to cents, half up (away from zero on an exact half cent).  Exact for Fractions."""
    if isinstance(x, Fraction):
        n, d = abs(x.numerator) * 100, x.denominator
        cents = (2 * n + d) // (2 * d)  # floor(n/d + 1/2): half up on the magnitude
        value = Decimal(cents if x >= 0 else -cents).scaleb(-2)
        return value + ZERO if cents else Decimal("0.00")
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


def band_index(bs: tuple[Band, ...], a: Number) -> int:
    """Index of the band containing ``a`` (bands are (lo, hi]; a <= 0 -> first band).  Exact comparison."""
    a = exact(a)
    for i, b in enumerate(bs):
        if b.hi is None or a <= _const(b.hi):
            return i
    return len(bs) - 1  # pragma: no cover


def _integral(bs: tuple[Band, ...], a: Fraction) -> Fraction:
    if a <= 0:
        return a * _const(bs[0].rate)
    total = Fraction(0)
    for b in bs:
        lo = _const(b.lo)
        if a <= lo:
            break
        top = a if b.hi is None else min(a, _const(b.hi))
        total += (top - lo) * _const(b.rate)
    return total


def marginal_integral(bs: tuple[Band, ...], a: Number) -> Decimal:
    """∫₀ᵃ rate(x) dx; for a < 0 the first band's rate is extended linearly."""
    return to_decimal(_integral(bs, exact(a)))


def marginal_portions(bs: tuple[Band, ...], a0: Number, a1: Number) -> list[tuple[Band, Decimal, Decimal]]:
    """Split the attainment move a0 -> a1 into (band, from, to) pieces, in the direction of travel.
    The first band extends to -inf and the last to +inf."""
    a0, a1 = to_decimal(a0), to_decimal(a1)
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


def payout_exact(bs: tuple[Band, ...], method: str, base: Number, a: Number, cap: Number | None = None) -> Fraction:
    """F(a) as an exact Fraction, capped at ``cap`` when given."""
    base, a = exact(base), exact(a)
    if method == "marginal":
        f = base * _integral(bs, a)
    elif method == "retroactive":
        f = base * a * _const(bs[band_index(bs, a)].rate)
    else:
        raise ValueError(f"unknown method {method!r}")
    if cap is not None and f > exact(cap):
        f = exact(cap)
    return f


def payout(bs: tuple[Band, ...], method: str, base: Number, a: Number, cap: Number | None = None) -> Decimal:
    """F(a) as a Decimal (exact when it terminates), capped at ``cap`` when given."""
    return to_decimal(payout_exact(bs, method, base, a, cap))
