"""The house style the 編集長 keeps in the admin: the 表記ゆれ dictionary the 校正 panel checks against."""

import re

from django.core.exceptions import ValidationError
from django.db import models


class HouseStyleTerm(models.Model):
    """One spelling the desk settles on (サーバー, できる…) and the variant a writer should change."""

    variant = models.CharField(
        "揺れた表記", max_length=50, unique=True, help_text="本文で見つけたら指摘する表記（例: サーバ、出来る）。"
    )
    preferred = models.CharField(
        "統一する表記", max_length=50, help_text="校正で提案する表記（例: サーバー、できる）。"
    )
    note = models.CharField("メモ", max_length=200, blank=True, help_text="理由や使い分け（任意）。")
    updated_at = models.DateTimeField("更新日時", auto_now=True)

    class Meta:
        ordering = ["variant"]
        verbose_name = "表記ルール"
        verbose_name_plural = "表記ゆれ辞書"

    def __str__(self):
        return f"{self.variant} → {self.preferred}"

    def clean(self):
        if self.variant and self.variant == self.preferred:
            raise ValidationError({"preferred": "揺れた表記と同じです。統一する表記を入れてください。"})

    def prh_pattern(self):
        """The pattern prh looks for. When the preferred spelling contains the variant (サーバ → サーバー,
        サイト → ウェブサイト), the variant must not match inside the preferred spelling itself: lookarounds
        leave out exactly the places where the text around it completes the preferred spelling."""
        variant = re.escape(self.variant)
        before, found, after = self.preferred.partition(self.variant)
        if not found:
            return self.variant
        not_after = f"{variant}(?!{re.escape(after)})" if after else None
        not_before = f"(?<!{re.escape(before)}){variant}" if before else None
        return "/" + "|".join(part for part in (not_before, not_after) if part) + "/"

    @classmethod
    def prh_dictionary(cls):
        """[{"pattern", "expected"}, …]: the dictionary articles/proofreading.py hands to textlint's prh rule."""
        return [{"pattern": term.prh_pattern(), "expected": term.preferred} for term in cls.objects.all()]
