"""Search across tickets, customers and organizations: one query syntax (``query``), each kind
found within what the agent may see (``tickets``, ``customers``), matches marked (``highlight``)."""

from hub.search.customers import search_customers_by_query, visible_organizations
from hub.search.query import Query, parse
from hub.search.tickets import SearchError, search_tickets

__all__ = ["Query", "SearchError", "parse", "search_customers_by_query", "search_tickets", "visible_organizations"]
