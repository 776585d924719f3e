"""Every hostile payload (tests/xss_payloads.py) through every text an editor or a reader controls, checked
on the page or feed as a browser or feed reader parses it (tests/html_safety.py): no script element but
inert JSON-LD, no event handler, no script URL, no frame, object, embed, base or meta refresh.

Besides being harmless, the text must come back as the same text: escaped, not dropped or mangled.

The objects are made once per payload group and shared by that group's tests (a class-scoped fixture that
deletes them afterwards); the tests only read. List pages, site feeds, the sitemap and the admin's change
list show every payload at once.
"""

import json
import re
import xml.etree.ElementTree as ET
from datetime import timedelta
from importlib import import_module
from types import SimpleNamespace

import pytest
from django.apps import apps as django_apps
from django.conf import settings as django_settings
from django.contrib.admin.sites import site as admin_site
from django.contrib.auth import get_user_model
from django.test import Client, override_settings
from django.urls import reverse
from django.utils import timezone
from taggit.models import Tag

from articles import search
from articles.desk import roles
from articles.desk.preview import create_preview_link
from articles.models import Article, Author, Category
from articles.syndication import feeds
from tests.factories import make_article, make_author, make_category, make_hero_image, make_user
from tests.html_safety import (
    feed_item_problems,
    find,
    find_all,
    outside_allow_list,
    parse_fragment,
    parse_page,
    read_feed,
    text_of,
    unsafe_markup,
)
from tests.xss_payloads import GROUPS, PAYLOADS

pytestmark = pytest.mark.django_db
FEED_SUFFIXES = ("", "-atom", "-json")
# The admin's own script files; reader pages load no script at all.
# The article page's own view counter (articles/readership.py): a src and no inline code.
READER_SCRIPTS = ("/static/js/count-view.js",)
ADMIN_SCRIPTS = (
    "/static/admin/js/",
    "/static/markdownx/js/",
    "/admin/jsi18n/",
    *(f"/static/js/desk-{name}.js" for name in ("common", "editor", "autosave", "preview", "proofread", "copy")),
)

# What XML 1.0 cannot carry: RSS and Atom drop it, so a payload holding it comes back from them without it.
XML_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")


def as_parsed(text):
    """`text` as an HTML or XML parser hands it back: every CR or CRLF becomes LF."""
    return text.replace("\r\n", "\n").replace("\r", "\n")


def as_in_xml(text):
    """`text` as it comes back from RSS or Atom, which drop what XML cannot carry."""
    return as_parsed(XML_CONTROL.sub("", text))


def as_is(text):
    return text


def make_hostile_article(payload, **fields):
    """An article whose every reader-visible text is `payload`, cut to each field's length."""
    category = make_category(payload[:100], description=payload)
    author = make_author(payload[:100], bio=payload)
    tags = [payload[:100]]
    fields = {"title": payload[:200], "excerpt": payload, "body": payload, "correction_note": payload, **fields}
    return make_article(category=category, author=author, tags=tags, **fields)


def delete_hostile_articles(articles):
    tag_ids = [tag.pk for article in articles for tag in article.tags.all()]
    Article.objects.filter(pk__in=[article.pk for article in articles]).delete()
    Tag.objects.filter(pk__in=tag_ids).delete()
    Category.objects.filter(pk__in=[article.category_id for article in articles]).delete()
    Author.objects.filter(pk__in=[article.author_id for article in articles]).delete()


def for_each_article(group, check):
    """check(article) for every article of the group; the failures of all of them are reported together."""
    failures = []
    for payload_id, article in group.articles:
        try:
            check(article)
        except AssertionError as error:
            failures.append(f"{payload_id} {article.title!r}:\n    {error}")
    assert not failures, "\n".join(failures)


def get_page(client, url, data=None):
    response = client.get(url, data)
    assert response.status_code == 200, (url, response.status_code)
    return parse_page(response.content.decode())


def assert_harmless(root, where, own_scripts=()):
    problems = unsafe_markup(root, own_scripts)
    assert not problems, f"{where}: " + "; ".join(problems)


def assert_body_sanitized(page, where):
    body = find(page, "div", class_="article__body")
    assert_harmless(body, where)
    problems = outside_allow_list(body)
    assert not problems, f"{where}: " + "; ".join(problems)


def card_titles(page):
    """{article URL: its title as shown} for the cards of a list page."""
    return {
        link.get("href"): text_of(link)
        for card in find_all(page, "article", class_="card")
        for link in find_all(card, "a", class_=None)
    }


# --- each payload on its own pages -----------------------------------------------------------


