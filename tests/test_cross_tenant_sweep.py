"""The cross-tenant sweep: every URL pattern of the project, enumerated from the resolver.

A new view is covered the moment its pattern is added to a urls.py; nobody has to remember to
write its isolation test. For each pattern (one test id per pattern):

* object routes (``tenant`` + id kwargs): acme's admin, with tenant=acme and ids of globex objects
  of EVERY model, gets 404 (405 for a method the view does not take) — never 2xx/3xx/403/500; a
  positive control as globex's admin on globex proves the URL really serves some object;
* collection routes (only ``tenant``, plus non-id kwargs such as a period): acme's admin never sees
  the string "globex", also with ``?search=globex&q=globex`` and ``?format=csv|json``;
* non-tenant routes (home, login, api/me, schema, docs): an acme-only user never sees "globex";
* every tenant route: a member of another tenant gets 404 (not 403), and anonymous never a 2xx.

Ids are made disjoint first: acme is built, every id sequence is pushed a million ahead, then
globex is built, so a globex id can never accidentally name an acme row of any table.

Sentinels: a leak need not contain the word "globex". After it is built, globex's rows get unique
sentinel values — names, external ids, e-mails, reasons, explanations ("Zanthor <model> <n>") and
amounts (8,2xx,xxx.37) that appear nowhere in acme — and every answer to acme (pages, API,
CSV/JSON exports, search for "anthor") fails the sweep if it contains any of them, as a plain
number ("8231117") or formatted ("8,231,117").
"""

from __future__ import annotations

import itertools
import re
import traceback
from dataclasses import dataclass, field

import pytest
from django.apps import apps
from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import connection, models
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, resolve
from django.urls.resolvers import RoutePattern
from django.utils.regex_helper import normalize

from spm.models import Tenant
from spm.tenancy.db import tenant_atomic
from spm.tenancy.models import tenant_models
from tests import factories
from tests.conftest import committed

FOREIGN = "globex"
SENTINEL_WORD = "Zanthor"
SENTINEL_SEARCH = "anthor"  # finds every sentinel by substring; echoing it back matches none
SENTINEL_TEXT_FIELDS = ("name", "external_id", "email", "title", "object_repr", "reason", "message", "explanation",
                        "plan_name", "industry", "deal_external_id")
SENTINEL_AMOUNT_FIELDS = ("amount", "total", "target_incentive", "annual_revenue")
SENTINEL_AMOUNT_BASE = 8_231_000
ID_SUFFIXES = ("_pk", "_id")
# Values for kwargs that are not object ids (a period key, a page slug...). Extend when a route
# needs something else; an unknown kwarg gets "2027-01", the period the factories populate.
NON_ID_VALUES = {"format": "json", "period": "2027-01", "period_from": "2027-01", "period_through": "2027-01",
                 "through": "2027-01", "year": "2027", "month": "2027-01", "quarter": "2027-Q1"}
# Hints from a kwarg name to the model it names (besides `<model_name>_pk` / `_id` themselves).
MODEL_HINTS = {"line": "earningline", "run": "calculationrun", "plan": "compplan", "deal": "opportunity",
               "opp": "opportunity", "split": "opportunitysplit", "event": "opportunityevent",
               "assignment": "planassignment", "audit": "auditevent", "member": "membership", "fx": "fxrate",
               "import": "importjob",
               "payroll": "payrollbatch"}
# Patterns that serve no tenant data and take a kwarg we cannot meaningfully fill.
SKIP_ROUTE_PREFIXES = (
    "static/",  # static files: no tenant data, served by whitenoise/staticfiles
    "media/",  # uploaded files: not served by Django in this project
    "__debug__/",  # debug toolbar, local only
)
MAX_CONTROL_TRIES = 300


# --------------------------------------------------------------------------------------------
# Enumerating the URL conf
# --------------------------------------------------------------------------------------------


