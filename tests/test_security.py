"""The security basics: CSP with no inline script, login lockout, strong passwords, secure
sessions, secrets never logged."""

from __future__ import annotations

import logging
import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse

from spm.security.logging import MASK

ROOT = Path(settings.BASE_DIR)
TEMPLATE_DIRS = [ROOT / "templates", *ROOT.glob("*/templates")]
INLINE_HANDLER = re.compile(r"<[^>]*\son[a-z]+\s*=", re.I | re.S)
SCRIPT_TAG = re.compile(r"<script\b([^>]*)>", re.I)


def template_files() -> list[Path]:
    return sorted(p for d in TEMPLATE_DIRS if d.is_dir() for p in d.rglob("*.html"))


@pytest.mark.parametrize("path", template_files(), ids=lambda p: str(p.relative_to(ROOT)))
def test_templates_have_no_inline_script(path):
    """The CSP rule (docs/architecture.md): scripts come from static files; data goes in JSON blocks."""
    text = path.read_text()
    for match in SCRIPT_TAG.finditer(text):
        attrs = match.group(1)
        assert "src=" in attrs or re.search(r'type=["\']application/json["\']', attrs), (
            f"{path.relative_to(ROOT)}: inline <script{attrs}> is blocked by the Content-Security-Policy; "
            "move the code to static/js/ (charts: a <script type=\"application/json\" data-chart> block, "
            "see static/js/charts.js)"
        )
    handler = INLINE_HANDLER.search(text)
    assert handler is None, (
        f"{path.relative_to(ROOT)}: inline event handler {handler.group(0)[-40:]!r} is blocked by the CSP; "
        "use data-confirm / data-check-all (static/js/app.js) or a static script"
    )
    assert "javascript:" not in text.lower(), f"{path.relative_to(ROOT)}: javascript: URLs are blocked by the CSP"


class _Scripts(HTMLParser):
    def __init__(self):
        super().__init__()
        self.inline: list[dict] = []
        self.handlers: list[str] = []

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        self.handlers += [f"<{tag} {name}>" for name in attributes if name.startswith("on")]
        if tag == "script" and "src" not in attributes and attributes.get("type") != "application/json":
            self.inline.append(attributes)


def executable_inline(html: str) -> tuple[list, list]:
    parser = _Scripts()
    parser.feed(html)
    return parser.inline, parser.handlers


@pytest.mark.django_db
def test_pages_send_a_csp_without_inline_script_and_render_charts_from_json(acme):
    from compensation.services import calculation_request
    from spm.tenancy.db import tenant_atomic

    with tenant_atomic(acme.tenant):
        calculation_request(period_from="2027-01")
    client = Client()
    client.force_login(acme.users["rep"])
    response = client.get(reverse("home"), follow=True)
    assert response.status_code == 200
    policy = response["Content-Security-Policy"]
    script_src = re.search(r"script-src ([^;]*)", policy).group(1)
    assert script_src.strip() == "'self'", policy
    assert "frame-ancestors 'none'" in policy and "object-src 'none'" in policy
    html = response.content.decode()
    assert executable_inline(html) == ([], []), "an inline script or handler reached the browser"
    assert 'type="application/json" data-chart=' in html, "the rep dashboard should carry its chart as JSON"
    assert "js/charts.js" in html


@pytest.mark.django_db
def test_the_api_docs_work_without_inline_script(client, acme):
    client.force_login(acme.users["admin"])
    page = client.get("/api/docs/")
    assert page.status_code == 200
    assert executable_inline(page.content.decode())[0] == []
    assert client.get("/api/docs/?script").status_code == 200


def test_chart_fragment_cannot_break_out_of_its_json_block():
    import plotly.graph_objects as go

    from spm.web.charts import chart_fragment

    html = chart_fragment(go.Figure(go.Bar(x=["</script><script>alert(1)</script>"], y=[1])))
    assert html.count("</script>") == 1
    assert "\\u003C/script\\u003E" in html


# --- sign-in: lockout and throttling ------------------------------------------------------------


@pytest.mark.django_db
def test_five_failed_sign_ins_lock_the_account_out_on_the_page(acme):
    client = Client()
    user = acme.users["rep"]
    user.set_password("a-Correct-horse-battery-42")
    user.save()
    for _ in range(settings.AXES_FAILURE_LIMIT):
        response = client.post(reverse("login"), {"username": user.username, "password": "wrong-password-1"})
        assert response.status_code in (200, 429)
    locked = client.post(reverse("login"), {"username": user.username, "password": "a-Correct-horse-battery-42"})
    assert locked.status_code == 429
    assert "try again in 15 minutes" in locked.content.decode()
    assert "_auth_user_id" not in client.session


