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
