"""A real PostgreSQL streaming replica: readers read from it, the desk from the primary, and a page rendered while
the replica may lag is served but not kept.

Self-contained, whatever database the suite runs on: a temporary primary (initdb, whose pg_hba allows
replication from 127.0.0.1) and a replica made from it with `pg_basebackup -R`, each on a free port, both in
one temporary folder removed afterwards. As root the servers run as the postgres user, since PostgreSQL will
not run as root. The Django side runs in its own process (tests/faults/replica_scenario.py), configured
only through DATABASE_URL and DATABASE_REPLICA_URL, as a deployment is. Without PostgreSQL's server
programs the test is skipped, except under CI=true, where it fails.
"""

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

from tests.tools import unavailable

PROJECT = Path(__file__).resolve().parents[2]
SERVER_PROGRAMS = ("initdb", "pg_ctl", "pg_basebackup")
# Both clusters live for one test: durability is traded for speed. TCP on 127.0.0.1 only, no Unix socket.
CLUSTER_CONF = """
listen_addresses = '127.0.0.1'
unix_socket_directories = ''
fsync = off
synchronous_commit = off
full_page_writes = off
"""
# The test's own environment must not reach the scenario: its cache must be the process's own (the page
# cache's changed-at time), its media a scratch folder.
NOT_PASSED_ON = {"REDIS_URL", "MEDIA_STORAGE_URL", "CDN_PURGE_URL", "DATABASE_REPLICA_LAG_SECONDS"}


def server_bindir():
    """The folder holding initdb, pg_ctl and pg_basebackup of one PostgreSQL version (Debian keeps them off
    PATH, in /usr/lib/postgresql/<version>/bin)."""
    candidates = []
    if pg_config := shutil.which("pg_config"):
        bindir = subprocess.run([pg_config, "--bindir"], capture_output=True, text=True, check=False).stdout  # noqa: S603
        candidates.append(Path(bindir.strip()))
    versions = Path("/usr/lib/postgresql").glob("*/bin")
    candidates += sorted(versions, key=lambda path: int(path.parent.name) if path.parent.name.isdigit() else 0)[::-1]
    if shutil.which("initdb"):
        candidates.append(Path(shutil.which("initdb")).resolve().parent)
    return next((folder for folder in candidates if all((folder / p).is_file() for p in SERVER_PROGRAMS)), None)


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class ServerPair:
    """A primary and its streaming replica in `folder`, started and stopped with pg_ctl."""

    def __init__(self, bindir, folder):
        self.bindir, self.folder = bindir, folder
        self.as_server_user = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
        self.started = []

    def run(self, program, *args):
        subprocess.run(  # noqa: S603 (PostgreSQL's own programs, our arguments)
            [*self.as_server_user, str(self.bindir / program), *args],
            cwd=self.folder,
            capture_output=True,
            text=True,
            check=True,
        )

    def start(self):
        primary, replica = self.folder / "primary", self.folder / "replica"
        primary_port, replica_port = free_port(), free_port()
        self.run("initdb", "-D", str(primary), "-U", "postgres", "-A", "trust", "-E", "UTF8", "--locale=C.UTF-8", "-N")
        with (primary / "postgresql.conf").open("a") as conf:
            conf.write(f"{CLUSTER_CONF}port = {primary_port}\n")
        self._start(primary)
        self.run("pg_basebackup", "-h", "127.0.0.1", "-p", str(primary_port), "-U", "postgres",
                 "-D", str(replica), "-R", "-X", "stream", "-c", "fast")  # fmt: skip
        with (replica / "postgresql.auto.conf").open("a") as conf:
            conf.write(f"port = {replica_port}\n")
        self._start(replica)
        return {
            "primary": f"postgres://postgres@127.0.0.1:{primary_port}/postgres",
            "replica": f"postgres://postgres@127.0.0.1:{replica_port}/postgres",
        }

    def _start(self, datadir):
        self.started.append(datadir)
        self.run("pg_ctl", "-D", str(datadir), "-l", str(datadir.with_suffix(".log")), "-w", "-t", "20", "start")

    def stop(self):
        for datadir in reversed(self.started):
            try:
                self.run("pg_ctl", "-D", str(datadir), "-m", "immediate", "-w", "-t", "10", "stop")
            except subprocess.CalledProcessError:
                self._kill(datadir)

    @staticmethod
    def _kill(datadir):
        """The postmaster we started, by the pid it recorded, if pg_ctl could not stop it."""
        try:
            pid = int((datadir / "postmaster.pid").read_text().split()[0])
            os.kill(pid, signal.SIGKILL)
        except (OSError, ValueError, IndexError):
            pass

    def logs(self):
        return "\n".join(path.read_text(errors="replace")[-2000:] for path in sorted(self.folder.glob("*.log")))


