"""Readers under load while the desk edits and publishes (issue #8), then the same with Redis killed halfway
(issue #17): errors, lost edits, latency.

    .venv/bin/python bench/load_under_editing.py [--duration 60] [--redis-outage-duration 60] [--readers 50]

1. A fresh PostgreSQL database `allforces_load` on 127.0.0.1:5432 (dropped and created), `migrate`,
   `import_jekyll demo/archive`, `create_demo_accounts`.
2. The server as `make serve` starts it (collectstatic with hashed names, check --deploy, gunicorn
   --config gunicorn.conf.py; DEBUG=0, a generated SECRET_KEY, Redis db 5 for cache and sessions,
   flushed first) on a free loopback port. bench/run.py's Server is reused when it is there.
3. For --duration seconds (and at most --max-requests reader requests), all at once:
   - --readers anonymous threads GET a random mix of the home page, every published article, every
     category and tag page, /feed/ and /sitemap.xml (no cookies, a timeout each);
   - 編集長 (chief) edits the newest published article through the admin change form (every field as
     the form renders it, loaded_version included), appending a unique marker line, then publishes the
     pending edit with the step `publish_changes`;
   - 編集者 (editor) edits the demo draft the same way, and every third time the writer's draft;
   - ライター (writer) edits a draft of their own, created first through the admin add form;
   - every --collision-interval seconds the editor and the writer, each in a second tab, load another
     draft of the writer's and post their saves at the same moment: one of the two must be refused.
   A save answered with a redirect is accepted; 200 with 「他の人が保存しました」 is refused by the
   lost-update check (counted, not an error). Anything else, a 5xx or an exception, is an error.
4. Afterwards, from the database (articles_articlerevision.content->>'body', articles_article.body):
   every accepted save's marker must be in a stored revision of its article and in the article's
   final text (each save appends to the text it loaded, so the last text holds every accepted
   marker unless an edit was overwritten); and the chief's article page (and /feed/) must show the
   last published marker. Lost edits = accepted saves failing either check. Must be 0.
5. Right after each of the chief's publishes, an anonymous reader fetches the article: it must show the
   marker just published (the publish retires the cached page before it answers). Stale reads must be 0.
6. The Redis outage phase (--redis-outage-duration seconds, 0 to skip it): steps 1 to 5 again, on a fresh
   database, against a gunicorn whose REDIS_URL is a redis-server of this script's own on a free loopback
   port (bench/redis_outage.py). --redis-stop-at seconds in (default: halfway) that Redis is killed; at
   --redis-restart-at (default: three quarters; 0: never) it is started again, empty, on the same port.
   /healthz is asked every 0.5 s. Readers are counted by when their request ended: before the stop, while
   Redis is down, after the restart. Reader errors after the stop must be 0 (in-flight requests included);
   /healthz must answer 200 throughout, "degraded" while Redis is down, "ok" within RETRY_SECONDS of its
   return.
7. A table on stdout, JSON in var/bench/load_under_editing.json. Exits 1 on any error or lost edit.

Loopback only; the servers it started (gunicorn, redis-server) are always stopped (also on Ctrl-C or SIGTERM).
"""

import argparse
import contextlib
import html.parser
import http.cookiejar
import json
import os
import random
import re
import secrets
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BENCH_DIR = ROOT / "bench"
for _path in (str(ROOT), str(BENCH_DIR)):
    if _path not in sys.path:
        sys.path.insert(0, _path)

import common  # noqa: E402 (bench/common.py, after the path is set)
import gunicorn_process  # noqa: E402
import redis_outage  # noqa: E402

PYTHON = sys.executable
DATABASE = "allforces_load"
DATABASE_URL = f"postgres://postgres@127.0.0.1:5432/{DATABASE}"
REDIS_URL = "redis://127.0.0.1:6379/5"
DEMO_ARCHIVE = ROOT / "demo" / "archive"
LOG_PATH = ROOT / "var" / "bench" / "load_under_editing.gunicorn.log"
OUTAGE_LOG_PATH = ROOT / "var" / "bench" / "load_under_editing.redis_outage.gunicorn.log"
REDIS_LOG_PATH = ROOT / "var" / "bench" / "load_under_editing.redis_outage.redis.log"
# Settings this script fixes; anything else in the environment (WEB_CONCURRENCY, …) passes through.
APP_VARIABLES_DROPPED = (
    "DATABASE_URL", "DATABASE_REPLICA_URL", "REDIS_URL", "CDN_PURGE_URL", "GUNICORN_ACCESS_LOG", "SITE_URL", "HOST",
)  # fmt: skip

ACCOUNTS = {  # create_demo_accounts
    "chief": ("chief", "chief-demo-pass"),
    "editor": ("editor", "editor-demo-pass"),
    "writer": ("writer", "writer-demo-pass"),
}
STALE_MESSAGE = "他の人が保存しました"  # workflow.check_edit_version's refusal
# What each role's change form must render (ArticleAdmin.get_readonly_fields); checked on every load.
COMMON_FIELDS = {
    "csrfmiddlewaretoken", "loaded_version", "title", "slug", "body", "excerpt", "author", "category",
    "secondary_categories", "tags", "hero_image_alt",
}  # fmt: skip
EXPECTED_FIELDS = {
    "writer": COMMON_FIELDS,
    "editor": COMMON_FIELDS | {"reviewer"},
    "chief": COMMON_FIELDS | {"reviewer", "is_featured", "correction_note", "permalink"},
}
READER_MIX = (("home", 20), ("article", 45), ("category", 10), ("tag", 10), ("feed", 7.5), ("sitemap", 7.5))


