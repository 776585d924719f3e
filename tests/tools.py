"""External programs that some tests drive, and what it means when one is missing."""

import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
# Installed by `make install-dev` (npm ci in tools/); Java and Chromium come from `make system-deps`.
VNU_JAR = ROOT / "tools" / "node_modules" / "vnu-jar" / "build" / "dist" / "vnu.jar"
CHROMIUM = Path("/usr/bin/chromium")
ARTIFACTS = ROOT / "artifacts"


def unavailable(reason):
    """Skip on a developer's machine, but fail under CI=true: a green CI run must have run these checks."""
    message = f"{reason}; `make install-dev` installs it"
    if os.environ.get("CI") == "true":
        pytest.fail(message, pytrace=False)
    pytest.skip(message)
