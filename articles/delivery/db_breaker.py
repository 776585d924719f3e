"""When the database stops answering, fail fast instead of holding every worker.

A database that accepts connections and never answers costs each uncached request DATABASE_CONNECT_TIMEOUT
seconds. With sync workers, a few such requests hold them all, and a cached page, which needs no database,
waits behind them. So once a connection attempt has failed, this process answers uncached requests with a
503 at once for DATABASE_BREAKER_SECONDS, then lets the next request try again (a circuit breaker). The page
cache runs before this middleware, so cached pages are still served from Redis. A statement that timed out or
a locked SQLite database is not a failed connection and does not open the breaker.

Per process, in memory: every worker learns on its own, at the cost of one timed-out connection per window.
"""

import time

from django.conf import settings
from django.core.cache import cache
from django.core.cache.backends.db import DatabaseCache
from django.db import InterfaceError, OperationalError, connections
from django.views import defaults

_closed_at = 0.0  # monotonic time until which the breaker is open
RETRY_AFTER_SECONDS = 30


def is_open():
    return time.monotonic() < _closed_at


def record(error):
    """Open the breaker if `error` came from connecting to a database (after which its connection is None)."""
    global _closed_at
    seconds = settings.DATABASE_BREAKER_SECONDS
    if seconds and isinstance(error, (OperationalError, InterfaceError)) and _a_connection_failed():
        _closed_at = time.monotonic() + seconds


def reset():
    global _closed_at
    _closed_at = 0.0


def _a_connection_failed():
    return any(connection.connection is None for connection in connections.all(initialized_only=True))


def cache_needs_database():
    """With no Redis, the cache is a database table: it cannot serve pages while the breaker is open."""
    return isinstance(cache, DatabaseCache)


def unavailable(request):
    """The 500 page as a 503 with Retry-After: unavailable for a moment, not broken; a CDN or load balancer
    may serve a stale copy meanwhile."""
    response = defaults.server_error(request)
    response.status_code = 503
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response


class DatabaseBreakerMiddleware:
    """Right after the page cache: a cache hit never gets here; a miss while the breaker is open is a 503 at
    once rather than another DATABASE_CONNECT_TIMEOUT spent on a database known not to answer."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if is_open() and request.path != "/healthz":
            return unavailable(request)
        return self.get_response(request)
