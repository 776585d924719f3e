"""Store Jekyll posts as articles, idempotent by file name.

Reading and rendering a post needs no database, so worker processes do it for large imports. New posts are then
stored a batch at a time (a few bulk inserts instead of some forty queries a post); a batch the database refuses
is rolled back and its posts stored one by one, each in its own transaction, so that the broken one is named
with its reason and the rest still go in. Changed posts are always stored one by one.
"""

import multiprocessing
import os
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from enum import StrEnum
from urllib.parse import unquote

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import DatabaseError, connection, transaction
from django.utils import timezone
from taggit.models import Tag, TaggedItem

from articles.importers.jekyll import ParsedPost, PostParseError, parse_post
from articles.models import (
    Article,
    ArticleRedirect,
    ArticleSearchGrams,
    ArticleSearchIndex,
    Author,
    Category,
    article_path,
    rendered_fields,
)
from articles.search import compact_search_index, index_fields, index_rows, store_index_rows, update_search_index
from articles.slugs import slug_base, unique_slug

BATCH_SIZE = 200
# Below this many files, starting worker processes costs more than it saves.
PARALLEL_FROM = 100


class Outcome(StrEnum):
    CREATED = "created"
    UPDATED = "updated"
    UNCHANGED = "unchanged"
    FAILED = "failed"


@dataclass(frozen=True)
class PreparedPost:
    """A post read and rendered, or the reason it cannot be imported."""

    path: str
    post: ParsedPost | None = None
    rendered: dict | None = None
    index: dict | None = None
    error: str = ""


@dataclass
class ImportReport:
    counts: dict = field(default_factory=lambda: dict.fromkeys(Outcome, 0))
    failures: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    def add(self, prepared, outcome, problem=""):
        self.counts[outcome] += 1
        if outcome is Outcome.FAILED:
            self.failures.append(f"{prepared.path}: {problem}")
        elif outcome is not Outcome.UNCHANGED:
            self.warnings += [f"{prepared.path}: {warning}" for warning in _warnings(prepared)]

    @property
    def changed_anything(self):
        return bool(self.counts[Outcome.CREATED] or self.counts[Outcome.UPDATED])


def prepare_post(path):
    """Read, render and index one file. No database: this runs in worker processes."""
    try:
        post = parse_post(path)
    except PostParseError as error:
        return PreparedPost(str(path), error=str(error))
    rendered = rendered_fields(post.body, post.excerpt, post.title)
    index = index_fields(post.title, rendered["body_html"], post.excerpt, list(post.tags))
    return PreparedPost(str(path), post, rendered, index)


def import_posts(paths, *, dry_run=False, workers=None, batch_size=BATCH_SIZE, on_post=None):
    """Import the files at `paths` and return an ImportReport; `on_post()` is called once a file is done.

    `workers`: processes that read and render (default: one per CPU for large imports, 0 for none)."""
    report = ImportReport()
    store = _BatchStore()
    for batch in _batches(_prepared_posts(paths, workers), batch_size):
        for prepared in batch:
            if prepared.error:
                report.add(prepared, Outcome.FAILED, prepared.error)
        ready = [prepared for prepared in batch if not prepared.error]
        existing = Article.objects.filter(source_name__in=[prepared.post.source_name for prepared in ready])
        checksums = dict(existing.values_list("source_name", "source_checksum"))
        new = []
        for prepared in ready:
            checksum = checksums.get(prepared.post.source_name)
            if checksum == prepared.post.checksum:
                report.add(prepared, Outcome.UNCHANGED)
            elif checksum is not None and dry_run:
                report.add(prepared, Outcome.UPDATED)
            elif checksum is not None:
                _save_one(prepared, report)
            else:
                new.append(prepared)
        if dry_run:
            for prepared in new:
                report.add(prepared, Outcome.CREATED)
        elif new:
            _save_new(new, store, report)
        if on_post:
            for _ in batch:
                on_post()
    if report.counts[Outcome.CREATED] >= batch_size:
        compact_search_index()
    if report.changed_anything and not dry_run:
        analyze_imported_tables()
    return report