@dataclass
class Route:
    """One leaf URL pattern with the chain of patterns leading to it."""

    chain: list  # RoutePattern / RegexPattern objects, outermost first
    callback: object
    name: str | None
    kwargs: list[str] = field(default_factory=list)  # in order of appearance

    @property
    def text(self) -> str:
        return "".join(str(p) for p in self.chain)

    @property
    def is_tenant(self) -> bool:
        return "tenant" in self.kwargs

    @property
    def id_kwargs(self) -> list[str]:
        return [k for k in self.kwargs if k != "tenant" and is_id_kwarg(k, self.converter(k))]

    def converter(self, kwarg: str):
        for p in self.chain:
            if isinstance(p, RoutePattern) and kwarg in p.converters:
                return p.converters[kwarg]
        return None

    def build(self, values: dict[str, object]) -> str:
        """The path for these kwarg values, segment by segment (route or regex, converters applied)."""
        out = []
        for p in self.chain:
            regex = p.regex.pattern
            candidates = normalize(regex)
            # Prefer the candidate that uses the most parameters we have (format-suffix variants).
            candidates.sort(key=lambda c: -len([x for x in c[1] if x in values]))
            for fmt, params in candidates:
                if all(x in values for x in params):
                    subst = {}
                    for x in params:
                        conv = p.converters.get(x) if isinstance(p, RoutePattern) else None
                        subst[x] = conv.to_url(values[x]) if conv else str(values[x])
                    out.append(fmt % subst)
                    break
            else:
                raise ValueError(f"cannot build {self.text} from {sorted(values)}")
        return "/" + "".join(out)


def is_id_kwarg(name: str, converter) -> bool:
    from django.urls.converters import IntConverter

    if name in ("pk", "id") or name.endswith(ID_SUFFIXES):
        return True
    return isinstance(converter, IntConverter) and name not in NON_ID_VALUES


def _kwargs_of(pattern) -> list[str]:
    if isinstance(pattern, RoutePattern):
        return list(pattern.converters)
    return list(pattern.regex.groupindex)


def enumerate_routes() -> list[Route]:
    routes: list[Route] = []

    def walk(patterns, chain):
        for entry in patterns:
            here = [*chain, entry.pattern]
            if isinstance(entry, URLResolver):
                walk(entry.url_patterns, here)
            elif isinstance(entry, URLPattern):
                kwargs: list[str] = []
                for p in here:
                    kwargs.extend(k for k in _kwargs_of(p) if k not in kwargs)
                routes.append(Route(chain=here, callback=entry.callback, name=entry.name, kwargs=kwargs))

    walk(get_resolver().url_patterns, [])
    return routes


def _route_id(route: Route) -> str:
    text = "".join(str(p).removeprefix("^").removesuffix("$") for p in route.chain)
    return text or "<root>"


def _skipped(route: Route) -> bool:
    return route.text.lstrip("^").startswith(SKIP_ROUTE_PREFIXES)


ALL_ROUTES = [r for r in enumerate_routes() if not _skipped(r)]
OBJECT_ROUTES = [r for r in ALL_ROUTES if r.is_tenant and r.id_kwargs]
COLLECTION_ROUTES = [r for r in ALL_ROUTES if r.is_tenant and not r.id_kwargs]
TENANT_ROUTES = OBJECT_ROUTES + COLLECTION_ROUTES
PUBLIC_ROUTES = [r for r in ALL_ROUTES if not r.is_tenant]


def pytest_generate_tests(metafunc):
    for fixture, routes in (
        ("object_route", OBJECT_ROUTES),
        ("collection_route", COLLECTION_ROUTES),
        ("tenant_route", TENANT_ROUTES),
        ("public_route", PUBLIC_ROUTES),
    ):
        if fixture in metafunc.fixturenames:
            metafunc.parametrize(fixture, routes, ids=[_route_id(r) for r in routes])


# --------------------------------------------------------------------------------------------
# The two-tenant world with disjoint ids
# --------------------------------------------------------------------------------------------


def _serial_models() -> list[type[models.Model]]:
    return [m for m in apps.get_models() if isinstance(m._meta.pk, models.AutoField) and m._meta.managed]


