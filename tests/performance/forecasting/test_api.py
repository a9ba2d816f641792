"""Forecasting API: the summary, the backtest, submissions and overrides, scoped to the viewer."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.django_db


def test_the_forecast_summary_has_target_actual_human_call_and_system_forecasts(history_world, api_as):
    response = api_as(history_world, "manager").get("/api/v1/t/acme/forecast/?period=2017-Q2")
    assert response.status_code == 200
    data = response.json()
    assert set(data) >= {"period", "currency", "target", "actual", "human_call", "system", "model", "rollup"}
    assert data["actual"] == "1500.00"
    assert set(data["system"]) >= {"weighted", "stage_conversion", "model"}
    assert {r["seller_name"] for r in data["rollup"]} == {"acme Manager", "acme Rep"}


def test_the_backtest_endpoint_matches_the_command_json(history_world, api_as):
    data = api_as(history_world, "revops").get("/api/v1/t/acme/forecast/backtest/").json()
    q2 = next(q for q in data["quarters"] if q["quarter"] == "2017Q2")
    assert q2["actual"] == "11500.00" and q2["methods"]["weighted"]["forecast"] == "2100.00"


def test_a_rep_submits_their_own_call_and_cannot_submit_for_a_peer(acme, api_as):
    client = api_as(acme, "rep")
    response = client.post("/api/v1/t/acme/forecast-submissions/",
                           {"period": "2027-Q1", "commit": "10.00", "best_case": "20.00"}, format="json")
    assert response.status_code == 201, response.content
    assert response.json()["seller"] == acme.sellers["rep"].pk
    response = client.post("/api/v1/t/acme/forecast-submissions/",
                           {"seller": acme.sellers["peer"].pk, "period": "2027-Q1", "commit": "1", "best_case": "2"},
                           format="json")
    assert response.status_code == 400  # the peer is not a seller the rep may name
    bad = client.post("/api/v1/t/acme/forecast-submissions/",
                      {"period": "2027-Q1", "commit": "5", "best_case": "1"}, format="json")
    assert bad.status_code == 400 and "best_case" in bad.content.decode()


def test_overrides_are_created_listed_and_removed_by_the_manager(acme, api_as):
    client = api_as(acme, "manager")
    response = client.post("/api/v1/t/acme/forecast-overrides/",
                           {"seller": acme.sellers["manager"].pk, "period": "2027-Q1", "commit": "7", "best_case": "9"},
                           format="json")
    assert response.status_code == 201, response.content
    pk = response.json()["id"]
    assert [o["id"] for o in client.get("/api/v1/t/acme/forecast-overrides/").json()["results"]] == [pk]
    assert client.delete(f"/api/v1/t/acme/forecast-overrides/{pk}/").status_code == 204
    assert client.get("/api/v1/t/acme/forecast-overrides/").json()["results"] == []
    assert api_as(acme, "rep").post("/api/v1/t/acme/forecast-overrides/", {}, format="json").status_code == 403


def test_revops_trains_the_model_through_the_api_and_a_manager_may_not(acme, api_as, django_capture_on_commit_callbacks):
    assert api_as(acme, "manager").post("/api/v1/t/acme/forecast-models/").status_code == 403
    with django_capture_on_commit_callbacks(execute=True):
        response = api_as(acme, "revops").post("/api/v1/t/acme/forecast-models/")
    assert response.status_code == 201, response.content
    runs = api_as(acme, "executive").get("/api/v1/t/acme/forecast-models/").json()["results"]
    assert runs[0]["status"] == "succeeded" and "backtest" not in runs[0]["metrics"]
    assert runs[0]["metrics"]["signal"] is False


def _grow(world, n: int) -> None:
    """n more rows of each listed table, spread over the manager's team."""
    import datetime as dt
    from decimal import Decimal

    from performance.alerts.models import Alert
    from performance.coaching.models import CoachingNote, FollowUp
    from performance.forecasting.models import ForecastOverride, ForecastSubmission, WinModelRun
    from spm.tenancy.db import tenant_atomic

    at = dt.datetime(2027, 1, 5, tzinfo=dt.UTC)
    rep, manager = world.sellers["rep"], world.sellers["manager"]
    with tenant_atomic(world.tenant):
        for i in range(n):
            ForecastSubmission.objects.create(seller=rep, period="2027-Q1", commit=Decimal(i), best_case=Decimal(i),
                                              submitted_at=at)
            ForecastOverride.objects.create(seller=manager, period=f"{2030 + i}-Q1", commit=Decimal(i),
                                            best_case=Decimal(i), created_at=at)
            WinModelRun.objects.create(status="succeeded", metrics={"signal": False})
            Alert.objects.create(kind="stalled", key=f"grow:{i}", seller=rep, opportunity=world.deals["rep"],
                                 message="m", action="a", created_at=at, updated_at=at)
            note = CoachingNote.objects.create(seller=rep, author=world.users["manager"], body=f"n{i}", created_at=at)
            FollowUp.objects.create(seller=rep, note=note, title=f"f{i}", due_date=dt.date(2027, 1, 9), created_at=at)


@pytest.mark.parametrize("route", ["forecast-submissions", "forecast-overrides", "alerts", "coaching-notes",
                                   "follow-ups", "forecast-models"])
def test_list_endpoints_have_bounded_query_counts(history_world, api_as, django_assert_max_num_queries, route):
    _grow(history_world, 8)
    client = api_as(history_world, "manager")
    client.get(f"/api/v1/t/acme/{route}/")  # session warm-up
    with django_assert_max_num_queries(12):
        response = client.get(f"/api/v1/t/acme/{route}/")
    assert response.status_code == 200


def test_the_forecast_summary_runs_a_bounded_number_of_queries(history_world, api_as, django_assert_max_num_queries):
    client = api_as(history_world, "revops")
    client.get("/api/v1/t/acme/forecast/?period=2017-Q2")
    with django_assert_max_num_queries(25):
        assert client.get("/api/v1/t/acme/forecast/?period=2017-Q2").status_code == 200
