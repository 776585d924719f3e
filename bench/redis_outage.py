"""The Redis outage phase of `make load-test` (issue #17): a redis-server of the script's own, stopped while
readers and the desk are at work, started again later on the same port (empty), and /healthz asked
throughout.

The page cache and the sessions only ever speed the site up (allforces/redis_cache.py): a request that was
in a Redis call when Redis died gets a miss, the requests after it are served uncached, so readers should
see no error at all, only slower pages. /healthz should say "degraded" (200) while Redis is down, and "ok"
again within RETRY_SECONDS of its return.
"""

import contextlib
import json
import re
import shutil
import subprocess
import tempfile
import threading
import time
import urllib.error
import urllib.request

import gunicorn_process

# The configuration README's Deploying section recommends for the cache: nothing written to disk (it is a
# cache; a restart starts empty, which the page cache survives), and bounded memory with the least recently
# used keys evicted, so a full Redis drops cold pages instead of refusing writes.
CONFIGURATION = ("--save", "", "--appendonly", "no", "--maxmemory", "64mb", "--maxmemory-policy", "allkeys-lru")
RETRY_SECONDS = 5  # allforces/redis_cache.py: how long a worker serves misses after a fault before trying again
HEALTHZ_INTERVAL = 0.5
GENERATION_KEY = ":1:pages:generation"  # page_cache.GENERATION_KEY as Django's cache stores it (version 1)


class RedisServer:
    """redis-server on a free loopback port; start() can be called again after kill(): same port, empty."""

    def __init__(self, log_path, log):
        self.port = gunicorn_process.free_loopback_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.log_path = log_path
        self.log = log
        self.process = None
        self._folder = tempfile.TemporaryDirectory(prefix="allforces-load-redis-")

    @property
    def command(self):
        binary = shutil.which("redis-server") or "/usr/bin/redis-server"
        return [binary, "--port", str(self.port), "--bind", "127.0.0.1", *CONFIGURATION, "--dir", self._folder.name]

    def start(self, timeout=10):
        """Start it and return once it answers PING."""
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        with self.log_path.open("a") as output:
            self.process = subprocess.Popen(  # noqa: S603 (redis-server, our arguments)
                self.command,
                stdout=output,
                stderr=subprocess.STDOUT,
                start_new_session=True,  # Ctrl-C reaches the script, which stops Redis itself
                preexec_fn=gunicorn_process.die_with_parent,
            )
        deadline = time.monotonic() + timeout
        while not self.answers():
            if self.process.poll() is not None:
                raise RuntimeError(f"redis-server exited ({self.process.returncode}); see {self.log_path}")
            if time.monotonic() > deadline:
                raise RuntimeError(f"redis-server did not answer PING within {timeout} s")
            time.sleep(0.05)
        self.log(f"redis-server on 127.0.0.1:{self.port} (pid {self.process.pid}, log: {self.log_path})")

    def answers(self):
        with contextlib.suppress(Exception):
            return bool(self._client().ping())
        return False

    def kill(self):
        """As a crash or an OOM kill: no shutdown, its connections reset, everything it held gone."""
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait()

    def stop(self):
        """Safe to call always (also when it never started or is already down)."""
        self.kill()
        self._folder.cleanup()

    @property
    def pid(self):
        return self.process.pid if self.process is not None and self.process.poll() is None else None

    def generation(self):
        """The page cache's current generation (its random hex), or None when there is none or Redis is down."""
        with contextlib.suppress(Exception):
            value = self._client().get(GENERATION_KEY)
            found = re.search(rb"[0-9a-f]{32}", value or b"")
            return found.group().decode() if found else None
        return None

    def info(self):
        with contextlib.suppress(Exception):
            client = self._client()
            memory, stats = client.info("memory"), client.info("stats")
            return {
                "keys": client.dbsize(),
                "used_memory_mb": round(memory["used_memory"] / 2**20, 1),
                "maxmemory_mb": round(memory["maxmemory"] / 2**20, 1),
                "maxmemory_policy": memory["maxmemory_policy"],
                "evicted_keys": stats["evicted_keys"],
            }
        return {}

    def _client(self):
        import redis

        return redis.Redis(host="127.0.0.1", port=self.port, socket_timeout=1, socket_connect_timeout=1)


