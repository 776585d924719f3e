"""Small factory helpers: each makes a valid object, overridable by keyword."""

import io
import itertools
from datetime import timedelta
from types import SimpleNamespace

from django.core.files.base import ContentFile
from django.utils import timezone
from PIL import Image, ImageDraw

from articles.models import Article, Author, Category
from articles.search import update_search_index

_sequence = itertools.count(1)


def make_category(name=None, **fields):
    return Category.objects.create(name=name or f"カテゴリ{next(_sequence)}", **fields)


def make_author(name=None, **fields):
    return Author.objects.create(name=name or f"著者{next(_sequence)}", **fields)


def make_article(*, tags=(), secondary_categories=(), index=True, **fields):
    """A published article from an hour ago unless told otherwise, in the search index unless index=False
    (as the workflow and the importer index the live row after writing it)."""
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
    if index:
        update_search_index(article)
    return article


# Markdown with everything an article body can hold, for tests that check whole rendered pages.
RICH_BODY = """\
半導体の供給網は、設計・製造・後工程の三つに分かれます。本稿では各工程の集中度を確かめます。[^source]

## 市場の背景

**需要**は生成AI向けが牽引し、*汎用品*は在庫調整が続きます。詳しくは[業界団体の統計](https://example.com/stats)と
`capex_ratio` の推移をご覧ください。

**太字だけの行は見出しになる**

> 供給網の強さは、最も弱い工程で決まる。
>
> — ある調達担当者

| 工程 | 主な地域 | シェア |
|:---|:---:|---:|
| 設計 | 米国 | 68% |
| 製造 | 台湾 | 61% |
| 後工程 | 東南アジア | 45% |

```python
def concentration(shares):
    return sum(share**2 for share in shares)
```

![工程別シェアの棒グラフ](/static/icons/icon-512.png)

### 今後の見通し

1. 先端品は設備投資が続く。
2. 汎用品は価格が底を打つ。

- 為替の影響
- 金利の影響

脚注のある文です。[^note]

[^source]: 各社の決算資料をもとに編集部が集計。
[^note]: 2025年末時点の見込みです。
"""


def make_hero_image(size=(800, 450), name="hero.jpg"):
    """A JPEG drawn with Pillow, for Article.hero_image; point MEDIA_ROOT at a temporary folder first."""
    buffer = io.BytesIO()
    image = Image.new("RGB", size, "#0e447a")
    ImageDraw.Draw(image).rectangle((size[0] // 4, size[1] // 4, size[0] // 2, size[1] // 2), fill="#2f80ed")
    image.save(buffer, "JPEG", quality=85)
    return ContentFile(buffer.getvalue(), name=name)


def make_reader_site():
    """Enough published content for every reader page: a featured article, a rich article with a hero image
    between an older and a newer one (so it has previous, next and related articles), and one without; older,
    rich and plain are a three-part series (rich is 第2回, with both neighbours).

    Returns the objects by role: category, tag (its name), author, rich, plain, older, newer, featured, series.
    """
    category = make_category("技術動向", description="半導体、クラウド、AIの動きを追います。")
    author = make_author("ALLFORCES編集部", bio="投資と技術の長文分析を届ける編集部です。")
    now = timezone.now()
    shared = {"category": category, "author": author, "tags": ["半導体", "AI"]}
    older = make_article(title="後工程の地図", published_at=now - timedelta(days=3), **shared)
    rich = make_article(
        title="半導体サプライチェーンの集中リスクを工程別に読み解く",
        body=RICH_BODY,
        hero_image=make_hero_image(),
        hero_image_alt="青い背景に工程の図形",
        published_at=now - timedelta(days=2),
        **shared,
    )
    plain = make_article(title="画像のない記事", published_at=now - timedelta(days=1), **shared)
    newer = make_article(title="最新の設備投資", published_at=now - timedelta(hours=2), **shared)
    featured = make_article(title="注目の長文分析", is_featured=True, **shared)
    series = make_series("工程別に読む半導体", [older, rich, plain], description="半導体の工程を3回で読み解きます。")
    return SimpleNamespace(
        series=series,
        category=category,
        tag="半導体",
        author=author,
        rich=rich,
        plain=plain,
        older=older,
        newer=newer,
        featured=featured,
    )


def make_user(role=None, username=None, **fields):
    """A staff user in the given editorial role group (roles.WRITER, …), or a plain user without one."""
    from django.contrib.auth import get_user_model

    user = get_user_model().objects.create_user(
        username=username or f"user{next(_sequence)}", password="correct-horse-battery", is_staff=bool(role), **fields
    )
    if role:
        user.groups.add(editorial_group(role))
    return user


def editorial_group(role):
    """The role's group. A transactional test (live_server, backups) ends by flushing the database, which
    also removes the groups the data migration made; they are made again from the migration's own table."""
    import importlib

    from django.contrib.auth.models import Group, Permission

    group = Group.objects.filter(name=role).first()
    if group is None:
        roles_migration = importlib.import_module("articles.migrations.0002_editorial_roles")
        group = Group.objects.create(name=role)
        revoked = importlib.import_module("articles.migrations.0010_editors_do_not_rename_tags").REVOKED
        for dotted in set(roles_migration.ROLE_PERMISSIONS[role]) - set(revoked.get(role, [])):
            app_label, codename = dotted.split(".")
            group.permissions.add(Permission.objects.get(content_type__app_label=app_label, codename=codename))
        house_style = importlib.import_module("articles.migrations.0019_house_style_seed").ROLE_PERMISSIONS
        for action in house_style[role]:
            group.permissions.add(
                Permission.objects.get(content_type__app_label="articles", codename=f"{action}_housestyleterm")
            )
    return group


def make_series(title=None, articles=(), **fields):
    """A 連載 whose parts are `articles`, numbered 第1回, 第2回 … in the order given."""
    from articles.models import Series, SeriesPart

    series = Series.objects.create(title=title or f"連載{next(_sequence)}", **fields)
    for number, article in enumerate(articles, start=1):
        SeriesPart.objects.create(series=series, article=article, number=number)
    return series
