"""Single sign-on by OpenID Connect, configured per tenant (issue 13 item 6).

* `models`    — the tenant's identity provider (`SsoProvider`) and the public e-mail-domain
                directory (`SsoDomain`) the sign-in page uses to find a workspace.
* `services`  — save the configuration (audited, the secret never in the audit) and map a verified
                identity to a user and a membership (`sso_sign_in`).
* `oidc`      — the protocol: discovery, the authorization request (state, nonce, PKCE S256), the
                code exchange and the ID-token validation, on authlib + joserfc (no hand-written JWT).
* `views`, `api`, `forms`, `urls` — the admin page, the endpoint, and the sign-in flow.
"""
