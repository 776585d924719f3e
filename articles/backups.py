"""Whole-site backup and restore: the database (PostgreSQL with pg_dump/pg_restore, SQLite with its
online backup API) plus uploaded media, in one folder with a manifest of checksums.

A backup holds password hashes, sessions and share tokens, so its folder is 0700 and its files 0600.
A restore checks the whole backup before it changes anything: every file against its checksum, the database
dump read to its end, the media archive extracted into a temporary folder beside MEDIA_ROOT. Only then is the
database replaced (in one transaction on PostgreSQL) and the media folder swapped in by renames, so a
truncated or damaged backup leaves the site as it was.
"""

import contextlib
import hashlib
import json
import os
import shutil
import sqlite3
import subprocess  # nosec B404
import tarfile
import tempfile
from pathlib import Path

from django.conf import settings
from django.db import connection
from django.utils import timezone

DATABASE_FILES = {"postgresql": "database.dump", "sqlite": "database.sqlite3"}
MEDIA_ARCHIVE = "media.tar.gz"
MANIFEST = "manifest.json"
PRIVATE_FOLDER, PRIVATE_FILE = 0o700, 0o600


class BackupError(Exception):
    """A backup or restore that cannot be done; the message says why."""


def backup(folder):
    """Write the database and media into `folder` (created, private); returns the manifest."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    folder.chmod(PRIVATE_FOLDER)
    vendor = _vendor()
    database_file = folder / DATABASE_FILES[vendor]
    with _private_files():
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
    files = [DATABASE_FILES[vendor], MEDIA_ARCHIVE]
    manifest = {
        "created_at": timezone.now().isoformat(),
        "database": vendor,
        "files": files,
        "sha256": {name: _sha256(folder / name) for name in files},
    }
    with _private_files():
        (folder / MANIFEST).write_text(json.dumps(manifest, ensure_ascii=False, indent=2), encoding="utf-8")
    return manifest


def restore(folder):
    """Replace the database and media with those in `folder`, made by backup(), once all of it checks out."""
    folder = Path(folder)
    manifest = _read_manifest(folder)
    vendor = _vendor()
    if manifest.get("database") != vendor:
        raise BackupError(f"このバックアップは {manifest.get('database')} のもので、今のデータベースは {vendor} です")
    database_file = folder / DATABASE_FILES[vendor]
    _verify_checksums(folder, manifest)
    _verify_database_file(vendor, database_file)
    media_root = Path(settings.MEDIA_ROOT)
    media_root.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=".restore-", dir=media_root.parent))
    try:
        _extract_media(folder / MEDIA_ARCHIVE, staging)
        _restore_database(vendor, database_file)
        _swap_media(staging / "media", media_root)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return manifest


def _read_manifest(folder):
    try:
        return json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError) as error:
        raise BackupError(f"{folder} はバックアップではありません（{MANIFEST} が読めません）") from error


def _verify_checksums(folder, manifest):
    """Every file the manifest lists is there, whole. (Backups from before checksums: present, at least.)"""
    expected = manifest.get("sha256") or dict.fromkeys(manifest.get("files", []))
    for name in (DATABASE_FILES[manifest["database"]], MEDIA_ARCHIVE):
        path = folder / name
        if not path.is_file():
            raise BackupError(f"バックアップに {name} がありません。何も変更していません。")
        if expected.get(name) and _sha256(path) != expected[name]:
            raise BackupError(f"{name} が壊れています（チェックサムが一致しません）。何も変更していません。")


def _verify_database_file(vendor, database_file):
    """The dump reads to its end: SQLite's integrity check, or pg_restore writing the whole dump to nowhere."""
    if vendor == "sqlite":
        try:
            with contextlib.closing(sqlite3.connect(f"file:{database_file}?mode=ro", uri=True)) as dump:
                result = dump.execute("PRAGMA integrity_check").fetchone()[0]
        except sqlite3.DatabaseError as error:
            raise BackupError(f"データベースのバックアップが読めません（{error}）。何も変更していません。") from error
        if result != "ok":
            raise BackupError(f"データベースのバックアップが壊れています（{result}）。何も変更していません。")
    else:
        try:
            _run(["pg_restore", f"--file={os.devnull}", str(database_file)])
        except BackupError as error:
            raise BackupError(f"データベースのバックアップが読めません（{error}）。何も変更していません。") from error


def _extract_media(archive_path, staging):
    try:
        with tarfile.open(archive_path, "r:gz") as archive:
            archive.extractall(staging, filter="data")
    except (OSError, tarfile.TarError, EOFError) as error:
        raise BackupError(f"画像のアーカイブを展開できません（{error}）。何も変更していません。") from error


def _restore_database(vendor, database_file):
    if vendor == "sqlite":
        connection.ensure_connection()
        with contextlib.closing(sqlite3.connect(database_file)) as source:
            source.backup(connection.connection)
    else:
        connection.close()
        _run(
            ["pg_restore", "--clean", "--if-exists", "--no-owner", "--single-transaction",
             f"--dbname={_database_name()}", str(database_file)],
        )  # fmt: skip


def _swap_media(restored, media_root):
    """Renames on one file system: the old folder stays whole until the new one is in place."""
    if not restored.exists():
        restored.mkdir()
    previous = media_root.with_name(media_root.name + ".before-restore")
    shutil.rmtree(previous, ignore_errors=True)
    if media_root.exists():
        media_root.rename(previous)
    restored.rename(media_root)
    shutil.rmtree(previous, ignore_errors=True)


@contextlib.contextmanager
def _private_files():
    """Files created inside are readable by their owner only (pg_dump and tarfile honour the umask)."""
    previous = os.umask(0o077)
    try:
        yield
    finally:
        os.umask(previous)


def _sha256(path):
    digest = hashlib.sha256()
    with open(path, "rb") as stream:
        for block in iter(lambda: stream.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


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
