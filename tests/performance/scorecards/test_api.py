"""Scorecards API: the page's cards as JSON, scoped to the viewer."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.django_db


def test_scorecards_endpoint(client, acme, globex, django_assert_max_num_queries):
    client.force_login(acme.users["manager"])
    with django_assert_max_num_queries(20):
        r = client.get("/api/v1/t/acme/scorecards/?period=2027-Q1")
    assert r.status_code == 200
    body = r.json()
    rep = next(c for c in body["cards"] if c["label"] == "acme Rep")
    assert rep["attainment"] == 0.6 and rep["bookings"] == "60000.00" and rep["quota"] == "100000.00"
    assert all(c["label"] != "acme Peer" for c in body["cards"])
    assert body["attainment_distribution"]["50–75%"] == 1
    assert client.get("/api/v1/t/acme/scorecards/?kind=planet").status_code == 400
    client.force_login(globex.users["admin"])
    assert client.get("/api/v1/t/acme/scorecards/").status_code == 404
