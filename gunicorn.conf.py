"""gunicorn settings for `make serve` and production; every value can be overridden on the command line."""

import gc
import multiprocessing
import os

bind = f"{os.environ.get('HOST', '127.0.0.1')}:{os.environ.get('PORT', '8000')}"
# Sync workers: pages are served from the cache, so a request is short; two per core plus one. Measured with
# `make bench` on 2 cores: one per core cut the cold article's p99 (242 -> 170-210 ms) but cost ~9 % of warm
# throughput (article 2,600 -> 2,380 req/s), and warm pages are what a trending article is served from.
workers = int(os.environ.get("WEB_CONCURRENCY", multiprocessing.cpu_count() * 2 + 1))
worker_class = "sync"
timeout = 30
graceful_timeout = 20
keepalive = 5
# Recycle workers now and then so a slow leak can never grow without bound.
max_requests = 5000
max_requests_jitter = 500
preload_app = True
accesslog = os.environ.get("GUNICORN_ACCESS_LOG") or None
errorlog = "-"
wsgi_app = "allforces.wsgi:application"


def pre_fork(server, worker):
    """The app is loaded (preload_app), so everything it allocated lives for the whole process: freeze it
    out of the garbage collector's reach. A full collection over those ~90,000 objects takes ~60 ms on the
    2-core benchmark machine, a pause readers would see at p99; frozen, the same collection is
    microseconds, and workers no longer write to the pages they share with the master."""
    gc.freeze()
