"""When the database stops answering, fail fast instead of holding every worker.

A database that accepts connections and never answers costs each uncached request DATABASE_CONNECT_TIMEOUT
seconds, holding a worker thread: a few dozen such requests hold them all, and a cached page, which needs no
database, waits behind them. So once a connection attempt has failed, this process answers uncached requests
with a 503 at once for DATABASE_BREAKER_SECONDS; then one request tries the database again while the others
are still refused (half-open), and its success closes the breaker (a circuit breaker). The page cache runs
before this middleware, so cached pages are still served from Redis. A statement that timed out or a locked
SQLite database is not a failed connection and does not open the breaker.

Per process, in memory: every worker learns on its own, at the cost of one timed-out connection per window.
"""

import threading
import time

from django.conf import settings
from django.core.cache import cache
from django.core.cache.backends.db import DatabaseCache
from django.db import InterfaceError, OperationalError, connections
from django.views import defaults

RETRY_AFTER_SECONDS = 30
_lock = threading.Lock()
_open_until = 0.0  # monotonic time until which uncached requests are refused; 0: closed
_failed_at = 0.0


def is_open():
    return time.monotonic() < _open_until


def admit():
    """(admitted, probe): whether an uncached request may go on, and whether it is the one request that tries
    the database once the window has passed (half-open). While it tries, the others are still refused, so
    a window's end costs one thread one DATABASE_CONNECT_TIMEOUT, not every thread of every process."""
    global _open_until
    if not _open_until:
        return True, False
    with _lock:
        now = time.monotonic()
        if now < _open_until:
            return False, False
        _open_until = now + settings.DATABASE_CONNECT_TIMEOUT + 1
        return True, True


def record(error):
    """Open the breaker if `error` came from connecting to a database (after which its connection is None)."""
    global _open_until, _failed_at
    seconds = settings.DATABASE_BREAKER_SECONDS
    if seconds and isinstance(error, (OperationalError, InterfaceError)) and _a_connection_failed():
        with _lock:
            _failed_at = time.monotonic()
            _open_until = _failed_at + seconds


def reset():
    global _open_until
    with _lock:
        _open_until = 0.0


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
        if request.path == "/healthz":  # it reports the breaker itself (articles/delivery/health.py)
            return self.get_response(request)
        admitted, probe = admit()
        if not admitted:
            return unavailable(request)
        started = time.monotonic()
        response = self.get_response(request)
        if probe and _failed_at < started:
            reset()  # the database answered (or was not needed): close the breaker
        return response