@pytest.mark.django_db
def test_failed_token_requests_lock_out_with_the_api_error_shape(acme):
    client = Client()
    user = acme.users["finance"]
    user.set_password("a-Correct-horse-battery-42")
    user.save()
    for _ in range(settings.AXES_FAILURE_LIMIT):
        client.post("/api/v1/auth/token/", {"username": user.username, "password": "nope-nope-nope"},
                    content_type="application/json")
    locked = client.post("/api/v1/auth/token/", {"username": user.username, "password": "a-Correct-horse-battery-42"},
                         content_type="application/json")
    assert locked.status_code == 429
    body = locked.json()
    assert body["code"] == "locked_out" and body["errors"] == {} and "try again" in body["detail"]
    assert int(locked["Retry-After"]) > 0


@pytest.mark.django_db
def test_a_successful_sign_in_resets_the_failure_count(acme):
    client = Client()
    user = acme.users["manager"]
    user.set_password("a-Correct-horse-battery-42")
    user.save()
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        client.post(reverse("login"), {"username": user.username, "password": "wrong-password-1"})
    assert client.post(reverse("login"), {"username": user.username, "password": "a-Correct-horse-battery-42"}).status_code == 302
    client.logout()
    client.post(reverse("login"), {"username": user.username, "password": "wrong-password-1"})
    assert client.post(reverse("login"), {"username": user.username, "password": "a-Correct-horse-battery-42"}).status_code == 302


# --- passwords and sessions ----------------------------------------------------------------------


@pytest.mark.parametrize("password", ["short1!", "password123456", "12345678901234", "acme-rep-acme-rep"])
def test_weak_passwords_are_refused(password, django_user_model):
    user = django_user_model(username="acme-rep", email="acme-rep@acme.test")
    with pytest.raises(ValidationError):
        validate_password(password, user)


def test_a_long_uncommon_password_is_accepted(django_user_model):
    validate_password("violet-Harbor-tram-1987", django_user_model(username="x", email="x@acme.test"))


def test_session_and_cookie_settings_are_secure():
    assert settings.SESSION_COOKIE_HTTPONLY and settings.CSRF_COOKIE_HTTPONLY
    assert settings.SESSION_COOKIE_SAMESITE == "Lax"
    assert settings.SESSION_COOKIE_AGE <= 12 * 3600
    assert settings.X_FRAME_OPTIONS == "DENY"
    assert settings.MIDDLEWARE[-1] == "axes.middleware.AxesMiddleware"
    assert "guardian" not in settings.INSTALLED_APPS  # removed: its grant rows carried no tenant


def test_production_cookies_are_secure():
    import json
    import os
    import subprocess
    import sys

    env = {k: v for k, v in os.environ.items() if k not in ("SECURE_COOKIES", "DJANGO_SETTINGS_MODULE")}
    env["SECRET_KEY"] = "x" * 50
    code = ("import json, spm.settings.production as p; print(json.dumps([p.SESSION_COOKIE_SECURE, "
            "p.CSRF_COOKIE_SECURE, p.SECURE_SSL_REDIRECT, p.SECURE_HSTS_SECONDS]))")
    out = subprocess.run([sys.executable, "-c", code], env=env, cwd=ROOT, capture_output=True, text=True, check=True)
    session, csrf, redirect, hsts = json.loads(out.stdout.strip().splitlines()[-1])
    assert session and csrf and redirect and hsts >= 31536000


# --- secrets never logged --------------------------------------------------------------------------


def test_secrets_never_reach_the_log_output(capsys):
    from logging.config import dictConfig

    dictConfig(settings.LOGGING)
    logger = logging.getLogger("spm.test.secrets")
    logger.warning("login failed for %s password=%s", "rep@acme.test", "hunter2-Secret")
    logger.warning("connecting to postgres://spm:s3cr3t-pw@db:5432/spm")
    logger.warning("headers", extra={"authorization": "Token abcdef123456", "password": "hunter2-Secret"})
    logger.warning("request Authorization: Token abcdef123456 for %s", "/api/v1/me/")
    logger.warning("the key is %s", settings.SECRET_KEY)
    try:
        raise RuntimeError("cannot connect with token=" + "abcdef" + "123456")
    except RuntimeError:
        logger.exception("crash")
    err = capsys.readouterr().err
    for secret in ("hunter2-Secret", "s3cr3t-pw", "abcdef123456", settings.SECRET_KEY):
        assert secret not in err, f"{secret!r} was logged:\n{err}"
    assert err.count(MASK) >= 5
    assert "rep@acme.test" in err  # scrubbing keeps what is not a secret
