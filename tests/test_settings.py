import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings

PROJECT = Path(__file__).resolve().parents[1]


def load_settings(**env):
    """Import the settings module in a fresh interpreter with exactly this environment."""
    clean_env = {key: value for key, value in os.environ.items() if key not in {"SECRET_KEY", "DEBUG"}}
    return subprocess.run(
        [sys.executable, "-c", "import allforces.settings"],
        cwd=PROJECT,
        env={**clean_env, **env},
        capture_output=True,
        text=True,
        check=False,
    )


def test_production_without_secret_key_refuses_to_start_with_a_clear_message():
    result = load_settings(DEBUG="0")

    assert result.returncode != 0
    assert "SECRET_KEY が設定されていません" in result.stderr


@pytest.mark.parametrize("key", ["short", "development-only-secret-key-never-use-in-production"])
def test_production_refuses_a_weak_or_development_key(key):
    result = load_settings(DEBUG="0", SECRET_KEY=key)

    assert result.returncode != 0
    assert "SECRET_KEY" in result.stderr


def test_debug_mode_starts_without_a_key():
    assert load_settings(DEBUG="1").returncode == 0


def test_production_with_a_real_key_starts():
    assert load_settings(DEBUG="0", SECRET_KEY="x" * 50).returncode == 0


def test_japanese_defaults():
    assert settings.LANGUAGE_CODE == "ja"
    assert settings.TIME_ZONE == "Asia/Tokyo"
    assert settings.USE_TZ is True
    assert settings.DEBUG is False


CONCURRENT_CACHE_WRITERS = """
import threading

import django

django.setup()
from django.core.cache import cache
from django.core.management import call_command
from django.db import connection

call_command("createcachetable", verbosity=0)
lost = []


def write(number):
    for value in range(200):
        cache.set(f"writer-{number}", value, None)
        if cache.get(f"writer-{number}") != value:
            lost.append(value)
    connection.close()


threads = [threading.Thread(target=write, args=(number,)) for number in range(6)]
for thread in threads:
    thread.start()
for thread in threads:
    thread.join()
print(len(lost))
"""


def test_on_sqlite_no_write_to_the_database_cache_is_lost_to_a_concurrent_one(tmp_path):
    """Two SQLite transactions that have read and both want to write: one is refused at once ("database is
    locked"), and Django's database cache drops such a write without a word; for the page cache that is a
    lost invalidation. Writers that take the lock first (BEGIN IMMEDIATE) wait for each other instead."""
    result = subprocess.run(  # noqa: S603 (our own interpreter and code)
        [sys.executable, "-c", CONCURRENT_CACHE_WRITERS],
        cwd=PROJECT,
        env={
            **{key: value for key, value in os.environ.items() if key != "REDIS_URL"},
            "DJANGO_SETTINGS_MODULE": "allforces.settings",
            "DATABASE_URL": f"sqlite:///{tmp_path / 'site.sqlite3'}",
        },
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )

    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "0", "writes lost"


@pytest.mark.parametrize("value", ["abc", "-1", "１"])
def test_a_proxy_count_that_is_not_a_whole_number_refuses_to_start_in_japanese(value):
    result = load_settings(DEBUG="1", TRUSTED_PROXY_COUNT=value)

    assert result.returncode != 0
    assert "TRUSTED_PROXY_COUNT は 0 以上の整数で指定してください" in result.stderr
