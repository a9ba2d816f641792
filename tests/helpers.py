"""Helpers shared by the page and API tests of every app."""

from __future__ import annotations

from django.urls import reverse

ALL = ["rep", "peer", "manager", "revops", "finance", "executive", "admin"]


def url(name: str, world, **kwargs) -> str:
    return reverse(name, kwargs={"tenant": world.tenant.slug, **kwargs})


def get_as(client, world, persona: str, path: str):
    client.force_login(world.users[persona])
    return client.get(path)


def results(response) -> list[dict]:
    """The rows of a paginated API list answer (asserting it is a 200)."""
    assert response.status_code == 200, response.content
    return response.json()["results"]