@pytest.fixture(scope="class", params=list(GROUPS))
def hostile_group(request, django_db_setup, django_db_blocker, tmp_path_factory):
    """One published article per payload of a group: title, excerpt, body, correction, hero alt text, tag,
    category (and its description) and author (and bio) all hostile; each with a share-preview link."""
    media = tmp_path_factory.mktemp("media")
    with django_db_blocker.unblock(), override_settings(MEDIA_ROOT=media):
        desk = make_user(roles.EDITOR_IN_CHIEF)
        articles = [
            (
                f"{request.param}-{number}",
                make_hostile_article(payload, hero_image=make_hero_image((64, 36)), hero_image_alt=payload[:200]),
            )
            for number, payload in enumerate(GROUPS[request.param], 1)
        ]
        for _, article in articles:
            article.preview_link = create_preview_link(article, desk, days=7)
    yield SimpleNamespace(articles=articles, desk=desk)
    with django_db_blocker.unblock():
        delete_hostile_articles([article for _, article in articles])
        get_user_model().objects.filter(pk=desk.pk).delete()


class TestEachPayloadOnItsOwnPages:
    def test_article_page_shows_every_hostile_field_as_text(self, client, hostile_group):
        """The head (title, description, Open Graph, JSON-LD), h1, byline, breadcrumbs, hero <picture>, body,
        correction, tags and navigation."""

        def check(article):
            page = get_page(client, article.get_absolute_url())

            assert_harmless(page, "article page", READER_SCRIPTS)
            assert_body_sanitized(page, "article body")
            title, summary = as_parsed(article.title), as_parsed(article.summary)
            assert text_of(find(page, "title")) == f"{title} | {django_settings.SITE_NAME}"
            assert text_of(find(page, "h1")) == title
            assert find(page, "meta", name="description").get("content") == summary
            assert find(page, "meta", property="og:title").get("content") == title
            hero = find(find(page, "article", class_="article"), "picture")
            assert find(hero, "img").get("alt") == title
            assert text_of(find(page, "a", class_="article__author")) == as_parsed(article.author.name)
            navigation = find(page, "nav", class_="site-nav")
            assert as_parsed(article.category.name) in [text_of(link) for link in find_all(navigation, "a")]
            tags = [tag.name for tag in article.tags.all()]
            assert [meta.get("content") for meta in find_all(page, "meta", property="article:tag")] == [
                as_parsed(name) for name in tags
            ]
            scripts = [script for script in find_all(page, "script") if script.get("src") not in READER_SCRIPTS]
            assert [script.get("type") for script in scripts] == ["application/ld+json"] * 2
            data, breadcrumbs = (json.loads(script.text) for script in scripts)
            assert (data["headline"], data["description"], data["keywords"]) == (article.title, article.summary, tags)
            assert (data["author"]["name"], data["articleSection"]) == (article.author.name, article.category.name)
            names = [entry["name"] for entry in breadcrumbs["itemListElement"]]
            assert names[1:] == [article.category.name, article.title]

        for_each_article(hostile_group, check)

    def test_previews_keep_the_body_sanitized(self, client, hostile_group):
        """The outside reviewer's shared preview, the desk's preview and markdownx's live preview."""
        desk = Client()
        desk.force_login(hostile_group.desk)

        def check(article):
            shared = get_page(client, article.preview_link.get_absolute_url())
            preview = get_page(desk, reverse("admin:articles_article_preview", args=[article.pk]))
            live = desk.post(reverse("markdownx_markdownify"), {"content": article.body})

            for where, page in (("shared preview", shared), ("admin preview", preview)):
                assert_harmless(page, where, READER_SCRIPTS)
                assert_body_sanitized(page, where)
                assert text_of(find(page, "h1")) == as_parsed(article.title), where
                assert not find_all(page, "script"), where
            assert live.status_code == 200
            fragment = parse_fragment(live.content.decode())
            problems = unsafe_markup(fragment) + outside_allow_list(fragment)
            assert not problems, f"markdownx preview: {problems}"

        for_each_article(hostile_group, check)

    def test_category_tag_and_author_pages_show_the_names_as_text(self, client, hostile_group):
        """Archive pages of a hostile category (and its description), tag and author (and bio), listing the
        hostile article's card."""

        def check(article):
            subjects = [(article.category.get_absolute_url(), article.category.name)]
            subjects += [(reverse("articles:tag", kwargs={"slug": tag.slug}), tag.name) for tag in article.tags.all()]
            subjects += [(article.author.get_absolute_url(), article.author.name)]
            for url, name in subjects:
                page = get_page(client, url)
                assert_harmless(page, url, READER_SCRIPTS)
                assert text_of(find(page, "h1")) == as_parsed(name), url
                assert card_titles(page)[article.get_absolute_url()] == as_parsed(article.title), url

        for_each_article(hostile_group, check)

    def test_category_tag_and_author_feeds_keep_names_as_text(self, client, hostile_group):
        """Each subject's feed, its format rotating with the payload so that every payload meets all three."""

        def check(article):
            subjects = [("category", article.category.slug, article.category.name)]
            subjects += [("tag", tag.slug, f"#{tag.name}") for tag in article.tags.all()]
            subjects += [("author", article.author.slug, article.author.name)]
            rotation = PAYLOADS.index(article.body)
            for number, (subject, slug, name) in enumerate(subjects):
                suffix = FEED_SUFFIXES[(rotation + number) % 3]
                text = as_is if suffix == "-json" else as_in_xml
                url = reverse(f"articles:{subject}-feed{suffix}", kwargs={"slug": slug})
                response = client.get(url)
                assert response.status_code == 200, url
                feed = read_feed(response)
                assert feed.title == text(f"{name} | {django_settings.SITE_NAME}"), url
                (item,) = (item for item in feed.items if item.guid == feeds.article_guid(article))
                assert not feed_item_problems(item), (url, feed_item_problems(item))
                assert item.title == text(article.title), url

        for_each_article(hostile_group, check)

    def test_search_echoes_the_query_and_highlights_hits_as_text(self, client, hostile_group):
        """The reader's query shown back in the title, heading and search box, the hostile article found with its
        title and snippet highlighted, filtered by its hostile category, named in the category menu."""

        def check(article):
            typed = search.canonical_text(article.body)  # any other spelling redirects to this one
            query = search.parse_query(typed)

            page = get_page(client, reverse("articles:search"), {"q": typed, "category": article.category.slug})

            assert_harmless(page, "search page", READER_SCRIPTS)
            assert find(page, "input", id="search-q").get("value") == query.text
            assert text_of(find(page, "option", value=article.category.slug)) == as_parsed(article.category.name)
            if query:
                assert text_of(find(page, "h1")) == f"「{query.text}」の検索結果"

        for_each_article(hostile_group, check)

    def test_admin_change_form_escapes_a_hostile_article(self, client, hostile_group):
        """The desk's edit page of an article whose every field is hostile, seen by the editor-in-chief."""
        client.force_login(hostile_group.desk)

        def check(article):
            page = get_page(client, reverse("admin:articles_article_change", args=[article.pk]))

            assert_harmless(page, "admin change form", ADMIN_SCRIPTS)
            assert find(page, "input", name="title").get("value") == as_parsed(article.title)

        for_each_article(hostile_group, check)


