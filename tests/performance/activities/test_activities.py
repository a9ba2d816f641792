"""Activities: meetings logged (page, API) or imported, audited, visible to the owner and their
managers, and counted on the SDR scorecard."""

from __future__ import annotations

import datetime as dt
import io
import json

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import reverse
from django.utils import timezone

from performance.activities.models import Activity
from performance.activities.services import activity_log
from spm.errors import DomainError
from spm.models import AuditEvent
from spm.tenancy.db import tenant_atomic

pytestmark = pytest.mark.django_db


def coaching_url(world, persona="rep"):
    return reverse("performance:coaching_seller", kwargs={"tenant": "acme", "pk": world.sellers[persona].pk})


def test_logging_is_validated_and_audited(acme):
    rep, actor = acme.sellers["rep"], acme.users["rep"]
    today = timezone.localdate()
    with tenant_atomic(acme.tenant):
        activity_log(owner=rep, kind="meeting", occurred_on=today, actor=actor, subject="Discovery",
                     opportunity=acme.deals["rep"])
        for kwargs, field in [({"kind": "lunch"}, "kind"), ({"occurred_on": today + dt.timedelta(days=1)}, "occurred_on"),
                              ({"opportunity": acme.deals["peer"]}, "opportunity")]:
            with pytest.raises(DomainError) as exc:
                activity_log(**{"owner": rep, "kind": "meeting", "occurred_on": today, "actor": actor, **kwargs})
            assert exc.value.field == field
        assert Activity.objects.count() == 1
        assert list(AuditEvent.objects.filter(action="activity.log").values_list("actor_id", flat=True)) == [actor.pk]


def test_the_rep_logs_a_meeting_on_their_1to1_page_the_manager_sees_it_the_peer_cannot(client, acme):
    client.force_login(acme.users["rep"])
    day = (timezone.localdate() - dt.timedelta(days=2)).isoformat()
    response = client.post(coaching_url(acme) + "activities/", {"kind": "meeting", "occurred_on": day,
                                                               "subject": "Intro with Initrode"})
    assert response.status_code == 302
    # Someone else's page: not visible to a rep at all.
    assert client.post(coaching_url(acme, "peer") + "activities/", {"kind": "meeting", "occurred_on": day}).status_code == 404
    client.force_login(acme.users["manager"])
    body = client.get(coaching_url(acme)).content.decode()
    assert "Intro with Initrode" in body and "Log activity" in body
    client.force_login(acme.users["peer"])
    assert client.get(coaching_url(acme)).status_code == 404
    with tenant_atomic(acme.tenant):
        assert list(Activity.objects.values_list("owner_id", "kind")) == [(acme.sellers["rep"].pk, "meeting")]


def test_api_lists_what_the_viewer_may_see_and_refuses_bad_input(acme, api_as):
    day = (timezone.localdate() - dt.timedelta(days=1)).isoformat()
    rep_api = api_as(acme, "rep")
    created = rep_api.post("/api/v1/t/acme/activities/", {"owner": acme.sellers["rep"].pk, "kind": "call",
                                                          "occurred_on": day, "subject": "Follow-up call"}, format="json")
    assert created.status_code == 201, created.content
    assert created.json()["kind"] == "call"
    refused = rep_api.post("/api/v1/t/acme/activities/", {"owner": acme.sellers["peer"].pk, "kind": "call",
                                                          "occurred_on": day}, format="json")
    assert refused.status_code == 400 and "owner" in refused.json()["errors"]
    bad_deal = rep_api.post("/api/v1/t/acme/activities/", {"owner": acme.sellers["rep"].pk, "kind": "meeting",
                                                           "occurred_on": day, "opportunity": acme.deals["peer"].pk},
                            format="json")
    assert bad_deal.status_code == 400 and bad_deal.json()["field"] == "opportunity"
    peer_list = api_as(acme, "peer").get("/api/v1/t/acme/activities/")
    assert peer_list.status_code == 200 and peer_list.json()["results"] == []
    rows = api_as(acme, "manager").get("/api/v1/t/acme/activities/?kind=call").json()["results"]
    assert [r["subject"] for r in rows] == ["Follow-up call"]


ACTIVITIES = """external_id,owner_email,kind,date,subject,opportunity_external_id
A-1,{rep},Meeting,2026-11-03,Discovery,
A-2,{rep},call,2026-11-04,,
A-3,{manager},meeting,2026-11-05,Pipeline review,
"""