def push_id_sequences_ahead(by: int = 1_000_000) -> None:
    """Move every id sequence past all ids used so far plus `by`, so later rows never reuse an id."""
    tables = [m._meta.db_table for m in _serial_models()]
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            highest = 0
            for table in tables:
                cursor.execute("SELECT pg_get_serial_sequence(%s, 'id')", [table])
                seq = cursor.fetchone()[0]
                if seq:
                    cursor.execute("SELECT nextval(%s)", [seq])
                    highest = max(highest, cursor.fetchone()[0])
            target = highest + by
            for table in tables:
                cursor.execute("SELECT setval(pg_get_serial_sequence(%s, 'id'), %s)", [table, target])
        else:  # SQLite: AUTOINCREMENT tables keep their high-water mark in sqlite_sequence
            highest = 0
            for table in tables:
                cursor.execute("SELECT seq FROM sqlite_sequence WHERE name = %s", [table])
                row = cursor.fetchone()
                highest = max(highest, row[0] if row else 0)
            target = highest + by
            for table in tables:
                cursor.execute("DELETE FROM sqlite_sequence WHERE name = %s", [table])
                cursor.execute("INSERT INTO sqlite_sequence (name, seq) VALUES (%s, %s)", [table, target])


def _ids_by_model(world) -> dict[str, list[int]]:
    """label -> ids (up to 5) of the world's rows of every tenant model, its users and its tenant."""
    out: dict[str, list[int]] = {}
    with tenant_atomic(world.tenant):
        for model in tenant_models():
            ids = list(model.all_tenants.filter(tenant=world.tenant).order_by("pk").values_list("pk", flat=True)[:5])
            if ids:
                out[model._meta.label_lower] = ids
    out[get_user_model()._meta.label_lower] = sorted(u.pk for u in world.users.values())[:5]
    out[Tenant._meta.label_lower] = [world.tenant.pk]
    return out


def seed_sentinels(world) -> list[str]:
    """Give every globex row unique sentinel values; return the texts that must never reach acme."""
    from decimal import Decimal

    sentinels: list[str] = []
    counter = itertools.count(1)
    with tenant_atomic(world.tenant):
        for model in sorted(tenant_models(), key=lambda m: m._meta.label_lower):
            fields = {f.name: f for f in model._meta.concrete_fields}
            texts = [n for n in SENTINEL_TEXT_FIELDS if n in fields and not fields[n].choices]
            amounts = [n for n in SENTINEL_AMOUNT_FIELDS if isinstance(fields.get(n), models.DecimalField)
                       and fields[n].max_digits - fields[n].decimal_places >= 7]
            if not texts and not amounts:
                continue
            for pk in model.all_tenants.filter(tenant=world.tenant).values_list("pk", flat=True):
                values: dict[str, object] = {}
                for name in texts:
                    k = next(counter)
                    value = f"{SENTINEL_WORD} {model._meta.model_name} {k}"
                    if name == "email":
                        value = f"zanthor.{model._meta.model_name}.{k}@example.test"
                    elif name in ("external_id", "deal_external_id"):
                        value = f"ZANTHOR-{k:05d}"
                    value = value[: fields[name].max_length] if fields[name].max_length else value
                    values[name] = value
                    sentinels.append(value)
                for name in amounts:
                    k = next(counter)
                    whole = SENTINEL_AMOUNT_BASE + k * 1_117
                    values[name] = Decimal(f"{whole}.37")
                    sentinels += [str(whole), f"{whole:,}"]
                model.all_tenants.filter(pk=pk).update(**values)
    return sentinels


_SENTINELS: list[str] = []


def leaked(body: str) -> list[str]:
    """The foreign tenant's word and sentinel values found in `body` (case-insensitive)."""
    text = body.lower()
    return [s for s in [FOREIGN, *_SENTINELS] if s.lower() in text]


