"""What every endpoint declares in the OpenAPI schema: its error answers and its nullable fields.

`AutoSchema` (the project's DEFAULT_SCHEMA_CLASS) does two things for every operation, so no view
can forget them:

* declares the one error body (`Error`, see `spm.api.exceptions`) for 400, 401, 403, 404, 405, 429
  (and 415 on writes) unless the view declared that code itself;
* marks read-only fields with ``default=None`` (``CharField(source="manager.name", read_only=True,
  default=None)``: the related object may be absent) as ``nullable``, since they answer ``null``.
"""

from __future__ import annotations

from drf_spectacular.openapi import AutoSchema as SpectacularAutoSchema
from drf_spectacular.utils import OpenApiResponse
from rest_framework import serializers


class ErrorSerializer(serializers.Serializer):
    """The body of every 4xx answer."""

    detail = serializers.CharField(help_text="What is wrong, in words.")
    code = serializers.CharField(help_text="A stable machine-readable reason (invalid, not_found, conflict…).")
    field = serializers.CharField(required=False, help_text="The one input at fault, when there is one.")
    errors = serializers.DictField(
        child=serializers.ListField(child=serializers.CharField()),
        help_text="Input name (dotted for nested input) → messages; empty when no input is at fault.",
    )


_DESCRIPTIONS = {
    400: "Invalid input; `errors` names each field that is wrong.",
    401: "Not authenticated.",
    403: "Your role may not do this.",
    404: "No such workspace, or no such object in it that you may see.",
    405: "Method not allowed on this resource.",
    409: "The object is in a state that does not allow this.",
    415: "Unsupported media type: send JSON.",
    429: "Too many requests: wait and retry (see Retry-After).",
    503: "A service this needs (the task queue) is unavailable; nothing was written. Retry later.",
}
ALWAYS_DECLARED = (400, 401, 403, 404, 405, 429)
WRITE_DECLARED = (415, 503)


def error_responses(*codes: int) -> dict[int, OpenApiResponse]:
    """Declared error answers for `extend_schema(responses=...)` (401 and 404 always apply)."""
    return {code: OpenApiResponse(ErrorSerializer, description=_DESCRIPTIONS[code]) for code in sorted({401, 404, *codes})}


READ_ERRORS = error_responses(403)


class AutoSchema(SpectacularAutoSchema):
    def _get_response_bodies(self, direction="response"):
        responses = super()._get_response_bodies(direction)
        codes = ALWAYS_DECLARED + (WRITE_DECLARED if self.method in ("POST", "PUT", "PATCH") else ())
        for code in codes:
            if str(code) not in responses:
                response = OpenApiResponse(ErrorSerializer, description=_DESCRIPTIONS[code])
                responses[str(code)] = self._get_response_for_code(response, str(code), direction=direction)
        return responses

    def _insert_field_validators(self, field, schema):
        super()._insert_field_validators(field, schema)
        # A read-only e-mail/URL may answer "" (a blank=True column), which is no valid
        # "email"/"uri": declare the plain string. (Writable blank fields get spectacular's oneOf.)
        if getattr(field, "read_only", False) and schema.get("format") in ("email", "uri"):
            del schema["format"]

    def _get_serializer_field_meta(self, field, direction):
        meta = super()._get_serializer_field_meta(field, direction)
        if getattr(field, "read_only", False) and getattr(field, "default", ...) is None:
            meta["nullable"] = True
        return meta
