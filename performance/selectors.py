"""Reads for the Perform pillar, all composed with the one visibility rule."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.db import connection
from django.db.models import Count, Q, QuerySet, Sum
from django.db.models.functions import TruncMonth

from performance.models import Opportunity, OpportunityEvent, OpportunitySplit, PipelineStage
from planning.selectors import visible_seller_ids
from spm.errors import DomainError
from spm.tenancy.access import TenantAccess
from spm.tenancy.context import current_tenant


def opportunity_list(*, access: TenantAccess, stage: str | None = None, search: str | None = None) -> QuerySet[Opportunity]:
    """Deals the viewer may see: owned by, or split to, a visible seller."""
    qs = Opportunity.objects.select_related("owner", "account")
    ids = visible_seller_ids(access)
    if ids is not None:
        # A semi-join, not a join + DISTINCT: counting, summing and paging then need no DISTINCT over
        # every column of every visible deal.
        split_to = OpportunitySplit.objects.filter(seller_id__in=ids).values("opportunity_id")
        qs = qs.filter(Q(owner_id__in=ids) | Q(pk__in=split_to))
    if stage:
        qs = qs.filter(stage=stage)
    if search:
        qs = qs.filter(Q(name__icontains=search) | Q(external_id__icontains=search) | Q(account__name__icontains=search))
    return qs


def stage_names() -> list[str]:
    """The tenant's stage names: its PipelineStages in order, then any other name a deal carries."""
    names = list(PipelineStage.objects.order_by("position", "name").values_list("name", flat=True))
    known = set(names)
    names += [s for s in _deal_stages() if s not in known]
    return names


# Each next stage name above the last one, by the (tenant, stage, close_date) index: one index probe
# per distinct stage instead of a scan of every deal (SELECT DISTINCT reads them all).
_SKIP_SCAN = """
WITH RECURSIVE found(stage) AS (
    (SELECT stage FROM performance_opportunity WHERE tenant_id = %(tenant)s ORDER BY stage LIMIT 1)
    UNION ALL
    SELECT (SELECT o.stage FROM performance_opportunity o WHERE o.tenant_id = %(tenant)s AND o.stage > found.stage
            ORDER BY o.stage LIMIT 1)
    FROM found WHERE found.stage IS NOT NULL
)
SELECT stage FROM found WHERE stage IS NOT NULL
"""


def _deal_stages() -> list[str]:
    """The distinct stage names the tenant's deals carry, in order."""
    if connection.vendor != "postgresql":
        return list(Opportunity.objects.order_by("stage").values_list("stage", flat=True).distinct())
    with connection.cursor() as cursor:
        cursor.execute(_SKIP_SCAN, {"tenant": current_tenant().pk})
        return [row[0] for row in cursor.fetchall()]


def opportunity_get(*, access: TenantAccess, pk: int) -> Opportunity | None:
    return opportunity_list(access=access).prefetch_related("splits__seller", "stage_changes").filter(pk=pk).first()


def bookings_by_month(*, access: TenantAccess, months: int) -> list[dict]:
    """{month, total, n} of the viewer's won deals for the last `months` months with bookings, oldest first.
    ``total`` is in the tenant's base currency at the rate in force on each close date, as the pipeline's
    bookings (``pipeline.selectors.base_amount``): a sum of raw amounts would add euros to dollars."""
    from performance.pipeline.selectors import with_base_amount

    qs, amount = with_base_amount(opportunity_list(access=access).filter(is_won=True, close_date__isnull=False),
                                  dt.date.today())  # the as-of day only dates deals with no close date: none here
    rows = list(
        qs.order_by().annotate(month=TruncMonth("close_date")).values("month")
        .annotate(total=Sum(amount), n=Count("id")).order_by("-month")[:months]
    )
    rows.reverse()
    return rows


# --- read contracts: plain rows the Pay pillar's calculation feed consumes ---------------------
# A deal credits sellers once it is closed-won with a close date; these three are the whole of
# what Pay reads of Perform.


def _won(closed_from: dt.date | None = None, parties: list[int] | None = None):
    won = Opportunity.objects.filter(is_won=True, close_date__isnull=False)
    if closed_from is not None:
        won = won.filter(close_date__gte=closed_from)
    if parties is not None:  # owned by one of them, or split with one of them
        won = won.filter(Q(owner_id__in=parties)
                         | Q(id__in=OpportunitySplit.objects.filter(seller_id__in=parties).values("opportunity_id")))
    return won


