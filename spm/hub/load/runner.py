"""A small load test: N virtual users on mixed role journeys against a running server.

Each virtual user signs in as one demo persona (rotating rep, manager, revops, finance, exec,
admin) and reads the links of its own navigation from the dashboard; sign-ins are spread over the
ramp and are not measured (each is a deliberately slow password hash). When every user is in, all
of them start together: for the duration each requests a random page of its journey (its
navigation, its API lists), then pauses a random think time (default 1–3 s, uniform, like locust's
`between(1, 3)`) as a person reading the page would. Latencies are kept per page (ids in paths
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


def virtual_user(n: int, base: str, tenant: str, password: str, seconds: float, results: Results,
                 timeout: float, delay: float = 0.0, think: tuple[float, float] = (1.0, 3.0),
                 start: threading.Barrier | None = None) -> None:
    persona = PERSONAS[n % len(PERSONAS)]
    rng = random.Random(n)
    time.sleep(delay)  # ramp-up: sign-ins (a password hash each) spread out, as real users arrive
    try:
        session = sign_in(base, f"{persona}@{tenant}.example", password, timeout)
        pages = journey(base, tenant, persona, session, timeout)
    except Exception as exc:  # noqa: BLE001 - a failed sign-in is a failed user, reported
        results.record("sign-in", 0.0, f"{type(exc).__name__}: {exc}")
        if start is not None:
            start.abort()  # the others must not wait for this user: the run is failed anyway
        return
    if start is not None:
        with contextlib.suppress(threading.BrokenBarrierError):  # everybody in: the measured minute starts together
            start.wait(timeout=delay + 3 * timeout + 60)
        time.sleep(rng.uniform(0, think[1]))  # users do not click in lockstep
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


def run(*, base: str, tenant: str = "acme", users: int = 50, seconds: float = 60, password: str = "demo",
        timeout: float = 30, ramp: float = 0.0, think: tuple[float, float] = (1.0, 3.0)) -> dict:
    results = Results()
    start = threading.Barrier(users + 1)
    threads = [threading.Thread(target=virtual_user, daemon=True,
                                args=(n, base, tenant, password, seconds, results, timeout, ramp * n / max(users, 1),
                                      think, start))
               for n in range(users)]
    for t in threads:
        t.start()
    with contextlib.suppress(threading.BrokenBarrierError):
        start.wait(timeout=ramp + 3 * timeout + 60)
    started = time.monotonic()  # the measured part: every user signed in
    for t in threads:
        t.join(seconds + think[1] + 2 * timeout + 30)
    elapsed = time.monotonic() - started
    rows = []
    for page, values in sorted(results.latencies.items()):
        rows.append({"page": page, "requests": len(values), "p50": percentile(values, 50), "p95": percentile(values, 95),
                     "p99": percentile(values, 99), "max": max(values), "errors": results.errors.get(page, 0)})
    total = sum(r["requests"] for r in rows)
    return {"users": users, "seconds": seconds, "ramp": ramp, "think": think, "elapsed": elapsed, "requests": total,
            "errors": sum(results.errors.values()), "rps": total / elapsed if elapsed else 0.0,
            "rows": rows, "samples": results.samples}


def markdown(report: dict, *, target: str, note: str = "") -> str:
    think = report.get("think", (0, 0))
    lines = [
        "## Load (`manage.py loadtest`)", "",
        f"{report['users']} virtual users on mixed role journeys (rep, manager, revops, finance, exec, admin; "
        f"their navigation pages and API lists) for {report['seconds']:.0f} s, all at once after signing in "
        f"(sign-ins spread over {report.get('ramp', 0):.0f} s, not measured); after each page a user thinks "
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
