"""A real-HTTP OpenID Connect provider for the SSO tests: discovery, JWKS and a token endpoint.

Runs `http.server` in a thread on 127.0.0.1. The browser's visit to the authorization endpoint is
played by `approve()`: it reads the authorization URL the app redirected to (state, nonce, PKCE
challenge), and issues a code the way a provider would after the person signed in. The token
endpoint checks the client's secret (HTTP Basic), the redirect URI and the PKCE verifier (S256)
before it answers with an ID token signed by an RSA key made for the test run.
"""

from __future__ import annotations

import base64
import hashlib
import json
import secrets
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

from joserfc import jwt
from joserfc.jwk import KeySet, RSAKey


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


class FakeIdP:
    def __init__(self) -> None:
        self.key = RSAKey.generate_key(2048, parameters={"kid": "idp-key-1", "use": "sig", "alg": "RS256"})
        self.codes: dict[str, dict[str, Any]] = {}
        self.clients: dict[str, str] = {}  # client_id -> secret
        self.token_failure: int | None = None  # answer the token endpoint with this HTTP status
        self.requests: list[str] = []
        idp = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):  # quiet
                pass

            def _json(self, status: int, body: dict) -> None:
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def do_GET(self):
                idp.requests.append(f"GET {self.path}")
                if self.path == "/.well-known/openid-configuration":
                    return self._json(200, idp.discovery())
                if self.path == "/jwks":
                    return self._json(200, KeySet([idp.key]).as_dict(private=False))
                return self._json(404, {"error": "not_found"})

            def do_POST(self):
                idp.requests.append(f"POST {self.path}")
                length = int(self.headers.get("Content-Length") or 0)
                form = {k: v[0] for k, v in parse_qs(self.rfile.read(length).decode()).items()}
                if self.path != "/token":
                    return self._json(404, {"error": "not_found"})
                if idp.token_failure:
                    return self._json(idp.token_failure, {"error": "server_error"})
                status, body = idp.token(form, self.headers.get("Authorization", ""))
                return self._json(status, body)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    @property
    def issuer(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def discovery(self) -> dict:
        return {"issuer": self.issuer, "authorization_endpoint": f"{self.issuer}/authorize",
                "token_endpoint": f"{self.issuer}/token", "jwks_uri": f"{self.issuer}/jwks",
                "response_types_supported": ["code"], "id_token_signing_alg_values_supported": ["RS256"],
                "code_challenge_methods_supported": ["S256"]}

    # --- what the browser and the person do at the provider --------------------------------------

    def approve(self, authorize_url: str, *, email: str, groups: list[str] | None = None, verified: bool = True,
                claims: dict | None = None, tamper: dict | None = None, signing_key: RSAKey | None = None) -> dict:
        """The person signs in at the provider: a code for the app's callback. `claims` overrides ID-token
        claims (aud, exp, nonce…), `tamper` changes the payload after signing, `signing_key` signs with
        another key than the published one."""
        assert authorize_url.startswith(f"{self.issuer}/authorize?"), authorize_url
        params = {k: v[0] for k, v in parse_qs(urlsplit(authorize_url).query).items()}
        assert params["response_type"] == "code" and "openid" in params["scope"].split()
        assert params["code_challenge_method"] == "S256" and params["code_challenge"], "PKCE S256 is required"
        code = secrets.token_urlsafe(16)
        now = int(time.time())
        self.codes[code] = {
            "client_id": params["client_id"], "redirect_uri": params["redirect_uri"],
            "challenge": params["code_challenge"],
            "claims": {"iss": self.issuer, "aud": params["client_id"], "sub": f"sub-{email}", "iat": now,
                       "exp": now + 300, "nonce": params["nonce"], "email": email, "email_verified": verified,
                       "groups": groups or [], **(claims or {})},
            "tamper": tamper, "signing_key": signing_key,
        }
        return {"code": code, "state": params["state"], "nonce": params["nonce"]}

    # --- the token endpoint -----------------------------------------------------------------------

    def token(self, form: dict, authorization: str) -> tuple[int, dict]:
        grant = self.codes.pop(form.get("code", ""), None)  # a code is good once
        if grant is None or form.get("grant_type") != "authorization_code":
            return 400, {"error": "invalid_grant"}
        client_id, _, secret = base64.b64decode(authorization.removeprefix("Basic ")).decode().partition(":")
        if client_id != grant["client_id"] or self.clients.get(client_id) != secret:
            return 401, {"error": "invalid_client"}
        if form.get("redirect_uri") != grant["redirect_uri"]:
            return 400, {"error": "invalid_grant", "error_description": "redirect_uri"}
        verifier = form.get("code_verifier", "")
        if _b64url(hashlib.sha256(verifier.encode()).digest()) != grant["challenge"]:
            return 400, {"error": "invalid_grant", "error_description": "PKCE verification failed"}
        return 200, {"access_token": secrets.token_urlsafe(16), "token_type": "Bearer", "expires_in": 300,
                     "id_token": self.sign(grant["claims"], tamper=grant["tamper"], key=grant["signing_key"])}

    def sign(self, claims: dict, *, tamper: dict | None = None, key: RSAKey | None = None) -> str:
        token = jwt.encode({"alg": "RS256", "kid": "idp-key-1"}, claims, key or self.key)
        if tamper:
            header, _payload, signature = token.split(".")
            payload = _b64url(json.dumps({**claims, **tamper}).encode())
            token = f"{header}.{payload}.{signature}"
        return token
