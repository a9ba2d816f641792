"""Bounded runs (issue 11, item 4): at most 24 months, never beyond the end of the next fiscal year."""

import datetime as dt

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from compensation.models import CalculationRun
from compensation.services.calculation import last_calculable_month, validate_run_range
from spm.errors import DomainError
from spm.tenancy.db import tenant_atomic

TODAY = dt.date(2026, 12, 2)


def test_last_calculable_month_is_the_end_of_the_next_fiscal_year():
    assert last_calculable_month(fy_start_month=1, today=TODAY) == "2027-12"
    # fiscal year starting in February: today is in FY 2026 (Feb 2026–Jan 2027); FY 2027 ends January 2028
    assert last_calculable_month(fy_start_month=2, today=TODAY) == "2028-01"
    assert last_calculable_month(fy_start_month=2, today=dt.date(2027, 1, 31)) == "2028-01"
    assert last_calculable_month(fy_start_month=2, today=dt.date(2027, 2, 1)) == "2029-01"


@pytest.mark.parametrize(("period_from", "period_through", "field", "words"), [
    ("2027-01", "5189-12", "period_through", "beyond 2027-12"),
    ("2028-01", "2028-01", "period_from", "beyond 2027-12"),
    ("2025-01", "2027-01", "period_through", "25 months"),
    ("2027-03", "2027-01", "period_through", "after"),
    ("2027-13", "2027-13", "period_from", "month key"),
])
def test_out_of_range_requests_name_the_field(period_from, period_through, field, words):
    with pytest.raises(DomainError, match=words) as caught:
        validate_run_range(period_from=period_from, period_through=period_through, fy_start_month=1, today=TODAY)
    assert caught.value.field == field


def test_twenty_four_months_through_the_end_of_next_year_are_allowed():
    validate_run_range(period_from="2026-01", period_through="2027-12", fy_start_month=1, today=TODAY)


@pytest.mark.django_db
def test_the_api_answers_400_with_the_field_and_starts_nothing(acme):
    from rest_framework.test import APIClient

    client = APIClient()
    client.force_login(acme.users["revops"])
    response = client.post("/api/v1/t/acme/runs/", {"period_from": "2027-01", "period_through": "5189-12"},
                           format="json")
    assert response.status_code == 400, response.content
    body = response.json()
    assert body["field"] == "period_through" and "end of the next fiscal year" in body["detail"]
    too_long = client.post("/api/v1/t/acme/runs/", {"period_from": "2024-01", "period_through": "2026-12"},
                           format="json")
    assert too_long.status_code == 400 and "at most 24 months" in too_long.json()["detail"]
    with tenant_atomic(acme.tenant):
        assert not CalculationRun.objects.exists()


@pytest.mark.django_db
def test_the_command_refuses_a_run_beyond_next_year(scenario_file):
    call_command("load_scenario", str(scenario_file), "--tenant", "bounds")
    with pytest.raises(CommandError, match="end of the next fiscal year"):
        call_command("calculate", "--tenant", "bounds", "--period", "2027-01", "--through", "5189-12")


@pytest.mark.django_db
def test_the_runs_page_shows_the_refusal(acme, client):
    client.force_login(acme.users["revops"])
    response = client.post("/t/acme/runs/new/", {"period_from": "2027-01", "period_through": "5189-12"},
                           follow=True)
    assert response.status_code == 400  # re-rendered with the refusal on the field, not a redirect
    body = response.content.decode()
    assert "Through month 5189-12 is beyond" in body and "end of the next fiscal year" in body  # the form's words


@pytest.mark.django_db
@pytest.mark.parametrize("period_from, period_through, field, words", [
    ("2027-01", "5189-12", "period_through", "end of the next fiscal year"),
    ("2024-01", "2026-12", "period_through", "at most 24 months"),
])
def test_the_runs_page_refuses_an_out_of_range_run_with_a_400(acme, client, period_from, period_through, field, words):
    # Issue 11 item 4: "a request outside that is refused with a clear 400" — the page as the API.
    client.force_login(acme.users["revops"])
    response = client.post("/t/acme/runs/new/", {"period_from": period_from, "period_through": period_through})
    assert response.status_code == 400
    assert words in response.content.decode()
    assert words in " ".join(response.context["form"].errors[field])
    with tenant_atomic(acme.tenant):
        assert not CalculationRun.objects.exists()
