"""What every endpoint declares about its error answers in the OpenAPI schema."""

from __future__ import annotations

from drf_spectacular.utils import OpenApiResponse
from rest_framework import serializers


class ErrorSerializer(serializers.Serializer):
    """The body of a 4xx answer: a message saying what is wrong, and a code for 403/409."""

    detail = serializers.CharField()
    code = serializers.CharField(required=False)


_DESCRIPTIONS = {
    400: "Invalid input; the body names each field that is wrong.",
    401: "Not authenticated.",
    403: "Your role may not do this.",
    404: "No such workspace, or no such object in it that you may see.",
    409: "The object is in a state that does not allow this.",
}


def error_responses(*codes: int) -> dict[int, OpenApiResponse]:
    """Declared error answers for `extend_schema(responses=...)` (401 and 404 always apply)."""
    return {code: OpenApiResponse(ErrorSerializer, description=_DESCRIPTIONS[code]) for code in sorted({401, 404, *codes})}


READ_ERRORS = error_responses(403)
