"""The article form of the desk: the lost-update check, verified hero uploads, a pending edit's tags."""

import logging

from django import forms
from django.core.files import File
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import UploadedFile
from django.db.models.fields.files import FieldFile
from taggit.models import Tag

from articles.desk import workflow
from articles.markdown import body_length_refusal
from articles.models import Article, ArticleRedirect, article_path
from articles.uploads import STORAGE_ERRORS, clean_uploaded_image

logger = logging.getLogger(__name__)


class ArticleAdminForm(forms.ModelForm):
    loaded_version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    class Meta:
        model = Article
        fields = (
            "title", "slug", "body", "excerpt", "hero_image", "hero_image_alt", "author", "category",
            "secondary_categories", "tags", "reviewer", "is_featured", "correction_note", "permalink",
        )  # fmt: skip
        # Plain controls for these short lists: Django's select2 and filter_horizontal widgets fail axe-core
        # (a box labelled by its empty selection, an icon with aria-label and no role).
        widgets = {"secondary_categories": forms.CheckboxSelectMultiple}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        article = self.instance
        if article.pk:
            self.fields["loaded_version"].initial = article.edit_version
        pending = getattr(article, "shown_revision_content", None)
        if pending is not None:
            # taggit's field compares tag objects; unsaved Tags carry the pending names without touching rows.
            self.initial["tags"] = [Tag(name=name) for name in pending.get("tags", [])]
            self.initial["secondary_categories"] = pending.get("secondary_category_ids", [])

    def clean_hero_image(self):
        """A new upload must be a real image; it is re-encoded without metadata (articles/uploads.py)."""
        image = self.cleaned_data.get("hero_image")
        if isinstance(image, UploadedFile):
            image = clean_uploaded_image(image)
        return image

    def clean_body(self):
        body = self.cleaned_data.get("body", "")
        refusal = body_length_refusal(body)
        if refusal:
            raise forms.ValidationError(refusal, code="too_long")
        return body

    def clean_slug(self):
        slug = self.cleaned_data.get("slug")
        if slug:
            self._refuse_another_articles_old_url(article_path(slug), "このスラッグ")
        return slug

    def clean_permalink(self):
        permalink = self.cleaned_data.get("permalink", "").strip()
        if permalink:
            self._refuse_another_articles_old_url(permalink, "この旧パーマリンク")
        return permalink

    def _refuse_another_articles_old_url(self, path, what):
        """An old URL leads to the article it belonged to; no other article may take it over."""
        held = ArticleRedirect.objects.held_elsewhere(path, self.instance)
        if held is not None:
            raise forms.ValidationError(
                f"{what}は記事「{held.article.title}」の旧 URL としてリダイレクトに使われているため使えません。"
                "別のものにしてください。",
                code="held_by_redirect",
            )

    def clean(self):
        cleaned = super().clean()
        if self.instance.pk:
            try:
                workflow.check_edit_version(self.instance, cleaned.get("loaded_version"))
            except workflow.WorkflowError as refusal:
                raise forms.ValidationError(str(refusal), code="stale") from None
        if "hero_image_alt" in self.fields and cleaned.get("hero_image") and not cleaned.get("hero_image_alt"):
            self.add_error("hero_image_alt", "アイキャッチ画像には、画像の内容を説明する代替テキストが必要です。")
        hero = cleaned.get("hero_image")
        if not self.errors and isinstance(hero, File) and not isinstance(hero, FieldFile):  # a new upload
            cleaned["hero_image"] = self._store_hero(hero)
        return cleaned

    def _store_hero(self, image):
        """Store a new hero now, while a storage failure can still be a message on the form (with the typed
        text kept) rather than a server error halfway through saving the article."""
        field = Article._meta.get_field("hero_image")
        try:
            return default_storage.save(field.generate_filename(self.instance, image.name), image)
        except STORAGE_ERRORS:
            logger.exception("Storing a hero image failed")
            self.add_error("hero_image", "画像を保存できませんでした。時間をおいてもう一度お試しください。")
            return None
