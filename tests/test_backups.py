"""make backup / make restore: a round trip brings back every article and every uploaded file."""

import sqlite3
from io import StringIO

import pytest
from django.core.cache import cache
from django.core.management import CommandError, call_command
from django.db import connection

from articles.models import Article
from tests.factories import make_article


@pytest.mark.django_db(transaction=True)
def test_backup_then_restore_brings_back_articles_and_media(tmp_path, settings):
    settings.MEDIA_ROOT = tmp_path / "media"
    (settings.MEDIA_ROOT / "uploads").mkdir(parents=True)
    (settings.MEDIA_ROOT / "uploads" / "図.png").write_bytes(b"\x89PNG fake but bytes")
    kept = make_article(title="残すべき記事", tags=["AI"])
    out = StringIO()

    call_command("backup_site", str(tmp_path / "backup"), stdout=out)

    assert "バックアップ完了" in out.getvalue()
    Article.objects.all().delete()
    (settings.MEDIA_ROOT / "uploads" / "図.png").unlink()
    make_article(title="後から入った記事")

    call_command("restore_site", str(tmp_path / "backup"), "--yes", stdout=StringIO())

    connection.close()  # PostgreSQL: reconnect after pg_restore replaced the tables
    assert list(Article.objects.values_list("title", flat=True)) == ["残すべき記事"]
    assert Article.objects.get().tags.names()[0] == "AI"
    assert (settings.MEDIA_ROOT / "uploads" / "図.png").read_bytes() == b"\x89PNG fake but bytes"
    assert kept.pk == Article.objects.get().pk


@pytest.mark.django_db(transaction=True)
def test_a_backup_made_before_the_cache_table_restores_to_a_working_cache(tmp_path, settings):
    """Without REDIS_URL every reader page needs the cache table (migration 0009); a SQLite backup made before
    it replaces the whole database with one that has none."""
    if connection.vendor != "sqlite":
        pytest.skip("pg_restore --clean keeps the tables its dump does not have")
    settings.MEDIA_ROOT = tmp_path / "media"
    call_command("backup_site", str(tmp_path / "backup"), stdout=StringIO())
    with sqlite3.connect(tmp_path / "backup" / "database.sqlite3") as older:
        older.execute(f"DROP TABLE {settings.DATABASE_CACHE_TABLE}")
    older.close()

    call_command("restore_site", str(tmp_path / "backup"), "--yes", stdout=StringIO())

    cache.set("restored", "ok")
    assert cache.get("restored") == "ok"


@pytest.mark.django_db
def test_restore_refuses_a_folder_that_is_not_a_backup(tmp_path):
    with pytest.raises(CommandError, match="バックアップではありません"):
        call_command("restore_site", str(tmp_path), "--yes", stdout=StringIO())
