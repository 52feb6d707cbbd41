"""Lists by cursor: `next` and `previous` links, stable while rows are added."""

from rest_framework.pagination import CursorPagination


class Cursor(CursorPagination):
    ordering = "-pk"
    page_size = 50
    max_page_size = 200
    page_size_query_param = "page_size"