@pytest.fixture(scope="module")
def _sweep_world(django_db_setup, django_db_blocker):
    """Built once for the module and committed; each test still rolls back its own writes."""
    with committed(django_db_blocker):
        acme = factories.complete_tenant(factories.build_tenant("acme"))
        push_id_sequences_ahead()
        globex = factories.complete_tenant(factories.build_tenant(FOREIGN))
        _SENTINELS[:] = seed_sentinels(globex)
        acme_ids, globex_ids = _ids_by_model(acme), _ids_by_model(globex)
        try:
            yield acme, globex, acme_ids, globex_ids
        finally:
            _SENTINELS.clear()


@pytest.fixture
def sweep_world(_sweep_world, db):
    acme, globex, acme_ids, globex_ids = _sweep_world
    all_acme = {i for ids in acme_ids.values() for i in ids}
    all_globex = {i for ids in globex_ids.values() for i in ids}
    assert not all_acme & all_globex, "ids of the two tenants overlap: the sweep could not tell them apart"
    for label, world_ids in (("globex", globex_ids), ("acme", acme_ids)):
        missing = sorted(m._meta.label_lower for m in tenant_models() if m._meta.label_lower not in world_ids)
        assert not missing, f"{label} has no row of {missing}: add one to tests.factories.complete_tenant"
    assert len(_SENTINELS) >= 20, "globex was not seeded with sentinel values"
    return _sweep_world


def forget_db_tenant() -> None:
    """Inside the test's transaction a request's SET LOCAL outlives the request: clear it between
    the owner's and the attacker's requests so one cannot borrow the other's scope."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT set_config('app.tenant_id', '', true), set_config('app.user_id', '', true)")


# --------------------------------------------------------------------------------------------
# Requests
# --------------------------------------------------------------------------------------------


@dataclass
class Answer:
    method: str
    url: str
    status: int
    body: str
    location: str = ""

    def __str__(self) -> str:
        snippet = re.sub(r"\s+", " ", self.body)[:300]
        where = f" -> {self.location}" if self.location else ""
        return f"{self.method} {self.url} = {self.status}{where}: {snippet}"


def call(client: Client, method: str, url: str) -> Answer:
    try:
        response = client.get(url) if method == "GET" else client.post(url, data={})
    except Exception as exc:  # a 500 the test client re-raised: report it as one, with where it came from
        frames = traceback.extract_tb(exc.__traceback__)[-3:]
        where = " <- ".join(f"{f.filename.removeprefix(str(settings.BASE_DIR) + '/')}:{f.lineno}" for f in reversed(frames))
        return Answer(method, url, 500, f"{type(exc).__name__}: {exc} [at {where}]")
    body = b"".join(response.streaming_content) if getattr(response, "streaming", False) else response.content
    return Answer(method, url, response.status_code, body.decode("utf-8", "replace"), response.get("Location", ""))


def login(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _hint(kwarg: str) -> str | None:
    base = kwarg
    for suffix in ID_SUFFIXES:
        if base.endswith(suffix):
            base = base[: -len(suffix)]
    base = base.replace("_", "").lower()
    if base in ("", "pk", "id"):
        return None
    return MODEL_HINTS.get(base, base)


def _segment_hint(route: Route, kwarg: str) -> str | None:
    """For a bare `pk`: the path segment before it ("statements/<pk>" -> "statement")."""
    text = route.text
    match = re.search(r"([A-Za-z][\w-]*)/+(?:\(\?P<" + kwarg + r">|<(?:\w+:)?" + kwarg + r">)", text)
    if not match:
        return None
    word = match.group(1).lower().replace("-", "").replace("_", "")
    word = word[:-1] if word.endswith("s") else word
    return MODEL_HINTS.get(word, word)


def _hinted_labels(kwarg: str, ids: dict[str, list[int]], route: Route | None = None) -> list[str]:
    """Labels of the models the kwarg probably names first, then every other model."""
    hint = _hint(kwarg)
    if hint is None:
        hint = _segment_hint(route, kwarg) if route is not None else None
        if hint is None:
            return list(ids)
        first = [label for label in ids if label.split(".")[1] == hint or label.split(".")[1].endswith(hint)]
        return first + [label for label in ids if label not in first]
    matches = [label for label in ids if label.split(".")[1] == hint]
    matches = matches or [label for label in ids if label.split(".")[1].endswith(hint)]
    return matches or list(ids)


def _values(route: Route, tenant_slug: str, ids: dict[str, int]) -> dict[str, object]:
    values: dict[str, object] = {}
    for k in route.kwargs:
        if k == "tenant":
            values[k] = tenant_slug
        elif k in ids:
            values[k] = ids[k]
        else:
            values[k] = NON_ID_VALUES.get(k, "2027-01")
    return values


def _check_builds(route: Route, url: str) -> None:
    match = resolve(url.split("?")[0])
    assert match.func == route.callback or getattr(match.func, "cls", None) == getattr(route.callback, "cls", 0), (
        f"{url} resolves to {match.view_name or match.func}, not to {route.name or route.text}: "
        "an earlier pattern shadows this one"
    )


# --------------------------------------------------------------------------------------------
# The tests
# --------------------------------------------------------------------------------------------


def test_the_sweep_sees_the_tenant_routes():
    """Guard: a sweep that enumerates nothing proves nothing."""
    assert OBJECT_ROUTES, "no /t/<tenant>/…/<id>/ pattern found: is the URL conf wired up?"
    assert COLLECTION_ROUTES, "no /t/<tenant>/… list pattern found: is the URL conf wired up?"


def test_the_sentinels_are_rendered_for_their_own_tenant(sweep_world):
    """Positive control: globex's own pages and API do show its sentinel values, so their absence
    from acme's answers means something."""
    _acme, globex, _acme_ids, _globex_ids = sweep_world
    client = login(globex.users["admin"])
    api = call(client, "GET", "/api/v1/t/globex/sellers/")
    assert api.status == 200 and any(SENTINEL_WORD.lower() in s.lower() for s in leaked(api.body)), api
    deals = call(client, "GET", "/api/v1/t/globex/deals/")
    assert deals.status == 200 and any(s.isdigit() for s in leaked(deals.body)), deals