def analyze_imported_tables():
    """Fresh statistics for the tables an import fills. Without them PostgreSQL plans a freshly imported archive
    as if it were empty (the related-articles query ran ~3x slower until autovacuum came by)."""
    models = [Article, Article.secondary_categories.through, Author, Category, Tag, TaggedItem, ArticleSearchIndex,
              ArticleSearchGrams, ArticleRedirect]  # fmt: skip
    tables = [connection.ops.quote_name(model._meta.db_table) for model in models]
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(f"ANALYZE {', '.join(tables)}")  # nosec B608 (our own quoted table names)
        else:
            for table in tables:
                cursor.execute(f"ANALYZE {table}")  # nosec B608 (our own quoted table names)


def _prepared_posts(paths, workers) -> Iterator[PreparedPost]:
    if workers is None:
        workers = os.cpu_count() if len(paths) >= PARALLEL_FROM else 0
    if not workers or "fork" not in multiprocessing.get_all_start_methods():
        yield from map(prepare_post, paths)
        return
    # fork: the workers inherit the configured Django and never touch the parent's database connection.
    with ProcessPoolExecutor(max_workers=workers, mp_context=multiprocessing.get_context("fork")) as executor:
        yield from executor.map(prepare_post, paths, chunksize=8)


def _batches(items, size):
    batch = []
    for item in items:
        batch.append(item)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch


def _save_new(new, store, report):
    try:
        with transaction.atomic():
            store.create(new)
    except DatabaseError:
        store.forget()
        for prepared in new:
            _save_one(prepared, report)
    else:
        for prepared in new:
            report.add(prepared, Outcome.CREATED)


def _save_one(prepared, report):
    """Create or update one post's article in its own transaction; a refusal is reported, not raised."""
    post = prepared.post
    try:
        with transaction.atomic():
            article = Article.objects.filter(source_name=post.source_name).first()
            if article is not None and article.source_checksum == post.checksum:
                report.add(prepared, Outcome.UNCHANGED)
                return
            outcome = Outcome.CREATED if article is None else Outcome.UPDATED
            article = _store(post, article or Article(source_name=post.source_name))
            update_search_index(article)
            if outcome is Outcome.CREATED:
                Article.objects.filter(pk=article.pk).update(updated_at=_last_change(post, article))
    except DatabaseError as error:
        report.add(prepared, Outcome.FAILED, f"データベースに保存できませんでした: {error}".strip())
        return
    report.add(prepared, outcome)


def _store(post, article):
    if not article.pk or post.slug:
        article.slug = unique_slug(
            Article,
            post.slug or post.title,
            fallback="article",
            exclude_pk=article.pk,
            reserved=article.slug_held_elsewhere,
        )
    article.title = post.title
    article.body = post.body
    article.excerpt = post.excerpt
    article.permalink = post.permalink
    article.published_at = post.published_at
    article.status = _status(post)
    article.author, _ = Author.objects.get_or_create(name=_author_name(post))
    categories = [Category.objects.get_or_create(name=name)[0] for name in _category_names(post)]
    article.category = categories[0]
    article.source_checksum = post.checksum
    article.save()
    article.secondary_categories.set(categories[1:])
    article.tags.set(list(post.tags))
    if post.permalink:
        ArticleRedirect.objects.remember(article, post.permalink)
    return article


