"""Small factory helpers: each makes a valid object, overridable by keyword."""

import itertools
from datetime import timedelta

from django.utils import timezone

from articles.models import Article, Author, Category

_sequence = itertools.count(1)


def make_category(name=None, **fields):
    return Category.objects.create(name=name or f"カテゴリ{next(_sequence)}", **fields)


def make_author(name=None, **fields):
    return Author.objects.create(name=name or f"著者{next(_sequence)}", **fields)


def make_article(*, tags=(), secondary_categories=(), **fields):
    """A published article from an hour ago unless told otherwise."""
    number = next(_sequence)
    fields.setdefault("title", f"テスト記事その{number}")
    fields.setdefault("body", f"これはテスト用の本文です。番号は {number} です。\n\n## 見出し\n\n段落です。")
    fields.setdefault("status", Article.Status.PUBLISHED)
    fields.setdefault("published_at", timezone.now() - timedelta(hours=1))
    if "author" not in fields:
        fields["author"] = make_author()
    if "category" not in fields:
        fields["category"] = make_category()
    article = Article.objects.create(**fields)
    if tags:
        article.tags.set(list(tags))
    if secondary_categories:
        article.secondary_categories.set(secondary_categories)
    return article


def make_user(role=None, username=None, **fields):
    """A staff user in the given editorial role group (roles.WRITER, …), or a plain user without one."""
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group

    user = get_user_model().objects.create_user(
        username=username or f"user{next(_sequence)}", password="correct-horse-battery", is_staff=bool(role), **fields
    )
    if role:
        user.groups.add(Group.objects.get(name=role))
    return user