def test_object_route_answers_404_for_ids_of_another_tenant(object_route, sweep_world):
    route = object_route
    acme, globex, acme_ids, globex_ids = sweep_world
    id_kwargs = route.id_kwargs

    # (c) Positive control first: as globex's admin on globex, some combination of globex ids must
    # reach the object (anything but 404/405), or this route is not really being tested.
    control = login(globex.users["admin"])
    per_kwarg = []
    for k in id_kwargs:
        per_kwarg.append([i for label in _hinted_labels(k, globex_ids, route) for i in globex_ids[label]])
    reached = None
    tried = []
    for combo in itertools.islice(itertools.product(*per_kwarg), MAX_CONTROL_TRIES):
        url = route.build(_values(route, FOREIGN, dict(zip(id_kwargs, combo, strict=True))))
        _check_builds(route, url)
        for method in ("GET", "POST"):
            answer = call(control, method, url)
            tried.append(answer)
            if answer.status == 500:
                pytest.fail(f"500 from the owning tenant's admin: {answer}")
            if answer.status not in (404, 405):
                reached = answer
                break
            if answer.status == 404:
                break  # the view takes this method but not this id: next combination
        if reached:
            break
    assert reached, (
        f"could not cover {route.text}: no combination of globex ids of any model gave globex's admin "
        f"anything but 404/405 (tried {len(tried)}, last: {tried[-1] if tried else 'none'})"
    )

    forget_db_tenant()
    # (b) The attack: acme's admin (every capability) on acme's URL with globex ids.
    attacker = login(acme.users["admin"])
    attempts: list[dict[str, int]] = []
    for _label, ids in globex_ids.items():
        attempts.append(dict.fromkeys(id_kwargs, ids[0]))  # every id kwarg from the same foreign model
        for k in id_kwargs:  # one foreign id among otherwise valid acme ids (a scoped parent, unscoped child)
            if len(id_kwargs) == 1:
                break
            mixed = {}
            for other in id_kwargs:
                if other == k:
                    mixed[other] = ids[0]
                else:
                    other_label = _hinted_labels(other, acme_ids, route)[0]
                    mixed[other] = acme_ids[other_label][0]
            attempts.append(mixed)
    failures = []
    for ids in attempts:
        url = route.build(_values(route, "acme", ids))
        for method in ("GET", "POST"):
            answer = call(attacker, method, url)
            if answer.status not in (404, 405) or leaked(answer.body):
                failures.append(f"{answer} [leaked: {leaked(answer.body)}]")
    assert not failures, f"{route.text} answered a foreign id with something other than 404:\n" + "\n".join(failures[:10])


