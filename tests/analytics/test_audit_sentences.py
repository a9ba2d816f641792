"""Audit events read as sentences: the verb of the action, the object named once, and actions whose
object is not the subject (the tenant of an import, a model run's status) worded for people."""

from types import SimpleNamespace

import pytest

from analytics.audit import sentence


def event(action, object_type, object_repr, object_id=1):
    return SimpleNamespace(action=action, object_type=object_type, object_repr=object_repr, object_id=object_id)


@pytest.mark.parametrize(("action", "object_type", "object_repr", "expected"), [
    ("statement.approve", "compensation.statement", "Carmen Petrov 2026-11", "Ana Ruiz approved Carmen Petrov's Nov 2026 statement"),
    ("dispute.open", "compensation.dispute", "Dispute 1 on Bookings commission (open)",
     "Ana Ruiz opened Dispute 1 on Bookings commission (open)"),
    ("territory_plan.publish", "planning.territoryplan", "Territories 2026", "Ana Ruiz published territory plan Territories 2026"),
    ("account.import", "spm.tenant", "Acme Corporation", "Ana Ruiz imported accounts"),
    ("forecast.model_train", "performance.winmodelrun", "win model 1 succeeded",
     "Ana Ruiz trained the win model (win model 1 succeeded)"),
    ("coaching.follow_up_done", "performance.followup", "Dated next step on Polarwind",
     "Ana Ruiz completed a follow-up: Dated next step on Polarwind"),
    ("deal.update", "performance.opportunity", "Polarwind – New logo", "Ana Ruiz changed deal Polarwind – New logo"),
    ("quota.update", "planning.quota", "Carmen Petrov bookings 2027-01", "Ana Ruiz changed Carmen Petrov's Jan 2027 bookings quota"),
    # imports whose object is the tenant: what was imported, not "imported tenant Acme" / "opportunities tenant Acme"
    ("quota.import", "spm.tenant", "Acme Corporation", "Ana Ruiz imported quotas"),
    ("import.opportunities", "spm.tenant", "Acme Corporation", "Ana Ruiz imported deals"),
    ("import.sellers", "spm.tenant", "Acme Corporation", "Ana Ruiz imported sellers"),
    ("import.activities", "spm.tenant", "Acme Corporation", "Ana Ruiz imported activities"),
    ("scenario.load", "spm.tenant", "Acme Corporation", "Ana Ruiz loaded a scenario file"),
    ("forecast.submit", "performance.forecastsubmission", "Ivan Yilmaz 2026-Q4 commit 100.00",
     "Ana Ruiz submitted the forecast call Ivan Yilmaz 2026-Q4 commit 100.00"),
    ("forecast.override", "performance.forecastoverride", "override Ivan Yilmaz 2026-Q4 commit 1500000.00",
     "Ana Ruiz set the forecast override Ivan Yilmaz 2026-Q4 commit 1500000.00"),
    ("forecast.override_remove", "performance.forecastoverride", "override Ivan Yilmaz 2026-Q4 commit 1500000.00",
     "Ana Ruiz removed the forecast override Ivan Yilmaz 2026-Q4 commit 1500000.00"),
])
def test_sentences(action, object_type, object_repr, expected):
    assert sentence(event(action, object_type, object_repr), "Ana Ruiz") == expected
