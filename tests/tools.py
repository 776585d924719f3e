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
