import pytest
from django.core.cache import cache


@pytest.mark.django_db
def test_healthz_reports_database_and_cache(client):
    response = client.get("/healthz")

    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok", "cache": "ok"}
    assert "no-cache" in response["Cache-Control"]


@pytest.mark.django_db
def test_healthz_is_503_when_the_cache_fails(client, monkeypatch):
    monkeypatch.setattr(cache, "get", lambda *args, **kwargs: None)

    response = client.get("/healthz")

    assert response.status_code == 503
    assert response.json()["cache"] == "error"
