"""The OpenID Connect authorization-code flow against one tenant's provider.

Built on libraries, not hand-written crypto: authlib's OAuth 2 client makes the authorization URL
(state, nonce, PKCE S256) and exchanges the code; joserfc (authlib's JOSE successor — authlib.jose
is deprecated) imports the provider's JWKS, verifies the ID token's signature and validates its
claims. This module only wires them and turns every failure into an `SsoError` that says what
went wrong, in words a person signing in can act on. Never logs a secret, a code or a token.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import requests
from authlib.common.security import generate_token
from authlib.integrations.base_client import OAuthError
from authlib.integrations.requests_client import OAuth2Session
from django.conf import settings
from joserfc import jwt
from joserfc.errors import BadSignatureError, ClaimError, ExpiredTokenError, JoseError
from joserfc.jwk import KeySet

from spm.errors import DomainError

DISCOVERY_PATH = "/.well-known/openid-configuration"
SCOPE = "openid email profile"
TIMEOUT_SECONDS = 5
# Asymmetric algorithms only: an HS256 token would be "signed" with the client secret, which the
# provider's JWKS cannot vouch for; "none" is never accepted.
ALGORITHMS = ["RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384"]
LEEWAY_SECONDS = 60  # clock skew between us and the provider for exp / iat


class SsoError(DomainError):
    """A sign-in by SSO failed; the message is shown to the person as it is."""

    code = "sso_failed"

    def __init__(self, message: str, *, code: str, status: int = 400) -> None:
        super().__init__(message, code=code)
        self.status = status


@dataclass(frozen=True)
class ProviderMetadata:
    issuer: str
    authorization_endpoint: str
    token_endpoint: str
    jwks_uri: str


def issuer_problem(issuer: str) -> str | None:
    """Why `issuer` cannot be a provider's issuer, or None. Plain http only where settings allow it
    (development and the tests' in-process provider)."""
    parts = urlsplit(issuer)
    if parts.scheme == "https" or (parts.scheme == "http" and settings.SSO_ALLOW_HTTP_ISSUER):
        return None if parts.netloc else "the issuer URL has no host"
    return "the issuer URL must start with https://"


def _get_json(url: str, *, what: str) -> dict[str, Any]:
    try:
        response = requests.get(url, timeout=TIMEOUT_SECONDS, headers={"Accept": "application/json"})
        response.raise_for_status()
        data = response.json()
    except (requests.RequestException, ValueError) as exc:
        raise SsoError(
            f"Your identity provider could not be reached ({what}: {type(exc).__name__}). "
            "Try again in a moment; if it keeps failing, ask your workspace administrator.",
            code="provider_unavailable", status=502,
        ) from None
    if not isinstance(data, dict):
        raise SsoError(f"Your identity provider answered with an unreadable {what}.", code="provider_invalid", status=502)
    return data


def discover(issuer: str) -> ProviderMetadata:
    """Read `<issuer>/.well-known/openid-configuration`; its `issuer` must be the configured one."""
    problem = issuer_problem(issuer)
    if problem:
        raise SsoError(f"Single sign-on is misconfigured: {problem}.", code="misconfigured")
    doc = _get_json(issuer.rstrip("/") + DISCOVERY_PATH, what="discovery document")
    if str(doc.get("issuer", "")).rstrip("/") != issuer.rstrip("/"):
        raise SsoError("The identity provider's discovery document names another issuer than the one configured.",
                       code="issuer_mismatch", status=502)
    missing = [k for k in ("authorization_endpoint", "token_endpoint", "jwks_uri") if not doc.get(k)]
    if missing:
        raise SsoError(f"The identity provider's discovery document lacks {', '.join(missing)}.",
                       code="provider_invalid", status=502)
    return ProviderMetadata(issuer=doc["issuer"], authorization_endpoint=doc["authorization_endpoint"],
                            token_endpoint=doc["token_endpoint"], jwks_uri=doc["jwks_uri"])


def _client(*, client_id: str, client_secret: str, redirect_uri: str) -> OAuth2Session:
    return OAuth2Session(client_id=client_id, client_secret=client_secret, scope=SCOPE, redirect_uri=redirect_uri,
                         code_challenge_method="S256", default_timeout=TIMEOUT_SECONDS)


def authorization_request(*, metadata: ProviderMetadata, client_id: str, redirect_uri: str) -> tuple[str, dict[str, str]]:
    """The provider URL to send the browser to, and what the callback must find in the session:
    `state` (CSRF), `nonce` (binds the ID token to this request) and the PKCE `code_verifier`."""
    pending = {"state": generate_token(32), "nonce": generate_token(32), "code_verifier": generate_token(64)}
    client = _client(client_id=client_id, client_secret="", redirect_uri=redirect_uri)
    url, _state = client.create_authorization_url(metadata.authorization_endpoint, state=pending["state"],
                                                  code_verifier=pending["code_verifier"], nonce=pending["nonce"])
    return url, pending


def exchange_code(*, metadata: ProviderMetadata, client_id: str, client_secret: str, redirect_uri: str,
                  code: str, code_verifier: str) -> str:
    """POST the code (with the PKCE verifier, client_secret_basic) to the token endpoint; the ID token."""
    client = _client(client_id=client_id, client_secret=client_secret, redirect_uri=redirect_uri)
    try:
        token = client.fetch_token(metadata.token_endpoint, grant_type="authorization_code", code=code,
                                   code_verifier=code_verifier)
    except OAuthError as exc:
        raise SsoError(f"Your identity provider refused the sign-in ({exc.error}). Start the sign-in again.",
                       code="token_refused") from None
    except (requests.RequestException, ValueError) as exc:
        raise SsoError(
            f"Your identity provider could not be reached (token endpoint: {type(exc).__name__}). Try again in a moment.",
            code="provider_unavailable", status=502,
        ) from None
    id_token = token.get("id_token")
    if not id_token:
        raise SsoError("Your identity provider sent no ID token (is the 'openid' scope allowed for this client?).",
                       code="no_id_token", status=502)
    return id_token


def _claim_error(claim: str) -> SsoError:
    reasons = {
        "iss": "was issued by another identity provider",
        "aud": "was issued for another application (audience)",
        "nonce": "does not belong to this sign-in (nonce): it may be replayed",
        "exp": "has expired",
        "iat": "has no valid issue time",
        "sub": "names no subject",
    }
    return SsoError(f"The sign-in token {reasons.get(claim, f'has an invalid {claim!r} claim')}. Start the sign-in again.",
                    code=f"invalid_{claim}")


def validate_id_token(*, id_token: str, metadata: ProviderMetadata, client_id: str, nonce: str) -> dict[str, Any]:
    """Verify the ID token's signature against the provider's JWKS and its iss, aud, exp, iat, nonce
    (and azp when there are several audiences); return its claims."""
    try:
        keys = KeySet.import_key_set(_get_json(metadata.jwks_uri, what="signing keys"))
    except (JoseError, ValueError, TypeError, KeyError):
        raise SsoError("Your identity provider published signing keys that cannot be read.",
                       code="provider_invalid", status=502) from None
    try:
        token = jwt.decode(id_token, keys, algorithms=ALGORITHMS)
    except BadSignatureError:
        raise SsoError("The sign-in token's signature does not verify against your identity provider's keys.",
                       code="bad_signature") from None
    except (JoseError, ValueError, TypeError, KeyError):
        raise SsoError("The sign-in token is not a token signed by your identity provider.",
                       code="bad_token") from None
    registry = jwt.JWTClaimsRegistry(
        leeway=LEEWAY_SECONDS,
        iss={"essential": True, "value": metadata.issuer},
        aud={"essential": True, "value": client_id},
        sub={"essential": True},
        exp={"essential": True},
        iat={"essential": True},
        nonce={"essential": True, "value": nonce},
    )
    try:
        registry.validate(token.claims)
    except ExpiredTokenError:
        raise _claim_error("exp") from None
    except ClaimError as exc:
        raise _claim_error(getattr(exc, "claim", "") or "token") from None
    claims = dict(token.claims)
    audiences = claims["aud"] if isinstance(claims["aud"], list) else [claims["aud"]]
    if len(audiences) > 1 and claims.get("azp") != client_id:
        raise _claim_error("aud")
    return claims
