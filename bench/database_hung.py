"""make bench-database-hung: cached pages while the database accepts connections and never answers (#17 item 2).

An app server renders pages into a redis-server of the script's own (from a SQLite copy of the demo archive);
then gunicorn, as `make serve` starts it (gunicorn.conf.py; GUNICORN_CMD_ARGS="--worker-class sync" for the
worker model before threads), serves the same Redis with a
DATABASE_URL whose server accepts and never answers. For DURATION seconds, CLIENTS threads ask for uncached
pages (a new search each time) while one reader asks for the cached home page, one request after another.
Run twice: with the database breaker off (DATABASE_BREAKER_SECONDS=0, the behaviour before it) and on (5 s).

Reported per run: the cached page's p50, p99 and max latency and how many were served; the uncached
requests' status codes and median latency; the load average, since the machine is shared.
"""

import argparse
import collections
import contextlib
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import gunicorn_process
from common import loadavg, percentile
from redis_outage import RedisServer

ROOT = Path(__file__).resolve().parent.parent
WARM_PATHS = ["/", "/archive/"]
WARM_SCRIPT = """
import django
django.setup()
from django.core.management import call_command
from django.test import Client
call_command("collectstatic", interactive=False, verbosity=0)
call_command("migrate", verbosity=0)
call_command("import_jekyll", "demo/archive", verbosity=0)
client = Client()
for path in {paths!r}:
    assert client.get(path).status_code == 200, path
"""


class HungDatabase:
    """Accepts every connection on a loopback port and never answers (as PostgreSQL would if it hung)."""

    def __init__(self):
        self.listener = socket.create_server(("127.0.0.1", 0), backlog=256)
        self.port = self.listener.getsockname()[1]
        self.held = []
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self):
        with contextlib.suppress(OSError):
            while True:
                self.held.append(self.listener.accept()[0])


def log(message):
    print(f"[{time.strftime('%H:%M:%S')}] {message}", flush=True)


def app_environment(redis_url, database_url, breaker_seconds):
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "allforces.settings",
        "DEBUG": "0",
        "SECRET_KEY": "bench-database-hung-0123456789abcdefghijklmnopqrstuv",
        "ALLOWED_HOSTS": "127.0.0.1,testserver",
        "REDIS_URL": redis_url,
        "DATABASE_URL": database_url,
        "DATABASE_BREAKER_SECONDS": str(breaker_seconds),
    }


def get(opener, url, timeout=35):
    started = time.monotonic()
    try:
        with opener.open(url, timeout=timeout) as response:
            response.read()
            status = response.status
    except urllib.error.HTTPError as error:
        status = error.code
    except OSError:
        status = "timeout/error"
    return status, time.monotonic() - started


def run(redis_url, breaker_seconds, duration, clients):
    hung = HungDatabase()
    port = gunicorn_process.free_loopback_port()
    url = f"http://127.0.0.1:{port}"
    env = app_environment(redis_url, f"postgres://postgres@127.0.0.1:{hung.port}/allforces", breaker_seconds)
    env["PORT"] = str(port)
    log_path = ROOT / "var" / "bench" / f"database-hung-breaker-{breaker_seconds}.log"
    log_path.parent.mkdir(parents=True, exist_ok=True)
    process = subprocess.Popen(  # noqa: S603 (the venv's gunicorn)  # nosec B603
        [gunicorn_process.GUNICORN, "--config", "gunicorn.conf.py"],
        cwd=ROOT,
        env=env,
        stdout=log_path.open("w"),
        stderr=subprocess.STDOUT,
        start_new_session=True,
        preexec_fn=gunicorn_process.die_with_parent,
    )
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    deadline = time.monotonic() + 60
    while get(opener, url + "/", timeout=5)[0] != 200:  # /healthz is 503 by design here: the home page is cached
        if time.monotonic() > deadline or process.poll() is not None:
            raise RuntimeError(f"gunicorn did not serve the cached home page; see {log_path}")
        time.sleep(0.2)
    time.sleep(1)
    stop = time.monotonic() + duration
    uncached = collections.defaultdict(list)
    cached = []

    def uncached_client(number):
        sequence = 0
        while time.monotonic() < stop:
            sequence += 1
            status, seconds = get(opener, f"{url}/search/?q=hung{number}x{sequence}")
            uncached[status].append(seconds)

    threads = [threading.Thread(target=uncached_client, args=(n,)) for n in range(clients)]
    load_before = loadavg()
    for thread in threads:
        thread.start()
    while time.monotonic() < stop:
        cached.append(get(opener, url + "/"))
    for thread in threads:
        thread.join()
    gunicorn_process.stop(process, log)
    served = [seconds for status, seconds in cached if status == 200]
    return {
        "cached_served": f"{len(served)}/{len(cached)}",
        "cached_p50_ms": round(statistics.median(served) * 1000, 1) if served else None,
        "cached_p99_ms": round(percentile(served, 99) * 1000, 1) if served else None,
        "cached_max_ms": round(max(served) * 1000, 1) if served else None,
        "uncached": {
            str(status): f"{len(times)} (median {statistics.median(times) * 1000:.0f} ms)"
            for status, times in uncached.items()
        },
        "connections_to_hung_database": len(hung.held),
        "load_before": load_before,
    }


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--duration", type=float, default=20)
    parser.add_argument("--clients", type=int, default=10, help="threads asking for uncached pages")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="allforces-hung-") as folder:
        redis = RedisServer(Path(folder) / "redis.log", log)
        redis.start()
        try:
            log("rendering the demo archive's home and archive pages into Redis (SQLite copy)")
            warm_env = app_environment(redis.url, f"sqlite:///{folder}/warm.sqlite3", 0)
            warm_env["MEDIA_ROOT"] = str(Path(folder) / "media")
            subprocess.run(  # noqa: S603 (our own interpreter and code)
                [sys.executable, "-c", WARM_SCRIPT.format(paths=WARM_PATHS)], cwd=ROOT, env=warm_env, check=True
            )
            results = {}
            for breaker_seconds in (0, 5):
                label = "breaker off (before)" if breaker_seconds == 0 else f"breaker {breaker_seconds} s"
                log(f"{label}: {args.clients} uncached clients and one cached reader for {args.duration:g} s")
                results[label] = run(redis.url, breaker_seconds, args.duration, args.clients)
        finally:
            redis.kill()
    print()
    for label, result in results.items():
        print(f"{label}:")
        for name, value in result.items():
            print(f"  {name}: {value}")


if __name__ == "__main__":
    main()
