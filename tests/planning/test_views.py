"""Plan pages: the seller tree."""

from __future__ import annotations

import pytest

from tests.helpers import get_as, url

pytestmark = pytest.mark.django_db



def test_seller_tree_is_indented_by_manager(client, acme):
    content = get_as(client, acme, "revops", url("planning:sellers", acme)).content.decode()
    vp, mgr, rep = content.index("acme VP"), content.index("acme Manager"), content.index("acme Rep")
    assert vp < mgr < rep
