"""The owners' refresh runs compiled statements (``summaries.compiled_owner_statements``): the rows it stores
equal those of an uncached refresh (statements built by Django for the real ids) and of a full rebuild, on
random deals, through changes of every input of the cache key (stage norms, FX, day / period, number of
owners) and across two tenants whose statements share a shape."""

from __future__ import annotations

import datetime as dt
import random
from decimal import Decimal

import pytest
from django.utils import timezone

from performance.models import (
    Opportunity,
    PipelineOwnerRollup,
    PipelinePanelSummary,
    PipelineStageNorm,
    PipelineSummary,
    StageChange,
)
from performance.pipeline import summaries
from performance.pipeline.summaries import pipeline_summaries_rebuild, pipeline_summaries_refresh
from spm.models import FxRate
from spm.tenancy.db import tenant_atomic
from tests.factories import OpportunityFactory, SellerFactory, TenantFactory

D = dt.date(2017, 6, 30)
STAGES = ("Prospecting", "Engaging", "Proposal")


def _random_deal(rng: random.Random, tenant, owners) -> Opportunity:
    state = rng.choice(("won", "lost", "open", "open"))
    created = D - dt.timedelta(days=rng.randint(-20, 400)) if rng.random() < 0.9 else None
    close = D + dt.timedelta(days=rng.randint(-300, 120)) if rng.random() < 0.85 or state == "won" else None
    stage = {"won": "Won", "lost": "Lost"}.get(state) or rng.choice(STAGES)
    return OpportunityFactory(
        tenant=tenant, owner=rng.choice(owners), amount=Decimal(rng.randint(1, 5_000_000)).scaleb(-2),
        currency=rng.choice(("USD", "USD", "EUR", "GBP")), created_date=created, close_date=close, stage=stage,
        is_closed=state != "open", is_won=state == "won", team=rng.choice(("", "", "Special")),
        region=rng.choice(("", "", "LATAM")))


def _world(seed: int, slug: str, *, fy_start: int = 1, fx: bool = True):
    rng = random.Random(seed)
    tenant = TenantFactory(slug=slug, fiscal_year_start_month=fy_start)
    owners = [SellerFactory(tenant=tenant, email=f"o{i}@{slug}.test", team=rng.choice(("East", "West")),
                            region=rng.choice(("EMEA", "AMER"))) for i in range(4)]
    with tenant_atomic(tenant):
        if fx:
            FxRate.all_tenants.create(tenant=tenant, currency="EUR", rate_to_base=Decimal("1.10"),
                                      effective_from=dt.date(2016, 6, 1))
            FxRate.all_tenants.create(tenant=tenant, currency="EUR", rate_to_base=Decimal("1.2345"),
                                      effective_from=dt.date(2017, 5, 1))
    deals = [_random_deal(rng, tenant, owners) for _ in range(40)]
    with tenant_atomic(tenant):
        # stage history: completed stays give norms, open deals entered their stage at creation or lately
        at = dt.datetime(2016, 6, 1, tzinfo=dt.UTC)
        for i, deal in enumerate(deals):
            for stage in STAGES:
                StageChange.objects.create(opportunity=deal, from_stage="", to_stage=stage,
                                           changed_at=at + dt.timedelta(days=rng.randint(0, 300) + i))
        pipeline_summaries_rebuild(as_of=D)
    return rng, tenant, owners


def _stored(tenant) -> tuple[list, list, list]:
    with tenant_atomic(tenant):
        return tuple(sorted(model.objects.values_list(*columns), key=repr) for model, columns in (
            (PipelineSummary, summaries.COLUMNS), (PipelineOwnerRollup, summaries.ROLLUP_COLUMNS),
            (PipelinePanelSummary, ("owner_id", "team", "region", "kind", "state_start", "state_end", "created_in",
                                    "n", "amount_cents"))))


def _refresh_uncached(monkeypatch, tenant, owner_ids) -> None:
    with monkeypatch.context() as patch:
        patch.setattr(summaries, "compiled_owner_statements", summaries._owner_statements)
        with tenant_atomic(tenant):
            assert pipeline_summaries_refresh(owner_ids=owner_ids)


def _assert_cached_equals_uncached_and_rebuild(monkeypatch, tenant, owner_ids) -> None:
    with tenant_atomic(tenant):
        assert pipeline_summaries_refresh(owner_ids=owner_ids)
    cached = _stored(tenant)
    _refresh_uncached(monkeypatch, tenant, owner_ids)
    assert _stored(tenant) == cached
    _refresh_uncached(monkeypatch, tenant, None)
    assert _stored(tenant) == cached


