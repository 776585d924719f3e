"""Reader requests read from a replica when DATABASE_REPLICA_URL is set; everything else uses default.

Only anonymous GETs outside the admin count as reader requests, so an editor always reads what they
have just written (no replication lag in the admin)."""

from contextvars import ContextVar

from django.conf import settings

_reading_for_readers = ContextVar("reading_for_readers", default=False)
REPLICA = "replica"


class ReaderRequestMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        is_reader = (
            request.method in {"GET", "HEAD"}
            and settings.SESSION_COOKIE_NAME not in request.COOKIES
            and not request.path.startswith(("/admin/", "/markdownx/", "/preview/"))
        )
        token = _reading_for_readers.set(is_reader)
        try:
            return self.get_response(request)
        finally:
            _reading_for_readers.reset(token)


# What Django's database cache (no REDIS_URL) gives the router in place of a model.
DATABASE_CACHE_APP_LABEL = "django_cache"


class ReaderReplicaRouter:
    def db_for_read(self, model, **hints):
        """The replica for readers' rows; never for the database cache, whose page versions must be read
        where they are written: from a lagging replica, a page a change has retired would still match."""
        if model._meta.app_label == DATABASE_CACHE_APP_LABEL:
            return "default"
        if _reading_for_readers.get() and REPLICA in settings.DATABASES:
            return REPLICA
        return "default"

    def db_for_write(self, model, **hints):
        return "default"

    def allow_relation(self, obj1, obj2, **hints):
        return True

    def allow_migrate(self, db, app_label, model_name=None, **hints):
        return db == "default"
