"""make backup / make restore: a round trip brings back every article and every uploaded file."""

import json
import sqlite3
import stat
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
    forget_checksums(tmp_path / "backup")  # such a backup predates checksums too

    call_command("restore_site", str(tmp_path / "backup"), "--yes", stdout=StringIO())

    cache.set("restored", "ok")
    assert cache.get("restored") == "ok"


@pytest.mark.django_db
def test_restore_refuses_a_folder_that_is_not_a_backup(tmp_path):
    with pytest.raises(CommandError, match="バックアップではありません"):
        call_command("restore_site", str(tmp_path), "--yes", stdout=StringIO())


def make_backup(tmp_path, settings):
    settings.MEDIA_ROOT = tmp_path / "media"
    (settings.MEDIA_ROOT / "uploads").mkdir(parents=True)
    (settings.MEDIA_ROOT / "uploads" / "図.png").write_bytes(b"\x89PNG fake but bytes" * 2000)
    make_article(title="バックアップ時の記事")
    call_command("backup_site", str(tmp_path / "backup"), stdout=StringIO())
    return tmp_path / "backup"


def truncate(path):
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])


def forget_checksums(backup_folder):
    """As a backup made before checksums were recorded: only reading it to its end can find the damage."""
    manifest_path = backup_folder / "manifest.json"
    manifest = json.loads(manifest_path.read_text())
    del manifest["sha256"]
    manifest_path.write_text(json.dumps(manifest))


def site_as_it_is(settings):
    connection.close()
    titles = sorted(Article.objects.values_list("title", flat=True))
    media = sorted(str(path.relative_to(settings.MEDIA_ROOT)) for path in settings.MEDIA_ROOT.rglob("*"))
    return titles, media


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("damaged", ["media.tar.gz", "database"])
@pytest.mark.parametrize("with_checksums", [True, False])
def test_a_damaged_backup_changes_nothing(tmp_path, settings, damaged, with_checksums):
    """A truncated media archive or database dump is refused before the database or the media are touched."""
    backup_folder = make_backup(tmp_path, settings)
    make_article(title="バックアップ後の記事")
    (settings.MEDIA_ROOT / "uploads" / "後から.png").write_bytes(b"later")
    before = site_as_it_is(settings)
    name = damaged if damaged != "database" else next(p.name for p in backup_folder.glob("database.*"))
    truncate(backup_folder / name)
    if not with_checksums:
        forget_checksums(backup_folder)

    with pytest.raises(CommandError, match="何も変更していません"):
        call_command("restore_site", str(backup_folder), "--yes", stdout=StringIO())

    assert site_as_it_is(settings) == before
    assert "バックアップ後の記事" in before[0] and "uploads/後から.png" in before[1]


@pytest.mark.django_db(transaction=True)
def test_backups_are_readable_by_their_owner_only(tmp_path, settings):
    """They hold password hashes, sessions and share-preview tokens."""
    backup_folder = make_backup(tmp_path, settings)

    assert stat.S_IMODE(backup_folder.stat().st_mode) == 0o700
    for path in backup_folder.iterdir():
        assert stat.S_IMODE(path.stat().st_mode) == 0o600, path.name
