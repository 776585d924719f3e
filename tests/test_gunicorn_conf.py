"""gunicorn.conf.py, read the way gunicorn reads it (a Python file run on its own)."""

import os
import subprocess
import sys
from pathlib import Path

PROJECT = Path(__file__).resolve().parents[1]


def run_conf(code, **env):
    script = f"import runpy; conf = runpy.run_path('gunicorn.conf.py')\n{code}"
    result = subprocess.run(  # noqa: S603 (our own interpreter and code)
        [sys.executable, "-c", script], cwd=PROJECT, env=env, capture_output=True, text=True, check=True
    )
    return result.stdout.strip()


def test_workers_default_to_two_per_core_plus_one_and_follow_web_concurrency():
    assert run_conf("print(conf['workers'])") == str(os.cpu_count() * 2 + 1)
    assert run_conf("print(conf['workers'])", WEB_CONCURRENCY="3") == "3"


def test_each_worker_forks_with_the_loaded_app_frozen_out_of_the_garbage_collectors_reach():
    frozen = run_conf(
        "import gc\nassert gc.get_freeze_count() == 0\nconf['pre_fork'](None, None)\nprint(gc.get_freeze_count())"
    )

    assert int(frozen) > 1000  # every object the master had allocated


def test_workers_are_threaded_so_a_hung_request_does_not_hold_the_process():
    assert run_conf("print(conf['worker_class'], conf['threads'])") == "gthread 4"
    assert run_conf("print(conf['threads'])", GUNICORN_THREADS="8") == "8"
