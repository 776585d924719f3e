"""External programs that some tests drive, and what it means when one is missing."""

import os
from contextlib import contextmanager
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
# Installed by `make install-dev` (npm ci in tools/); Java and Chromium come from `make system-deps`.
VNU_JAR = ROOT / "tools" / "node_modules" / "vnu-jar" / "build" / "dist" / "vnu.jar"
CHROMIUM = Path("/usr/bin/chromium")
ARTIFACTS = ROOT / "artifacts"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def unavailable(reason):
    """Skip on a developer's machine, but fail under CI=true: a green CI run must have run these checks."""
    message = f"{reason}; `make install-dev` installs it"
    if os.environ.get("CI") == "true":
        pytest.fail(message, pytrace=False)
    pytest.skip(message)


@contextmanager
def chromium():
    """Debian's Chromium driven by Playwright (browsers cannot be downloaded here), with axe-core at hand."""
    if not CHROMIUM.is_file():
        unavailable(f"Chromium is not installed at {CHROMIUM} (Debian package chromium)")
    try:
        from axe_playwright_python.sync_playwright import Axe  # noqa: F401 (checked here, used by the tests)
        from playwright.sync_api import sync_playwright
    except ImportError as error:
        unavailable(f"{error.name} is not installed (requirements-dev.txt)")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


def describe_violations(violations):
    """axe-core's violations as readable lines: rule, impact, help text and the elements concerned."""
    lines = []
    for violation in violations:
        lines.append(f"  {violation['id']} ({violation['impact']}): {violation['help']}")
        lines.extend(f"      {' '.join(map(str, node['target']))}" for node in violation["nodes"])
    return "\n".join(lines)


class ServedConnections:
    """The connections the live server has accepted and not yet closed, counted from the accepting thread.

    pytest-django's live server answers each connection in a thread of its own, and nothing waits for those
    threads when a test ends. A request still running then (a closing page's last autosave, a keep-alive
    connection reading its session) uses the database while the transactional test flushes it: on SQLite
    "database table is locked", and the next test starts with the previous one's rows. `wait_until_idle()` is
    called once the test's browsers are closed and before the flush."""

    def __init__(self, httpd):
        import threading

        self.httpd, self.open, self.changed = httpd, 0, threading.Condition()
        accept, close = httpd.process_request, httpd.close_request

        def process_request(request, client_address):
            with self.changed:
                self.open += 1
            accept(request, client_address)

        def close_request(request):
            try:
                close(request)
            finally:
                with self.changed:
                    self.open -= 1
                    self.changed.notify_all()

        httpd.process_request, httpd.close_request = process_request, close_request

    @classmethod
    def of(cls, live_server):
        httpd = live_server.thread.httpd
        if not isinstance(getattr(httpd, "served_connections", None), cls):
            httpd.served_connections = cls(httpd)
        return httpd.served_connections

    def _waiting_to_be_accepted(self):
        import select

        return bool(select.select([self.httpd.socket], [], [], 0)[0])

    def wait_until_idle(self, timeout=30):
        import time

        deadline = time.monotonic() + timeout
        with self.changed:
            while self.open or (queued := self._waiting_to_be_accepted()):
                left = deadline - time.monotonic()
                if left <= 0:
                    raise AssertionError(
                        f"the live server still serves {self.open} connection(s)"
                        f"{' and has more queued' if not self.open and queued else ''} {timeout} s after the test"
                    )
                # A queued connection is accepted within the server's poll; a served one notifies on closing.
                self.changed.wait(min(left, 0.05))
