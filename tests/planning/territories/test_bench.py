"""The territory benchmark runs at a small size (the 50,000 × 200 figures come from `make bench`)."""

from planning.territories.bench import mask_floor, run


def test_the_bench_evaluates_and_balances_a_small_synthetic_book():
    result = run(accounts=2000, territories=40)
    assert result["accounts"] == 2000 and result["gaps"] > 0  # uncovered combinations on purpose
    assert result["cv_after"] <= result["cv_before"]
    assert result["evaluate_s"] < 5 and result["balance_s"] < 30
    assert mask_floor(2000, 40) >= 0
