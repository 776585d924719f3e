"""Whole-site backup and restore: the database (PostgreSQL with pg_dump/pg_restore, SQLite with its
online backup API) plus uploaded media, in one folder with a manifest."""

import json
import os
import shutil
import sqlite3
import subprocess  # nosec B404
import tarfile
from pathlib import Path

from django.conf import settings
from django.db import connection
from django.utils import timezone

DATABASE_FILES = {"postgresql": "database.dump", "sqlite": "database.sqlite3"}
MEDIA_ARCHIVE = "media.tar.gz"
MANIFEST = "manifest.json"


class BackupError(Exception):
    """A backup or restore that cannot be done; the message says why."""


def backup(folder):
    """Write the database and media into `folder` (created); returns the manifest."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    vendor = _vendor()
    database_file = folder / DATABASE_FILES[vendor]
    if vendor == "sqlite":
        connection.ensure_connection()
        with sqlite3.connect(database_file) as target:
            connection.connection.backup(target)
        target.close()
    else:
        _run(["pg_dump", "--format=custom", "--no-owner", f"--file={database_file}", _database_name()])
    media_root = Path(settings.MEDIA_ROOT)
    with tarfile.open(folder / MEDIA_ARCHIVE, "w:gz") as archive:
        if media_root.exists():
            archive.add(media_root, arcname="media")
    manifest = {"created_at": timezone.now().isoformat(), "database": vendor, "files": sorted(os.listdir(folder))}
    (folder / MANIFEST).write_text(json.dumps(manifest, ensure_ascii=False, indent=2), encoding="utf-8")
    return manifest


def restore(folder):
    """Replace the database and media with those in `folder`, made by backup()."""
    folder = Path(folder)
    try:
        manifest = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError) as error:
        raise BackupError(f"{folder} はバックアップではありません（{MANIFEST} が読めません）") from error
    vendor = _vendor()
    if manifest.get("database") != vendor:
        raise BackupError(f"このバックアップは {manifest.get('database')} のもので、今のデータベースは {vendor} です")
    database_file = folder / DATABASE_FILES[vendor]
    if vendor == "sqlite":
        connection.ensure_connection()
        with sqlite3.connect(database_file) as source:
            source.backup(connection.connection)
        source.close()
    else:
        connection.close()
        _run(["pg_restore", "--clean", "--if-exists", "--no-owner", f"--dbname={_database_name()}", str(database_file)])
    media_root = Path(settings.MEDIA_ROOT)
    if media_root.exists():
        shutil.rmtree(media_root)
    with tarfile.open(folder / MEDIA_ARCHIVE, "r:gz") as archive:
        archive.extractall(media_root.parent / ".restore-tmp", filter="data")
    restored = media_root.parent / ".restore-tmp" / "media"
    if restored.exists():
        shutil.move(str(restored), media_root)
    shutil.rmtree(media_root.parent / ".restore-tmp", ignore_errors=True)
    return manifest


def _vendor():
    if connection.vendor not in DATABASE_FILES:
        raise BackupError(f"{connection.vendor} のバックアップには対応していません")
    return connection.vendor


def _database_name():
    return connection.settings_dict["NAME"]


def _run(command):
    """Run pg_dump/pg_restore with the connection's host, port, user and password."""
    params = connection.settings_dict
    env = {
        **os.environ,
        "PGHOST": str(params.get("HOST") or ""),
        "PGPORT": str(params.get("PORT") or ""),
        "PGUSER": str(params.get("USER") or ""),
        "PGPASSWORD": str(params.get("PASSWORD") or ""),
    }
    try:
        result = subprocess.run(command, env=env, capture_output=True, text=True, check=False)  # noqa: S603  # nosec B603 (fixed argv, no shell)
    except FileNotFoundError as error:
        raise BackupError(f"{command[0]} が見つかりません（postgresql-client をインストールしてください）") from error
    if result.returncode != 0:
        raise BackupError(f"{command[0]} が失敗しました: {result.stderr.strip()[:500]}")
