"""A small load test: N virtual users on mixed role journeys against a running server.

Each of the six demo personas (rep, manager, revops, finance, exec, admin) signs in once and reads
the links of its own navigation from the dashboard (not measured). Virtual users take the personas
in turn, each with its own connection and its persona's session, arrive spread over the ramp, and
for the duration request a random page of their journey (navigation, API lists), then pause a
random think time (default 1–3 s, uniform, like locust's `between(1, 3)`) as a person reading the
page would. With `warmup`, each persona first opens each of its pages once (not measured): the
pages' per-process caches are then warm, as in a deployment that has been serving for a while. Latencies are kept per page (ids in paths
folded to <id>), errors are any status >= 400 or a transport failure.

Threads and `requests` (no extra dependency); the GIL is released while waiting for the server, so
one process drives 50 users against a server on the same machine. Used by `manage.py loadtest`.
"""

from __future__ import annotations

import contextlib
import random
import re
import statistics
import threading
import time
from collections import defaultdict
from dataclasses import dataclass, field

import requests

PERSONAS = ("rep", "manager", "revops", "finance", "exec", "admin")
API_PAGES = {
    "rep": ["statements/"], "manager": ["sellers/", "statements/"], "revops": ["sellers/", "deals/", "runs/"],
    "finance": ["statements/", "audit-events/"], "exec": ["sellers/", "deals/"], "admin": ["sellers/", "audit-events/"],
}
NAV_LINK = re.compile(r'href="(/t/[\w-]+/[^"#?]*)"')


@dataclass
class Results:
    latencies: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    errors: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    samples: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def record(self, page: str, seconds: float, error: str | None) -> None:
        with self.lock:
            self.latencies[page].append(seconds)
            if error:
                self.errors[page] += 1
                if len(self.samples) < 10:
                    self.samples.append(f"{page}: {error}")


def label(path: str) -> str:
    return re.sub(r"/\d+/", "/<id>/", path)


def percentile(values: list[float], q: float) -> float:
    if len(values) == 1:
        return values[0]
    return statistics.quantiles(values, n=100, method="inclusive")[int(q) - 1]


def sign_in(base: str, email: str, password: str, timeout: float) -> requests.Session:
    session = requests.Session()
    page = session.get(f"{base}/accounts/login/", timeout=timeout)
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text)
    response = session.post(
        f"{base}/accounts/login/", timeout=timeout, allow_redirects=True,
        data={"username": email, "password": password, "csrfmiddlewaretoken": token.group(1) if token else ""},
        headers={"Referer": f"{base}/accounts/login/"},
    )
    if "sessionid" not in session.cookies:
        raise RuntimeError(f"cannot sign in as {email}: HTTP {response.status_code}")
    return session


def journey(base: str, tenant: str, persona: str, session: requests.Session, timeout: float) -> list[str]:
    home = session.get(f"{base}/t/{tenant}/", timeout=timeout)
    links = sorted({m for m in NAV_LINK.findall(home.text) if m.startswith(f"/t/{tenant}/") and "download" not in m})
    return links + [f"/api/v1/t/{tenant}/{p}" for p in API_PAGES[persona]]


def virtual_user(n: int, base: str, persona: tuple[requests.Session, list[str]], seconds: float, results: Results,
                 timeout: float, delay: float = 0.0, think: tuple[float, float] = (1.0, 3.0)) -> None:
    signed_in, pages = persona
    session = requests.Session()  # its own connection, the persona's session cookie
    session.cookies.update(signed_in.cookies)
    rng = random.Random(n)
    time.sleep(delay)  # users arrive spread over the ramp, and never click in lockstep
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        path = rng.choice(pages)
        started = time.perf_counter()
        error = None
        try:
            response = session.get(base + path, timeout=timeout)
            if response.status_code >= 400:
                error = f"HTTP {response.status_code}"
        except requests.RequestException as exc:
            error = type(exc).__name__
        results.record(label(path), time.perf_counter() - started, error)
        time.sleep(rng.uniform(*think))  # reading the page


def _warm(base: str, session: requests.Session, pages: list[str], timeout: float) -> None:
    for path in pages:
        with contextlib.suppress(requests.RequestException):
            session.get(base + path, timeout=timeout)