@pytest.fixture
def streaming_replica():
    """{"primary": url, "replica": url}: a fresh primary and its replica, streaming, removed afterwards."""
    bindir = server_bindir()
    if bindir is None:
        unavailable(
            "PostgreSQL's server programs (initdb, pg_ctl, pg_basebackup; Debian package postgresql) are missing"
        )
    folder = Path(tempfile.mkdtemp(prefix="allforces-replica-"))
    pair = ServerPair(bindir, folder)
    try:
        try:
            if pair.as_server_user:
                shutil.chown(folder, "postgres", "postgres")  # mkdtemp made it 0700, as PostgreSQL wants
            urls = pair.start()
        except (subprocess.CalledProcessError, OSError, LookupError) as error:
            detail = getattr(error, "stderr", None) or str(error)
            unavailable(f"a temporary PostgreSQL primary and replica could not be started: {detail}\n{pair.logs()}")
        yield urls
    finally:
        pair.stop()
        shutil.rmtree(folder, ignore_errors=True)


def run_django(urls, media_root, *args):
    env = {key: value for key, value in os.environ.items() if key not in NOT_PASSED_ON}
    env.update(DATABASE_URL=urls["primary"], DATABASE_REPLICA_URL=urls["replica"], MEDIA_ROOT=str(media_root))
    result = subprocess.run(  # noqa: S603 (our own interpreter and code)
        [sys.executable, *args], cwd=PROJECT, env=env, capture_output=True, text=True, check=False, timeout=60
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    return result.stdout


def test_readers_read_from_the_replica_and_a_page_it_may_lag_on_is_not_kept(streaming_replica, tmp_path):
    run_django(streaming_replica, tmp_path, "manage.py", "migrate", "--noinput")

    seen = json.loads(run_django(streaming_replica, tmp_path, "-m", "tests.faults.replica_scenario").splitlines()[-1])

    assert seen["routers"] == ["articles.delivery.db_routing.ReaderReplicaRouter"]
    assert seen["home_before"] == {"status": 200, "shows_new": False, "page_cache": "miss"}
    # Replay paused, the 編集長 publishes: the primary has it, the replica does not.
    assert seen["replica_rows_while_paused"] == 1
    assert seen["desk_while_paused"]["status"] == 200 and seen["desk_while_paused"]["shows_new"]
    assert seen["desk_home_while_paused"]["shows_new"], "a logged-in editor reads the primary, even on reader pages"
    # Readers read the replica: the old home page, served but not kept, since the replica may lag.
    assert seen["home_while_paused"] == {"status": 200, "shows_new": False, "page_cache": None}
    assert seen["article_while_paused"]["status"] == 404
    # Caught up, still within DATABASE_REPLICA_LAG_SECONDS of the change: shown, still not kept.
    assert seen["seconds_since_change"] < seen["lag_seconds"], f"the machine was too slow: {seen}"
    assert seen["home_caught_up_within_lag"] == {"status": 200, "shows_new": True, "page_cache": None}
    # After the lag window the page is kept again, and what is kept is current.
    assert seen["home_after_lag"] == {"status": 200, "shows_new": True, "page_cache": "miss"}
    assert seen["home_after_lag_again"] == {"status": 200, "shows_new": True, "page_cache": "hit"}
    assert seen["article_after_lag"]["status"] == 200
