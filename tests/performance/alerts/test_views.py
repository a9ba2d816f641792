"""The alert list: scoped to the viewer, links to the deal, says what to do; the API alike."""

from __future__ import annotations

import pytest
from django.urls import reverse

from performance.alerts import services
from performance.alerts.models import Alert
from spm.tenancy.db import tenant_atomic
from tests.performance.alerts.conftest import TODAY

pytestmark = pytest.mark.django_db


@pytest.fixture
def alerted(risky):
    with tenant_atomic(risky.tenant):
        services.alerts_refresh(today=TODAY)
    return risky


def _page(client, world, persona):
    client.force_login(world.users[persona])
    return client.get(reverse("performance:alerts", kwargs={"tenant": "acme"}))


def test_the_rep_sees_their_alerts_with_deal_links_and_actions_not_the_peers(client, alerted, django_assert_max_num_queries):
    client.force_login(alerted.users["rep"])
    with django_assert_max_num_queries(16):
        response = client.get(reverse("performance:alerts", kwargs={"tenant": "acme"}))
    body = response.content.decode()
    assert response.status_code == 200
    assert f"/t/acme/deals/{alerted.deals['stalled'].pk}/" in body and "Book a concrete next step" in body
    assert "acme Peer" not in body


def test_the_peers_manager_does_not_see_the_reps_alerts_and_revops_sees_all(client, alerted):
    assert "Rocket deal" not in _page(client, alerted, "peer").content.decode()
    body = _page(client, alerted, "revops").content.decode()
    assert "Rocket deal" in body and "Pipeline gap in 2027-Q1" in body


def test_finance_may_not_open_alerts_and_a_peer_may_not_dismiss_the_reps(client, alerted):
    assert _page(client, alerted, "finance").status_code == 403
    with tenant_atomic(alerted.tenant):
        alert = Alert.objects.get(kind="stalled")
    client.force_login(alerted.users["peer"])
    assert client.post(reverse("performance:alert_dismiss", kwargs={"tenant": "acme", "pk": alert.pk})).status_code == 404
    client.force_login(alerted.users["rep"])
    assert client.post(reverse("performance:alert_dismiss", kwargs={"tenant": "acme", "pk": alert.pk})).status_code == 302


def test_the_api_lists_the_viewers_alerts_with_the_deal_url(alerted, api_as):
    data = api_as(alerted, "manager").get("/api/v1/t/acme/alerts/").json()["results"]
    assert sorted(a["kind"] for a in data) == ["slipped", "stalled"]
    stalled = next(a for a in data if a["kind"] == "stalled")
    assert stalled["deal_url"] == f"/t/acme/deals/{alerted.deals['stalled'].pk}/"
    response = api_as(alerted, "manager").post(f"/api/v1/t/acme/alerts/{stalled['id']}/dismiss/")
    assert response.status_code == 200 and response.json()["status"] == "dismissed"