def run(*, base: str, tenant: str = "acme", users: int = 50, seconds: float = 60, password: str = "demo",
        timeout: float = 30, ramp: float = 0.0, think: tuple[float, float] = (1.0, 3.0), warmup: bool = False) -> dict:
    """Sign each persona in once (not measured: a sign-in is a deliberately slow password hash, and 50
    of them would load the server before the test starts), then run `users` users, rotating personas,
    each on its own connection with its persona's session, for `seconds` after its start."""
    results = Results()
    personas: dict[str, tuple[requests.Session, list[str]]] = {}
    for persona in PERSONAS[:users]:
        try:
            session = sign_in(base, f"{persona}@{tenant}.example", password, timeout)
            personas[persona] = (session, journey(base, tenant, persona, session, timeout))
        except Exception as exc:  # noqa: BLE001 - a failed sign-in is reported; its users do not run
            results.record("sign-in", 0.0, f"{persona}: {type(exc).__name__}: {exc}")
    if warmup:  # each persona opens each of its pages once, in parallel, not measured (see module doc)
        warmers = [threading.Thread(target=_warm, args=(base, session, pages, timeout), daemon=True)
                   for session, pages in personas.values()]
        for t in warmers:
            t.start()
        for t in warmers:
            t.join(len(PERSONAS) * 60 + timeout)
    threads = [threading.Thread(target=virtual_user, daemon=True,
                                args=(n, base, personas[PERSONAS[n % len(PERSONAS)]], seconds, results, timeout,
                                      ramp * n / max(users, 1) + random.Random(-n).uniform(0, think[1]), think))
               for n in range(users) if PERSONAS[n % len(PERSONAS)] in personas]
    started = time.monotonic()
    for t in threads:
        t.start()
    for t in threads:
        t.join(ramp + seconds + 2 * think[1] + 2 * timeout + 30)
    elapsed = time.monotonic() - started
    rows = []
    for page, values in sorted(results.latencies.items()):
        rows.append({"page": page, "requests": len(values), "p50": percentile(values, 50), "p95": percentile(values, 95),
                     "p99": percentile(values, 99), "max": max(values), "errors": results.errors.get(page, 0)})
    total = sum(r["requests"] for r in rows)
    return {"users": users, "seconds": seconds, "ramp": ramp, "think": think, "warmup": warmup, "elapsed": elapsed, "requests": total,
            "errors": sum(results.errors.values()), "rps": total / elapsed if elapsed else 0.0,
            "rows": rows, "samples": results.samples}


def markdown(report: dict, *, target: str, note: str = "") -> str:
    think = report.get("think", (0, 0))
    lines = [
        "## Load (`manage.py loadtest`)", "",
        f"{report['users']} virtual users on mixed role journeys (rep, manager, revops, finance, exec, admin; "
        f"their navigation pages and API lists) for {report['seconds']:.0f} s each, arriving over "
        f"{report.get('ramp', 0):.0f} s (one sign-in per persona"
        f"{', then each persona opened each of its pages once to warm the caches' if report.get('warmup') else ''}"
        f", not measured); after each page a user thinks "
        f"{think[0]:g}–{think[1]:g} s (uniform, like locust's `between({think[0]:g}, {think[1]:g})`) "
        f"against {target}. "
        f"{report['requests']:,} requests, {report['rps']:.1f}/s, **{report['errors']} errors**.", "",
    ]
    if note:
        lines += [note, ""]
    lines += ["| page | requests | p50 | p95 | p99 | max | errors |", "|---|---:|---:|---:|---:|---:|---:|"]
    for r in report["rows"]:
        lines.append(f"| `{r['page']}` | {r['requests']} | {r['p50'] * 1000:.0f} ms | {r['p95'] * 1000:.0f} ms | "
                     f"{r['p99'] * 1000:.0f} ms | {r['max'] * 1000:.0f} ms | {r['errors']} |")
    if report["samples"]:
        lines += ["", "First errors: " + "; ".join(report["samples"])]
    return "\n".join(lines) + "\n"
