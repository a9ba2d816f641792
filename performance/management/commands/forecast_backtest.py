"""`forecast_backtest --tenant SLUG [--format json|text] [--as-of YYYY-MM-DD] [--no-model]`."""

from __future__ import annotations

import datetime as dt
import json

from django.core.management.base import BaseCommand

from performance.forecasting.selectors import backtest_report
from spm.management.scope import tenant_command_scope

HELP = """Backtest every forecast method on each past fiscal quarter from the recorded deal history.

For each quarter that started on or after the first recorded history and ended before --as-of
(default today), every method forecasts the quarter's bookings as it would have on the quarter's
first day: each deal as its latest OpportunityHistory row dated on or before that day.
Methods: weighted (stage probabilities of the tenant), stage_conversion (win rates by stage and
age learned only from deals closed by that day), model (calibrated logistic regression trained
only on deals closed by that day), commit (the human call: the company roll-up of submissions and
standing overrides one week into the quarter; null when nobody submitted).

JSON (--format json):
  {"tenant", "currency", "as_of", "methods": [...],
   "quarters": [{"quarter": "2017Q2", "start", "end", "forecast_date", "actual",
                 "booked_at_start", "open_deals", "open_amount",
                 "methods": {"weighted"|"stage_conversion"|"model"|"commit":
                             {"forecast", "error", "accuracy", "bias"}},
                 "model": {"n_deals", "n_won", "n_lost", "trained", "note"?}}],
   "summary": {method: {"quarters", "mape", "bias", "accuracy"}},
   "best_method", "notes": [text, ...]}
actual = bookings won with a close date in the quarter (tenant currency); error = forecast - actual;
accuracy = 1 - |error| / actual; bias = error / actual (positive: over-forecast); mape = mean of
|error| / actual over quarters with actual > 0 and a forecast; summary bias = mean of the biases.
Money as decimal strings, rates as numbers rounded to 6 decimals, null where undefined."""


def _cell(v: dict) -> str:
    if v["forecast"] is None:
        return f"{'—':>18}"
    accuracy = "" if v["accuracy"] is None else f"{v['accuracy']:.0%}"
    return f"{float(v['forecast']):>12,.0f} {accuracy:>5}"


class Command(BaseCommand):
    help = HELP

    def create_parser(self, prog_name, subcommand, **kwargs):
        from argparse import RawDescriptionHelpFormatter

        parser = super().create_parser(prog_name, subcommand, **kwargs)
        parser.formatter_class = RawDescriptionHelpFormatter
        return parser

    def add_arguments(self, parser):
        parser.add_argument("--tenant", required=True)
        parser.add_argument("--format", choices=["json", "text"], default="text")
        parser.add_argument("--as-of", type=dt.date.fromisoformat, default=None,
                            help="score quarters that ended before this date (default: today)")
        parser.add_argument("--no-model", action="store_true", help="skip the win-probability model (faster)")

    def handle(self, *args, **opts):
        with tenant_command_scope(opts["tenant"]):
            report = backtest_report(today=opts["as_of"], model=not opts["no_model"])
        if opts["format"] == "json":
            self.stdout.write(json.dumps(report, indent=2))
            return
        self.stdout.write(f"Forecast backtest of {report['tenant']} ({report['currency']}), as of {report['as_of']}")
        if not report["quarters"]:
            self.stdout.write("No past quarter with recorded history to backtest.")
            return
        header = f"{'quarter':<8} {'actual':>14} " + " ".join(f"{m:>18}" for m in report["methods"])
        self.stdout.write(header)
        for q in report["quarters"]:
            cells = [_cell(q["methods"][m]) for m in report["methods"]]
            self.stdout.write(f"{q['quarter']:<8} {float(q['actual']):>14,.0f} " + " ".join(cells))
        for m, s in report["summary"].items():
            mape = "—" if s["mape"] is None else f"{s['mape']:.1%}"
            bias = "—" if s["bias"] is None else f"{s['bias']:+.1%}"
            self.stdout.write(f"  {m:<17} quarters {s['quarters']:>2}  MAPE {mape:>7}  bias {bias:>7}")
        for note in report.get("notes", []):
            self.stdout.write(f"Note: {note}")
        if report["best_method"]:
            self.stdout.write(f"Most accurate so far: {report['best_method']}")
