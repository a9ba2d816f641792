"""The pipeline page's and API's reads: served from the owners' summary when it serves the view
(its version then keys the cache), else computed exactly and cached per data version. One place,
so the page, the API and their panels cannot drift apart in what they read or how they cache it."""

from __future__ import annotations

from collections.abc import Callable, Mapping

from performance.pipeline.params import PipelineParams
from performance.pipeline.selectors import cached, pipeline_document, pipeline_overview, seller_refs
from performance.pipeline.summaries import summary_serves_or_roll
from spm.tenancy.access import TenantAccess


def served_read(kind: str, *, access: TenantAccess, p: PipelineParams, compute: Callable[[bool], dict]) -> dict:
    """``compute(served)`` for the view ``p`` — or its cached result. ``served``: whether the
    summary serves the view (its version, read here, keys the cache)."""
    version = summary_serves_or_roll(access=access, as_of=p.as_of, period=p.period, filters=p.filters)
    return cached(kind, access=access, key_parts=(p.as_of, p.period, p.filters), version=version,
                  compute=lambda: compute(version is not None))


def metrics_document(*, access: TenantAccess, p: PipelineParams) -> dict:
    """The ``pipeline_metrics`` document alone: no seller records, quotas or coverage behind it."""
    return served_read("metrics", access=access, p=p, compute=lambda served: pipeline_document(
        access=access, as_of=p.as_of, period=p.period, filters=p.filters,
        sellers=seller_refs(access=access, filters=p.filters), served=served)[0])


def overview(*, access: TenantAccess, p: PipelineParams) -> dict:
    """Coverage of the period and velocity beside the metrics (``pipeline_overview``)."""
    return served_read("overview", access=access, p=p, compute=lambda served: pipeline_overview(
        access=access, as_of=p.as_of, period=p.period, filters=p.filters, served=served))


def filter_choices(sellers: list, *, listed: Mapping[str, object], owner_limit: int) -> dict:
    """The page's filter choices from the scope's sellers: owners (only up to ``owner_limit``
    sellers; a manager over thousands narrows by team first), teams, regions, segments, the
    names of the owners ``listed`` (keyed by email) and the scope's seller count."""
    return {
        "owners": [(s.id, s.name) for s in sellers] if len(sellers) <= owner_limit else [],
        "teams": sorted({s.team for s in sellers if s.team}),
        "regions": sorted({s.region for s in sellers if s.region}),
        "segments": sorted({s.segment for s in sellers if s.segment}),
        "names": {s.email: (s.name, str(s.id)) for s in sellers if s.email in listed},
        "count": len(sellers),
    }
