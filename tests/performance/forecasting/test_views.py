"""The forecast page: who may open it and do what, what it shows, bounded queries."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from performance.forecasting.models import ForecastOverride, ForecastSubmission
from spm.tenancy.db import tenant_atomic

pytestmark = pytest.mark.django_db


def url(name, world, **kwargs):
    return reverse(name, kwargs={"tenant": world.tenant.slug, **kwargs})


@pytest.mark.parametrize("persona", ["rep", "manager", "revops", "finance", "executive", "admin"])
def test_every_role_opens_the_forecast_page(client, history_world, persona, django_assert_max_num_queries):
    client.force_login(history_world.users[persona])
    with django_assert_max_num_queries(40):
        response = client.get(url("performance:forecast", history_world) + "?period=2017-Q2")
    assert response.status_code == 200
    body = response.content.decode()
    assert "Which call to trust" in body and "Forecast vs target vs actual" in body


def test_a_repeated_view_reads_its_figures_from_the_cache_and_a_new_call_moves_them(client, history_world,
                                                                                     django_assert_max_num_queries):
    client.force_login(history_world.users["revops"])
    path = url("performance:forecast", history_world) + "?period=2017-Q2"
    def page() -> str:  # the CSRF token is masked afresh per response
        return re.sub(r'(csrfmiddlewaretoken" value=|X-CSRFToken": )"\w+"', "", client.get(path).content.decode())

    first = page()
    with django_assert_max_num_queries(16):  # request bookkeeping, visibility, model, data version
        assert page() == first
    rep = history_world.sellers["rep"]
    with tenant_atomic(history_world.tenant):
        from performance.forecasting.services import forecast_submit
        forecast_submit(seller=rep, period="2017-Q2", commit="123456", best_case="234567", actor=history_world.users["rep"])
    assert "123,456" in client.get(path).content.decode()


def test_the_manager_sees_their_teams_rollup_not_the_peers(client, history_world):
    client.force_login(history_world.users["manager"])
    body = client.get(url("performance:forecast", history_world) + "?period=2017-Q2").content.decode()
    assert "acme Rep" in body and "acme Peer" not in body
    assert 'data-testid="backtest"' in body


def test_a_rep_submits_their_call_and_may_not_override(client, acme):
    client.force_login(acme.users["rep"])
    response = client.post(url("performance:forecast_submit", acme),
                           {"period": "2027-Q1", "commit": "1000", "best_case": "2000", "note": "solid"})
    assert response.status_code == 302
    with tenant_atomic(acme.tenant):
        submission = ForecastSubmission.objects.get()
    assert submission.seller == acme.sellers["rep"] and str(submission.commit) == "1000.00"
    response = client.post(url("performance:forecast_override", acme),
                           {"seller": acme.sellers["manager"].pk, "period": "2027-Q1", "commit": "1", "best_case": "2"})
    assert response.status_code == 403


def test_a_bad_call_is_refused_with_the_reason_and_nothing_written(client, acme):
    client.force_login(acme.users["rep"])
    response = client.post(url("performance:forecast_submit", acme),
                           {"period": "2027-Q1", "commit": "3000", "best_case": "2000"}, follow=True)
    assert "best_case" in response.content.decode()
    with tenant_atomic(acme.tenant):
        assert not ForecastSubmission.objects.exists()


def test_a_manager_overrides_their_team_and_removes_it_but_not_a_peers_team(client, acme):
    client.force_login(acme.users["manager"])
    response = client.post(url("performance:forecast_override", acme),
                           {"seller": acme.sellers["manager"].pk, "period": "2027-Q1", "commit": "5", "best_case": "6"})
    assert response.status_code == 302
    with tenant_atomic(acme.tenant):
        override = ForecastOverride.objects.get()
    response = client.post(url("performance:forecast_override", acme),
                           {"seller": acme.sellers["other_manager"].pk, "period": "2027-Q1", "commit": "5",
                            "best_case": "6"})
    assert response.status_code == 404
    client.post(url("performance:forecast_override_remove", acme, pk=override.pk))
    with tenant_atomic(acme.tenant):
        override.refresh_from_db()
    assert override.removed_at is not None


def test_only_revops_and_admin_train_the_model(client, acme):
    client.force_login(acme.users["manager"])
    assert client.post(url("performance:forecast_model_train", acme)).status_code == 403
    client.force_login(acme.users["revops"])
    assert client.post(url("performance:forecast_model_train", acme)).status_code == 302


def test_revops_sets_stage_probabilities_on_the_page_and_a_manager_may_not(client, history_world):
    from performance.models import PipelineStage

    target = url("performance:forecast_stages", history_world)
    client.force_login(history_world.users["manager"])
    assert client.post(target, {"probability-Prospect": "0.3"}).status_code == 403
    client.force_login(history_world.users["revops"])
    assert client.post(target, {"probability-Prospect": "0.3", "period": "2017-Q2"}).status_code == 302
    with tenant_atomic(history_world.tenant):
        assert str(PipelineStage.objects.get(name="Prospect").probability) == "0.3000"
    body = client.get(url("performance:forecast", history_world) + "?period=2017-Q2").content.decode()
    assert 'name="probability-Prospect"' in body


def test_a_refused_call_comes_back_with_what_the_rep_typed_and_the_reason_beside_it(client, acme):
    client.force_login(acme.users["rep"])
    response = client.post(url("performance:forecast_submit", acme),
                           {"period": "2027-Q1", "commit": "3000", "best_case": "2000", "note": "big quarter"})
    assert response.status_code == 200  # the page again, not a redirect that drops the numbers
    page = response.content.decode()
    form = page[page.index('data-testid="submit-form"'):]
    form = form[:form.index("</form>")]
    assert 'value="3000"' in form and 'value="2000"' in form and "big quarter" in form
    assert 'class="errorlist"' in form and "is below the commit 3000" in form
    with tenant_atomic(acme.tenant):
        assert not ForecastSubmission.objects.exists()
