"""The formatting layer in templates, in the tenant's locale and time zone (see spm.formatting).

    {% load fmt %}
    {{ statement.total|money:statement.currency }}   USD 1,234.50   (statements, payroll: cents)
    {{ total|money_compact:"USD" }}                  USD 65.7M      (summaries)
    {{ total|money_whole:"USD" }}                    USD 65,743,300
    {{ lines|length|count }}                         25,325
    {{ fraction|percent }}                           62.5%
    {{ statement.period|period }}                    Nov 2026
    {{ event.created_at|when }}                      Dec 2, 2026 14:05 (tenant time zone)
    {{ deal.close_date|day }}                        Dec 2, 2026
    {{ statement.approved_by|person }}               Ana Ruiz (the e-mail when the user has no name)
"""

from __future__ import annotations

import datetime as dt

from django import template

from spm import formatting
from spm.tenancy.context import current_tenant_or_none

register = template.Library()


def _tenant_setting(name: str, default: str) -> str:
    tenant = current_tenant_or_none()
    return getattr(tenant, name, "") or default


def _locale() -> str:
    return _tenant_setting("locale", formatting.DEFAULT_LOCALE)


@register.filter(is_safe=True, name="money")
def money(value, currency: str = "") -> str:
    return formatting.money(value, currency, locale=_locale())


@register.filter(is_safe=True)
def money_whole(value, currency: str = "") -> str:
    return formatting.money_whole(value, currency, locale=_locale())


@register.filter(is_safe=True)
def money_compact(value, currency: str = "") -> str:
    return formatting.money_compact(value, currency, locale=_locale())


@register.filter(is_safe=True)
def count(value) -> str:
    return formatting.count(value, locale=_locale())


@register.filter(is_safe=True)
def percent(value, places: int = 1) -> str:
    try:
        places = int(places)
    except (TypeError, ValueError):
        places = 1
    return formatting.percent(value, places, locale=_locale())


@register.filter(is_safe=True)
def period(value) -> str:
    """A period key ('2026-11' → Nov 2026) or a date's month."""
    if isinstance(value, dt.date):
        return formatting.month_label(value)
    tenant = current_tenant_or_none()
    return formatting.period_label(value, getattr(tenant, "fiscal_year_start_month", 1) or 1)


@register.filter(is_safe=True)
def when(value) -> str:
    return formatting.datetime_label(value, _tenant_setting("time_zone", "UTC"))


@register.filter(is_safe=True)
def day(value) -> str:
    return formatting.date_label(value)


@register.filter
def person(user) -> str:
    """A user as people name them: full name, else e-mail, else username; blank for no user."""
    return formatting.person_name(user)