DEAL_ROW_FIELDS = ("id", "external_id", "owner_id", "amount", "currency", "close_date", "deal_type")


def credited_deal_rows(closed_from: dt.date | None = None,
                       parties: list[int] | None = None) -> list[tuple[int, str, int, Decimal, str, dt.date, str]]:
    """(id, external id, owner id, amount, currency, close date, deal type) of every closed-won
    deal with a close date (on or after `closed_from` when given; owned by or split with one of the
    seller ids `parties` when given), ordered by external id (one query)."""
    return list(_won(closed_from, parties).order_by("external_id").values_list(*DEAL_ROW_FIELDS))


def credited_split_rows(closed_from: dt.date | None = None,
                        parties: list[int] | None = None) -> list[tuple[int, int, Decimal]]:
    """(deal id, seller id, percent) of the splits of those closed-won deals (one query)."""
    return list(OpportunitySplit.objects.filter(opportunity__in=_won(closed_from, parties))
                .order_by("opportunity_id", "seller_id").values_list("opportunity_id", "seller_id", "pct"))


def credited_parties_in_currency(currency: str, closed_from: dt.date, closed_before: dt.date | None) -> set[int]:
    """Seller ids credited (owner or split) with a closed-won deal in `currency` closed from `closed_from`
    (until before `closed_before` when given): whom an FX rate of that span converts for (two queries)."""
    won = _won(closed_from).filter(currency__iexact=currency)
    if closed_before is not None:
        won = won.filter(close_date__lt=closed_before)
    return {*won.values_list("owner_id", flat=True),
            *OpportunitySplit.objects.filter(opportunity__in=won).values_list("seller_id", flat=True)}


def credited_deal_counts() -> list[tuple[int, int]]:
    """(seller id, closed-won deals that may credit them as a party) of every seller with one: the deals they
    own (split or not: an estimate from above) and their splits (two grouped queries, no join to the splits)."""
    won = _won()
    owned = won.order_by().values("owner_id").annotate(n=Count("id")).values_list("owner_id", "n")
    split = (OpportunitySplit.objects.filter(opportunity__in=won).order_by().values("seller_id")
             .annotate(n=Count("id")).values_list("seller_id", "n"))
    return [*owned, *split]


def iter_credited_deal_rows(chunk: int = 20_000):
    """`credited_deal_rows()` read in chunks (a server-side cursor on PostgreSQL): every closed-won deal
    without holding them all."""
    return _won().order_by("external_id").values_list(*DEAL_ROW_FIELDS).iterator(chunk_size=chunk)


def iter_credited_split_rows(chunk: int = 20_000):
    """(deal id, seller id, percent) of every closed-won deal's splits in the deals' order of
    `iter_credited_deal_rows` (by the deal's external id), read in chunks."""
    return (OpportunitySplit.objects.filter(opportunity__in=_won()).order_by("opportunity__external_id", "seller_id")
            .values_list("opportunity_id", "seller_id", "pct").iterator(chunk_size=chunk))


def churn_rows() -> list[tuple[str, dt.date]]:
    """(deal external id, date) of every churn event (one query)."""
    return list(OpportunityEvent.objects.filter(type=OpportunityEvent.Type.CHURN)
                .order_by("opportunity__external_id", "date").values_list("opportunity__external_id", "date"))


def churn_close_dates() -> list[tuple[dt.date | None, dt.date]]:
    """(close date of the deal, date of the event) of every churn event (one query): whether a clawback can
    reach back to a deal before a recalculated month (compensation.services.calculation.history_start)."""
    return list(OpportunityEvent.objects.filter(type=OpportunityEvent.Type.CHURN).order_by()
                .values_list("opportunity__close_date", "date"))


def deal_owners_by_external_id() -> dict[str, tuple[int, int]]:
    """{external id: (deal id, owner id)} of the tenant in scope, in one query (activity imports)."""
    return {ext: (pk, owner) for ext, pk, owner in
            Opportunity.objects.exclude(external_id="").order_by().values_list("external_id", "id", "owner_id")}


def seller_deal(*, seller, pk: int | None) -> Opportunity | None:
    """Deal `pk` when `seller` owns it (None for no deal); a DomainError on `opportunity` otherwise.

    What notes, follow-ups and activities attach to: only one of their seller's own deals."""
    if pk is None:
        return None
    deal = Opportunity.objects.filter(owner=seller, pk=pk).first()
    if deal is None:
        raise DomainError("opportunity: not one of this seller's deals", field="opportunity")
    return deal