def test_collection_route_never_shows_another_tenant(collection_route, sweep_world):
    route = collection_route
    acme, _globex, _acme_ids, _globex_ids = sweep_world
    client = login(acme.users["admin"])
    path = route.build(_values(route, "acme", {}))
    _check_builds(route, path)
    failures = []
    plain = None
    # "lobex" matches every globex row by substring (names, ids, e-mails all start with "globex")
    # while a page that echoes the search term back into its search box does not trip the check.
    # "anthor" likewise finds every sentinel value (names, external ids, reasons) by substring.
    for query in ("", "?search=lobex&q=lobex", "?format=csv", "?format=json", "?search=lobex&q=lobex&format=csv",
                  f"?search={SENTINEL_SEARCH}&q={SENTINEL_SEARCH}", f"?search={SENTINEL_SEARCH}&q={SENTINEL_SEARCH}&format=csv"):
        answer = call(client, "GET", path + query)
        plain = plain or answer
        if answer.status >= 500 or leaked(answer.body):
            failures.append(f"{answer} [leaked: {leaked(answer.body)}]")
    assert not failures, f"{route.text} leaked or failed:\n" + "\n".join(failures)
    assert plain.status != 404, f"acme's admin cannot open {path} at all, so the sweep proves nothing: {plain}"


def test_public_route_never_shows_another_tenant(public_route, sweep_world):
    route = public_route
    acme, *_ = sweep_world
    client = login(acme.users["admin"])
    values = {k: NON_ID_VALUES.get(k, "1") for k in route.kwargs}
    try:
        path = route.build(values)
    except ValueError as exc:
        pytest.fail(f"the sweep cannot build {route.text}: {exc}; add its kwargs to NON_ID_VALUES")
    answer = call(client, "GET", path)
    assert answer.status < 500, str(answer)
    assert not leaked(answer.body), f"an acme-only user sees globex: {answer} [leaked: {leaked(answer.body)}]"


def test_tenant_route_is_404_for_non_members_and_closed_to_anonymous(tenant_route, sweep_world):
    route = tenant_route
    acme, globex, _acme_ids, globex_ids = sweep_world
    # Real globex ids of the hinted model, so a view that forgot the membership check would 200.
    ids = {k: globex_ids[_hinted_labels(k, globex_ids, route)[0]][0] for k in route.id_kwargs}
    failures = []
    outsider = login(acme.users["admin"])
    for slug in (FOREIGN, "no-such-tenant"):
        url = route.build(_values(route, slug, ids))
        for method in ("GET", "POST"):
            answer = call(outsider, method, url)
            # Status only: a 404 page may echo the requested path, which names the tenant.
            if not (answer.status == 404 or (method == "POST" and answer.status == 405)):
                failures.append(f"non-member: {answer}")
    anonymous = Client()
    url = route.build(_values(route, FOREIGN, ids))
    for method in ("GET", "POST"):
        answer = call(anonymous, method, url)
        redirect_to_login = 300 <= answer.status < 400 and "login" in answer.location
        if not (redirect_to_login or answer.status in (401, 403, 404, 405)):
            failures.append(f"anonymous: {answer}")
    assert not failures, f"{route.text}:\n" + "\n".join(failures)
