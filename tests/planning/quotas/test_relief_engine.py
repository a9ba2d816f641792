"""Relief proposals, computed by hand (no database)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from planning.quotas.relief import AccountMove, ReliefProposal, propose_relief

D = Decimal


def test_one_proposal_per_pair_with_the_exact_share_rounded_to_four_places():
    moves = [AccountMove(1, 10, 20, D("100000")), AccountMove(2, 10, 20, D("50000.50")),
             AccountMove(3, 10, 30, D("100000")), AccountMove(4, 11, 20, D("1"))]
    totals = {10: D("300000"), 11: D("3")}
    got = propose_relief(moves, totals, dt.date(2027, 4, 15))
    assert got == [
        # 150,000.50 / 300,000 = 0.500001(6) → 0.5000
        ReliefProposal(10, 20, 2, D("150000.50"), D("300000"), D("0.5000"), "2027-04"),
        # 100,000 / 300,000 = 0.33333… → 0.3333
        ReliefProposal(10, 30, 1, D("100000"), D("300000"), D("0.3333"), "2027-04"),
        # 1 / 3 → 0.3333
        ReliefProposal(11, 20, 1, D("1"), D("3"), D("0.3333"), "2027-04"),
    ]


def test_rounding_is_half_up_and_the_share_never_exceeds_one():
    # 2 / 3 = 0.66666… → 0.6667; 0.00005 / 1 → 0.0001 (half up)
    got = propose_relief([AccountMove(1, 1, 2, D("2")), AccountMove(2, 3, 4, D("0.00005")),
                          AccountMove(3, 5, 6, D("10"))], {1: D("3"), 3: D("1"), 5: D("5")}, dt.date(2027, 1, 1))
    assert [p.share for p in got] == [D("0.6667"), D("0.0001"), D("1")]


def test_unowned_accounts_same_owner_and_sellers_without_potential_offer_nothing():
    moves = [AccountMove(1, None, 2, D("10")), AccountMove(2, 3, 3, D("10")), AccountMove(3, 4, 5, D("10"))]
    assert propose_relief(moves, {3: D("100"), 4: D("0")}, dt.date(2027, 1, 1)) == []


def test_accounts_that_become_unassigned_relieve_the_seller_to_nobody():
    got = propose_relief([AccountMove(1, 7, None, D("25")), AccountMove(2, 7, 8, D("25"))], {7: D("100")},
                         dt.date(2026, 12, 31))
    assert [(p.to_seller, p.share, p.month) for p in got] == [(8, D("0.2500"), "2026-12"), (None, D("0.2500"), "2026-12")]
