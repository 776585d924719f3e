import xml.etree.ElementTree as ET
from datetime import timedelta

import pytest
from django.utils import timezone

from articles.models import Article
from tests.factories import make_article, make_author, make_category

pytestmark = pytest.mark.django_db

NS = {"sm": "http://www.sitemaps.org/schemas/sitemap/0.9"}


def sitemap_locations(client):
    response = client.get("/sitemap.xml")
    assert response.status_code == 200
    root = ET.fromstring(response.content)
    return {url.findtext("sm:loc", namespaces=NS): url.findtext("sm:lastmod", namespaces=NS) for url in root}


def test_sitemap_lists_published_articles_categories_tags_and_authors_with_lastmod(client, settings):
    settings.SITE_URL = "https://allforces.example"
    article = make_article(title="地図の記事", category=make_category("技術動向"), tags=["半導体"])

    locations = sitemap_locations(client)

    base = "https://allforces.example"
    assert locations[base + article.get_absolute_url()] is not None
    assert base + article.category.get_absolute_url() in locations
    assert base + article.author.get_absolute_url() in locations
    assert base + "/tag/%E5%8D%8A%E5%B0%8E%E4%BD%93/" in locations


def test_sitemap_leaves_out_what_readers_cannot_see(client):
    hidden_category, hidden_author = make_category("隠しカテゴリ"), make_author("隠し著者")
    draft = make_article(status=Article.Status.DRAFT, category=hidden_category, author=hidden_author, tags=["秘密"])
    future = make_article(published_at=timezone.now() + timedelta(days=1))

    locations = "\n".join(sitemap_locations(client))

    for url in (draft.get_absolute_url(), future.get_absolute_url(), hidden_category.get_absolute_url()):
        assert url not in locations
    assert hidden_author.get_absolute_url() not in locations
    assert "%E7%A7%98%E5%AF%86" not in locations  # the tag 秘密


@pytest.mark.parametrize("count", [1, 15])
def test_sitemap_query_count_is_constant(client, django_assert_max_num_queries, count):
    for number in range(count):
        make_article(tags=[f"タグ{number}"])

    # a count (for the paginator) and the items, for each of the five sections (series included)
    with django_assert_max_num_queries(10):
        client.get("/sitemap.xml")
