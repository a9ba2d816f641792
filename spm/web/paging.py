"""Bounded pagination for list pages: one COUNT plus one page of rows, whatever the data size."""

from __future__ import annotations

from django.core.paginator import Paginator


def paginate(request, queryset, *, per_page: int = 50, count: int | None = None) -> dict:
    """Context for `_pagination.html`: page_obj, object_list and the querystring minus `page`.
    `count`: the number of rows when the caller counted them already (no second COUNT query)."""
    paginator = Paginator(queryset, per_page)
    if count is not None:
        paginator.count = count  # Paginator.count is a cached_property: this is its value
    page_obj = paginator.get_page(request.GET.get("page"))
    params = request.GET.copy()
    params.pop("page", None)
    querystring = params.urlencode()
    return {
        "page_obj": page_obj,
        "object_list": page_obj.object_list,
        "querystring": f"{querystring}&" if querystring else "",
    }
