import pytest
from django.db import connection

from planning.models import Seller
from spm.tenancy.context import TenantScopeError
from spm.tenancy.db import tenant_atomic


def test_scoped_manager_raises_without_a_tenant(acme):
    with pytest.raises(TenantScopeError):
        list(Seller.objects.all())


def test_scoped_manager_sees_only_its_tenant(acme, globex):
    with tenant_atomic(acme.tenant):
        names = set(Seller.objects.values_list("name", flat=True))
    assert names and all(n.startswith("acme") for n in names)


@pytest.mark.postgres
def test_app_runs_as_a_role_that_cannot_bypass_rls(acme, globex):
    with tenant_atomic(acme.tenant), connection.cursor() as cursor:
        cursor.execute("SELECT rolsuper, rolbypassrls FROM pg_roles WHERE rolname = current_user")
        assert cursor.fetchone() == (False, False)
        cursor.execute("SELECT count(*) FROM planning_seller WHERE tenant_id = %s", [globex.tenant.pk])
        assert cursor.fetchone()[0] == 0
