"""The audit trail read as sentences: "Ana Ruiz approved Carmen Petrov's Nov 2026 statement".

Events store ids (a foreign key's value) and keys (2026-11); people read names and words. Names
are resolved in bulk — one query for users, one for sellers, whatever the page size.
"""

from __future__ import annotations

import re

from django.contrib.auth import get_user_model

from planning.selectors import seller_names
from spm.formatting import period_label

VERBS = {
    "create": "created", "update": "changed", "delete": "removed", "approve": "approved", "publish": "published",
    "pay": "marked paid", "close": "closed", "reopen": "reopened", "churn": "recorded a churn on",
    "accept": "accepted", "reject": "rejected", "override": "overrode", "archive": "archived", "load": "loaded",
    "import": "imported", "release": "released", "submit": "submitted", "assign": "assigned",
    "open": "opened", "review": "took into review", "comment": "commented on", "dismiss": "dismissed",
    "resolve": "resolved", "place": "placed", "copy": "copied", "override_remove": "removed the override on",
    "export": "exported", "configure": "configured", "delegate": "delegated",
}
# Actions whose object is not what the sentence is about (the tenant itself, a model run's status in its name).
ACTION_SENTENCES = {
    "account.import": "{actor} imported accounts",
    "quota.import": "{actor} imported quotas",
    "import.opportunities": "{actor} imported deals",
    "import.sellers": "{actor} imported sellers",
    "import.activities": "{actor} imported activities",
    "scenario.load": "{actor} loaded a scenario file",
    "forecast.submit": "{actor} submitted the forecast call {what}",
    "forecast.override": "{actor} set the forecast {what}",  # the object reads "override Ivan Yilmaz 2026-Q4 …"
    "forecast.override_remove": "{actor} removed the forecast {what}",
    "quota.rollup": "{actor} rolled quotas up the manager tree",
    "coaching.note": "{actor} wrote a coaching note: {what}",
    "coaching.follow_up": "{actor} set a follow-up: {what}",
    "coaching.follow_up_done": "{actor} completed a follow-up: {what}",
    "forecast.model_request": "{actor} requested a win-model training ({what})",
    "forecast.model_train": "{actor} trained the win model ({what})",
    "alert.open": "{actor} raised an alert: {what}",
}
NOUNS = {
    "compensation.statement": "statement", "performance.opportunity": "deal", "planning.quota": "quota",
    "compensation.compplan": "comp plan", "compensation.planassignment": "plan assignment",
    "compensation.adjustment": "adjustment", "spm.period": "pay period", "spm.membership": "membership",
    "spm.fxrate": "FX rate", "planning.seller": "seller", "planning.account": "account", "planning.territory": "territory",
    "planning.territoryplan": "territory plan", "planning.capacityscenario": "capacity scenario",
    "planning.quotaset": "quota set", "compensation.dispute": "dispute", "performance.alert": "alert",
    "compensation.payrollbatch": "payroll batch", "compensation.hold": "hold",
}
USER_FIELDS = re.compile(r"(^|_)(by|actor|user|author|owner_user)$")
SELLER_FIELDS = {"seller", "owner", "manager"}
_TRAILING_PERIOD = re.compile(r"^(?P<who>.+) (?P<period>\d{4}(-Q[1-4]|-\d{2})?)$")


def _noun(object_type: str) -> str:
    return NOUNS.get(object_type) or object_type.rsplit(".", 1)[-1].replace("_", " ")


def sentence(event, actor_name: str, fy_start_month: int = 1) -> str:
    """One line saying who did what to which object."""
    if event.action in ACTION_SENTENCES:
        return ACTION_SENTENCES[event.action].format(actor=actor_name, what=event.object_repr or f"#{event.object_id}")
    verb = VERBS.get(event.action.rsplit(".", 1)[-1], event.action.rsplit(".", 1)[-1].replace("_", " "))
    noun = _noun(event.object_type)
    what = event.object_repr or f"#{event.object_id}"
    match = _TRAILING_PERIOD.match(what)
    if match and event.object_type == "planning.quota" and " " in match["who"]:
        # "Carmen Petrov bookings 2027-01" (seller, measure, period) → "Carmen Petrov's Jan 2027 bookings quota"
        who, measure = match["who"].rsplit(" ", 1)
        what = f"{who}'s {period_label(match['period'], fy_start_month)} {measure} {noun}"
    elif match and event.object_type in ("compensation.statement", "planning.quota"):
        # "Carmen Petrov 2026-11" → "Carmen Petrov's Nov 2026 statement"
        what = f"{match['who']}'s {period_label(match['period'], fy_start_month)} {noun}"
    elif event.object_type == "spm.period":
        what = f"pay period {period_label(what, fy_start_month)}"
    elif not what.lower().startswith(noun.lower()):  # "dispute Dispute 1 on …" reads "Dispute 1 on …"
        what = f"{noun} {what}"
    return f"{actor_name} {verb} {what}"


def _display(value, field: str, users: dict, sellers: dict, fy_start_month: int):
    if value is None or value == "":
        return None
    if isinstance(value, int) and USER_FIELDS.search(field):
        return users.get(value, f"user #{value}")
    if isinstance(value, int) and field in SELLER_FIELDS:
        return sellers.get(value, f"seller #{value}")
    if field in ("period", "month") and isinstance(value, str):
        return period_label(value, fy_start_month)
    return value


def audit_rows(events, *, diff, fy_start_month: int = 1) -> list[dict]:
    """For each event: the sentence, and its field changes with names instead of ids."""
    events = list(events)
    diffs = [diff(e.before, e.after) for e in events]
    user_ids, seller_ids = set(), set()
    for d in diffs:
        for change in d:
            for value in (change["before"], change["after"]):
                if isinstance(value, int):
                    if USER_FIELDS.search(change["field"]):
                        user_ids.add(value)
                    elif change["field"] in SELLER_FIELDS:
                        seller_ids.add(value)
    user_ids |= {e.actor_id for e in events if e.actor_id}
    users = {}
    if user_ids:
        for pk, first, last, email in get_user_model().objects.filter(pk__in=user_ids).values_list(
                "pk", "first_name", "last_name", "email"):
            users[pk] = f"{first} {last}".strip() or email or f"user #{pk}"
    sellers = seller_names(seller_ids)
    rows = []
    for event, d in zip(events, diffs, strict=True):
        actor = users.get(event.actor_id, "The system") if event.actor_id else "The system"
        rows.append({
            "event": event,
            "sentence": sentence(event, actor, fy_start_month),
            "diff": [{"field": c["field"].replace("_", " "),
                      "before": _display(c["before"], c["field"], users, sellers, fy_start_month),
                      "after": _display(c["after"], c["field"], users, sellers, fy_start_month)} for c in d],
        })
    return rows
