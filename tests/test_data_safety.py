"""Deleting what articles still need is refused, never cascaded."""

import pytest
from django.contrib.auth import get_user_model
from django.db.models import ProtectedError
from django.urls import reverse

from articles.desk import roles
from articles.models import Article, Author, Category
from tests.factories import make_article, make_category, make_user

pytestmark = pytest.mark.django_db


def test_a_primary_category_with_articles_cannot_be_deleted():
    article = make_article()

    with pytest.raises(ProtectedError):
        article.category.delete()
    assert Article.objects.filter(pk=article.pk).exists()


@pytest.mark.parametrize("how", ["instance", "queryset"])
def test_a_category_used_as_another_category_cannot_be_deleted(how):
    other = make_category("その他カテゴリ")
    article = make_article(secondary_categories=[other])

    with pytest.raises(ProtectedError):
        other.delete() if how == "instance" else Category.objects.filter(pk=other.pk).delete()
    assert list(article.secondary_categories.all()) == [other]


def test_an_unused_category_can_be_deleted():
    category = make_category("使われていない")

    category.delete()

    assert not Category.objects.filter(name="使われていない").exists()


def test_an_author_with_articles_cannot_be_deleted():
    article = make_article()

    with pytest.raises(ProtectedError):
        Author.objects.filter(pk=article.author_id).delete()


def test_a_user_who_created_articles_cannot_be_deleted():
    writer = make_user(roles.WRITER)
    make_article(created_by=writer)

    with pytest.raises(ProtectedError):
        writer.delete()
    assert get_user_model().objects.filter(pk=writer.pk).exists()


def test_the_admin_refuses_to_delete_a_category_in_use_and_says_why(client):
    chief = make_user(roles.EDITOR_IN_CHIEF)
    other = make_category("使用中")
    make_article(title="参照している記事", secondary_categories=[other])
    client.force_login(chief)
    url = reverse("admin:articles_category_delete", args=[other.pk])

    page = client.get(url).content.decode()
    client.post(url, {"post": "yes"})

    assert "参照している記事" in page
    assert Category.objects.filter(pk=other.pk).exists()


def test_slugs_and_source_files_are_unique_in_the_database():
    from django.db import IntegrityError, transaction

    first = make_article()
    with pytest.raises(IntegrityError), transaction.atomic():
        Article.objects.filter(pk=make_article().pk).update(slug=first.slug)
    Article.objects.filter(pk=first.pk).update(source_name="a.md")
    with pytest.raises(IntegrityError), transaction.atomic():
        Article.objects.filter(pk=make_article().pk).update(source_name="a.md")