class Outage:
    """Kills `redis` `stop_at` seconds into the load and, unless `restart_at` is 0, starts it again (empty,
    same port) at `restart_at`; meanwhile asks /healthz every HEALTHZ_INTERVAL seconds.

    A LoadRun (its `stop` event, `_now()` and `base_url`) calls `tick()` from its main thread, which lives as
    long as the script: redis-server is told to die with the thread that started it (PR_SET_PDEATHSIG), so a
    helper thread that restarted it would take it down when it ends. `threads(run)`: the /healthz poller."""

    def __init__(self, redis, stop_at, restart_at, log):
        self.redis = redis
        self.stop_at = stop_at
        self.restart_at = restart_at if restart_at and restart_at > stop_at else 0
        self.log = log
        self.stopped_at = None
        self.restarted_at = None
        self.restart_seconds = None
        self.recovered_at = None
        self.generations = {}
        self.healthz = []  # (started, HTTP status or error name, "status" in the answer, ended)

    def threads(self, run):
        return [threading.Thread(target=self._poll_healthz, args=(run,), name="healthz", daemon=True)]

    def tick(self, clock):
        """Kill or restart Redis if its time (`clock()`, seconds into the load) has come; returns the seconds
        until the next event, or None. The times recorded are when the kill was done and when the start began
        (Redis may accept connections from any moment of the start on)."""
        if self.stopped_at is None:
            if clock() < self.stop_at:
                return self.stop_at - clock()
            self.generations["before_the_stop"] = self.redis.generation()
            self.redis.kill()
            self.stopped_at = clock()
            self.log(f"redis-server killed at {self.stopped_at:.1f} s")
        if self.restart_at and self.restarted_at is None:
            if clock() < self.restart_at:
                return self.restart_at - clock()
            self.restarted_at = clock()
            self.redis.start()
            self.restart_seconds = clock() - self.restarted_at
            self.log(f"redis-server started again, empty, at {self.restarted_at:.1f} s")
        return None

    def _poll_healthz(self, run):
        while not run.stop.wait(HEALTHZ_INTERVAL):
            started = run._now()
            self.healthz.append((started, *ask_healthz(run.base_url), run._now()))

    def after_the_load(self, run):
        """Once the load is over: the generation Redis holds, its memory, and (with a restart) how soon
        /healthz said "ok" again; asked here for up to 2 × RETRY_SECONDS if no answer during the load did."""
        if self.restarted_at is not None:
            ok = (h[0] for h in self.healthz if h[0] >= self.restarted_at and h[2] == "ok")
            self.recovered_at = next(ok, None)
            deadline = time.monotonic() + 2 * RETRY_SECONDS
            while self.recovered_at is None and time.monotonic() < deadline:
                time.sleep(HEALTHZ_INTERVAL)
                asked = run._now()
                if ask_healthz(run.base_url)[1] == "ok":
                    self.recovered_at = asked
        self.generations["at_the_end"] = self.redis.generation()
        recovered = self.recovered_at
        return {
            "stop_at": self.stop_at,
            "restart_at": self.restart_at,
            "stopped_at": self.stopped_at,
            "restarted_at": self.restarted_at,
            "restart_answered_ping_after_s": round(self.restart_seconds, 3) if self.restart_seconds else None,
            "healthz_ok_again_after_s": round(recovered - self.restarted_at, 1) if recovered is not None else None,
            "generations": self.generations,
            "redis_at_the_end": self.redis.info(),
            "redis_command": " ".join(arg or '""' for arg in self.redis.command[1:]),
            "healthz": [
                {"at": round(started, 2), "ms": round((ended - started) * 1000, 1), "status": status, "says": state}
                for started, status, state, ended in self.healthz
            ],
        }

    def windows(self, end):
        """(name, from, to) in seconds of the load: before the stop, Redis down, after the restart, and the
        whole time after the stop; an empty list when the stop never happened."""
        if self.stopped_at is None:
            return []
        down_until = self.restarted_at if self.restarted_at is not None else end
        out = [("before the stop", 0.0, self.stopped_at), ("Redis down", self.stopped_at, down_until)]
        if self.restarted_at is not None:
            out.append(("after the restart", self.restarted_at, end))
        out.append(("after the stop (all)", self.stopped_at, end))
        return out

    def healthz_between(self, start, end):
        """What /healthz answered to the requests that ended in [start, end), as the readers' are counted:
        {"200 ok": n, "200 degraded": n, …}."""
        counts = {}
        for _started, status, state, ended in self.healthz:
            if start <= ended < end:
                label = f"{status} {state}" if state else str(status)
                counts[label] = counts.get(label, 0) + 1
        return counts

    def problems(self, end):
        """What must hold for /healthz: always 200 (a cache fault must not take the server out of the load
        balancer's pool), "degraded" for every request sent and answered while Redis was down, and no "degraded"
        for a request sent later than RETRY_SECONDS (plus one second of slack) after Redis came back. A request
        is answered at some moment between sending and answer (it may wait for a busy worker), so only those
        wholly inside a period are held to it."""
        if self.stopped_at is None:
            return ["Redis was never stopped"]
        out = []
        not_200 = [h for h in self.healthz if h[1] != 200]
        if not_200:
            first = not_200[0]
            out.append(f"{len(not_200)} /healthz answers were not 200 (first: {first[1]} at {first[0]:.1f} s)")
        down_until = self.restarted_at if self.restarted_at is not None else end
        not_degraded = [h for h in self.healthz if self.stopped_at <= h[0] and h[3] < down_until and h[2] != "degraded"]
        if not_degraded:
            out.append(f"{len(not_degraded)} /healthz answers while Redis was down did not say degraded")
        if self.restarted_at is not None and self.recovered_at is None:
            out.append(f"/healthz did not say ok again within {2 * RETRY_SECONDS} s of the load's end")
        if self.restarted_at is not None:
            late = self.restarted_at + RETRY_SECONDS + 1
            still = [h for h in self.healthz if h[0] >= late and h[2] != "ok"]
            if still:
                out.append(f"{len(still)} /healthz answers later than {late:.1f} s did not say ok")
        return out


def ask_healthz(base_url, timeout=5):
    """(HTTP status or error name, the answer's "status"): (200, "ok"), (200, "degraded"), (503, "error")…"""
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    try:
        with opener.open(base_url + "/healthz", timeout=timeout) as response:
            return response.status, json.loads(response.read()).get("status")
    except urllib.error.HTTPError as error:
        with error, contextlib.suppress(ValueError):
            return error.code, json.loads(error.read()).get("status")
        return error.code, None
    except Exception as error:  # refused, reset, timed out: each one reported by name
        return type(error).__name__, None
