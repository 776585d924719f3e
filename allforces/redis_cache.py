"""Django's RedisCache with one redis-py client per connection pool, which degrades instead of failing.

Django builds a new `redis.Redis` for every cache operation, and each one builds its table of some 170
response callbacks: about a quarter of the CPU a cached page costs. redis-py clients are thread-safe and
meant to be shared; the pool underneath (and its fork check) stays Django's.

The cache only ever speeds the site up, so Redis being down, refusing or hanging must not take readers with
it: an operation that cannot reach Redis answers as a miss (get → default, set/add → False), the fault is
logged once per interval, and for REDIS_RETRY_SECONDS no operation tries Redis again, so a Redis that hangs
costs one socket timeout per interval, not one per request. `is_degraded()` tells /healthz.

Except what retires cached data: set_many (the page cache's generation and path versions, and nothing else
uses it), delete and delete_many (a session at logout) are always tried. Each worker counts its interval
alone, so when Redis comes back (or when the fault was one worker's) the others are already caching again; a
publish skipped by the one still counting left them serving the old page, up to PAGE_CACHE_SECONDS (seen in
`make load-test`'s Redis outage phase). These writes are rare, so a Redis that hangs costs each one timeout.
"""

import logging
import threading
import time

from django.core.cache.backends import redis as django_redis
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

logger = logging.getLogger(__name__)
UNREACHABLE = (RedisConnectionError, RedisTimeoutError, OSError)


class SharedClientRedisCacheClient(django_redis.RedisCacheClient):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._clients = {}

    def get_client(self, key=None, *, write=False):
        pool = self._get_connection_pool(write)
        client = self._clients.get(pool)
        if client is None:
            client = self._clients[pool] = self._client(connection_pool=pool)
        return client


class RedisCache(django_redis.RedisCache):
    """OPTIONS besides redis-py's: RETRY_SECONDS (default 5), how long to serve misses after a fault."""

    def __init__(self, server, params):
        options = dict(params.get("OPTIONS", {}))
        self.retry_seconds = float(options.pop("RETRY_SECONDS", 5))
        super().__init__(server, {**params, "OPTIONS": options})
        self._class = SharedClientRedisCacheClient
        self._down_until = 0.0
        self._lock = threading.Lock()

    def is_degraded(self):
        return time.monotonic() < self._down_until

    def _guarded(self, operation, miss, *args, **kwargs):
        if self.is_degraded():
            return miss
        return self._tried(operation, miss, *args, **kwargs)

    def _tried(self, operation, miss, *args, **kwargs):
        try:
            return operation(*args, **kwargs)
        except UNREACHABLE as error:
            with self._lock:
                first_in_interval = not self.is_degraded()
                self._down_until = time.monotonic() + self.retry_seconds
            if first_in_interval:
                logger.error(
                    "Redis cache unreachable (%s); serving uncached for %.0f s before trying again.",
                    error,
                    self.retry_seconds,
                )
            return miss

    def add(self, *args, **kwargs):
        return self._guarded(super().add, False, *args, **kwargs)

    def get(self, key, default=None, version=None):
        return self._guarded(super().get, default, key, default, version)

    def set(self, *args, **kwargs):
        return self._guarded(super().set, False, *args, **kwargs)

    def touch(self, *args, **kwargs):
        return self._guarded(super().touch, False, *args, **kwargs)

    def delete(self, *args, **kwargs):
        return self._tried(super().delete, False, *args, **kwargs)

    def get_many(self, *args, **kwargs):
        return self._guarded(super().get_many, {}, *args, **kwargs)

    def has_key(self, *args, **kwargs):
        return self._guarded(super().has_key, False, *args, **kwargs)

    def incr(self, key, delta=1, version=None):
        """Unreachable reads as a missing key (ValueError), which callers already handle as 'start anew'."""
        result = self._guarded(super().incr, None, key, delta, version)
        if result is None:
            raise ValueError(f"Key '{key}' not found (cache unreachable)")
        return result

    def set_many(self, *args, **kwargs):
        return self._tried(super().set_many, list(args[0]) if args else [], *args, **kwargs)

    def delete_many(self, *args, **kwargs):
        return self._tried(super().delete_many, None, *args, **kwargs)

    def clear(self):
        return self._guarded(super().clear, False)
