"""Reader requests go to the replica when one is configured; writes and the admin never do."""

import pytest
from django.core.cache import caches
from django.http import HttpResponse
from django.test import RequestFactory

from articles.delivery.db_routing import ReaderReplicaRouter, ReaderRequestMiddleware
from articles.models import Article

REPLICA = {"ENGINE": "django.db.backends.sqlite3", "NAME": ":memory:"}


def route_during(request, model=Article):
    """Which database the router picks for a read and a write of `model` while `request` is handled."""
    seen = {}

    def view(request):
        router = ReaderReplicaRouter()
        seen["read"] = router.db_for_read(model)
        seen["write"] = router.db_for_write(model)
        return HttpResponse()

    ReaderRequestMiddleware(view)(request)
    return seen


@pytest.fixture
def with_replica(settings):
    settings.DATABASES = {**settings.DATABASES, "replica": REPLICA}


def test_anonymous_reader_reads_from_the_replica(with_replica):
    assert route_during(RequestFactory().get("/articles/x/")) == {"read": "replica", "write": "default"}


@pytest.mark.parametrize(
    "request_",
    [
        RequestFactory().get("/admin/articles/article/"),
        RequestFactory().post("/articles/x/"),
        RequestFactory(headers={"cookie": "sessionid=abc"}).get("/"),
        RequestFactory().get("/preview/token/"),
    ],
)
def test_editors_writes_and_previews_use_the_primary(with_replica, request_):
    assert route_during(request_) == {"read": "default", "write": "default"}


def test_without_a_replica_everything_uses_default():
    assert route_during(RequestFactory().get("/")) == {"read": "default", "write": "default"}


def test_outside_a_request_reads_use_default(with_replica):
    assert ReaderReplicaRouter().db_for_read(Article) == "default"
    assert ReaderReplicaRouter().allow_migrate("replica", "articles") is False


def test_a_reader_request_reads_the_database_cache_from_the_primary(with_replica):
    """Without REDIS_URL the page cache's versions are rows of the primary: read from a lagging replica, a
    page a change has just retired would still match them."""
    cache_entry = caches["default"].cache_model_class

    assert route_during(RequestFactory().get("/articles/x/"), cache_entry) == {"read": "default", "write": "default"}
