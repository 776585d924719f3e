"""/healthz for load balancers.

200 while readers can be served: the database answers. A cache fault alone is 200 with "status": "degraded"
and "cache": "error" (pages are then served uncached; taking every app server out of the pool for it would
turn a slower site into no site). 503 when the database does not answer, quickly: connecting gives up after
DATABASE_CONNECT_TIMEOUT seconds.
"""

import logging

from django.core.cache import cache
from django.db import connections
from django.http import JsonResponse
from django.views.decorators.cache import never_cache

from articles.delivery import db_breaker

logger = logging.getLogger(__name__)


@never_cache
def healthz(request):
    results = {"database": _result("database", _check_database), "cache": _result("cache", _check_cache)}
    status = {("ok", "ok"): "ok", ("ok", "error"): "degraded"}.get((results["database"], results["cache"]), "error")
    return JsonResponse({"status": status, **results}, status=503 if status == "error" else 200)


def _result(name, check):
    try:
        check()
    except Exception as error:  # a health check reports any failure instead of raising it
        logger.warning("health check %s failed: %s", name, error)
        return "error"
    return "ok"


def _check_database():
    if db_breaker.is_open():
        raise RuntimeError("the database did not answer a moment ago (articles/delivery/db_breaker.py)")
    try:
        with connections["default"].cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception as error:
        db_breaker.record(error)
        raise


def _check_cache():
    cache.set("healthz", "ok", 10)
    if cache.get("healthz") != "ok":
        raise RuntimeError("cache did not return what was stored")