def emails(world):
    """The sellers' e-mails (the factories leave them blank; a CRM file names owners by e-mail)."""
    with tenant_atomic(world.tenant):
        for persona in ("rep", "manager"):
            seller = world.sellers[persona]
            seller.email = f"{persona}@acme.test"
            seller.save(update_fields=["email"])
    return {"rep": "rep@acme.test", "manager": "manager@acme.test"}


def run_json(path, **kwargs):
    out = io.StringIO()
    call_command("import_activities", str(path), tenant="acme", format="json", stdout=out, **kwargs)
    return json.loads(out.getvalue())


def test_import_upserts_on_external_id_and_says_when_nothing_changed(acme, tmp_path):
    path = tmp_path / "activities.csv"
    path.write_text(ACTIVITIES.format(**emails(acme)))
    assert {k: v for k, v in run_json(path).items() if k != "errors"} == {
        "rows": 3, "created": 3, "updated": 0, "unchanged": 0, "error_count": 0}
    assert run_json(path)["unchanged"] == 3
    path.write_text(ACTIVITIES.format(**emails(acme)).replace("Discovery", "Discovery (rescheduled)"))
    again = run_json(path)
    assert (again["created"], again["updated"], again["unchanged"]) == (0, 1, 2)
    with tenant_atomic(acme.tenant):
        assert Activity.objects.get(external_id="A-1").subject == "Discovery (rescheduled)"
        assert AuditEvent.objects.filter(action="import.activities").count() == 3


def test_a_bad_file_names_every_problem_and_writes_nothing(acme, tmp_path):
    e = emails(acme)
    future = (timezone.localdate() + dt.timedelta(days=3)).isoformat()
    path = tmp_path / "bad.csv"
    path.write_text(
        "external_id,owner_email,kind,date,opportunity_external_id\n"
        f"A-1,{e['rep']},meeting,2026-11-03,\n"
        f"A-1,{e['rep']},meeting,2026-11-04,\n"
        f"A-2,nobody@x.test,meeting,2026-11-04,\n"
        f"A-3,{e['rep']},lunch,2026-11-04,\n"
        f"A-4,{e['rep']},meeting,{future},\n"
        f"A-5,{e['rep']},meeting,2026-11-04,NO-SUCH-DEAL\n"
        f"A-6,{e['rep']},meeting,2026-11-04,{acme.deals['peer'].external_id}\n"
    )
    out = io.StringIO()
    with pytest.raises(CommandError):
        call_command("import_activities", str(path), tenant="acme", format="json", stdout=out)
    report = json.loads(out.getvalue())
    assert [(x["line"], x["column"]) for x in report["errors"]] == [
        (5, "kind"), (3, "external_id"), (4, "owner_email"), (6, "date"), (7, "opportunity_external_id"),
        (8, "opportunity_external_id")]
    with tenant_atomic(acme.tenant):
        assert Activity.objects.count() == 0


def test_an_unknown_workspace_is_refused_not_created(tmp_path):
    path = tmp_path / "a.csv"
    path.write_text("external_id,owner_email,kind,date\nA-1,a@x.test,meeting,2026-01-01\n")
    out = io.StringIO()
    with pytest.raises(CommandError):
        call_command("import_activities", str(path), tenant="nowhere", format="json", stdout=out)
    assert "no such workspace" in json.loads(out.getvalue())["errors"][0]["message"]


def test_the_sdr_scorecard_counts_meetings_held(client, acme):
    rep = acme.sellers["rep"]
    with tenant_atomic(acme.tenant):
        for day in (dt.date(2027, 1, 4), dt.date(2027, 2, 9), dt.date(2027, 4, 2)):  # two in Q1, one in Q2
            Activity.objects.create(owner=rep, kind="meeting", occurred_on=day, created_at=timezone.now())
        Activity.objects.create(owner=rep, kind="call", occurred_on=dt.date(2027, 1, 5), created_at=timezone.now())
        rep.role_type = "SDR"
        rep.save(update_fields=["role_type"])
    client.force_login(acme.users["manager"])
    url = reverse("performance:scorecard_seller", kwargs={"tenant": "acme", "pk": rep.pk})
    body = client.get(url, {"period": "2027-Q1"}).content.decode()
    assert "Meetings held" in body
    cards = client.get("/api/v1/t/acme/scorecards/?period=2027-Q1").json()["cards"]
    assert next(c for c in cards if c["key"] == str(rep.pk))["meetings"] == 2