# --- every payload on one page --------------------------------------------------------------


@pytest.fixture(scope="class")
def hostile_site(django_db_setup, django_db_blocker):
    """One published article per payload, each with its own hostile category, author and tag, and no excerpt, so
    that its summary is taken from the hostile body."""
    with django_db_blocker.unblock():
        published_at = timezone.now() - timedelta(hours=1)
        articles = [make_hostile_article(payload, excerpt="", published_at=published_at) for payload in PAYLOADS]
    yield SimpleNamespace(articles=articles, by_guid={feeds.article_guid(article): article for article in articles})
    with django_db_blocker.unblock():
        delete_hostile_articles(articles)


class TestEveryPayloadAtOnce:
    def test_home_and_date_archives_list_every_hostile_article_as_text(self, client, settings, hostile_site):
        """The front page's links (title) and lead (summary); archive cards (title, summary, category) and the
        navigation."""
        settings.ARTICLES_PER_PAGE = len(PAYLOADS)
        published = timezone.localtime(hostile_site.articles[0].published_at)
        home = get_page(client, reverse("articles:home"))
        assert_harmless(home, "home")
        titles = {(link.get("href"), text_of(link)) for link in find_all(home, "a")}
        for article in hostile_site.articles:  # lead, secondary stories, sections and list link by title
            assert (article.get_absolute_url(), as_parsed(article.title)) in titles
        lead = find(home, "article", class_="lead")
        by_url = {article.get_absolute_url(): article for article in hostile_site.articles}
        lead_article = by_url[find(find(lead, "h3", class_="lead__title"), "a").get("href")]
        assert text_of(find(lead, "p", class_="lead__summary")) == as_parsed(lead_article.summary)
        for url in (
            reverse("articles:archive-year", kwargs={"year": published.year}),
            reverse("articles:archive-month", kwargs={"year": published.year, "month": published.month}),
        ):
            page = get_page(client, url)
            assert_harmless(page, url, READER_SCRIPTS)
            cards = {
                find(card, "a", class_=None).get("href"): card for card in find_all(page, "article", class_="card")
            }
            navigation = {text_of(link) for link in find_all(find(page, "nav", class_="site-nav"), "a")}
            for article in hostile_site.articles:
                card = cards[article.get_absolute_url()]
                assert text_of(find(card, "a", class_=None)) == as_parsed(article.title), url
                assert text_of(find(card, "p", class_="card__summary")) == as_parsed(article.summary), url
                assert text_of(find(card, "a", class_="card__category")) == as_parsed(article.category.name), url
                assert as_parsed(article.category.name) in navigation, url

    def test_site_feeds_carry_every_hostile_article_safely(self, client, monkeypatch, hostile_site):
        """Titles, summaries, categories, tags and authors as text; the body's HTML as sanitized HTML."""
        monkeypatch.setattr(feeds, "FEED_LENGTH", len(PAYLOADS))
        for suffix in FEED_SUFFIXES:
            response = client.get(reverse(f"articles:feed{suffix}"))
            assert response.status_code == 200, suffix
            items = read_feed(response).items
            assert len(items) == len(hostile_site.articles), suffix
            text = as_is if suffix == "-json" else as_in_xml
            for item in items:
                article = hostile_site.by_guid[item.guid]
                assert not feed_item_problems(item), (suffix, article.title, feed_item_problems(item))
                assert item.title == text(article.title), suffix
                if item.summary_html is None:
                    assert item.summary_text == article.summary, suffix
                else:
                    assert text_of(parse_fragment(item.summary_html)) == as_in_xml(article.summary), suffix
                names = {article.category.name, *(tag.name for tag in article.tags.all())}
                assert {text(name) for name in names} <= {text(name) for name in item.categories}, suffix
                assert item.authors == [text(article.author.name)], suffix

    def test_sitemap_lists_only_the_sites_own_urls(self, client, hostile_site):
        response = client.get(reverse("sitemap"))

        assert response.status_code == 200
        root = ET.fromstring(response.content)
        locations = {element.text for element in root.iter() if element.tag.endswith("loc")}
        assert {django_settings.SITE_URL + article.get_absolute_url() for article in hostile_site.articles} <= locations
        assert all(location.startswith(django_settings.SITE_URL + "/") for location in locations)

    def test_admin_change_list_escapes_titles_and_filter_names(self, client, monkeypatch, hostile_site):
        """Titles and category names in the rows, and category, author and tag names in the filter sidebar."""
        monkeypatch.setattr(admin_site.get_model_admin(Article), "list_per_page", len(PAYLOADS))
        client.force_login(make_user(roles.EDITOR_IN_CHIEF))

        page = get_page(client, reverse("admin:articles_article_changelist"))

        assert_harmless(page, "admin change list", ADMIN_SCRIPTS)
        titles = {text_of(cell) for cell in find_all(page, "th", class_="field-title")}
        assert {as_parsed(article.title) for article in hostile_site.articles} <= titles


