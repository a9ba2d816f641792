"""Bounded pagination for list pages: one COUNT plus one page of rows, whatever the data size."""

from __future__ import annotations

from django.core.paginator import Paginator


def paginate(request, queryset, *, per_page: int = 50) -> dict:
    """Context for `_pagination.html`: page_obj, object_list and the querystring minus `page`."""
    page_obj = Paginator(queryset, per_page).get_page(request.GET.get("page"))
    params = request.GET.copy()
    params.pop("page", None)
    querystring = params.urlencode()
    return {
        "page_obj": page_obj,
        "object_list": page_obj.object_list,
        "querystring": f"{querystring}&" if querystring else "",
    }
