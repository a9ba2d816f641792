"""The SSO sign-in, end to end against a real-HTTP OpenID Connect provider (tests.spm.sso.fake_idp).

Every refusal answers an error page saying why (never a 500) and signs nobody in.
"""

from __future__ import annotations

import socket
import time

import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from joserfc.jwk import RSAKey

from spm.models import AuditEvent, Membership
from spm.sso.models import SsoProvider
from spm.sso.services import sso_provider_save
from spm.tenancy.db import tenant_atomic
from tests import factories

from .fake_idp import FakeIdP

pytestmark = pytest.mark.django_db
SECRET = "acme-idp-secret-4f1c"


@pytest.fixture(scope="module")
def idp():
    server = FakeIdP()
    yield server
    server.stop()


def configure(world, idp: FakeIdP, **overrides) -> SsoProvider:
    slug = world.tenant.slug
    client_id = f"{slug}-rcc"
    secret = overrides.pop("client_secret", f"{slug}-idp-secret-4f1c" if slug != "acme" else SECRET)
    idp.clients[client_id] = secret
    values = {
        "enabled": True, "issuer": idp.issuer, "client_id": client_id, "client_secret": secret,
        "allowed_domains": [f"{slug}.test"], "role_claim": "groups",
        "role_mapping": [("sales-managers", "manager"), ("finance-team", "finance")],
        "default_role": "rep", "create_members": True, **overrides,
    }
    with tenant_atomic(world.tenant):
        return sso_provider_save(actor=world.users["admin"], **values)


@pytest.fixture
def acme_sso(acme, idp):
    configure(acme, idp)
    return acme


def start(client: Client, slug: str = "acme"):
    response = client.get(f"/sso/{slug}/login/")
    assert response.status_code == 302, response.content.decode()[:500]
    return response["Location"]


def sign_in(client: Client, idp: FakeIdP, slug: str = "acme", **approval):
    grant = idp.approve(start(client, slug), **approval)
    return client.get(f"/sso/{slug}/callback/", {"code": grant["code"], "state": grant["state"]})


def signed_in_user_id(client: Client):
    return client.session.get("_auth_user_id")


def membership_of(world, email: str) -> Membership | None:
    with tenant_atomic(world.tenant):
        return Membership.objects.filter(user__email=email).first()


def assert_refused(response, *, status: int, says: str, client: Client) -> None:
    body = response.content.decode()
    assert response.status_code == status, body[:500]
    assert "Single sign-on failed" in body and says in body, body[:1500]
    assert signed_in_user_id(client) is None


# --- success --------------------------------------------------------------------------------------


def test_a_first_sign_in_creates_the_member_with_the_mapped_role(acme_sso, idp):
    client = Client()
    response = sign_in(client, idp, email="new.manager@acme.test", groups=["staff", "sales-managers"])
    assert response.status_code == 302 and response["Location"] == "/"
    user = get_user_model().objects.get(email="new.manager@acme.test")
    assert signed_in_user_id(client) == str(user.pk)
    assert not user.has_usable_password()
    assert membership_of(acme_sso, "new.manager@acme.test").role == "manager"
    assert client.get("/").status_code == 302  # home sends the new member into acme
    with tenant_atomic(acme_sso.tenant):
        actions = set(AuditEvent.objects.filter(actor=user).values_list("action", flat=True))
    assert actions == {"membership.create", "sso.sign_in"}


def test_the_authorization_request_carries_state_nonce_and_a_pkce_challenge(acme_sso, idp):
    client = Client()
    url = start(client)
    for param in ("state=", "nonce=", "code_challenge=", "code_challenge_method=S256", "client_id=acme-rcc",
                  "redirect_uri=http%3A%2F%2Ftestserver%2Fsso%2Facme%2Fcallback%2F"):
        assert param in url, param
    pending = next(iter(client.session["sso_pending"].values()))
    assert pending["tenant"] == "acme" and pending["code_verifier"] not in url  # only its S256 hash travels


def test_the_first_matching_mapping_entry_decides_and_updates_an_existing_member(acme_sso, idp):
    client = Client()
    response = sign_in(client, idp, email="rep@acme.test", groups=["finance-team", "sales-managers"])
    assert response.status_code == 302
    assert membership_of(acme_sso, "rep@acme.test").role == "manager"  # sales-managers is listed first
    with tenant_atomic(acme_sso.tenant):
        event = AuditEvent.objects.get(action="membership.update")
    assert event.before == {"role": "rep"} and event.after == {"role": "manager", "via": "sso"}


