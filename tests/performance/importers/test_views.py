"""The imports pages: upload → mapping guessed from the headers (saved per tenant) → import → report,
errors listed with the error file; big files go to the Celery task; Pay is asked to recalculate."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from compensation.models import CalculationRun
from performance.models import ImportJob, ImportMapping, Opportunity
from planning.models import Seller
from spm.hub import imports as hub_imports
from spm.tenancy.db import tenant_atomic

pytestmark = pytest.mark.django_db

CRM_FILE = ("Opportunity ID,Account Name,Owner,Deal Stage,Deal Value,Currency,Created,Close Date,Won,Closed,Notes\n"
            "X-1,Globo,rep-seller@acme.test,Contract signed,25000,USD,2026-12-01,2027-01-20,yes,yes,hello\n"
            "X-2,,rep-seller@acme.test,Discovery,9000,USD,2026-12-05,,no,no,\n")


def url(name: str, world, **kwargs) -> str:
    return reverse(name, kwargs={"tenant": world.tenant.slug, **kwargs})


@pytest.fixture
def emails(acme):
    with tenant_atomic(acme.tenant):
        Seller.objects.filter(pk=acme.sellers["rep"].pk).update(email="rep-seller@acme.test")
    return acme


def upload(client, world, text: str, kind: str = "opportunities", name: str = "crm.csv"):
    return client.post(url("hub:imports", world), {"kind": kind, "file": SimpleUploadedFile(name, text.encode()),
                                                   "encoding": ""})


def job_of(world) -> ImportJob:
    with tenant_atomic(world.tenant):
        return ImportJob.objects.order_by("-id").first()


@pytest.fixture
def calculated(emails):
    """acme's January as the engine left it (recalculation on change keeps engine-made statements only)."""
    with tenant_atomic(emails.tenant):
        CalculationRun.objects.create(tenant=emails.tenant, period_from="2027-01", period_through="2027-01",
                                      status=CalculationRun.Status.SUCCEEDED, progress=100)
    return emails


def test_upload_guesses_the_mapping_imports_and_saves_the_mapping(client, calculated, django_capture_on_commit_callbacks):
    emails = calculated
    client.force_login(emails.users["revops"])
    response = upload(client, emails, CRM_FILE)
    job = job_of(emails)
    assert response.status_code == 302 and response["Location"].endswith(f"/imports/{job.pk}/")
    assert job.status == "mapping" and job.row_count == 2
    assert job.mapping == {"external_id": "Opportunity ID", "account": "Account Name", "owner_email": "Owner",
                           "stage": "Deal Stage", "amount": "Deal Value", "currency": "Currency",
                           "created_date": "Created", "close_date": "Close Date", "is_won": "Won", "is_closed": "Closed"}
    page = client.get(url("hub:import_detail", emails, pk=job.pk)).content.decode()
    assert '<option value="Deal Value" selected>' in page
    form = {f"map_{k}": v for k, v in job.mapping.items()} | {"as_of": "2027-01-21"}
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url("hub:import_detail", emails, pk=job.pk), form)
    assert response.status_code == 302
    job = job_of(emails)
    assert job.status == "succeeded", job.message
    assert job.report["created"] == 2 and job.data in (b"", memoryview(b""))
    with tenant_atomic(emails.tenant):
        won = Opportunity.objects.get(external_id="X-1")
        assert (won.amount, won.is_won, won.stage) == (Decimal("25000.00"), True, "Contract signed")
        assert ImportMapping.objects.get(kind="opportunities").mapping["amount"] == "Deal Value"
        # the deal closes in 2027-01, which has statements: the change feed had Pay recalculate it
        assert CalculationRun.objects.filter(period_from="2027-01", message__startswith="Recalculated after").exists()
    assert "Pay: recalculation of 2027-01–2027-01 queued" in job.message
    page = client.get(url("hub:import_detail", emails, pk=job.pk)).content.decode()
    assert 'id="import-counts"' in page and "Imported: 2 rows" in page


def test_errors_are_listed_and_downloadable_and_nothing_is_written(client, emails):
    client.force_login(emails.users["revops"])
    bad = CRM_FILE.replace("25000", "25k").replace("2026-12-05", "2026-12-45")
    upload(client, emails, bad)
    job = job_of(emails)
    client.post(url("hub:import_detail", emails, pk=job.pk), {f"map_{k}": v for k, v in job.mapping.items()})
    job = job_of(emails)
    assert job.status == "failed" and job.report["error_count"] == 2
    page = client.get(url("hub:import_detail", emails, pk=job.pk)).content.decode()
    assert 'id="import-errors"' in page and "25k" in page and "2026-12-45" in page
    csv_text = client.get(url("hub:import_errors", emails, pk=job.pk)).content.decode()
    assert csv_text.splitlines()[1:] == [
        'crm.csv,2,amount,25k,"not an amount: use digits with an optional decimal point (no units, letters or symbols)"',
        "crm.csv,3,created_date,2026-12-45,not a date: use YYYY-MM-DD",
    ]
    with tenant_atomic(emails.tenant):
        assert not Opportunity.objects.filter(external_id__startswith="X-").exists()


def test_a_required_column_left_unmapped_is_refused_on_the_page(client, emails):
    client.force_login(emails.users["revops"])
    upload(client, emails, CRM_FILE)
    job = job_of(emails)
    form = {f"map_{k}": v for k, v in job.mapping.items() if k != "amount"}
    response = client.post(url("hub:import_detail", emails, pk=job.pk), form, follow=True)
    assert "choose the file&#x27;s column for amount" in response.content.decode()
    assert job_of(emails).status == "mapping"