def main():
    args = parse_args()
    common.install_signal_handlers()
    started = time.monotonic()
    run_id = secrets.token_hex(3)
    app_env = {k: v for k, v in os.environ.items() if k not in APP_VARIABLES_DROPPED}
    app_env.update(
        DEBUG="0", SECRET_KEY=secrets.token_urlsafe(50), STATIC_HASHED="1", ALLOWED_HOSTS="127.0.0.1",
        DATABASE_URL=DATABASE_URL,
    )  # fmt: skip
    report = {"meta": machine_meta(args, run_id)}
    if args.duration > 0:
        report |= load_phase(args, app_env, run_id, args.duration, REDIS_URL, LOG_PATH)
    if args.redis_outage_duration > 0:
        report["redis_outage"] = outage_phase(args, app_env, run_id)
    report["meta"]["total_seconds"] = round(time.monotonic() - started, 1)
    report["meta"]["loadavg_end"] = common.loadavg()
    report["summary"] = summary(report)

    print_report(report)
    json_path = Path(args.json)
    json_path.parent.mkdir(parents=True, exist_ok=True)
    json_path.write_text(json.dumps(report, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    log(f"JSON: {json_path}")
    return 0 if report["summary"]["ok"] else 1


def load_phase(args, app_env, run_id, duration, redis_url, log_path, outage=None):
    """Steps 1 to 5 of the docstring: a fresh database, the server with `redis_url`, the load, the checks."""
    log(f"database {DATABASE}: drop, create, migrate, import_jekyll {DEMO_ARCHIVE.relative_to(ROOT)}, accounts")
    common.recreate_database(DATABASE)
    manage(app_env, "migrate", "--noinput", "-v0")
    manage(app_env, "import_jekyll", str(DEMO_ARCHIVE))
    manage(app_env, "create_demo_accounts")
    site = discover(app_env)  # this process is Django too, for the URL lists
    phase = {"site": {k: v for k, v in site.items() if k != "reader_urls"}}
    phase["site"]["reader_urls"] = {kind: len(urls) for kind, urls in site["reader_urls"].items()}

    server = make_server(app_env, redis_url, log_path, own=args.own_server)
    try:
        phase["server"] = server.start()
        phase["server"]["helper"] = type(server).__name__
        phase["server"]["workers"] = phase["server"].get("workers") or len(common.child_pids(server.process.pid))
        run = LoadRun(server.url, site, args, run_id, server.process.pid, duration=duration, outage=outage)
        run.prepare()
        deadlocks_before = _deadlocks()
        phase |= run.go()
        phase["postgres_deadlocks"] = _deadlocks() - deadlocks_before
        phase["verification"] = run.verify()
        phase["server"]["log"] = scan_server_log(server.log_path)
        with contextlib.suppress(Exception):
            phase["memory"] = server.memory() if hasattr(server, "memory") else {}
    finally:
        server.stop()
    return phase


def outage_phase(args, app_env, run_id):
    """Step 6: the same load against a Redis of our own, killed at --redis-stop-at and (unless 0) started
    again, empty, at --redis-restart-at."""
    duration = args.redis_outage_duration
    stop_at = duration / 2 if args.redis_stop_at is None else args.redis_stop_at
    restart_at = duration * 3 / 4 if args.redis_restart_at is None else args.redis_restart_at
    redis = redis_outage.RedisServer(REDIS_LOG_PATH, log)
    outage = redis_outage.Outage(redis, stop_at, restart_at, log)
    log(f"Redis outage phase: {duration:g} s, Redis killed at {stop_at:g} s"
        + (f", started again at {outage.restart_at:g} s" if outage.restart_at else ", not started again"))  # fmt: skip
    try:
        redis.start()
        return load_phase(args, app_env, f"{run_id}-r", duration, redis.url, OUTAGE_LOG_PATH, outage=outage)
    finally:
        redis.stop()


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--duration", type=float, default=60, help="seconds of load (default 60; 0: skip)")
    parser.add_argument(
        "--redis-outage-duration", type=float, default=60,
        help="then seconds of load against a Redis of our own that is killed halfway (default 60; 0: skip)",
    )  # fmt: skip
    parser.add_argument(
        "--redis-stop-at", type=float, default=None, help="seconds into that phase Redis is killed (default: half)"
    )
    parser.add_argument(
        "--redis-restart-at", type=float, default=None,
        help="seconds into that phase Redis is started again, empty (default: three quarters; 0: never)",
    )  # fmt: skip
    parser.add_argument("--readers", type=int, default=50, help="concurrent anonymous reader threads (default 50)")
    parser.add_argument("--max-requests", type=int, default=200_000, help="cap on reader requests (default 200000)")
    parser.add_argument("--timeout", type=float, default=10, help="seconds before a reader request fails (10)")
    parser.add_argument("--editor-timeout", type=float, default=30, help="same for the desk's requests (30)")
    parser.add_argument("--editor-pause", type=float, default=0.3, help="desk: up to this many seconds between edits")
    parser.add_argument("--no-writer", action="store_true", help="leave the ライター out")
    parser.add_argument(
        "--collision-interval", type=float, default=2.0,
        help="seconds between simultaneous saves of one draft by two more tabs (default 2; 0: none)",
    )  # fmt: skip
    parser.add_argument(
        "--wait-idle", type=float, default=0,
        help="first wait up to this many seconds for other processes to use < 25%% of the CPUs (default 0)",
    )  # fmt: skip
    parser.add_argument("--seed", type=int, default=8, help="random seed for the readers' mix (default 8)")
    parser.add_argument("--own-server", action="store_true", help="do not reuse bench/run.py's Server")
    parser.add_argument(
        "--json", default=str(ROOT / "var" / "bench" / "load_under_editing.json"), help="where to write JSON"
    )
    return parser.parse_args()


# --- setup -----------------------------------------------------------------------------------------


def manage(env, *arguments):
    result = subprocess.run(  # noqa: S603 (our interpreter, our arguments)
        [PYTHON, "manage.py", *arguments],
        cwd=ROOT,
        env=env,
        text=True,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    if result.returncode:
        raise RuntimeError(f"manage.py {' '.join(arguments)} failed ({result.returncode}):\n{result.stdout[-3000:]}")
    return result.stdout


def discover(env):
    """Reader URLs and the articles the desk works on, from the fresh database."""
    os.environ.update(env, DJANGO_SETTINGS_MODULE="allforces.settings")
    import django

    django.setup()
    from django.db import connections
    from taggit.models import Tag

    from articles.models import Article, Category

    published = Article.objects.published()
    articles = list(published.order_by("-published_at", "-pk"))
    categories = [c for c in Category.objects.order_by("position", "pk") if published.in_category(c).exists()]
    tags = Tag.objects.filter(taggit_taggeditem_items__object_id__in=published.values("pk")).distinct().order_by("pk")
    draft = Article.objects.filter(status=Article.Status.DRAFT).order_by("pk").first()
    if not articles or draft is None:
        raise RuntimeError("the demo archive should give published articles and one draft")
    chief_article = articles[0]
    site = {
        "articles": Article.objects.count(),
        "published": len(articles),
        "not_published": list(Article.objects.exclude(pk__in=[a.pk for a in articles]).values_list("slug", "status")),
        "chief_article": {
            "id": chief_article.pk,
            "slug": chief_article.slug,
            "title": chief_article.title,
            "path": common.quote_path(chief_article.get_absolute_url()),
        },
        "editor_draft": {"id": draft.pk, "slug": draft.slug, "title": draft.title},
        "reader_urls": {
            "home": ["/"],
            "article": [common.quote_path(a.get_absolute_url()) for a in articles],
            "category": [common.quote_path(c.get_absolute_url()) for c in categories],
            "tag": [common.quote_path(f"/tag/{t.slug}/") for t in tags],
            "feed": ["/feed/"],
            "sitemap": ["/sitemap.xml"],
        },
    }
    connections.close_all()
    return site


# --- the server ----------------------------------------------------------------------------------


def make_server(env, redis_url, log_path, own=False):
    """bench/run.py's Server when it can be imported (the same start/stop as `make bench`), else ours."""
    if not own:
        try:
            import run as bench_run  # bench/run.py

            base = bench_run.Server
        except Exception as error:  # missing or broken: this script still runs
            log(f"bench/run.py's Server is not usable ({error!r}); using this script's own")
        else:
            # Its flush_redis() flushes its module's REDIS_URL: ours (db 5, or our own redis-server), never
            # bench's db 3.
            bench_run.REDIS_URL = redis_url

            class ReusedServer(base):
                def __init__(self, env):
                    super().__init__(env)
                    self.env.update(REDIS_URL=redis_url, SITE_URL=self.url)
                    self.log_path = log_path

                def _write_ceiling_file(self):
                    return None  # bench's static "ceiling" file is not needed here

                def stop(self):
                    self.static_root = None  # and its folder under STATIC_ROOT is bench's to remove
                    super().stop()

            return ReusedServer(env)
    return OwnServer(env, redis_url, log_path)


class OwnServer:
    """gunicorn as `make serve` starts it, on a free loopback port; stop() is safe to call always."""

    def __init__(self, env, redis_url, log_path):
        self.port = gunicorn_process.free_loopback_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.redis_url = redis_url
        self.env = {**env, "REDIS_URL": redis_url, "PORT": str(self.port), "SITE_URL": self.url}
        self.log_path = log_path
        self.process = None

    def start(self):
        import redis

        log("collectstatic, check --deploy")
        manage(self.env, "collectstatic", "--noinput", "-v0")
        manage(self.env, "check", "--deploy", "--fail-level", "ERROR")
        redis.Redis.from_url(self.redis_url).flushdb()  # db 5 only (or our own redis-server)
        self.process = gunicorn_process.start(self.env, self.log_path, self.url, log)
        return {
            "url": self.url,
            "workers": len(common.child_pids(self.process.pid)),
            "worker_class": gunicorn_process.configuration()["worker_class"],
            "command": gunicorn_process.COMMAND,
        }

    def stop(self):
        gunicorn_process.stop(self.process, log)


def scan_server_log(path):
    text = path.read_text(errors="replace") if path.exists() else ""
    patterns = {
        "tracebacks": "Traceback (most recent call last)",
        "internal_server_errors": "Internal Server Error",
        "worker_timeouts": "WORKER TIMEOUT",
        "error_lines": "[ERROR]",
        "critical_lines": "[CRITICAL]",
        "redis_unreachable_lines": "Redis cache unreachable",  # allforces/redis_cache.py, once per interval
    }
    found = {name: text.count(needle) for name, needle in patterns.items()}
    found["path"] = str(path)
    if found["tracebacks"]:
        found["first_traceback"] = text[text.index(patterns["tracebacks"]) :][:3000]
    return found


def _deadlocks():
    import psycopg

    with contextlib.suppress(psycopg.Error), psycopg.connect(common.PG_ADMIN, autocommit=True) as connection:
        row = connection.execute("SELECT deadlocks FROM pg_stat_database WHERE datname = %s", (DATABASE,)).fetchone()
        return row[0] if row else 0
    return 0


# --- HTTP ------------------------------------------------------------------------------------------


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    """A redirect is an answer to record (a save's 302), not something to follow."""

    def redirect_request(self, *args, **kwargs):
        return None


class Answer:
    __slots__ = ("body", "headers", "seconds", "status")

    def __init__(self, status, headers, body, seconds):
        self.status, self.headers, self.body, self.seconds = status, headers, body, seconds

    @property
    def text(self):
        return self.body.decode("utf-8", errors="replace")


def open_url(opener, url, *, data=None, headers=None, timeout=10.0):
    """One request; any HTTP status is an Answer, network failures raise (OSError and friends)."""
    request = urllib.request.Request(url, data=data, headers=headers or {})  # noqa: S310 (http://127.0.0.1 only)
    started = time.perf_counter()
    try:
        with opener.open(request, timeout=timeout) as response:
            body = response.read()
            return Answer(response.status, response.headers, body, time.perf_counter() - started)
    except urllib.error.HTTPError as error:
        with error:
            body = error.read()
        return Answer(error.code, error.headers, body, time.perf_counter() - started)


def _opener(*handlers):
    return urllib.request.build_opener(urllib.request.ProxyHandler({}), _NoRedirect, *handlers)


class FormFields(html.parser.HTMLParser):
    """What a browser would submit from the form with id `form_id`: (name, value) pairs in order,
    plus every field name the form renders (`seen`). Files and submit buttons are left out."""

    def __init__(self, form_id):
        super().__init__(convert_charrefs=True)
        self.form_id = form_id
        self.found = False
        self.fields = []
        self.seen = set()
        self._inside = False
        self._select = None
        self._textarea = None

    @classmethod
    def parse(cls, text, form_id):
        parser = cls(form_id)
        parser.feed(text)
        parser.close()
        return parser

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if tag == "form":
            self._inside = attributes.get("id") == self.form_id
            self.found = self.found or self._inside
            return
        if not self._inside:
            return
        name = attributes.get("name")
        disabled = "disabled" in attributes
        if tag == "input" and name:
            self.seen.add(name)
            kind = (attributes.get("type") or "text").lower()
            if disabled or kind in {"submit", "button", "image", "reset", "file"}:
                return
            if kind in {"checkbox", "radio"}:
                if "checked" in attributes:
                    self.fields.append((name, attributes.get("value") or "on"))
                return
            self.fields.append((name, attributes.get("value") or ""))
        elif tag == "textarea" and name:
            self.seen.add(name)
            self._textarea = (name, [], disabled)
        elif tag == "select" and name:
            self.seen.add(name)
            self._select = {"name": name, "multiple": "multiple" in attributes, "chosen": [], "first": None,
                            "disabled": disabled}  # fmt: skip
        elif tag == "option" and self._select is not None:
            value = attributes.get("value") or ""
            if self._select["first"] is None:
                self._select["first"] = value
            if "selected" in attributes:
                self._select["chosen"].append(value)

    def handle_data(self, data):
        if self._textarea is not None:
            self._textarea[1].append(data)

    def handle_endtag(self, tag):
        if tag == "form":
            self._inside = False
        elif tag == "textarea" and self._textarea is not None:
            name, parts, disabled = self._textarea
            value = "".join(parts)
            if value.startswith("\n"):  # as browsers do: the newline right after <textarea> is markup
                value = value[1:]
            if not disabled:
                self.fields.append((name, value))
            self._textarea = None
        elif tag == "select" and self._select is not None:
            select = self._select
            if not select["disabled"]:
                if select["chosen"]:
                    values = select["chosen"] if select["multiple"] else select["chosen"][-1:]
                    self.fields.extend((select["name"], value) for value in values)
                elif not select["multiple"] and select["first"] is not None:
                    self.fields.append((select["name"], select["first"]))
            self._select = None

    def value(self, name):
        return next((value for key, value in self.fields if key == name), None)

    def replace(self, name, value):
        """Set one field's value (an empty autocomplete select has no option to submit: added)."""
        if self.value(name) is None:
            self.fields.append((name, value))
        else:
            self.fields = [(key, value if key == name else old) for key, old in self.fields]


def _form_errors(text):
    """The visible error messages of an admin page, for the report."""
    found = re.findall(r'<(?:ul class="errorlist[^"]*"|p class="errornote")[^>]*>(.*?)</(?:ul|p)>', text, re.S)
    return [re.sub(r"<[^>]+>|\s+", " ", item).strip()[:300] for item in found][:5]


class Desk:
    """One editorial account in its own browser: a cookie jar, logged in through /admin/login/."""

    def __init__(self, base_url, role, timeout, label=None):
        self.base_url = base_url
        self.role = role
        self.label = label or role  # a second browser tab of the same account has its own label
        self.username, self.password = ACCOUNTS[role]
        self.timeout = timeout
        self.jar = http.cookiejar.CookieJar()
        self.opener = _opener(urllib.request.HTTPCookieProcessor(self.jar))

    def get(self, path):
        return open_url(self.opener, self.base_url + path, timeout=self.timeout)

    def post(self, path, fields):
        headers = {
            "Content-Type": "application/x-www-form-urlencoded",
            "Origin": self.base_url,  # as a browser sends it; Django's CSRF check compares it to the host
            "Referer": self.base_url + path,
        }
        data = urllib.parse.urlencode(fields).encode()
        return open_url(self.opener, self.base_url + path, data=data, headers=headers, timeout=self.timeout)

    def form(self, path, form_id):
        answer = self.get(path)
        if answer.status != 200:
            raise DeskError(f"GET {path}: {answer.status}", answer)
        form = FormFields.parse(answer.text, form_id)
        if not form.found:
            raise DeskError(f"GET {path}: no form #{form_id}", answer)
        return form, answer

    def login(self):
        form, _ = self.form("/admin/login/?next=/admin/", "login-form")
        form.replace("username", self.username)
        form.replace("password", self.password)
        answer = self.post("/admin/login/?next=/admin/", form.fields)
        if answer.status != 302 or answer.headers.get("Location") != "/admin/":
            raise DeskError(f"login as {self.username}: {answer.status} {_form_errors(answer.text)}", answer)

    def autocomplete_first(self, field_name):
        """The first choice the admin's autocomplete offers for `field_name` (what a browser would pick)."""
        query = urllib.parse.urlencode(
            {"term": "", "app_label": "articles", "model_name": "article", "field_name": field_name}
        )
        answer = self.get(f"/admin/autocomplete/?{query}")
        results = json.loads(answer.body)["results"] if answer.status == 200 else []
        if not results:
            raise DeskError(f"autocomplete {field_name}: {answer.status}, no choices", answer)
        return results[0]["id"]

    def create_draft(self, title, body):
        form, _ = self.form("/admin/articles/article/add/", "article_form")
        form.replace("title", title)
        form.replace("body", body)
        form.replace("author", self.autocomplete_first("author"))
        form.replace("category", self.autocomplete_first("category"))
        answer = self.post("/admin/articles/article/add/", [*form.fields, ("_continue", "保存して編集を続ける")])
        match = re.fullmatch(r"/admin/articles/article/(\d+)/change/", answer.headers.get("Location") or "")
        if answer.status != 302 or not match:
            raise DeskError(f"add form: {answer.status} {_form_errors(answer.text)}", answer)
        return int(match.group(1))


class DeskError(Exception):
    def __init__(self, message, answer=None):
        super().__init__(message)
        self.status = answer.status if answer is not None else None


# --- the run ---------------------------------------------------------------------------------------


class LoadRun:
    """`duration` defaults to --duration; `outage` (bench/redis_outage.py's Outage) kills Redis during the load."""

    def __init__(self, base_url, site, args, run_id, server_pid=None, duration=None, outage=None):
        self.base_url = base_url
        self.server_pid = server_pid
        self.site = site
        self.args = args
        self.run_id = run_id
        self.duration = getattr(args, "duration", 0) if duration is None else duration
        self.outage = outage
        self.fresh_checks = []  # after each publish: does an anonymous reader get the published text?
        self.stop = threading.Event()
        self._lock = threading.Lock()
        self._issued = 0
        self.reader_samples = []  # per thread: [(started_at, kind, status or error, ms, cache)]
        self.saves = []  # every save attempt: role, article, marker, outcome, ms …
        self.publishes = []
        self.editor_errors = []
        self.collisions = []
        self.desks = {}
        self.writer_draft_id = None
        self.collision_draft_id = None

    # setup, not timed: logins, the writer's own draft, one pass over every reader URL
    def prepare(self):
        roles = ["chief", "editor"] + ([] if self.args.no_writer else ["writer"])
        for role in roles:
            desk = Desk(self.base_url, role, self.args.editor_timeout)
            desk.login()
            self.desks[role] = desk
        if "writer" in self.desks:
            body = (
                f"負荷試験のためにライターが書いた下書きです（{self.run_id}）。\n\n"
                "## 本文\n\n読者の負荷の下で保存を繰り返します。\n"
            )
            self.writer_draft_id = self.desks["writer"].create_draft(f"負荷試験の下書き {self.run_id}", body)
        if self.args.collision_interval > 0:
            for role in ("editor", "writer"):  # a second tab each, for the simultaneous saves
                desk = Desk(self.base_url, role, self.args.editor_timeout, label=f"{role}-collide")
                desk.login()
                self.desks[desk.label] = desk
            body = f"同時保存の試験に使う下書きです（{self.run_id}）。\n"
            self.collision_draft_id = self.desks["writer-collide"].create_draft(f"同時保存の試験 {self.run_id}", body)
        log(
            f"logged in: {', '.join(self.desks)}; writer's draft: {self.writer_draft_id}, "
            f"draft for simultaneous saves: {self.collision_draft_id}"
        )
        opener = _opener()
        for urls in self.site["reader_urls"].values():
            for path in urls:
                with contextlib.suppress(OSError):
                    open_url(opener, self.base_url + path, timeout=self.args.timeout)

    def go(self):
        args = self.args
        kinds = [kind for kind, _ in READER_MIX]
        weights = [weight for _, weight in READER_MIX]
        readers = [
            threading.Thread(target=self._reader, args=(index, kinds, weights), name=f"reader-{index}", daemon=True)
            for index in range(args.readers)
        ]
        editors = [threading.Thread(target=self._chief, name="chief", daemon=True)]
        editors.append(threading.Thread(target=self._editor, name="editor", daemon=True))
        if self.writer_draft_id:
            editors.append(threading.Thread(target=self._writer, name="writer", daemon=True))
        if "writer-collide" in self.desks:
            editors.append(threading.Thread(target=self._collisions, name="collisions", daemon=True))
        others = self.outage.threads(self) if self.outage else []
        redis_pid = (lambda: self.outage.redis.pid) if self.outage else None
        meter = common.CpuMeter(self.server_pid, DATABASE, client="script", redis_pid=redis_pid)
        quiet = meter.wait_until_quiet(args.wait_idle) if args.wait_idle else {}
        if quiet:
            log(f"waited {quiet['waited_seconds']:.0f} s for a quieter machine: "
                f"other processes at {quiet['other_pct_before']}% of the CPUs")  # fmt: skip
        log(f"load: {args.readers} readers and {len(editors)} desk threads for {self.duration:g} s "
            f"(at most {args.max_requests} reader requests)")  # fmt: skip
        loadavg = common.loadavg()
        cpu_before = meter.snapshot()
        self.started = time.monotonic()
        self.deadline = self.started + self.duration
        for thread in readers + editors + others:
            thread.start()
        try:
            while time.monotonic() < self.deadline and not self.stop.is_set():
                next_event = self.outage.tick(self._now) if self.outage else None
                time.sleep(min(0.2, next_event or 0.2))
        finally:
            self.stop.set()
        for thread in readers:
            thread.join(timeout=args.timeout + 5)
        readers_done = time.monotonic()
        cpu = meter.shares(cpu_before, meter.snapshot())
        for thread in editors + others:  # an editor finishes the edit (and publication) it is in
            thread.join(timeout=3 * args.editor_timeout + 10)
        stuck = [thread.name for thread in readers + editors + others if thread.is_alive()]
        if stuck:
            log(f"! threads still running after the run: {stuck}")
        elapsed = readers_done - self.started
        out = {}
        if self.outage:
            out["outage"] = self.outage.after_the_load(self)
            out["outage"]["healthz_problems"] = self.outage.problems(elapsed)
            out["windows"] = self._windows(elapsed)
        return out | {
            "readers": reader_stats(self.reader_samples, elapsed),
            "fresh_after_publish": _fresh_stats(self.fresh_checks),
            "editors": self._editor_stats(),
            "duration_seconds": round(elapsed, 2),
            "editors_finished_seconds": round(time.monotonic() - self.started, 2),
            "threads_stuck": stuck,
            "loadavg_before_load": loadavg,
            "cpu_during_load": cpu,
            "quiet_wait": quiet,
        }

    def _take_ticket(self):
        with self._lock:
            if self._issued >= self.args.max_requests:
                self.stop.set()
                return False
            self._issued += 1
            return True

    def _reader(self, index, kinds, weights):
        rng = random.Random(self.args.seed * 1000 + index)  # noqa: S311 (a load mix, not a secret)
        urls = self.site["reader_urls"]
        opener = _opener()  # no cookies: an anonymous reader
        samples = []
        self.reader_samples.append(samples)
        while not self.stop.is_set() and self._take_ticket():
            kind = rng.choices(kinds, weights)[0]
            path = rng.choice(urls[kind])
            at = time.monotonic() - self.started
            started = time.perf_counter()
            try:
                answer = open_url(opener, self.base_url + path, timeout=self.args.timeout)
            except Exception as error:  # timeouts, resets: each one an error
                samples.append((at, kind, _error_name(error), (time.perf_counter() - started) * 1000, None))
            else:
                samples.append((at, kind, answer.status, answer.seconds * 1000, answer.headers.get("X-Page-Cache")))

    # the desk
    def _marker(self, role, number):
        return f"LOADMARK-{self.run_id}-{role}-{number:05d}"

    def _pause(self, rng):
        self.stop.wait(rng.uniform(0, self.args.editor_pause))

    def _chief(self):
        desk, article = self.desks["chief"], self.site["chief_article"]["id"]
        rng = random.Random(f"chief{self.args.seed}")  # noqa: S311
        number = 0
        while not self.stop.is_set():
            number += 1
            save = self._save(desk, article, self._marker("chief", number))
            if save and save["outcome"] == "accepted":
                published = self._publish(desk, article, save["marker"])
                if published["outcome"] == "published":
                    self._read_after_publish(published["marker"])
            self._pause(rng)

    def _read_after_publish(self, marker):
        """An anonymous reader's GET of the chief's article right after the publish answered: the publish
        retired the article's cached page before answering (no replica here), so it must show `marker`."""
        record = {"marker": marker, "at": self._now()}
        try:
            answer = open_url(_opener(), self.base_url + self.site["chief_article"]["path"], timeout=self.args.timeout)
        except Exception as error:
            record |= {"status": _error_name(error), "fresh": None, "cache": None}
        else:
            record |= {
                "status": answer.status,
                "fresh": marker in answer.text,
                "cache": answer.headers.get("X-Page-Cache"),
            }
        record["ended"] = self._now()
        with self._lock:
            self.fresh_checks.append(record)
        if record["fresh"] is False:
            log(f"! stale page after publishing {marker} (X-Page-Cache: {record['cache']}) at {record['at']:.1f} s")

    def _windows(self, elapsed):
        """Reader requests (by when they ended), reads after publishes and /healthz answers, for each part of
        the outage; and the requests in flight when Redis was killed."""
        samples = [sample for samples in self.reader_samples for sample in samples]
        out = []
        for name, start, end in self.outage.windows(elapsed):
            ended = [s for s in samples if start <= s[0] + s[3] / 1000 < end]
            checks = [c for c in self.fresh_checks if start <= c["ended"] < end]
            out.append({
                "window": name, "from_s": round(start, 2), "to_s": round(end, 2), "requests": len(ended),
                **_sample_stats(ended), "fresh_after_publish": _fresh_stats(checks),
                "healthz": self.outage.healthz_between(start, end),
            })  # fmt: skip
        stopped = self.outage.stopped_at
        if stopped is not None:
            in_flight = [s for s in samples if s[0] < stopped <= s[0] + s[3] / 1000]
            out.append({"window": "in flight at the stop", "requests": len(in_flight), **_sample_stats(in_flight)})
        return out

    def _editor(self):
        desk = self.desks["editor"]
        rng = random.Random(f"editor{self.args.seed}")  # noqa: S311
        number = 0
        while not self.stop.is_set():
            number += 1
            article = self.site["editor_draft"]["id"]
            if self.writer_draft_id and number % 3 == 0:  # the editor also works on the writer's draft
                article = self.writer_draft_id
            self._save(desk, article, self._marker("editor", number))
            self._pause(rng)

    def _writer(self):
        desk = self.desks["writer"]
        rng = random.Random(f"writer{self.args.seed}")  # noqa: S311
        number = 0
        while not self.stop.is_set():
            number += 1
            self._save(desk, self.writer_draft_id, self._marker("writer", number))
            self._pause(rng)

    def _collisions(self):
        """Now and then the editor and the writer, each in a second tab, save a draft of the writer's at the
        same moment, both from the version they loaded: one save must be refused, never both accepted."""
        desks = [self.desks["editor-collide"], self.desks["writer-collide"]]
        number = 0
        while not self.stop.wait(self.args.collision_interval):
            number += 1
            barrier = threading.Barrier(len(desks), timeout=self.args.editor_timeout)
            threads = [
                threading.Thread(
                    target=self._save, args=(desk, self.collision_draft_id, self._marker(desk.label, number), barrier)
                )
                for desk in desks
            ]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join()
            with self._lock:
                pair = [s for s in self.saves if s["marker"].endswith(f"-collide-{number:05d}")]
            self.collisions.append({"round": number, "outcomes": sorted(s["outcome"] for s in pair)})

    def _save(self, desk, article_id, marker, barrier=None):
        """Load the change form, append the marker line to the body, post every field back (with a
        barrier: all at once with the other desks holding it)."""
        path = f"/admin/articles/article/{article_id}/change/"
        record = {"role": desk.label, "article_id": article_id, "marker": marker, "at": self._now()}
        started = time.perf_counter()
        try:
            form, _ = desk.form(path, "article_form")
            missing = EXPECTED_FIELDS[desk.role] - form.seen
            if missing:
                raise DeskError(f"the change form lacks {sorted(missing)}")
            body = form.value("body") or ""
            form.replace("body", body.rstrip() + f"\n\n{marker}\n")
            record["loaded_version"] = form.value("loaded_version")
        except Exception as error:
            if barrier:
                barrier.abort()  # the other desk posts alone
            return self._desk_error(record, "save", error, started)
        if barrier:
            with contextlib.suppress(threading.BrokenBarrierError):
                barrier.wait()
        try:
            answer = desk.post(path, [*form.fields, ("_save", "保存")])
        except Exception as error:
            return self._desk_error(record, "save", error, started)
        record["ms"] = round(answer.seconds * 1000, 1)
        record["status"] = answer.status
        location = answer.headers.get("Location") or ""
        if answer.status == 302 and location.startswith("/admin/articles/article/"):
            record["outcome"] = "accepted"
        elif answer.status == 200 and STALE_MESSAGE in answer.text:
            record["outcome"] = "refused"
        else:
            record["outcome"] = "error"
            record["detail"] = f"{answer.status} {location} {_form_errors(answer.text)}".strip()
            self._note_error("save", record["detail"], desk.label)
        with self._lock:
            self.saves.append(record)
        return record

    def _publish(self, desk, article_id, marker):
        """Open the step page and post it, as the 編集長 does after saving a live article."""
        path = f"/admin/articles/article/{article_id}/step/publish_changes/"
        record = {"role": desk.label, "article_id": article_id, "marker": marker, "at": self._now()}
        started = time.perf_counter()
        try:
            form, _ = desk.form(path, None)  # the step page's form has no id: the first form without one
            token = form.value("csrfmiddlewaretoken") or _csrf_from_cookie(desk.jar)
            answer = desk.post(path, {"csrfmiddlewaretoken": token, "comment": f"負荷試験 {marker}", "when": ""})
        except Exception as error:
            return self._desk_error(record, "publish", error, started)
        record["ms"] = round(answer.seconds * 1000, 1)
        record["status"] = answer.status
        if answer.status == 302:
            record["outcome"] = "published"
        else:
            record["outcome"] = "error"
            record["detail"] = f"{answer.status} {_form_errors(answer.text)}"
            self._note_error("publish", record["detail"], desk.label)
        with self._lock:
            self.publishes.append(record)
        return record

    def _desk_error(self, record, action, error, started):
        record.update(outcome="error", ms=round((time.perf_counter() - started) * 1000, 1), detail=repr(error)[:500])
        record["status"] = getattr(error, "status", None) or _error_name(error)
        self._note_error(action, record["detail"], record["role"])
        with self._lock:
            (self.saves if action == "save" else self.publishes).append(record)
        return record

    def _note_error(self, action, detail, role):
        with self._lock:
            self.editor_errors.append({"role": role, "action": action, "detail": detail, "at": self._now()})
        log(f"! {role} {action}: {detail[:200]}")

    def _now(self):
        return round(time.monotonic() - self.started, 3)

    def _editor_stats(self):
        out = {}
        for role in self.desks:
            saves = [s for s in self.saves if s["role"] == role]
            publishes = [p for p in self.publishes if p["role"] == role]
            accepted_ms = [s["ms"] for s in saves if s["outcome"] == "accepted"]
            out[role] = {
                "articles": sorted({s["article_id"] for s in saves}),
                "saves": len(saves),
                "accepted": sum(s["outcome"] == "accepted" for s in saves),
                "refused": sum(s["outcome"] == "refused" for s in saves),
                "errors": sum(s["outcome"] == "error" for s in saves),
                "publishes": sum(p["outcome"] == "published" for p in publishes),
                "publish_errors": sum(p["outcome"] == "error" for p in publishes),
                "save_ms": _percentiles(accepted_ms),
                "publish_ms": _percentiles([p["ms"] for p in publishes if p["outcome"] == "published"]),
            }
        rounds = self.collisions
        collisions = {
            "rounds": len(rounds),
            "one_accepted_one_refused": sum(r["outcomes"] == ["accepted", "refused"] for r in rounds),
            "both_accepted": sum(r["outcomes"] == ["accepted", "accepted"] for r in rounds),
            "other": sum(r["outcomes"] not in (["accepted", "refused"], ["accepted", "accepted"]) for r in rounds),
        }
        return {
            "by_role": out,
            "collisions": collisions,
            "errors": self.editor_errors[:50],
            "error_count": len(self.editor_errors),
        }

    # after the run
    def verify(self):
        import psycopg

        accepted = [s for s in self.saves if s["outcome"] == "accepted"]
        article_ids = sorted({s["article_id"] for s in self.saves})
        with psycopg.connect(f"host=127.0.0.1 port=5432 user=postgres dbname={DATABASE}") as connection:
            revisions = {}
            query = "SELECT article_id, content->>'body' FROM articles_articlerevision WHERE article_id = ANY(%s)"
            for article_id, body in connection.execute(query, (article_ids,)):
                revisions.setdefault(article_id, []).append(body or "")
            rows = connection.execute(
                "SELECT a.id, a.slug, a.status, a.body, a.pending_revision_id, r.content->>'body' "
                "FROM articles_article a LEFT JOIN articles_articlerevision r ON r.id = a.pending_revision_id "
                "WHERE a.id = ANY(%s)",
                (article_ids,),
            ).fetchall()
        articles = {row[0]: {"slug": row[1], "status": row[2], "body": row[3], "pending": row[4], "desk_body": row[5]}
                    for row in rows}  # fmt: skip
        missing_from_revisions, missing_from_final = [], []
        for save in accepted:
            article = articles[save["article_id"]]
            if not any(save["marker"] in body for body in revisions.get(save["article_id"], [])):
                missing_from_revisions.append(save)
            # the text the desk now edits: a live article's pending edit if there is one, else the row
            final_text = article["desk_body"] if article["pending"] else article["body"]
            if save["marker"] not in final_text:
                missing_from_final.append(save)
        lost = {s["marker"]: s for s in missing_from_revisions + missing_from_final}

        chief_id = self.site["chief_article"]["id"]
        chief = articles.get(chief_id)
        published = [p for p in self.publishes if p["outcome"] == "published"]
        last_marker = published[-1]["marker"] if published else None
        live_missing = [s["marker"] for s in accepted if s["article_id"] == chief_id and s["marker"] not in (
            chief["body"] if chief else "")]  # fmt: skip
        page = {"last_published_marker": last_marker}
        if last_marker and chief:
            opener = _opener()
            answer = open_url(opener, self.base_url + common.quote_path(f"/articles/{chief['slug']}/"), timeout=30)
            feed = open_url(opener, self.base_url + "/feed/", timeout=30)
            page |= {
                "status": answer.status,
                "cache": answer.headers.get("X-Page-Cache"),
                "shows_last_marker": last_marker in answer.text,
                "feed_shows_last_marker": last_marker in feed.text,
            }
        result = {
            "accepted_saves": len(accepted),
            "lost_edits": len(lost),
            "missing_from_revisions": len(missing_from_revisions),
            "missing_from_final_text": len(missing_from_final),
            "lost": [_brief(s) for s in list(lost.values())[:20]],
            "chief_article_pending_at_end": bool(chief and chief["pending"]),
            "chief_markers_not_live": len(live_missing),
            "live_page": page,
            "revisions_stored": {str(k): len(v) for k, v in revisions.items()},
        }
        if lost:
            result["overlapping_saves"] = _overlaps(self.saves, lost)
        return result


def _brief(save):
    return {k: save.get(k) for k in ("role", "article_id", "marker", "loaded_version", "at", "ms")}


def _overlaps(saves, lost):
    """For each lost edit, the other accepted saves of the same article loaded from the same version."""
    out = []
    for marker, save in list(lost.items())[:20]:
        same = [
            _brief(other)
            for other in saves
            if other["outcome"] == "accepted" and other["article_id"] == save["article_id"]
            and other["marker"] != marker and other.get("loaded_version") == save.get("loaded_version")
        ]  # fmt: skip
        out.append({"lost": _brief(save), "accepted_from_same_version": same})
    return out


def _csrf_from_cookie(jar):
    return next((cookie.value for cookie in jar if cookie.name == "csrftoken"), "")


def _error_name(error):
    if isinstance(error, urllib.error.URLError) and not isinstance(error, urllib.error.HTTPError):
        error = error.reason if isinstance(error.reason, BaseException) else error
    return type(error).__name__


# --- numbers ---------------------------------------------------------------------------------------


def _percentiles(values):
    """Count, nearest-rank percentiles and maximum of some milliseconds."""
    if not values:
        return {"n": 0}
    summary = {f"p{p}": round(common.percentile(values, p), 1) for p in (50, 95, 99)}
    return {"n": len(values), **summary, "max": round(max(values), 1)}


def reader_stats(per_thread, elapsed):
    samples = [sample for samples in per_thread for sample in samples]
    out = {"requests": len(samples), "requests_per_second": round(len(samples) / elapsed, 1) if elapsed else 0}
    out |= _sample_stats(samples)
    out["by_page"] = {}
    for kind, _ in READER_MIX:
        chosen = [s for s in samples if s[1] == kind]
        out["by_page"][kind] = {"requests": len(chosen), **_sample_stats(chosen)}
    # latency second by second: what publishing (a new cache generation) does to readers
    seconds = {}
    for at, _kind, _status, ms, cache in samples:
        seconds.setdefault(int(at), []).append((ms, cache))
    out["per_second"] = [
        {"second": second, "requests": len(items), "p95_ms": _percentiles([ms for ms, _ in items]).get("p95"),
         "cache_misses": sum(cache == "miss" for _, cache in items)}
        for second, items in sorted(seconds.items())
    ]  # fmt: skip
    return out


def _sample_stats(samples):
    errors = {}
    cache = {"hit": 0, "miss": 0, "none": 0}
    for _at, _kind, status, _ms, hit in samples:
        if status != 200:
            errors[str(status)] = errors.get(str(status), 0) + 1
        cache[hit if hit in ("hit", "miss") else "none"] += 1
    ok_latency = [ms for _at, _kind, status, ms, _hit in samples if status == 200]
    return {
        "errors": sum(errors.values()),
        "errors_by_status": errors,
        "latency_ms": _percentiles(ok_latency),
        "latency_ms_all": _percentiles([s[3] for s in samples]),
        "page_cache": cache,
    }


def _fresh_stats(checks):
    return {
        "reads": len(checks),
        "stale": sum(c["fresh"] is False for c in checks),
        "failed": sum(c["status"] != 200 for c in checks),
        "stale_at_s": [c["at"] for c in checks if c["fresh"] is False][:20],
    }


def summary(report):
    problems = _phase_problems(report) if "readers" in report else []
    if "redis_outage" in report:
        phase = report["redis_outage"]
        outage = [*_phase_problems(phase), *phase["outage"]["healthz_problems"]]
        after = next((w for w in phase["windows"] if w["window"] == "after the stop (all)"), None)
        if after and after["errors"]:
            outage.append(f"{after['errors']} reader errors after Redis was killed {after['errors_by_status']}")
        problems += [f"Redis outage phase: {problem}" for problem in outage]
    return {"ok": not problems, "problems": problems}


def _phase_problems(phase):
    readers, editors, check = phase["readers"], phase["editors"]["by_role"], phase["verification"]
    page = check["live_page"]
    editor_errors = sum(r["errors"] + r["publish_errors"] for r in editors.values())
    problems = []
    if readers["errors"]:
        problems.append(f"{readers['errors']} reader errors {readers['errors_by_status']}")
    if editor_errors:
        problems.append(f"{editor_errors} desk errors")
    if check["lost_edits"]:
        problems.append(f"{check['lost_edits']} lost edits")
    both = phase["editors"]["collisions"]["both_accepted"]
    if both:
        problems.append(f"{both} simultaneous saves from one version both accepted")
    if page.get("last_published_marker") and not page.get("shows_last_marker"):
        problems.append("the live page does not show the last published marker")
    if check["chief_markers_not_live"]:
        problems.append(f"{check['chief_markers_not_live']} chief edits not live at the end")
    fresh = phase["fresh_after_publish"]
    if fresh["stale"] or fresh["failed"]:
        problems.append(
            f"reads right after a publish: {fresh['stale']} stale, {fresh['failed']} not 200 of {fresh['reads']}"
        )
    if phase["threads_stuck"]:
        problems.append(f"threads did not stop: {phase['threads_stuck']}")
    return problems


def print_report(report):
    meta = report["meta"]
    if "readers" in report:
        print()
        print(
            f"ALLFORCES load under editing {meta['started']} — {report['duration_seconds']} s, "
            "Redis: db 5 of 127.0.0.1:6379"
        )
        _print_phase(report, meta)
    if "redis_outage" in report:
        phase = report["redis_outage"]
        outage = phase["outage"]
        restart = f", started again (empty) at {outage['restarted_at']:.1f} s" if outage["restarted_at"] else ""
        killed = f"killed at {outage['stopped_at']:.1f} s" if outage["stopped_at"] is not None else "never killed"
        print()
        print(
            f"ALLFORCES load under editing, Redis outage — {phase['duration_seconds']} s; our redis-server "
            f"({outage['redis_command']}) {killed}{restart}"
        )
        _print_phase(phase, meta)
        _print_outage(phase)
    print()
    print(f"total {meta['total_seconds']} s")
    verdict = "OK" if report["summary"]["ok"] else "FAILED: " + "; ".join(report["summary"]["problems"])
    print(verdict)


def _print_phase(phase, meta):
    readers, editors = phase["readers"], phase["editors"]["by_role"]
    check, server = phase["verification"], phase["server"]
    print(
        f"{meta['readers']} readers, {len(editors)} desks; "
        f"gunicorn {server['workers']} {server.get('worker_class', '')} workers "
        f"({server['helper']}), {meta['cpus']} CPUs, commit {meta['commit'][:9]}"
    )
    print()
    header = ("readers", "requests", "req/s", "errors", "p50 ms", "p95 ms", "p99 ms", "max ms", "cache hit")
    rows = [header, _reader_row("all", readers, phase["duration_seconds"])]
    rows += [_reader_row(kind, stats, phase["duration_seconds"]) for kind, stats in readers["by_page"].items()]
    print(_table(rows))
    if readers["errors_by_status"]:
        print(f"reader errors by status: {readers['errors_by_status']}")
    print()
    header = ("desk", "articles", "saves", "accepted", "refused", "errors", "publishes", "save p50/p95 ms")
    rows = [header]
    for role, stats in editors.items():
        latency = stats["save_ms"]
        rows.append((
            role, ",".join(map(str, stats["articles"])), str(stats["saves"]), str(stats["accepted"]),
            str(stats["refused"]), str(stats["errors"] + stats["publish_errors"]), str(stats["publishes"]),
            f"{latency.get('p50', '—')}/{latency.get('p95', '—')}",
        ))  # fmt: skip
    print(_table(rows))
    collisions = phase["editors"]["collisions"]
    if collisions["rounds"]:
        print(
            f"simultaneous saves of one draft from the same version: {collisions['rounds']} rounds, "
            f"{collisions['one_accepted_one_refused']} with one refused, {collisions['both_accepted']} with both "
            f"accepted, {collisions['other']} otherwise"
        )
    print()
    page = check["live_page"]
    print(
        f"lost edits: {check['lost_edits']} of {check['accepted_saves']} accepted saves "
        f"(missing from revisions {check['missing_from_revisions']}, "
        f"missing from the final text {check['missing_from_final_text']})"
    )
    print(
        f"chief's article {phase['site']['chief_article']['slug']}: last published marker "
        f"{page.get('last_published_marker')} on the live page: {page.get('shows_last_marker')}, "
        f"in /feed/: {page.get('feed_shows_last_marker')}; accepted edits not live: {check['chief_markers_not_live']}"
    )
    fresh = phase["fresh_after_publish"]
    print(
        f"anonymous reads right after each publish: {fresh['reads']}, stale {fresh['stale']}, not 200 {fresh['failed']}"
    )
    log_scan = server["log"]
    print(
        f"server log: {log_scan['tracebacks']} tracebacks, {log_scan['worker_timeouts']} worker timeouts, "
        f"{log_scan['error_lines']} [ERROR] lines, {log_scan['redis_unreachable_lines']} 'Redis cache unreachable'; "
        f"PostgreSQL deadlocks: {phase['postgres_deadlocks']}"
    )
    cpu = phase["cpu_during_load"]
    print(
        f"CPU during the load (share of all {meta['cpus']} CPUs): machine {cpu['machine_pct']}%, server "
        f"{cpu['server_pct']}% (gunicorn + PostgreSQL{' + our Redis' if 'outage' in phase else ''}), "
        f"this script {cpu['client_pct']}%, other processes {cpu['other_pct']}%; "
        f"load average before the load {phase['loadavg_before_load']}"
    )


def _print_outage(phase):
    outage = phase["outage"]
    print()
    header = ("ended", "seconds", "requests", "errors", "p50 ms", "p95 ms", "p99 ms", "max ms", "cache hit",
              "stale", "/healthz")  # fmt: skip
    rows = [header]
    for window in phase["windows"]:
        if "from_s" not in window:
            continue
        latency, cache = window["latency_ms"], window["page_cache"]
        answered = cache["hit"] + cache["miss"]
        healthz = ", ".join(f"{label} ×{count}" for label, count in window["healthz"].items()) or "—"
        rows.append((
            window["window"], f"{window['from_s']:.1f}–{window['to_s']:.1f}", str(window["requests"]),
            str(window["errors"]), *(f"{latency.get(p, 0):.1f}" for p in ("p50", "p95", "p99", "max")),
            f"{cache['hit'] / answered:.0%}" if answered else "—",
            f"{window['fresh_after_publish']['stale']}/{window['fresh_after_publish']['reads']}", healthz,
        ))  # fmt: skip
    print(_table(rows))
    for window in phase["windows"]:
        if window["errors_by_status"]:
            print(f"reader errors {window['window']}: {window['errors_by_status']}")
    in_flight = next((w for w in phase["windows"] if w["window"] == "in flight at the stop"), None)
    if in_flight:
        print(
            f"in flight when Redis was killed: {in_flight['requests']} reader requests, {in_flight['errors']} errors, "
            f"max {in_flight['latency_ms_all'].get('max', 0):.1f} ms"
        )
    generations = outage["generations"]
    print(
        f"page-cache generation before the kill {generations.get('before_the_stop')}, at the end "
        f"{generations.get('at_the_end')}; /healthz ok again {outage['healthz_ok_again_after_s']} s after the restart"
    )
    redis = outage["redis_at_the_end"]
    if redis:
        print(
            f"our Redis at the end: {redis['keys']} keys, {redis['used_memory_mb']} MB used of {redis['maxmemory_mb']} "
            f"MB ({redis['maxmemory_policy']}), {redis['evicted_keys']} evicted"
        )
    for problem in outage["healthz_problems"]:
        print(f"! /healthz: {problem}")


def _reader_row(name, stats, elapsed):
    latency, cache = stats["latency_ms"], stats["page_cache"]
    answered = cache["hit"] + cache["miss"]
    return (
        name, str(stats["requests"]), f"{stats['requests'] / elapsed:.1f}" if elapsed else "—", str(stats["errors"]),
        *(f"{latency.get(p, 0):.1f}" for p in ("p50", "p95", "p99", "max")),
        f"{cache['hit'] / answered:.0%}" if answered else "—",
    )  # fmt: skip


def _table(rows):
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    lines = []
    for number, row in enumerate(rows):
        lines.append(
            "  ".join(cell.ljust(widths[i]) if i == 0 else cell.rjust(widths[i]) for i, cell in enumerate(row))
        )
        if number == 0:
            lines.append("  ".join("-" * width for width in widths))
    return "\n".join(line.rstrip() for line in lines)


def machine_meta(args, run_id):
    settings = {
        "run_id": run_id,
        "duration": args.duration,
        "readers": args.readers,
        "max_requests": args.max_requests,
        "timeout": args.timeout,
        "editor_pause": args.editor_pause,
        "redis_outage_duration": args.redis_outage_duration,
        "redis_stop_at": args.redis_stop_at,
        "redis_restart_at": args.redis_restart_at,
        "web_concurrency": os.environ.get("WEB_CONCURRENCY", ""),
    }
    return common.machine_meta(settings)


def log(message):
    print(f"[load {time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


if __name__ == "__main__":
    try:
        sys.exit(main())
    except KeyboardInterrupt:
        log("interrupted")
        sys.exit(130)
