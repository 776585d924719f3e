"""Odd URLs, query strings and headers against every public URL pattern: a 4xx at worst, never a 5xx.

Hypothesis fills each pattern's slots with real values (so that valid pages meet odd query strings and
headers) or with odd ones: Japanese, emoji, combining marks, control characters and NUL, values up to
10,000 characters, percent-escapes that do not decode (`%ED%A0%80` is a UTF-8 surrogate, `%` ends early),
`..` and `//`. Headers hold only what an HTTP server passes on (Latin-1 text without line breaks).
"""

import operator
from datetime import timedelta
from urllib.parse import quote

import pytest
from django.utils import timezone
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from articles.desk.preview import create_preview_link
from articles.models import Article, ArticleRedirect
from tests.factories import make_article, make_author, make_category, make_user

pytestmark = pytest.mark.django_db
EXAMPLES_PER_PATTERN = 60

# Each pattern: (name, path with {} slots, the kind of real value each slot takes).
PATTERNS = [
    ("home", "/", ()),
    ("article", "/articles/{}/", ("article",)),
    ("share-card", "/articles/{}/og-{}.png", ("article", "digest")),
    ("category", "/category/{}/", ("category",)),
    ("tag", "/tag/{}/", ("tag",)),
    ("author", "/author/{}/", ("author",)),
    ("feed", "/feed/", ()),
    ("feed-atom", "/feed/atom/", ()),
    ("feed-json", "/feed/json/", ()),
    *[
        (f"{subject}-feed{suffix}", f"/{subject}/{{}}/feed/{suffix.lstrip('-')}{'/' if suffix else ''}", (subject,))
        for subject in ("category", "tag", "author")
        for suffix in ("", "-atom", "-json")
    ],
    ("archive", "/archive/", ()),
    ("archive-year", "/archive/{}/", ("year",)),
    ("archive-month", "/archive/{}/{}/", ("year", "month")),
    ("sitemap", "/sitemap.xml", ()),
    ("robots", "/robots.txt", ()),
    ("favicon", "/favicon.ico", ()),
    ("search", "/search/", ()),
    ("shared-preview", "/preview/{}/", ("token",)),
    ("healthz", "/healthz", ()),
    ("admin-login", "/admin/login/", ()),
    ("any-path", "/{}/{}/{}", ("path", "path", "path")),
]

JAPANESE = "最新ニュース半導体技術動向編集部あいうえおアイウエオｶﾞｷﾞ々〆ー・「」"
ESCAPES = ["%", "%%", "%zz", "%E", "%ED%A0%80", "%C0%AF", "%FF%FE", "%E3%81", "%00", "%2F", "%2e%2e", "%25", "%u0041",
           "%0A", "%0D%0A", "%E6%9C%80%E6%96%B0"]  # fmt: skip
ODD_PIECES = ["..", ".", "//", "/", "\\", "~", ";", "&", "=", "+", " ", "%20", "\t", "\x00", "\x7f", "\u202e",
              "\u200b", "\ufeff", "\u3000", "..%2F..%2F", "./", "/./"]  # fmt: skip

