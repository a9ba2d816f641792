"""Secrets never reach the logs: a logging filter that masks them wherever they appear.

Attached to every handler in settings.LOGGING. It masks values of keys that look secret
(password, token, secret, key, authorization, cookie, sessionid, csrf) in the message arguments
and `extra` fields, `Authorization:`/`Cookie:` headers and `postgres://user:password@` URLs in
the rendered text, and the configured SECRET_KEY / DATABASE_APP_PASSWORD values themselves.
"""

from __future__ import annotations

import logging
import re

MASK = "********"
SECRET_KEY_NAMES = re.compile(r"pass(word)?|secret|token|api[_-]?key|authorization|cookie|session|csrf", re.I)
_PATTERNS = [
    (re.compile(r"(?i)\b(authorization|x-csrftoken)(\s*[:=]\s*)((?:token|bearer|basic)\s+)?([^\s,;'\"}]+)"), rf"\1\2\3{MASK}"),
    (re.compile(r"(?i)\b(cookie)(\s*[:=]\s*)([^\n'\"}]+)"), rf"\1\2{MASK}"),
    (re.compile(r"(?i)\b(password|passwd|pwd|secret|token|api_key|sessionid|csrftoken)(['\"]?\s*[:=]\s*['\"]?)([^\s&,;'\"}]+)"),
     rf"\1\2{MASK}"),
    (re.compile(r"(?i)([a-z][a-z0-9+.-]*://[^:/\s@]+:)([^@\s]+)(@)"), rf"\1{MASK}\3"),
]
_STANDARD = set(logging.makeLogRecord({}).__dict__) | {"message", "asctime"}


def _known_secrets() -> list[str]:
    try:
        from django.conf import settings

        values = [getattr(settings, "SECRET_KEY", ""), getattr(settings, "DATABASE_APP_PASSWORD", "")]
        values.append(settings.DATABASES.get("default", {}).get("PASSWORD", ""))
    except Exception:  # noqa: BLE001 - logging before settings are configured
        return []
    return [v for v in values if v and len(v) >= 6]


def scrub(text: str) -> str:
    for pattern, replacement in _PATTERNS:
        text = pattern.sub(replacement, text)
    for secret in _known_secrets():
        text = text.replace(secret, MASK)
    return text


def _scrub_value(key: str, value):
    if isinstance(value, dict):
        return {k: (MASK if SECRET_KEY_NAMES.search(str(k)) else _scrub_value(str(k), v)) for k, v in value.items()}
    if SECRET_KEY_NAMES.search(key):
        return MASK
    if isinstance(value, str):
        return scrub(value)
    return value


class SecretFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # noqa: BLE001 - a broken format string is logged as it is
            return True
        record.msg, record.args = scrub(message), None
        for key, value in list(record.__dict__.items()):
            if key not in _STANDARD:
                record.__dict__[key] = _scrub_value(key, value)
        if record.exc_text:
            record.exc_text = scrub(record.exc_text)
        return True


class ScrubbingFormatter(logging.Formatter):
    """The console formatter: the fully rendered line (tracebacks included) is scrubbed last."""

    def format(self, record: logging.LogRecord) -> str:
        return scrub(super().format(record))