class _BatchStore:
    """Stores a batch of new posts with bulk inserts. Authors, categories and tags are looked up once per
    import; after a batch is rolled back, `forget()` drops what it may have created with it."""

    def __init__(self):
        self.forget()

    def forget(self):
        self.known = {Author: {}, Category: {}, Tag: {}}

    def create(self, new):
        posts = [prepared.post for prepared in new]
        # Names in the order the posts give them, so that the first spelling of a tag names it, as in taggit.
        authors = self._by_name(Author, dict.fromkeys(_author_name(post) for post in posts))
        categories = self._by_name(Category, dict.fromkeys(name for post in posts for name in _category_names(post)))
        tags = self._tags(dict.fromkeys(name for post in posts for name in post.tags))
        articles = [
            Article(
                source_name=post.source_name,
                source_checksum=post.checksum,
                slug=slug,
                title=post.title,
                body=post.body,
                excerpt=post.excerpt,
                permalink=post.permalink,
                published_at=post.published_at,
                status=_status(post),
                author=authors[_author_name(post)],
                category=categories[_category_names(post)[0]],
                **prepared.rendered,
            )
            for prepared, post, slug in zip(new, posts, _new_slugs(posts), strict=True)
        ]
        Article.objects.bulk_create(articles)
        for article, post in zip(articles, posts, strict=True):
            article.updated_at = _last_change(post, article)
        Article.objects.bulk_update(articles, ["updated_at"])

        Article.secondary_categories.through.objects.bulk_create(
            Article.secondary_categories.through(article_id=article.pk, category_id=categories[name].pk)
            for article, post in zip(articles, posts, strict=True)
            for name in dict.fromkeys(_category_names(post)[1:])
        )
        content_type = ContentType.objects.get_for_model(Article)
        TaggedItem.objects.bulk_create(
            TaggedItem(content_type=content_type, object_id=article.pk, tag=tag)
            for article, post in zip(articles, posts, strict=True)
            for tag in {tags[_tag_key(name)].pk: tags[_tag_key(name)] for name in post.tags}.values()
        )
        store_index_rows(
            [index_rows(article.pk, prepared.index) for article, prepared in zip(articles, new, strict=True)]
        )
        self._remember_permalinks(articles)

    def _by_name(self, model, names):
        known = self.known[model]
        for name in (name for name in names if name not in known):
            known[name] = model.objects.get_or_create(name=name)[0]
        return known

    def _tags(self, names):
        """Tags by name as taggit finds them: case-insensitively (TAGGIT_CASE_INSENSITIVE)."""
        known = self.known[Tag]
        wanted = {}
        for name in names:
            if _tag_key(name) not in known:
                wanted.setdefault(_tag_key(name), name)
        found = {_tag_key(tag.name): tag for tag in Tag.objects.filter(name__in=wanted.values())}
        for key, name in wanted.items():
            existing = found.get(key) or Tag.objects.filter(name__iexact=name).first()
            known[key] = existing or Tag.objects.create(name=name)
        return known

    def _remember_permalinks(self, articles):
        own_paths = [unquote(article.get_absolute_url()) for article in articles]
        redirects = {}
        for article, own_path in zip(articles, own_paths, strict=True):
            old_path = unquote(article.permalink)
            if old_path and old_path != own_path:
                redirects[old_path] = ArticleRedirect(old_path=old_path, article=article)
        # An old URL another article's redirect holds stays with that article (no re-pointing).
        ArticleRedirect.objects.bulk_create(redirects.values(), ignore_conflicts=True)


def _new_slugs(posts):
    """Unique slugs for a batch of new articles: one query for the lot, more only for the few that clash."""
    bases = [slug_base(post.slug or post.title, fallback="article") for post in posts]
    taken = set(Article.objects.filter(slug__in=bases).values_list("slug", flat=True))
    held_paths = set(
        ArticleRedirect.objects.filter(old_path__in=[article_path(base) for base in bases]).values_list(
            "old_path", flat=True
        )
    )  # another article's old URL is not free either
    taken |= {base for base in bases if article_path(base) in held_paths}
    slugs = []
    for base in bases:
        slug = unique_slug(Article, base, fallback="article", also_taken=taken) if base in taken else base
        taken.add(slug)
        slugs.append(slug)
    return slugs


def _tag_key(name):
    return name.upper()


def _author_name(post):
    return post.author or settings.DEFAULT_AUTHOR_NAME


def _category_names(post):
    return list(post.categories) or [settings.DEFAULT_CATEGORY_NAME]


def _last_change(post, article):
    """The archive's own dates, not the moment of import, say when the text last changed."""
    return post.last_modified_at or post.published_at or article.updated_at


def _status(post):
    if post.is_draft:
        return Article.Status.DRAFT
    if post.published_at > timezone.now():
        return Article.Status.SCHEDULED
    return Article.Status.PUBLISHED


def _warnings(prepared):
    stated, computed = prepared.post.reading_time, prepared.rendered["reading_time"]
    if stated and stated != computed:
        return [f"reading_time {stated} 分は本文から計算した {computed} 分と異なるため、計算値を使いました"]
    return []
