"""gunicorn as `make serve` starts it, for the scripts in bench/: a free loopback port, start, wait for
/healthz, stop. Each script's server class adds what it measures."""

import contextlib
import ctypes
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
GUNICORN = str(Path(sys.executable).with_name("gunicorn"))
COMMAND = "gunicorn --config gunicorn.conf.py"


def configuration():
    """gunicorn.conf.py's settings as gunicorn reads them (worker class, threads), for the reports."""
    import runpy

    return runpy.run_path(str(ROOT / "gunicorn.conf.py"))


def free_loopback_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def start(env, log_path, url, log, timeout=60):
    """Start gunicorn with `env`, logging to `log_path`; return the process once `url`/healthz answers 200.
    `log` is the calling script's progress printer."""
    log_path.parent.mkdir(parents=True, exist_ok=True)
    log(f"{COMMAND} on {url} (log: {log_path})")
    process = subprocess.Popen(  # noqa: S603 (the venv's gunicorn)  # nosec B603
        [GUNICORN, "--config", "gunicorn.conf.py"],
        cwd=ROOT,
        env=env,
        stdout=log_path.open("w"),
        stderr=subprocess.STDOUT,
        start_new_session=True,  # Ctrl-C reaches the script, which stops the server itself
        preexec_fn=die_with_parent,
    )
    deadline = time.monotonic() + timeout
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    while True:
        if process.poll() is not None:
            raise RuntimeError(f"gunicorn exited ({process.returncode}):\n{log_path.read_text()[-3000:]}")
        with contextlib.suppress(OSError), opener.open(url + "/healthz", timeout=5) as response:
            if response.status == 200:
                break
        if time.monotonic() > deadline:
            raise RuntimeError(f"gunicorn did not answer /healthz within {timeout} s")
        time.sleep(0.2)
    time.sleep(1)  # all workers up
    return process


def stop(process, log):
    """Stop gunicorn gracefully, then by force; safe to call for a process that never started or has ended."""
    if process is None or process.poll() is not None:
        return
    log("stopping gunicorn")
    process.terminate()
    try:
        process.wait(timeout=25)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait()


def die_with_parent():
    """In the gunicorn child: receive SIGTERM if the script dies without cleaning up (Linux)."""
    with contextlib.suppress(Exception):
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG
