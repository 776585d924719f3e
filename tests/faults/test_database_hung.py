"""PostgreSQL accepting connections and never answering: requests give up within DATABASE_CONNECT_TIMEOUT,
/healthz says 503 quickly, and an uncached page is a 503 with Retry-After rather than a worker held for 30 s.

The Django side runs in a subprocess whose DATABASE_URL names a real server that accepts and never answers
(tests/faults/conftest.py); the test process's own database is not involved."""

import json
import os
import subprocess
import sys
import time
from pathlib import Path

PROJECT = Path(__file__).resolve().parents[2]
PROBE = """
import json, time, django
django.setup()
from django.test import Client
client = Client(raise_request_exception=False)
results = {}
for path in ("/healthz", "/"):
    started = time.monotonic()
    response = client.get(path)
    results[path] = {"status": response.status_code, "seconds": time.monotonic() - started,
                     "retry_after": response.get("Retry-After"), "body": response.content.decode()[:300]}
print(json.dumps(results))
"""


def run_against(port, connect_timeout="1"):
    environment = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "allforces.settings",
        "DATABASE_URL": f"postgres://postgres@127.0.0.1:{port}/allforces",
        "DATABASE_CONNECT_TIMEOUT": connect_timeout,
        "DEBUG": "0",
        "ALLOWED_HOSTS": "testserver",
    }
    environment.pop("REDIS_URL", None)
    result = subprocess.run(  # noqa: S603 (fixed argv)
        [sys.executable, "-c", PROBE], cwd=PROJECT, env=environment, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr[-2000:]
    return json.loads(result.stdout.strip().splitlines()[-1])


def run_script(script, **environment):
    """`script` in a fresh interpreter configured only by its environment, as an app server is; its last line."""
    environment = {
        **{key: value for key, value in os.environ.items() if key not in {"REDIS_URL", "DATABASE_URL"}},
        "DJANGO_SETTINGS_MODULE": "allforces.settings",
        "DEBUG": "0",
        "SECRET_KEY": "fault-test-secret-key-0123456789abcdefghijklmnop",
        "ALLOWED_HOSTS": "testserver",
        **environment,
    }
    result = subprocess.run(  # noqa: S603 (our own interpreter and code)
        [sys.executable, "-c", script], cwd=PROJECT, env=environment, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr[-3000:]
    return (result.stdout.strip().splitlines() or [""])[-1]


def test_a_database_that_never_answers_is_a_quick_503(hung_server):
    started = time.monotonic()
    results = run_against(hung_server.port)

    assert hung_server.accepted, "Django did connect to the hung server"
    health = results["/healthz"]
    assert health["status"] == 503 and json.loads(health["body"])["database"] == "error"
    assert health["seconds"] < 10  # connect_timeout=1; without it, this waits for ever
    home = results["/"]
    assert home["status"] == 503 and home["retry_after"] == "30"
    assert "ただいま表示できません" in home["body"]
    assert time.monotonic() - started < 40


def test_a_refused_database_is_a_503_too(closed_port):
    results = run_against(closed_port)

    assert results["/healthz"]["status"] == 503
    assert results["/"]["status"] == 503


BREAKER_PROBE = """
import json, time, django
django.setup()
from django.test import Client
client = Client(raise_request_exception=False)
results = []
for path in ("/", "/search/?q=a", "/archive/", "/healthz", "WAIT", "/search/?q=b", "/archive/"):
    if path == "WAIT":
        time.sleep(float(__import__("os").environ["DATABASE_BREAKER_SECONDS"]) + 0.2)
        continue
    started = time.monotonic()
    response = client.get(path)
    results.append({"path": path, "status": response.status_code, "seconds": time.monotonic() - started,
                    "page_cache": response.get("X-Page-Cache"), "retry_after": response.get("Retry-After")})
print(json.dumps(results))
"""


def test_while_the_database_hangs_cached_pages_are_served_and_other_requests_fail_fast(
    hung_server, own_redis, tmp_path
):
    """One app server renders the home page into the shared Redis; another, whose database accepts
    connections and never answers, serves it from there at once, spends DATABASE_CONNECT_TIMEOUT on the first
    uncached request only, and answers the next ones with a 503 at once (the breaker), until the breaker's
    window has passed and it tries the database again."""
    redis_url = f"redis://127.0.0.1:{own_redis.connection_pool.connection_kwargs['port']}/0"
    shared = {"REDIS_URL": redis_url, "DATABASE_BREAKER_SECONDS": "2"}
    sqlite = f"sqlite:///{tmp_path / 'warm.sqlite3'}"
    warm = (
        "import django; django.setup()\n"
        "from django.core.management import call_command; call_command('migrate', verbosity=0)\n"
        "from django.test import Client; from tests.factories import make_article\n"
        "make_article(title='キャッシュにある記事')\n"
        "assert Client().get('/')['X-Page-Cache'] == 'miss'\n"
    )
    run_script(warm, DATABASE_URL=sqlite, **shared)

    hung = f"postgres://postgres@127.0.0.1:{hung_server.port}/allforces"
    results = json.loads(run_script(BREAKER_PROBE, DATABASE_URL=hung, DATABASE_CONNECT_TIMEOUT="1", **shared))
    home, first_miss, second_miss, health, after_window, second_after_window = results

    assert home["status"] == 200 and home["page_cache"] == "hit" and home["seconds"] < 0.5
    assert first_miss["status"] == 503 and 0.9 < first_miss["seconds"] < 5  # one DATABASE_CONNECT_TIMEOUT
    assert second_miss["status"] == 503 and second_miss["seconds"] < 0.5 and second_miss["retry_after"] == "30"
    assert health["status"] == 503 and health["seconds"] < 0.5
    assert after_window["status"] == 503 and after_window["seconds"] > 0.9, "after the window it tries again"
    assert second_after_window["seconds"] < 0.5
    assert len(hung_server.accepted) == 2, "one connection attempt per window, none between"