def test_a_large_file_goes_to_the_celery_task(client, emails, monkeypatch, django_capture_on_commit_callbacks):
    monkeypatch.setattr(hub_imports, "SYNC_ROWS", 1)
    client.force_login(emails.users["admin"])
    upload(client, emails, CRM_FILE)
    job = job_of(emails)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        client.post(url("hub:import_detail", emails, pk=job.pk), {f"map_{k}": v for k, v in job.mapping.items()})
    assert job_of(emails).status == "queued" and len(callbacks) == 1
    page = client.get(url("hub:import_progress", emails, pk=job.pk)).content.decode()
    assert 'hx-trigger="every 1s"' in page
    callbacks[0]()  # the task (eager here)
    assert job_of(emails).status == "succeeded"
    assert 'hx-trigger' not in client.get(url("hub:import_progress", emails, pk=job.pk)).content.decode()


def test_an_unreadable_upload_fails_at_once_naming_the_byte(client, emails):
    client.force_login(emails.users["revops"])
    client.post(url("hub:imports", emails), {"kind": "sellers", "file": SimpleUploadedFile("s.csv", b"email,name\n\xff,x\n")})
    job = job_of(emails)
    assert job.status == "failed" and job.report["errors"][0]["line"] == 2


def test_only_revops_and_admin_import(client, emails):
    for persona, code in (("rep", 403), ("manager", 403), ("finance", 403), ("revops", 200), ("admin", 200)):
        client.force_login(emails.users[persona])
        assert client.get(url("hub:imports", emails)).status_code == code, persona


def test_the_list_page_has_a_bounded_query_count(client, emails, django_assert_max_num_queries):
    client.force_login(emails.users["revops"])
    for i in range(3):
        upload(client, emails, CRM_FILE, name=f"f{i}.csv")
    with django_assert_max_num_queries(12):
        assert client.get(url("hub:imports", emails)).status_code == 200


def test_webhook_secret_is_created_and_replaced(client, emails):
    client.force_login(emails.users["revops"])
    client.post(url("hub:webhook_secret", emails))
    page = client.get(url("hub:imports", emails)).content.decode()
    assert 'id="webhook-secret"' in page
    with tenant_atomic(emails.tenant):
        from performance.models import CrmWebhook
        first = CrmWebhook.objects.get().secret
    client.post(url("hub:webhook_secret", emails))
    with tenant_atomic(emails.tenant):
        assert CrmWebhook.objects.get().secret != first


def test_dry_run_from_the_page_writes_nothing(client, emails):
    client.force_login(emails.users["revops"])
    upload(client, emails, CRM_FILE)
    job = job_of(emails)
    client.post(url("hub:import_detail", emails, pk=job.pk),
                {f"map_{k}": v for k, v in job.mapping.items()} | {"dry_run": "on", "as_of": dt.date.today().isoformat()})
    job = job_of(emails)
    assert job.status == "succeeded" and job.report["created"] == 2 and "dry run" in job.message
    with tenant_atomic(emails.tenant):
        assert not Opportunity.objects.filter(external_id__startswith="X-").exists()


def test_an_imported_won_deal_marks_its_sellers_month_changed(emails):
    from spm.hub.imports import columns_for, import_opportunities_file
    from spm.imports import guess_mapping
    from spm.models import InputChange

    mapping = guess_mapping(CRM_FILE.splitlines()[0].split(","), columns_for("opportunities"))
    outcome = import_opportunities_file(data=CRM_FILE.encode(), file="crm.csv", tenant_slug="acme", mapping=mapping)
    assert outcome.ok and outcome.pay_months == ["2027-01"]
    with tenant_atomic(emails.tenant):
        changed = set(InputChange.objects.values_list("seller_id", "month"))
    assert (emails.sellers["rep"].pk, "2027-01") in changed
    assert (emails.sellers["manager"].pk, "2027-01") in changed  # the roll-up above the rep too


def test_one_import_asks_pay_for_exactly_one_recalculation(calculated, monkeypatch, django_capture_on_commit_callbacks):
    """The change feed is the one trigger: one task for the import's transaction, no second full run."""
    from compensation import services as pay_services
    from compensation import tasks as pay_tasks
    from spm.hub.imports import import_opportunities_file

    sent, requested = [], []
    monkeypatch.setattr(pay_tasks.recalculate_after_change, "delay", lambda **kw: sent.append(kw))
    monkeypatch.setattr(pay_services, "calculation_request", lambda **kw: requested.append(kw))
    canonical = CRM_FILE.replace("Opportunity ID,Account Name,Owner,Deal Stage,Deal Value,Currency,Created,Close Date,"
                                 "Won,Closed", "external_id,account,owner_email,stage,amount,currency,created_date,"
                                               "close_date,is_won,is_closed")
    with django_capture_on_commit_callbacks(execute=True):
        outcome = import_opportunities_file(data=canonical.encode(), file="crm.csv", tenant_slug="acme")
    assert outcome.ok and outcome.recalculation == "recalculation of 2027-01–2027-01 queued"
    assert requested == []
    assert len(sent) == 1 and sent[0]["months"] == ["2027-01"]
    assert calculated.sellers["rep"].pk in sent[0]["seller_ids"]
