"""What readers see: articles, their categories and their bylines."""

from urllib.parse import urljoin

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.files.storage import default_storage
from django.db import models
from django.db.models import F
from django.db.models.functions import RowNumber
from django.urls import reverse
from django.utils import timezone
from markdownx.models import MarkdownxField
from taggit.managers import TaggableManager
from taggit.models import TaggedItem

from articles import images
from articles.markdown import reading_time_minutes, render_markdown, summarize, table_of_contents
from articles.models.redirects import ArticleRedirect, article_path
from articles.phrasing import phrase_text
from articles.slugs import DEFAULT_SLUG_LENGTH, SLUG_MAX_LENGTH, phrase_prefix, slug_url, unique_slug


def rendered_fields(body, excerpt, title=""):
    """What an article stores from its Markdown `body` and its `title`: HTML, reading time, summary and the
    title with <wbr> between phrases (no database)."""
    body_html = render_markdown(body)
    return {
        "title_html": phrase_text(title),
        "body_html": body_html,
        "reading_time": reading_time_minutes(body_html),
        "summary": excerpt.strip() or summarize(body_html),
    }


def refuse_deleting_categories_in_use(categories):
    """Like PROTECT for the many-to-many "other categories", which Django would silently unlink."""
    articles = set(Article.objects.filter(secondary_categories__in=categories))
    if articles:
        raise models.ProtectedError(
            "記事が「その他のカテゴリ」に使っているカテゴリは削除できません。先に記事から外してください。", articles
        )


class CategoryQuerySet(models.QuerySet):
    def delete(self):
        refuse_deleting_categories_in_use(self)
        return super().delete()


class Category(models.Model):
    name = models.CharField("名前", max_length=100, unique=True)
    slug = models.SlugField("スラッグ", max_length=SLUG_MAX_LENGTH, unique=True, allow_unicode=True, blank=True)
    description = models.TextField("説明", blank=True)
    position = models.PositiveSmallIntegerField("表示順", default=100, help_text="小さいほど先に表示されます。")

    objects = CategoryQuerySet.as_manager()

    class Meta:
        ordering = ["position", "name"]
        verbose_name = "カテゴリ"
        verbose_name_plural = "カテゴリ"

    def __str__(self):
        return self.name

    def save(self, *args, **kwargs):
        if not self.slug:
            self.slug = unique_slug(Category, self.name, fallback="category", exclude_pk=self.pk)
        super().save(*args, **kwargs)

    def get_absolute_url(self):
        return slug_url("articles:category", self.slug)

    def delete(self, *args, **kwargs):
        refuse_deleting_categories_in_use([self])
        return super().delete(*args, **kwargs)


class Author(models.Model):
    """A byline. Often a desk (ALLFORCES編集部) rather than a person, so the user link is optional."""

    name = models.CharField("表示名", max_length=100, unique=True)
    slug = models.SlugField("スラッグ", max_length=SLUG_MAX_LENGTH, unique=True, allow_unicode=True, blank=True)
    bio = models.TextField("紹介文", blank=True)
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name="ユーザーアカウント",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="author_profile",
    )

    class Meta:
        ordering = ["name"]
        verbose_name = "著者"
        verbose_name_plural = "著者"

    def __str__(self):
        return self.name

    def save(self, *args, **kwargs):
        if not self.slug:
            self.slug = unique_slug(Author, self.name, fallback="author", exclude_pk=self.pk)
        super().save(*args, **kwargs)

    def get_absolute_url(self):
        return slug_url("articles:author", self.slug)


