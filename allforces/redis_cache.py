"""Django's RedisCache with one redis-py client per connection pool.

Django builds a new `redis.Redis` for every cache operation, and each one builds its table of some 170
response callbacks: about a quarter of the CPU a cached page costs. redis-py clients are thread-safe and
meant to be shared; the pool underneath (and its fork check) stays Django's.
"""

from django.core.cache.backends import redis


class SharedClientRedisCacheClient(redis.RedisCacheClient):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._clients = {}

    def get_client(self, key=None, *, write=False):
        pool = self._get_connection_pool(write)
        client = self._clients.get(pool)
        if client is None:
            client = self._clients[pool] = self._client(connection_pool=pool)
        return client


class RedisCache(redis.RedisCache):
    def __init__(self, server, params):
        super().__init__(server, params)
        self._class = SharedClientRedisCacheClient
