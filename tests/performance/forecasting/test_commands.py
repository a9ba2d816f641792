"""`forecast_backtest --tenant SLUG --format json`: keys and hand-computed figures."""

from __future__ import annotations

import json
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

pytestmark = pytest.mark.django_db


def _run(*args) -> str:
    out = StringIO()
    call_command("forecast_backtest", *args, stdout=out)
    return out.getvalue()


def test_it_prints_each_past_quarter_and_method_with_hand_computed_figures(history_world):
    report = json.loads(_run("--tenant", "acme", "--format", "json", "--as-of", "2017-07-01"))
    assert set(report) >= {"tenant", "currency", "as_of", "quarters", "summary", "best_method"}
    assert [q["quarter"] for q in report["quarters"]] == ["2017Q1", "2017Q2"]
    q2 = report["quarters"][1]
    assert set(q2) >= {"quarter", "actual", "methods"}
    assert set(q2["methods"]) == {"weighted", "stage_conversion", "model", "commit"}
    for method in q2["methods"].values():
        assert set(method) == {"forecast", "error", "accuracy", "bias"}
    assert q2["actual"] == "11500.00"
    assert q2["forecast_date"] == "2017-04-01"
    assert q2["methods"]["weighted"] == {"forecast": "2100.00", "error": "-9400.00",
                                         "accuracy": round(1 - 9400 / 11500, 6), "bias": round(-9400 / 11500, 6)}
    assert q2["methods"]["stage_conversion"] == {"forecast": "6500.00", "error": "-5000.00",
                                                 "accuracy": round(1 - 5000 / 11500, 6),
                                                 "bias": round(-5000 / 11500, 6)}
    # The human call one week in: rep 1,800 + the other manager's override 8,000 of the peer's 9,000.
    assert q2["methods"]["commit"] == {"forecast": "9800.00", "error": "-1700.00",
                                       "accuracy": round(1 - 1700 / 11500, 6), "bias": round(-1700 / 11500, 6)}
    # Two closed deals by April 1: no model, and the report says why instead of inventing one.
    assert q2["methods"]["model"] == {"forecast": None, "error": None, "accuracy": None, "bias": None}
    assert q2["model"]["trained"] is False and "Not enough closed history" in q2["model"]["note"]
    # Q1 (seen on Jan 1): deals 1 and 2 open, Prospect × 0.1; nothing had closed, so conversion is 0.
    q1 = report["quarters"][0]
    assert q1["actual"] == "100.00"
    assert q1["methods"]["weighted"]["forecast"] == "20.00"
    assert q1["methods"]["stage_conversion"]["forecast"] == "0.00"
    assert q1["methods"]["commit"]["forecast"] is None
    summary = report["summary"]
    assert summary["commit"] == {"quarters": 1, "mape": round(1700 / 11500, 6), "bias": round(-1700 / 11500, 6),
                                 "accuracy": round(1 - 1700 / 11500, 6)}
    # weighted: Q1 |20 − 100| / 100 = 0.8, Q2 9,400 / 11,500
    assert summary["weighted"]["quarters"] == 2
    assert summary["weighted"]["mape"] == pytest.approx((0.8 + 9400 / 11500) / 2, abs=1e-6)
    assert report["best_method"] == "commit"


def test_the_text_format_names_the_best_method(history_world):
    text = _run("--tenant", "acme", "--as-of", "2017-07-01", "--no-model")
    assert "2017Q2" in text and "Most accurate so far: commit" in text


def test_a_tenant_without_history_has_no_quarter_to_score(acme):
    report = json.loads(_run("--tenant", "acme", "--format", "json"))
    assert report["quarters"] == [] and report["best_method"] is None


def test_an_unknown_tenant_is_an_error(db):
    with pytest.raises(CommandError, match="No tenant"):
        _run("--tenant", "nope", "--format", "json")
