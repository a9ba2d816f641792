"""API test helpers: an APIClient logged in as one persona of a tenant world."""

import pytest
from rest_framework.test import APIClient


@pytest.fixture
def api_as():
    """api_as(world, "finance") -> an APIClient logged in as that persona."""

    def make(world, persona: str) -> APIClient:
        client = APIClient()
        client.force_login(world.users[persona])
        return client

    return make


def results(response) -> list[dict]:
    assert response.status_code == 200, response.content
    return response.json()["results"]
