from rest_framework.pagination import CursorPagination


class DefaultCursorPagination(CursorPagination):
    """Cursor pagination: no COUNT(*) per page, stable under inserts (see PERFORMANCE.md)."""

    ordering = "-id"
    page_size_query_param = "page_size"
    max_page_size = 1000