class ArticleQuerySet(models.QuerySet):
    def released(self):
        """Released by the desk (公開中 or 予約公開), whatever the time: readers see it now or at its time."""
        return self.filter(status__in=Article.LIVE_STATUSES)

    def published(self):
        """The one definition of what readers may see: released, and its publication time reached."""
        return self.released().filter(published_at__lte=timezone.now())

    def upcoming(self):
        """Released but not yet visible: readers see these when their publication time comes."""
        return self.released().filter(published_at__gt=timezone.now())

    def newest_first(self):
        return self.select_related("author", "category").order_by("-published_at", "-pk")

    def for_reading(self):
        """Newest first, with the rendered HTML readers get; the Markdown source stays in the database."""
        return self.newest_first().defer("body")

    def for_listing(self):
        """Newest first, with what an article card shows: the Markdown and HTML bodies (most of a row's bytes)
        stay in the database."""
        return self.newest_first().defer("body", "body_html")

    def newest_per_category(self, limit):
        """The `limit` newest articles of each primary category, in one query (a window function), newest first:
        the front page's sections, whatever the number of categories."""
        rank = models.Window(
            RowNumber(), partition_by=F("category_id"), order_by=[F("published_at").desc(), F("pk").desc()]
        )
        return self.annotate(category_rank=rank).filter(category_rank__lte=limit)

    def in_category(self, category):
        """Articles filed under `category` as their primary or one of their other categories, each once."""
        filed = models.Q(category=category) | models.Q(secondary_categories=category)
        return self.filter(pk__in=self.model._default_manager.filter(filed).values("pk"))

    def tagged_with(self, tag):
        """Articles carrying `tag`. A subquery, not taggit's join: the join casts object_id to bigint, which
        keeps PostgreSQL from walking the published_at index and stopping at the last article a page shows."""
        tagged = TaggedItem.objects.filter(tag=tag, content_type=ContentType.objects.get_for_model(self.model))
        return self.filter(pk__in=tagged.values("object_id"))

    def related_to(self, article, limit=4):
        """Published articles sharing the most tags with `article`, then its category, newest first."""
        tag_ids = [tag.pk for tag in article.tags.all()]
        others = self.published().exclude(pk=article.pk)
        same_category = models.Case(
            models.When(category_id=article.category_id, then=1), default=0, output_field=models.IntegerField()
        )
        # Rank by tags on ids alone, then fetch the few winners: grouping whole rows (bodies and all) over the
        # thousands of articles a popular tag has was the slowest query of an uncached article page.
        shared_by_pk = dict(
            others.filter(tags__in=tag_ids)
            .values("pk")
            .annotate(shared=models.Count("pk"), same_category=same_category)
            .order_by("-shared", "-same_category", "-published_at", "-pk")
            .values_list("pk", "shared")[:limit]
            if tag_ids
            else []
        )
        candidates = models.Q(pk__in=shared_by_pk)
        if len(shared_by_pk) < limit:
            candidates |= models.Q(category_id=article.category_id)
        shared_tags = models.Case(
            *(models.When(pk=pk, then=shared) for pk, shared in shared_by_pk.items()),
            default=0,
            output_field=models.IntegerField(),
        )
        return (
            others.filter(candidates)
            .for_listing()
            .annotate(shared_tags=shared_tags, same_category=same_category)
            .order_by("-shared_tags", "-same_category", "-published_at", "-pk")[:limit]
        )


