from rest_framework.pagination import CursorPagination


class Cursor(CursorPagination):
    """Keyset pagination: a deep page costs what the first page costs."""

    ordering = ("-last_activity_at", "-id")
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 200
