"""The formatting layer: exact money, compact summaries, counts, periods, percentages, times, ticks."""

import datetime as dt
from decimal import Decimal

import pytest
from django.template import Context, Template
from hypothesis import given
from hypothesis import strategies as st

from spm import formatting as f
from spm.tenancy.context import tenant_scope


@pytest.mark.parametrize(("value", "expected"), [
    (Decimal("1234.5"), "USD 1,234.50"),
    (Decimal("98.885"), "USD 98.89"),  # half up on the exact value, never through float
    (Decimal("-0.004"), "USD 0.00"),
    (Decimal("-120"), "USD -120.00"),
    ("not a number", ""),
])
def test_money_is_exact_to_the_cent(value, expected):
    assert f.money(value, "usd") == expected


def test_money_follows_the_locale():
    assert f.money(Decimal("1234567.5"), "EUR", locale="de_DE") == "EUR 1.234.567,50"


@pytest.mark.parametrize(("value", "expected"), [
    (Decimal("65743300"), "USD 65.7M"),
    (Decimal("812400"), "USD 812K"),
    (Decimal("9850"), "USD 9.9K"),
    (Decimal("950"), "USD 950"),
    (Decimal("999960"), "USD 1M"),
    (Decimal("-2500000"), "USD -2.5M"),
    (Decimal("3000000000"), "USD 3B"),
])
def test_compact_money_for_summaries(value, expected):
    assert f.money_compact(value, "USD") == expected


def test_whole_money_and_counts_have_separators():
    assert f.money_whole(Decimal("65743300.49"), "USD") == "USD 65,743,300"
    assert f.count(25325) == "25,325"


@pytest.mark.parametrize(("key", "fy", "expected"), [
    ("2026-11", 1, "Nov 2026"), ("2026-Q4", 1, "Q4 2026"), ("2026", 1, "FY 2026"), ("2027-Q1", 4, "Q1 FY2027"),
    ("2026Q4", 1, "Q4 2026"), ("2027Q1", 4, "Q1 FY2027"),  # the metrics' and backtest's keys read the same
    ("garbage", 1, "garbage"),
])
def test_periods_read_as_words(key, fy, expected):
    assert f.period_label(key, fy) == expected


def test_percentages_drop_trailing_zeros():
    assert (f.percent(Decimal("0.625")), f.percent(1), f.percent(Decimal("0.12345"), 2)) == ("62.5%", "100%", "12.35%")


def test_times_are_to_the_minute_in_the_tenant_time_zone():
    moment = dt.datetime(2026, 12, 2, 14, 5, 59, 123456, tzinfo=dt.UTC)
    assert f.datetime_label(moment, "Europe/Berlin") == "Dec 2, 2026 15:05"


def test_attainment_ticks_are_round_numbers():
    assert f.percent_ticks(2.26) == [0.0, 0.5, 1.0, 1.5, 2.0, 2.5]
    assert f.percent_ticks(0.4) == [0.0, 0.2, 0.4, 0.6, 0.8, 1.0]


@given(st.decimals(min_value=-10**12, max_value=10**12, places=4, allow_nan=False))
def test_money_always_rounds_half_up_like_the_ledger(value):
    from decimal import ROUND_HALF_UP
    expected = value.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    text = f.money(value).replace(",", "")
    assert Decimal(text) == expected


def test_templates_use_the_tenant_locale_and_zone(acme):
    acme.tenant.locale, acme.tenant.time_zone = "de_DE", "Europe/Berlin"
    template = Template('{% load fmt %}{{ x|money:"EUR" }}|{{ x|money_compact:"EUR" }}|{{ p|period }}|{{ t|when }}')
    with tenant_scope(acme.tenant):
        out = template.render(Context({"x": Decimal("1234567.5"), "p": "2026-11",
                                       "t": dt.datetime(2026, 12, 2, 14, 5, tzinfo=dt.UTC)}))
    assert out == "EUR 1.234.567,50|EUR 1,2M|Nov 2026|Dec 2, 2026 15:05"


def test_people_read_by_name_and_months_by_word(acme):
    named, bare = acme.users["rep"], acme.users["finance"]
    named.first_name, named.last_name, bare.first_name, bare.last_name = "Ana", "Ruiz", "", ""
    template = Template("{% load fmt %}{{ a|person }}|{{ b|person }}|{{ c|person }}|{{ d|period }}")
    with tenant_scope(acme.tenant):
        out = template.render(Context({"a": named, "b": bare, "c": None, "d": dt.date(2026, 11, 30)}))
    assert out == "Ana Ruiz|finance@acme.test||Nov 2026"


@given(st.decimals(min_value=-10**12, max_value=10**12, allow_nan=False, places=4),
       st.sampled_from(["en_US", "de_DE", "fr_FR", "sv_SE", "de_CH", "es_ES", "hi_IN"]), st.sampled_from([0, 2]))
def test_remembered_layouts_are_babels(value, locale, places):
    """The layout memo answers exactly what Babel does, however the same amount is written."""
    from babel.numbers import format_decimal

    expected = format_decimal(f._half_up(value, places), format="#,##0" + (".00" if places else ""), locale=locale)
    assert f._digits(value, places, locale) == expected
    assert f._digits(Decimal(str(value)) * 1, places, locale) == expected
    assert f._digits(value.normalize() if value else value, places, locale) == expected