class Article(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", "下書き"
        IN_REVIEW = "in_review", "レビュー待ち"
        CHANGES_REQUESTED = "changes_requested", "差し戻し"
        APPROVED = "approved", "承認済み"
        SCHEDULED = "scheduled", "予約公開"
        PUBLISHED = "published", "公開中"
        UNPUBLISHED = "unpublished", "非公開"

    LIVE_STATUSES = (Status.SCHEDULED, Status.PUBLISHED)

    title = models.CharField("タイトル", max_length=200)
    # The title as pages show it, <wbr> between its phrases (articles/phrasing.py); <title>, og and feeds use
    # `title`.
    title_html = models.TextField("タイトル HTML", editable=False, default="")
    slug = models.SlugField(
        "スラッグ",
        max_length=SLUG_MAX_LENGTH,
        unique=True,
        allow_unicode=True,
        blank=True,
        help_text="URL に使われます。空欄ならタイトルから作られます（日本語可）。",
    )
    body = MarkdownxField("本文（Markdown）")
    body_html = models.TextField("本文 HTML", editable=False, default="")
    excerpt = models.TextField(
        "抜粋", blank=True, help_text="一覧と検索結果、SNS の説明文に使われます。空欄なら最初の段落から作られます。"
    )
    summary = models.TextField("要約", editable=False, default="")
    hero_image = models.ImageField("アイキャッチ画像", upload_to="heroes/%Y/%m/", blank=True)
    hero_image_alt = models.CharField("アイキャッチ画像の代替テキスト", max_length=200, blank=True)
    hero_renditions = models.JSONField("アイキャッチの縮小画像", default=list, editable=False)
    hero_renditions_source = models.CharField(max_length=255, blank=True, editable=False)
    author = models.ForeignKey(Author, verbose_name="著者", on_delete=models.PROTECT, related_name="articles")
    category = models.ForeignKey(
        Category,
        verbose_name="メインカテゴリ",
        on_delete=models.PROTECT,
        related_name="primary_articles",
        help_text="パンくずリストと一覧に表示されるカテゴリです。",
    )
    secondary_categories = models.ManyToManyField(
        Category, verbose_name="その他のカテゴリ", blank=True, related_name="secondary_articles"
    )
    tags = TaggableManager("タグ", blank=True)
    is_featured = models.BooleanField(
        "注目記事", default=False, help_text="ホームの先頭の注目枠に表示します（公開中の最新の 1 件）。"
    )
    status = models.CharField("状態", max_length=20, choices=Status.choices, default=Status.DRAFT, db_index=True)
    published_at = models.DateTimeField("公開日時", null=True, blank=True, db_index=True)
    created_at = models.DateTimeField("作成日時", auto_now_add=True)
    updated_at = models.DateTimeField("更新日時", auto_now=True)
    reading_time = models.PositiveSmallIntegerField("読了時間（分）", editable=False, default=0)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="作成者",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="created_articles",
        editable=False,
    )
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="レビュー担当",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="articles_to_review",
    )
    correction_note = models.TextField(
        "訂正のお知らせ", blank=True, help_text="公開後の訂正内容。記事の末尾に日付とともに表示されます。"
    )
    corrected_at = models.DateTimeField("訂正日時", null=True, blank=True, editable=False)
    edit_version = models.PositiveIntegerField(default=0, editable=False)
    pending_revision = models.ForeignKey(
        "ArticleRevision",
        verbose_name="未公開の編集",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        editable=False,
    )
    source_name = models.CharField(
        "取り込み元ファイル", max_length=255, blank=True, editable=False, help_text="Jekyll から取り込んだファイル名。"
    )
    source_checksum = models.CharField(max_length=64, blank=True, editable=False)
    permalink = models.CharField(
        "旧パーマリンク", max_length=500, blank=True, help_text="旧サイトの URL。リダイレクトに使われます。"
    )

    objects = ArticleQuerySet.as_manager()

    class Meta:
        ordering = ["-published_at", "-pk"]
        verbose_name = "記事"
        verbose_name_plural = "記事"
        constraints = [
            models.UniqueConstraint(
                fields=["source_name"], condition=~models.Q(source_name=""), name="unique_article_source_name"
            ),
        ]

    def __str__(self):
        return self.title

    def save(self, *args, **kwargs):
        if not self.slug:
            self.slug = unique_slug(
                Article,
                phrase_prefix(self.title),
                fallback="article",
                exclude_pk=self.pk,
                max_length=DEFAULT_SLUG_LENGTH,
                reserved=self.slug_held_elsewhere,
            )
        for field, value in self.derive_rendered_fields().items():
            setattr(self, field, value)
        # pre_save stores a new upload first, so the name compared and recorded is its final one.
        hero = self._meta.get_field("hero_image").pre_save(self, self._state.adding)
        if (hero.name or "") != self.hero_renditions_source:
            self.hero_renditions = images.make_renditions(hero) if hero else []
            self.hero_renditions_source = hero.name or ""
        super().save(*args, **kwargs)
        # Whoever changes a slug (the desk, the importer, a script), the old URL keeps answering.
        stored_slug, self._stored_slug = getattr(self, "_stored_slug", None), self.slug
        if stored_slug and stored_slug != self.slug:
            ArticleRedirect.objects.remember(self, article_path(stored_slug))

    def get_absolute_url(self):
        return slug_url("articles:detail", self.slug)

    @classmethod
    def from_db(cls, db, field_names, values):
        article = super().from_db(db, field_names, values)
        # save() compares with it: a changed slug leaves a redirect.
        article._stored_slug = article.__dict__.get("slug")  # absent when deferred
        return article

    def slug_held_elsewhere(self, slug):
        """True when `slug`'s URL is another article's old URL (its redirect keeps it)."""
        return ArticleRedirect.objects.held_elsewhere(article_path(slug), self) is not None

    def derive_rendered_fields(self):
        """What save() stores from the Markdown body and the title: HTML, reading time, summary, phrased title."""
        return rendered_fields(self.body, self.excerpt, self.title)

    def desk_status(self):
        """The status as the desk should read it: a scheduled article whose time has come is already live for
        readers, even before `publish_due` has moved its status on."""
        if self.status == self.Status.SCHEDULED and self.is_published():
            return "公開中（予約公開済み）"
        return self.get_status_display()

    def is_released(self):
        """Mirrors ArticleQuerySet.released() for one article."""
        return self.status in self.LIVE_STATUSES

    def is_published(self):
        """Mirrors ArticleQuerySet.published() for one article."""
        return self.is_released() and self.published_at is not None and self.published_at <= timezone.now()

    def absolute_url(self):
        return settings.SITE_URL + self.get_absolute_url()

    def was_updated_after_publication(self):
        """True when the last edit falls on a later (Tokyo) day than publication: show both dates."""
        if not self.published_at or not self.updated_at:
            return False
        return timezone.localdate(self.updated_at) > timezone.localdate(self.published_at)

    def table_of_contents(self):
        return table_of_contents(self.body_html)

    def adjacent_published(self):
        """(previous, next): the published articles just before and just after this one in time, each or None.

        One query: each neighbour is a scalar subquery the database answers from the published_at index."""
        published = Article.objects.published()
        same_time = models.Q(published_at=self.published_at)
        # The plain bounds (lte/gte) let the published_at index start at this article, not at the newest one.
        earlier = published.filter(published_at__lte=self.published_at).filter(
            models.Q(published_at__lt=self.published_at) | same_time & models.Q(pk__lt=self.pk)
        )
        later = published.filter(published_at__gte=self.published_at).filter(
            models.Q(published_at__gt=self.published_at) | same_time & models.Q(pk__gt=self.pk)
        )
        previous_pk = models.Subquery(earlier.order_by("-published_at", "-pk").values("pk")[:1])
        next_pk = models.Subquery(later.order_by("published_at", "pk").values("pk")[:1])
        neighbours = list(
            published.filter(models.Q(pk=previous_pk) | models.Q(pk=next_pk)).only(
                "title", "title_html", "slug", "published_at"
            )
        )
        position = (self.published_at, self.pk)
        previous = next((other for other in neighbours if (other.published_at, other.pk) < position), None)
        following = next((other for other in neighbours if (other.published_at, other.pk) > position), None)
        return previous, following

    def hero_picture(self):
        """What includes/_hero_image.html draws, from stored metadata only; None without renditions."""
        return images.picture(self.hero_renditions)

    def share_card_digest(self):
        return images.share_card_digest(self.title, self.category.name)

    def share_image_url(self):
        """The absolute og:image URL: the hero's widest JPEG rendition, else the generated share card."""
        hero = images.largest(self.hero_renditions, "jpeg")
        if hero:
            url = default_storage.url(hero["name"])
        else:
            url = reverse("articles:share-card", kwargs={"slug": self.slug, "digest": self.share_card_digest()})
        return urljoin(settings.SITE_URL + "/", url)

    # What other pages show of an article, or use to place it: cards (title, summary, hero, category, date,
    # reading time), lists and archives it belongs to, neighbour links and related-article ranking.
    LISTED_FIELDS = (
        "title", "slug", "summary", "hero_image", "hero_image_alt", "hero_renditions", "author_id", "category_id",
        "is_featured", "status", "published_at", "reading_time",
    )  # fmt: skip

    def listing_state(self):
        """Everything about this article that pages other than its own show. An edit that leaves it unchanged
        (a typo fixed in the body, a correction note) only needs the article's own pages refreshed."""
        fields = [getattr(self, field) for field in self.LISTED_FIELDS]
        fields[self.LISTED_FIELDS.index("hero_image")] = self.hero_image.name or ""  # the name, not the file
        tags = sorted(self.tags.values_list("pk", flat=True))
        categories = sorted(self.secondary_categories.values_list("pk", flat=True))
        return fields, tags, categories

    def all_categories(self):
        """The primary category first, then the others (prefetch `secondary_categories` for lists)."""
        others = [c for c in self.secondary_categories.all() if c.pk != self.category_id]
        return [self.category, *others]