# --- bugs found on the way (not escaping) -------------------------------------------------------


@pytest.mark.parametrize("name", ["＋", "★", "-->"])
def test_a_tag_without_letters_or_digits_gets_a_slug_and_a_page(client, name):
    """taggit slugifies such a name to "", which no URL can carry: the article page and sitemap were 500s."""
    article = make_article(tags=[name])
    (tag,) = article.tags.all()

    assert tag.slug.startswith("tag")
    assert client.get(article.get_absolute_url()).status_code == 200
    assert client.get(reverse("sitemap")).status_code == 200
    page = get_page(client, reverse("articles:tag", kwargs={"slug": tag.slug}))
    assert text_of(find(page, "h1")) == name


def test_two_symbol_only_tags_get_different_slugs():
    first, second = make_article(tags=["★"]), make_article(tags=["☆"])

    assert first.tags.get().slug != second.tags.get().slug


@pytest.mark.parametrize("suffix", ["", "-atom"])
@pytest.mark.parametrize("field", ["title", "body", "tag"])
def test_control_characters_in_an_article_are_dropped_from_xml_feeds(client, suffix, field):
    """A vertical tab pasted from Word made every RSS and Atom feed listing the article a 500 (XML 1.0 cannot
    carry it), or, in an Atom category's term attribute, an ill-formed feed that readers reject."""
    text = "縦タブ\x0bと\x1bエスケープ"
    make_article(**({"tags": [text]} if field == "tag" else {field: text}))

    response = client.get(reverse(f"articles:feed{suffix}"))

    assert response.status_code == 200
    assert "縦タブとエスケープ" in ET.tostring(ET.fromstring(response.content), encoding="unicode")


def test_migration_gives_a_tag_saved_with_an_empty_slug_one():
    fill_empty_tag_slugs = import_module("articles.migrations.0007_fill_empty_tag_slugs").fill_empty_tag_slugs
    Tag.objects.create(name="tag", slug="tag")
    broken = Tag.objects.create(name="★", slug="placeholder")
    Tag.objects.filter(pk=broken.pk).update(slug="")

    fill_empty_tag_slugs(django_apps, schema_editor=None)

    broken.refresh_from_db()
    assert broken.slug == "tag-2"