def test_with_no_matching_group_a_member_keeps_their_role_and_a_newcomer_gets_the_default(acme_sso, idp):
    assert sign_in(Client(), idp, email="finance@acme.test", groups=["unmapped"]).status_code == 302
    assert membership_of(acme_sso, "finance@acme.test").role == "finance"
    assert sign_in(Client(), idp, email="newcomer@acme.test").status_code == 302
    assert membership_of(acme_sso, "newcomer@acme.test").role == "rep"


def test_a_blank_default_role_refuses_a_newcomer_without_a_mapped_group(acme, idp):
    configure(acme, idp, default_role="")
    client = Client()
    assert_refused(sign_in(client, idp, email="nogroup@acme.test", groups=["other"]), status=403,
                   says="None of your groups", client=client)
    assert not get_user_model().objects.filter(email="nogroup@acme.test").exists()


def test_with_member_creation_off_only_existing_members_may_sign_in(acme, idp):
    configure(acme, idp, create_members=False)
    client = Client()
    assert_refused(sign_in(client, idp, email="stranger@acme.test"), status=403, says="not a member", client=client)
    assert not get_user_model().objects.filter(email="stranger@acme.test").exists()
    assert sign_in(Client(), idp, email="exec@acme.test").status_code == 302


# --- refusals -------------------------------------------------------------------------------------


def test_an_email_domain_that_is_not_allowed_is_refused(acme_sso, idp):
    client = Client()
    assert_refused(sign_in(client, idp, email="mallory@evil.test"), status=403,
                   says="People with evil.test e-mail addresses may not sign in", client=client)
    assert not get_user_model().objects.filter(email="mallory@evil.test").exists()


def test_an_unverified_email_is_refused(acme_sso, idp):
    client = Client()
    assert_refused(sign_in(client, idp, email="rep@acme.test", verified=False), status=403, says="not verified",
                   client=client)


def test_a_callback_whose_state_was_not_issued_here_is_refused(acme_sso, idp):
    client = Client()
    grant = idp.approve(start(client), email="rep@acme.test")
    response = client.get("/sso/acme/callback/", {"code": grant["code"], "state": "forged-state"})
    assert_refused(response, status=400, says="state mismatch", client=client)
    other_browser = Client()  # the right state, but not in this browser's session
    response = other_browser.get("/sso/acme/callback/", {"code": grant["code"], "state": grant["state"]})
    assert_refused(response, status=400, says="state mismatch", client=other_browser)


def test_a_replayed_callback_or_nonce_is_refused(acme_sso, idp):
    client = Client()
    first = idp.approve(start(client), email="rep@acme.test")
    callback = {"code": first["code"], "state": first["state"]}
    assert client.get("/sso/acme/callback/", callback).status_code == 302
    client.logout()
    assert_refused(client.get("/sso/acme/callback/", callback), status=400, says="state mismatch", client=client)
    # A token minted for the first sign-in (its nonce) presented in a new one.
    response = sign_in(client, idp, email="rep@acme.test", claims={"nonce": first["nonce"]})
    assert_refused(response, status=400, says="nonce", client=client)


def test_a_token_for_another_audience_is_refused(acme_sso, idp):
    client = Client()
    response = sign_in(client, idp, email="rep@acme.test", claims={"aud": "some-other-app"})
    assert_refused(response, status=400, says="audience", client=client)


def test_a_token_from_another_issuer_is_refused(acme_sso, idp):
    client = Client()
    response = sign_in(client, idp, email="rep@acme.test", claims={"iss": "https://evil.test"})
    assert_refused(response, status=400, says="another identity provider", client=client)


def test_an_expired_token_is_refused(acme_sso, idp):
    client = Client()
    past = int(time.time()) - 3600
    response = sign_in(client, idp, email="rep@acme.test", claims={"iat": past - 300, "exp": past})
    assert_refused(response, status=400, says="expired", client=client)


def test_a_tampered_or_foreign_signature_is_refused(acme_sso, idp):
    client = Client()
    response = sign_in(client, idp, email="rep@acme.test", tamper={"email": "admin@acme.test"})
    assert_refused(response, status=400, says="signature does not verify", client=client)
    impostor = RSAKey.generate_key(2048, parameters={"kid": "idp-key-1"})
    response = sign_in(client, idp, email="admin@acme.test", signing_key=impostor)
    assert_refused(response, status=400, says="signature does not verify", client=client)


