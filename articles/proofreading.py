"""The 校正 panel's findings: textlint, run by Node on the server (tools/proofread.mjs), with the
house-style dictionary handed in as prh rules.

Why on the server: textlint's Japanese rules (ら抜き言葉, doubled particles, ですます/である) read the
text through kuromoji, whose dictionary is 18 MB; in a browser it is fetched from a CDN, which the desk's
Content-Security-Policy (connect-src 'self') refuses, and serving it to every editor's browser is no better.
One run costs ~1.1 s of CPU for a sentence, ~1.9 s for 10,700 characters, and ~390 MB of memory while it
lasts, nearly all of it loading the dictionary: so it runs when an editor presses 本文を校正する, never on
each keystroke, and the same text with the same dictionary is answered from the cache. At most
PROOFREADING_CONCURRENCY runs (default: one per CPU) go at once on the machine, whatever the number of
server processes and threads: each holds one of that many lock files (flock, released by the kernel
even when a process dies). A request that finds them all taken waits PROOFREADING_WAIT_SECONDS, then gets a
Japanese "busy" message: 20 editors pressing the button together cost 2 × 390 MB, not 20 ×. Findings are
advice: nothing here can refuse a save. No database: the caller passes the dictionary.
"""

import contextlib
import fcntl
import hashlib
import json
import logging
import os
import re
import shutil
import subprocess
import tempfile
import time
from dataclasses import asdict, dataclass
from pathlib import Path

from django.conf import settings
from django.core.cache import cache

logger = logging.getLogger(__name__)

TIMEOUT_SECONDS = 30
CACHE_SECONDS = 60 * 60
UNAVAILABLE = (
    "校正エンジン（textlint）を起動できませんでした。管理者に `make tools` の実行を依頼してください。保存はできます。"
)
FAILED = "校正に失敗しました。時間をおいてもう一度お試しください。保存には影響しません。"
BUSY = "校正が混み合っています（同時に {count} 件まで）。数秒後にもう一度お試しください。保存には影響しません。"
NO_LOCKS = (
    "校正の同時実行を数えるフォルダ（設定 PROOFREADING_LOCK_DIR）に書き込めないため、校正できません。"
    "管理者に設定の確認を依頼してください。保存には影響しません。"
)

# What each textlint rule checks, as the desk calls it.
RULE_LABELS = {
    "prh": "表記ゆれ",
    "no-mix-dearu-desumasu": "文体の混在",
    "no-doubled-joshi": "助詞の重複",
    "sentence-length": "長い文",
    "no-dropping-the-ra": "ら抜き言葉",
    "2.1.8.算用数字": "全角・半角",
    "2.1.9.アルファベット": "全角・半角",
    "ja-unnatural-alphabet": "全角・半角",
    "no-hankaku-kana": "全角・半角",
}
_SENTENCE_LENGTH = re.compile(r"sentence length\((\d+)\) exceeds the maximum sentence length of (\d+)")


class ProofreadingUnavailable(Exception):
    """The engine could not run; the message says so in Japanese."""


@dataclass(frozen=True)
class Finding:
    line: int
    column: int
    kind: str
    message: str
    suggestion: str | None

    def as_dict(self):
        return asdict(self)


def proofread(text, dictionary):
    """Findings for Markdown `text`, in order; `dictionary` is [{"pattern", "expected"}, …] for prh."""
    request = json.dumps({"text": text, "dictionary": dictionary}, ensure_ascii=False, sort_keys=True)
    key = f"proofread:{hashlib.sha256(request.encode()).hexdigest()}"
    messages = cache.get(key)
    if messages is None:
        messages = _run_textlint(request)
        cache.set(key, messages, CACHE_SECONDS)
    findings = [_finding(message) for message in messages]
    return sorted(findings, key=lambda finding: (finding.line, finding.column))


def _run_textlint(request):
    node = shutil.which("node")
    script = settings.BASE_DIR / "tools" / "proofread.mjs"
    if node is None or not (settings.BASE_DIR / "tools" / "node_modules" / "@textlint").is_dir():
        raise ProofreadingUnavailable(UNAVAILABLE)
    with _slot():
        return _node(node, script, request)


def _node(node, script, request):
    try:
        result = subprocess.run(  # noqa: S603 (a fixed program and script; the text goes in on stdin)
            [node, str(script)],
            input=request,
            capture_output=True,
            text=True,
            encoding="utf-8",
            timeout=TIMEOUT_SECONDS,
            check=True,
        )
        return json.loads(result.stdout)
    except (subprocess.SubprocessError, OSError, ValueError) as error:
        raise ProofreadingUnavailable(FAILED) from error


@contextlib.contextmanager
def _slot():
    """One of the machine's PROOFREADING_CONCURRENCY places to run textlint, held while it runs."""
    count = settings.PROOFREADING_CONCURRENCY or os.cpu_count() or 1
    folder = Path(settings.PROOFREADING_LOCK_DIR or Path(tempfile.gettempdir()) / "allforces-proofread")
    deadline = time.monotonic() + settings.PROOFREADING_WAIT_SECONDS
    while True:
        for number in range(count):
            with _lock_file(folder, number) as lock:
                try:
                    fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
                except BlockingIOError:
                    continue
                yield  # the lock goes with the file's closing, also if textlint fails
                return
        if time.monotonic() >= deadline:
            raise ProofreadingUnavailable(BUSY.format(count=count))
        time.sleep(0.1)


@contextlib.contextmanager
def _lock_file(folder, number):
    """Without its lock files nothing counts the runs, and running uncounted could exhaust the memory: refused."""
    try:
        folder.mkdir(parents=True, exist_ok=True)
        lock = (folder / f"slot-{number}.lock").open("a")
    except OSError as error:
        logger.error("proofreading lock folder %s is unusable: %s", folder, error)
        raise ProofreadingUnavailable(NO_LOCKS) from error
    with lock:
        yield lock


def _finding(message):
    rule = message["rule"]
    text = message["message"].strip()
    length = _SENTENCE_LENGTH.search(text)
    if length:
        text = f"一文が {length[1]} 文字あります。{length[2]} 文字以内を目安に、文を分けてください。"
    elif rule == "prh":
        text = f"表記を「{message['suggestion']}」に統一します。"
    else:
        text = text.splitlines()[0]  # the rule's first line says what; the rest repeats it at length
    return Finding(message["line"], message["column"], RULE_LABELS.get(rule, "表現"), text, message["suggestion"])
