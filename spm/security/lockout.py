"""What a locked-out sign-in answers (django-axes' AXES_LOCKOUT_CALLABLE).

After AXES_FAILURE_LIMIT failed attempts for one username from one address, sign-in is refused
for AXES_COOLOFF_TIME: the API answers 429 in its one error shape, the sign-in page shows why.
"""

from __future__ import annotations

from django.conf import settings
from django.http import JsonResponse
from django.shortcuts import render

from spm.api.exceptions import error_body


def _minutes() -> int:
    cooloff = settings.AXES_COOLOFF_TIME
    seconds = cooloff.total_seconds() if hasattr(cooloff, "total_seconds") else float(cooloff or 0) * 3600
    return max(1, round(seconds / 60))


def lockout_response(request, original_response=None, credentials=None):
    message = (f"Too many failed sign-in attempts for this account from your address; "
               f"try again in {_minutes()} minutes.")
    if request.path.startswith("/api/"):
        response = JsonResponse(error_body(detail=message, code="locked_out"), status=429)
    else:
        response = render(request, "registration/locked_out.html", {"message": message}, status=429)
    response["Retry-After"] = str(_minutes() * 60)
    return response
