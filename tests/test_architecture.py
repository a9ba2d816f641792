"""Promises of the layout that a linter alone does not keep."""

import pkgutil
import tomllib
from pathlib import Path

import pytest

import spm

ROOT = Path(__file__).resolve().parent.parent
# Modules of the `spm` package that wire the project (and may name the apps) or are the hub.
WIRING = {"spm.settings", "spm.urls", "spm.wsgi", "spm.asgi", "spm.apps", "spm.celery", "spm.hub"}


def _contracts() -> list[dict]:
    return tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["importlinter"]["contracts"]


def test_every_kernel_module_is_under_the_kernel_contract():
    """A new spm module is either kernel (listed, so it may not import a pillar) or named wiring."""
    kernel = next(c for c in _contracts() if c["name"].startswith("The spm kernel"))
    listed = set(kernel["source_modules"])
    modules = {f"spm.{m.name}" for m in pkgutil.iter_modules(spm.__path__)}
    assert modules - listed - WIRING == set(), "add new kernel modules to the kernel contract in pyproject.toml"
    assert listed <= modules


def test_the_engine_contract_forbids_django():
    engine = next(c for c in _contracts() if c.get("source_modules") == ["compensation.engine"])
    assert "django" in engine["forbidden_modules"]


def test_get_queryset_of_the_api_base_is_final():
    from spm.api.base import TenantGenericViewSet

    with pytest.raises(TypeError, match="scope_queryset"):
        type("Leaky", (TenantGenericViewSet,), {"get_queryset": lambda self: None})
    ok = type("Fine", (TenantGenericViewSet,), {"scope_queryset": lambda self: None})
    assert ok.scope_queryset
