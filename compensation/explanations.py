"""A line's explanation as people read it: stored text, or rendered from the facts the run stored.

Runs store quota-based commission lines' structured facts (`EarningLine.explain`) instead of their text,
which made rendering the text the run's largest cost; `render_explanation` turns the facts back into the
engine's own words (compensation.engine.explain.render_facts, the same code the run used to call), so
statement pages, CSV/PDF exports, the API and scenario output read exactly the text they read before.
Rows without facts (older runs, adjustments, draws, SPIFs, clawbacks, corrections) keep their text.
"""

from __future__ import annotations

from compensation.engine.explain import render_facts

__all__ = ["render_explanation"]


def render_explanation(row) -> str:
    """The explanation of an EarningLine, a `.values()` dict of one, or an engine Line.

    `row` needs `explanation` and (optionally) `explain` (an engine Line: `facts`)."""
    if isinstance(row, dict):
        facts, text = row.get("explain"), row.get("explanation")
    else:
        facts = getattr(row, "explain", None) or getattr(row, "facts", None)
        text = getattr(row, "explanation", "")
    if facts:
        return render_facts(facts)
    return text or ""