def _mutate(rng: random.Random, tenant, owners) -> set[int]:
    """Random writes without the hook (as a service would before calling it); returns the owners touched."""
    touched = set()
    with tenant_atomic(tenant):
        deals = list(Opportunity.objects.order_by("id"))
        for deal in rng.sample(deals, 3):
            touched.add(deal.owner_id)
            what = rng.choice(("amount", "owner", "close", "stage", "currency"))
            if what == "amount":
                deal.amount = Decimal(rng.randint(1, 5_000_000)).scaleb(-2)
            elif what == "owner":
                deal.owner = rng.choice(owners)
            elif what == "close":
                deal.close_date = D + dt.timedelta(days=rng.randint(-200, 100))
            elif what == "stage" and not deal.is_closed:
                deal.stage = rng.choice(STAGES)
            elif what == "currency":
                deal.currency = rng.choice(("USD", "EUR", "GBP"))
            deal.save()
            touched.add(deal.owner_id)
    return touched


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_a_compiled_refresh_stores_the_rows_of_an_uncached_one_on_random_deals(db, settings, monkeypatch, seed):
    settings.PIPELINE_SUMMARIES = True
    summaries.compiled_statements_clear()
    rng, tenant, owners = _world(seed, f"comp{seed}")
    with tenant_atomic(tenant):
        norms = dict(PipelineStageNorm.objects.values_list("stage", "norm_days"))
    assert norms  # the stuck rows are part of what is compared
    for round_ in range(6):
        # writes and their owners' refresh, or (no writes) a random subset of 1–3 owners: several owner counts
        ids = sorted(_mutate(rng, tenant, owners)) if round_ % 2 else [o.pk for o in rng.sample(owners, rng.randint(1, 3))]
        _assert_cached_equals_uncached_and_rebuild(monkeypatch, tenant, ids)
    # New norms (as an import or the roll stores them, with every owner's stuck rows): an owner's next
    # refresh uses them, not the statements compiled with the old ones.
    with tenant_atomic(tenant):
        PipelineStageNorm.objects.filter(stage="Engaging").update(norm_days=1.0)
        PipelineStageNorm.objects.filter(stage="Proposal").delete()
    _refresh_uncached(monkeypatch, tenant, None)
    _assert_cached_equals_uncached_and_rebuild(monkeypatch, tenant, [owners[0].pk])
    with tenant_atomic(tenant):  # GBP gets a rate: every owner's GBP amounts convert
        FxRate.objects.create(currency="GBP", rate_to_base=Decimal("1.3"), effective_from=dt.date(2016, 1, 1))
    _refresh_uncached(monkeypatch, tenant, None)
    _assert_cached_equals_uncached_and_rebuild(monkeypatch, tenant, [owners[0].pk])
    for day in (dt.date(2017, 6, 20), dt.date(2017, 8, 15)):  # another day of the quarter, another quarter
        with tenant_atomic(tenant):
            pipeline_summaries_rebuild(as_of=day)
        _assert_cached_equals_uncached_and_rebuild(monkeypatch, tenant, [owners[1].pk, owners[2].pk])


def test_each_shape_is_compiled_once_and_a_change_of_the_key_compiles_again(db, settings, monkeypatch):
    settings.PIPELINE_SUMMARIES = True
    summaries.compiled_statements_clear()
    _rng, tenant, owners = _world(9, "once")
    built = []
    real = summaries._owner_statements
    monkeypatch.setattr(summaries, "_owner_statements", lambda state, ids, **kw: built.append(ids) or real(state, ids, **kw))
    with tenant_atomic(tenant):
        for owner in owners:
            pipeline_summaries_refresh(owner_ids=[owner.pk])
        assert len(built) == 1 and built[0][0] < 0  # one build, with a stand-in id
        pipeline_summaries_refresh(owner_ids=[owners[0].pk, owners[1].pk])  # two owners: another shape
        assert len(built) == 2
        PipelineStageNorm.objects.filter(stage="Engaging").update(norm_days=2.0)
        pipeline_summaries_refresh(owner_ids=[owners[0].pk])
        assert len(built) == 3
        pipeline_summaries_rebuild(as_of=D - dt.timedelta(days=1))  # same quarter
        pipeline_summaries_refresh(owner_ids=[owners[0].pk])
        assert len(built) == 4
        FxRate.objects.all().delete()
        pipeline_summaries_refresh(owner_ids=[owners[0].pk])
        assert len(built) == 5
        pipeline_summaries_refresh(owner_ids=[owners[1].pk])
        assert len(built) == 5
        with timezone.override("Asia/Tokyo"):  # dates of stage changes are taken in the active zone
            pipeline_summaries_refresh(owner_ids=[owners[1].pk])
        assert len(built) == 6


def test_two_tenants_of_one_shape_never_share_rows(db, settings, monkeypatch):
    """Same day, period, owner count (and no norms or FX for either): each tenant's refresh stores its own
    rows, equal to its uncached refresh, and leaves the other tenant's alone."""
    settings.PIPELINE_SUMMARIES = True
    summaries.compiled_statements_clear()
    (rng_a, a, owners_a), (rng_b, b, owners_b) = (_world(5, slug, fx=False) for slug in ("twina", "twinb"))
    for tenant in (a, b):
        with tenant_atomic(tenant):
            PipelineStageNorm.objects.all().delete()
        _refresh_uncached(monkeypatch, tenant, None)
    before_b = _stored(b)
    _assert_cached_equals_uncached_and_rebuild(monkeypatch, a, sorted(_mutate(rng_a, a, owners_a)))
    assert _stored(b) == before_b
    _assert_cached_equals_uncached_and_rebuild(monkeypatch, b, sorted(_mutate(rng_b, b, owners_b)))
    with tenant_atomic(b):
        assert set(PipelineSummary.objects.values_list("owner_id", flat=True)) <= {o.pk for o in owners_b}
    before_a = _stored(a)
    with tenant_atomic(b):  # the second tenant's first FX rate: its statements convert from now on
        FxRate.objects.create(currency="EUR", rate_to_base=Decimal("1.5"), effective_from=dt.date(2016, 1, 1))
    _refresh_uncached(monkeypatch, b, None)
    _assert_cached_equals_uncached_and_rebuild(monkeypatch, b, [owners_b[0].pk])
    _assert_cached_equals_uncached_and_rebuild(monkeypatch, a, [owners_a[0].pk])
    assert _stored(a) == before_a
