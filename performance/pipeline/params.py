"""Parse the pipeline filters of a page or API request (shared by both; never raises on bad input)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from django.utils import timezone

from performance.pipeline.selectors import PipelineFilters, default_flow_window
from spm.fiscal import parse_period_key, quarter_key

MAX_TEXT = 100


@dataclass
class PipelineParams:
    filters: PipelineFilters
    as_of: date
    period: str
    flow_from: date
    flow_to: date
    state: str = ""
    bucket: str = ""
    errors: list[str] = field(default_factory=list)


def _day(raw: str | None, default: date, name: str, errors: list[str]) -> date:
    if not raw:
        return default
    try:
        return date.fromisoformat(raw)
    except ValueError:
        errors.append(f"{name}: {raw[:20]!r} is not a date (YYYY-MM-DD); showing {default.isoformat()}.")
        return default


def parse_params(query, *, fy_start_month: int) -> PipelineParams:
    """``query`` is a QueryDict (request.GET / request.query_params)."""
    errors: list[str] = []
    as_of = _day(query.get("as_of"), timezone.localdate(), "as_of", errors)
    default_period = quarter_key(as_of, fy_start_month)
    period = (query.get("period") or "").strip() or default_period
    try:
        start, end, _ = parse_period_key(period, fy_start_month)
    except ValueError:
        errors.append(f"period: {period[:20]!r} is not a period key (2017-Q1, 2017-03 or 2017); showing {default_period}.")
        period = default_period
        start, end, _ = parse_period_key(period, fy_start_month)
    default_from, default_to = default_flow_window(as_of, period, fy_start_month)
    flow_from = _day(query.get("flow_from"), default_from, "flow_from", errors)
    flow_to = _day(query.get("flow_to"), default_to, "flow_to", errors)
    if flow_to <= flow_from:
        errors.append("flow_to must be after flow_from; showing the whole period.")
        flow_from, flow_to = default_from, end
    owner_ids: set[int] = set()
    for raw in query.getlist("owner") if hasattr(query, "getlist") else [query.get("owner")]:
        for part in (raw or "").split(","):
            part = part.strip()
            if part.isdigit():
                owner_ids.add(int(part))
            elif part:
                errors.append(f"owner: {part[:20]!r} is not a seller id; ignored.")
    filters = PipelineFilters(
        owner_ids=frozenset(owner_ids) or None,
        **{k: (query.get(k) or "").strip()[:MAX_TEXT] for k in ("team", "region", "segment", "product")},
    )
    state = (query.get("state") or "").strip()
    bucket = (query.get("bucket") or "").strip()
    return PipelineParams(filters=filters, as_of=as_of, period=period, flow_from=flow_from, flow_to=flow_to,
                          state=state if state in ("open", "won", "lost") else "", bucket=bucket, errors=errors)
