import pytest
from django.core.cache import cache
from django.db import transaction


@pytest.mark.django_db
def test_healthz_reports_database_and_cache(client):
    response = client.get("/healthz")

    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok", "cache": "ok"}
    assert "no-cache" in response["Cache-Control"]


@pytest.mark.django_db
def test_healthz_is_200_degraded_when_only_the_cache_fails(client, monkeypatch):
    """Readers are still served (uncached): a load balancer must not take the server out for it."""
    monkeypatch.setattr(cache, "get", lambda *args, **kwargs: None)

    response = client.get("/healthz")

    assert response.status_code == 200
    assert response.json() == {"status": "degraded", "database": "ok", "cache": "error"}


@pytest.mark.django_db
def test_a_failing_statement_on_an_open_connection_does_not_open_the_database_breaker():
    """A statement that timed out (PostgreSQL) or failed on a working connection (SQLite) is one request's
    error, not a database that stopped answering: the site must not answer 503 for the next seconds."""
    from django.db import OperationalError, connection

    from articles.delivery import db_breaker

    statement = "SELECT pg_sleep(1)" if connection.vendor == "postgresql" else "SELECT * FROM no_such_table"
    with pytest.raises(OperationalError) as caught, transaction.atomic(), connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SET LOCAL statement_timeout = 50")
        cursor.execute(statement)
    db_breaker.record(caught.value)

    assert not db_breaker.is_open()


def test_when_the_breakers_window_ends_one_request_tries_the_database_and_the_others_are_still_refused():
    """Otherwise every thread of every process would wait DATABASE_CONNECT_TIMEOUT at the same moment, and
    cached pages with them (make bench-database-hung: p99 5.3 s before this rule)."""
    import time

    from articles.delivery import db_breaker

    db_breaker._open_until = time.monotonic() - 0.01  # a window that has just ended

    assert db_breaker.admit() == (True, True)
    assert db_breaker.admit() == (False, False)
    assert db_breaker.admit() == (False, False)
    db_breaker.reset()
    assert db_breaker.admit() == (True, False)