characters = st.characters(codec="utf-8")  # any code point but lone surrogates, which no request can carry
any_text = st.text(characters, min_size=1, max_size=40)
japanese = st.text(st.sampled_from(JAPANESE), min_size=1, max_size=30)
emoji = st.text(
    st.characters(min_codepoint=0x1F300, max_codepoint=0x1FAFF) | st.just("\u200d"), min_size=1, max_size=12
)
combining = st.builds(
    operator.add,
    st.sampled_from(["a", "あ", "e", "ニ", ""]),
    st.text(st.characters(min_codepoint=0x300, max_codepoint=0x36F) | st.sampled_from("\u3099\u309a"), min_size=1),
)
controls = st.text(st.characters(max_codepoint=0x1F) | st.sampled_from("\x7f\x85\u2028\u2029"), min_size=1, max_size=8)
long_values = st.sampled_from(["a", "あ", "-", "%", "😀", "%E3%81%82", "a/", "../", "0"]).flatmap(
    lambda unit: st.integers(200, 10_000 // len(unit)).map(lambda count: unit * count)
)
escapes = st.lists(st.sampled_from(ESCAPES) | any_text, min_size=1, max_size=6).map("".join)
numbers = st.one_of(
    st.integers(-(10**30), 10**30).map(str),
    st.sampled_from(["0", "00", "0000", "1", "9999", "10000", "12", "13", "2025", "-1", "+1", "1e3", "１２", "٣"]),
)
odd_segment = st.one_of(
    any_text, japanese, emoji, combining, controls, long_values, escapes, st.sampled_from(ODD_PIECES)
)

query_keys = st.sampled_from(["page", "q", "category", "tag", "next", "format", "utm_source", "page[]", ""]) | any_text
query_values = st.one_of(
    numbers, st.sampled_from(["", "last", "NaN", "Infinity", "0x10", "1.5", "None", "[]"]), odd_segment
)
# quote() encodes what a client must (non-ASCII, spaces) and keeps % and separators raw, so broken escapes,
# repeated keys and empty pairs reach Django as sent.
query_strings = st.lists(st.tuples(query_keys, query_values), max_size=6).map(
    lambda pairs: "&".join(f"{quote(key, safe='%[]')}={quote(value, safe='%/&=+;,')}" for key, value in pairs)
)

header_text = st.text(st.characters(min_codepoint=0x20, max_codepoint=0xFF, exclude_characters="\x7f") | st.just("\t"))
etags = st.one_of(
    header_text,
    st.sampled_from(["*", '""', '"abc"', 'W/"x"', "W/", '"', ",,,", '*, "a"', 'W/"', '"' + "a" * 8000 + '"']),
    st.lists(st.sampled_from(['"a"', 'W/"b"', "*", "", "x"]), max_size=50).map(", ".join),
)
http_dates = st.one_of(
    header_text,
    st.sampled_from([
        "Thu, 01 Jan 1970 00:00:00 GMT", "Fri, 31 Dec 9999 23:59:59 GMT", "Mon, 32 Foo 2025 25:61:61 GMT",
        "Sunday, 06-Nov-94 08:49:37 GMT", "Sun Nov  6 08:49:37 1994", "Sat, 01 Jan 0001 00:00:00 GMT", "0", "-1",
        "9" * 40,
    ]),
)  # fmt: skip
languages = st.one_of(
    header_text,
    st.sampled_from(["ja", "ja-JP,ja;q=0.9,en;q=0.8", "*", "xx-YY;q=abc", "ja;q=1e999", "," * 1000, "a" * 5000]),
)
cookies = st.one_of(
    header_text,
    st.integers(100, 8000).map(lambda size: "sessionid=" + "a" * size),
    st.integers(1, 600).map(lambda count: "; ".join(f"c{number}=v" for number in range(count))),
    st.sampled_from([
        'sessionid="\\000\\000\\000\\000\\000\\000\\000\\000"', 'csrftoken="\\377"', "sessionid=;;;", "=; =; =",
        "sessionid=" + "%00" * 20, 'messages="abc:def"', "django_language=xx",
    ]),
)  # fmt: skip
headers = st.fixed_dictionaries(
    {},
    optional={"If-None-Match": etags, "If-Modified-Since": http_dates, "Accept-Language": languages, "Cookie": cookies},
)


@pytest.fixture
def site(settings, tmp_path):
    """A published article with a Japanese slug and tags, an old slug that redirects to it, a share-preview link,
    and the whole-page cache on as in production; share cards are drawn into a temporary MEDIA_ROOT."""
    settings.MEDIA_ROOT = tmp_path
    settings.PAGE_CACHE_SECONDS = 60 * 60
    category = make_category("技術動向")
    author = make_author("ALLFORCES編集部", slug="編集部")
    article = make_article(
        title="最新ニュース", category=category, author=author, tags=["半導体", "AI"],
        published_at=timezone.now() - timedelta(days=1),
    )  # fmt: skip
    ArticleRedirect.objects.create(old_path="/articles/旧スラッグ/", article=article)
    draft = make_article(
        title="下書き", status=Article.Status.DRAFT, published_at=None, category=category, author=author
    )
    link = create_preview_link(draft, make_user(), days=7)
    published = timezone.localtime(article.published_at)
    return {
        "article": [article.slug, "旧スラッグ"],
        "digest": [article.share_card_digest()],
        "category": [category.slug],
        "tag": [tag.slug for tag in article.tags.all()],
        "author": [author.slug],
        "year": [str(published.year)],
        "month": [str(published.month), f"{published.month:02d}"],
        "token": [link.token],
        "path": ["articles", article.slug, "admin", "feed", "旧スラッグ"],
    }


def slot_values(real_values, kind):
    """A slot's value: one of its real values, an odd value, or a real value with odd text around it."""
    real = st.sampled_from(real_values)
    odd = numbers | odd_segment if kind in {"year", "month"} else odd_segment
    return st.one_of(real, odd, st.tuples(real, odd).map("".join), st.tuples(odd, real).map("".join))


@pytest.mark.parametrize(("name", "template", "slots"), PATTERNS, ids=[name for name, _, _ in PATTERNS])
@hypothesis_settings(
    max_examples=EXAMPLES_PER_PATTERN,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(data=st.data())
def test_odd_requests_get_no_server_error(client, site, name, template, slots, data):
    path = template.format(*(data.draw(slot_values(site[kind], kind), label=kind) for kind in slots))
    query = data.draw(query_strings, label="query")
    request_headers = data.draw(headers, label="headers")
    client.cookies.clear()

    response = client.get(f"{path}?{query}" if query else path, headers=request_headers)

    assert response.status_code < 500, (name, path[:300], query[:300], response.status_code)


# PostgreSQL cannot hold a NUL in text, not even as a bound parameter (psycopg raises DataError): these were 500s
# there, found by the fuzzer above.
@pytest.mark.parametrize("path", ["/articles/%00/", "/no%00such/page/", "/preview/%00/"])
def test_a_nul_in_the_path_is_a_404(client, path):
    assert client.get(path).status_code == 404


def test_a_session_cookie_that_unescapes_to_nul_is_no_session(client):
    cookie = 'sessionid="' + "\\000" * 8 + '"'

    response = client.get("/admin/login/", headers={"Cookie": cookie})

    assert response.status_code == 200
    assert not response.wsgi_request.user.is_authenticated
