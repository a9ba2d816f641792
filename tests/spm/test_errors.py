"""Structured domain errors: a field and a code, the HTTP status chosen in one handler, no 500."""

import datetime as dt

from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse

from spm.api.exceptions import domain_error_status
from spm.errors import ConflictError, DomainError, NotFoundError, PermissionDeniedError
from spm.models import Period
from spm.tenancy.db import tenant_atomic
from spm.upsert import full_clean_or_raise


def test_a_domain_error_names_its_field_and_code():
    exc = DomainError("amount: not a number", field="amount", code="invalid_amount")
    assert (exc.field, exc.code, exc.message) == ("amount", "invalid_amount", "amount: not a number")


def test_the_status_comes_from_the_error_type_alone():
    assert [domain_error_status(e("x")) for e in (DomainError, NotFoundError, PermissionDeniedError, ConflictError)] \
        == [400, 404, 403, 409]


def test_a_validation_error_becomes_a_domain_error_naming_the_field():
    exc = DomainError.from_validation_error(ValidationError({"currency": ["Use a three-letter ISO currency code."]}))
    assert exc.field == "currency" and exc.message == "currency: Use a three-letter ISO currency code."


def test_full_clean_inside_a_service_raises_a_domain_error_not_a_validation_error(acme):
    with tenant_atomic(acme.tenant):
        bad = Period(tenant=acme.tenant, key="2027-01", kind="month", start=dt.date(2027, 1, 1), end=None)
        try:
            full_clean_or_raise(bad)
        except DomainError as exc:
            assert exc.field == "end"
        else:  # pragma: no cover - the assertion above is the test
            raise AssertionError("full_clean_or_raise accepted a period without an end")


def test_an_api_refusal_carries_detail_code_and_field(acme):
    from spm.services import period_close

    with tenant_atomic(acme.tenant):
        period_close(period="2027-02", actor=acme.users["finance"])
    client = Client()
    client.force_login(acme.users["finance"])
    response = client.post("/api/v1/t/acme/adjustments/",
                           {"seller": acme.sellers["rep"].pk, "period": "2027-02", "amount": "10.00", "reason": "late"},
                           content_type="application/json")
    assert response.status_code == 409
    body = response.json()
    assert body["code"] == "conflict" and body["field"] == "period" and "2027-02 is closed" in body["detail"]


def test_a_refused_post_on_a_page_is_a_message_not_a_500(acme, monkeypatch):
    """Whatever a view lets escape, the tenant view base answers with the message after rollback."""
    from compensation import services

    def refuse(**kwargs):
        raise ValidationError({"period": ["that month is frozen"]})

    monkeypatch.setattr(services, "statement_publish", refuse)
    client = Client()
    client.force_login(acme.users["finance"])
    statement = acme.statements["rep"]
    page = reverse("compensation:statement_detail", kwargs={"tenant": "acme", "pk": statement.pk})
    url = reverse("compensation:statement_publish", kwargs={"tenant": "acme", "pk": statement.pk})
    response = client.post(url, HTTP_REFERER=f"http://testserver{page}")
    assert response.status_code == 302 and response["Location"].endswith(page)
    assert "that month is frozen" in client.get(page).content.decode()
    # without a page to go back to, the refusal is a 400 that says why
    bare = client.post(url)
    assert bare.status_code == 400 and "that month is frozen" in bare.content.decode()
