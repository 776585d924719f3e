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