def closed_port_url() -> str:
    with socket.socket() as sock:  # a port that was free a moment ago: nothing listens there
        sock.bind(("127.0.0.1", 0))
        return f"http://127.0.0.1:{sock.getsockname()[1]}"


def test_an_unreachable_provider_is_a_clear_error(acme, idp):
    configure(acme, idp, issuer=closed_port_url())
    client = Client()
    assert_refused(client.get("/sso/acme/login/"), status=502, says="could not be reached", client=client)


def test_a_provider_failing_at_the_token_endpoint_is_a_clear_error(acme_sso, idp):
    client = Client()
    grant = idp.approve(start(client), email="rep@acme.test")
    idp.token_failure = 503
    try:
        response = client.get("/sso/acme/callback/", {"code": grant["code"], "state": grant["state"]})
    finally:
        idp.token_failure = None
    assert_refused(response, status=502, says="could not be reached (token endpoint", client=client)


def test_sso_that_is_off_or_a_workspace_that_does_not_exist_is_refused(acme, idp):
    configure(acme, idp, enabled=False)
    client = Client()
    for slug in ("acme", "no-such-workspace"):
        assert_refused(client.get(f"/sso/{slug}/login/"), status=404, says="with single sign-on turned on",
                       client=client)


def test_turning_sso_off_mid_sign_in_refuses_the_callback(acme_sso, idp):
    client = Client()
    grant = idp.approve(start(client), email="rep@acme.test")
    configure(acme_sso, idp, enabled=False)
    response = client.get("/sso/acme/callback/", {"code": grant["code"], "state": grant["state"]})
    assert_refused(response, status=404, says="with single sign-on turned on", client=client)


def test_a_provider_error_answer_is_shown(acme_sso, idp):
    client = Client()
    url = start(client)
    state = next(iter(client.session["sso_pending"]))
    assert "state=" + state in url
    response = client.get("/sso/acme/callback/", {"state": state, "error": "access_denied",
                                                    "error_description": "User cancelled"})
    assert_refused(response, status=400, says="User cancelled", client=client)


# --- tenants are absolute -------------------------------------------------------------------------


def test_another_tenants_provider_cannot_sign_anyone_into_acme(acme_sso, idp):
    globex = factories.build_tenant("globex")
    # A hostile globex admin lists acme's domain and maps everyone to admin.
    configure(globex, idp, allowed_domains=["acme.test", "globex.test"], role_mapping=[("anyone", "admin")])
    client = Client()
    response = sign_in(client, idp, slug="globex", email="admin@acme.test", groups=["anyone"])
    assert_refused(response, status=403, says="also belongs to another workspace", client=client)
    assert membership_of(globex, "admin@acme.test") is None
    # A sign-in started for globex cannot be finished at acme's callback (nor the other way round).
    grant = idp.approve(start(client, "globex"), email="rep@acme.test")
    response = client.get("/sso/acme/callback/", {"code": grant["code"], "state": grant["state"]})
    assert_refused(response, status=400, says="state mismatch", client=client)


def test_staff_accounts_are_never_signed_in_by_a_workspace_provider(acme_sso, idp):
    User = get_user_model()
    User.objects.create_user(username="ops@acme.test", email="ops@acme.test", password="x" * 16, is_staff=True)
    client = Client()
    assert_refused(sign_in(client, idp, email="ops@acme.test"), status=403, says="Staff accounts", client=client)


# --- finding the workspace ------------------------------------------------------------------------


def test_the_sign_in_page_offers_sso_and_finds_the_workspace_by_email_or_name(acme_sso):
    client = Client()
    assert "Sign in with SSO" in client.get("/accounts/login/").content.decode()
    for typed in ("someone@acme.test", "acme.test", "acme"):
        response = client.post("/sso/", {"workspace": typed})
        assert response.status_code == 200, typed
        assert 'href="/sso/acme/login/"' in response.content.decode() and 'http-equiv="refresh"' in response.content.decode()
    for typed, says in (("who@nowhere.test", "No workspace signs in nowhere.test"),
                        ("nowhere", "no workspace “nowhere” with single sign-on")):
        response = client.post("/sso/", {"workspace": typed})
        assert response.status_code == 400 and says in response.content.decode(), typed


def test_secrets_and_tokens_never_reach_the_logs(acme_sso, idp, caplog):
    caplog.set_level("DEBUG")
    assert sign_in(Client(), idp, email="rep@acme.test").status_code == 302
    text = "\n".join(r.getMessage() + str(r.__dict__) for r in caplog.records)
    assert SECRET not in text
    assert "eyJ" not in text  # no JWT
