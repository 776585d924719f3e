"""gunicorn settings for `make serve` and production; every value can be overridden on the command line."""

import gc
import multiprocessing
import os

bind = f"{os.environ.get('HOST', '127.0.0.1')}:{os.environ.get('PORT', '8000')}"
# Two processes per core plus one, each with a few threads. Threads, not sync workers, so that a request
# waiting on a database that does not answer holds one thread, not the process: cached pages (no database)
# are still served beside it. Measured on 2 shared cores (`make bench`, 2,000 articles, two runs each, warm
# article as a share of the static file's req/s): sync 0.49 and 0.54, gthread 0.51 and 0.63; app CPU per
# warm request sync 0.86 and 0.77 ms, gthread 0.66 and 0.61 ms. With a hung database
# (`make bench-database-hung`), see README's Deploying section.
workers = int(os.environ.get("WEB_CONCURRENCY", multiprocessing.cpu_count() * 2 + 1))
worker_class = "gthread"
threads = int(os.environ.get("GUNICORN_THREADS", "4"))
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
