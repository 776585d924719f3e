import hashlib
import io
import random

from django.core.files.base import ContentFile
from django.core.management.base import BaseCommand
from PIL import Image, ImageDraw

from articles.images import cjk_font
from articles.models import Article
from articles.side_effects import after_site_change

SIZE = (1600, 900)
# One palette per category, so a front page of demo articles reads as sections at a glance.
PALETTES = (
    ((12, 38, 74), (88, 166, 255)),
    ((20, 61, 49), (72, 199, 142)),
    ((74, 29, 22), (255, 138, 76)),
    ((46, 27, 79), (178, 140, 255)),
)
KINDS = {"line": "折れ線グラフ", "bars": "棒グラフ", "area": "面グラフ"}


class Command(BaseCommand):
    help = (
        "デモ用に、アイキャッチ画像のない公開記事へ架空の数値によるグラフ画像（代替テキスト付き）を作り、"
        "注目記事がなければ最新の記事を注目記事にします。何度実行しても同じ結果です。"
    )

    def handle(self, *args, **options):
        articles = Article.objects.published().select_related("category").filter(hero_image="")
        drawn = 0
        for article in articles:
            kind = list(KINDS)[_seed(article.slug) % len(KINDS)]
            png = draw_chart(article.slug, kind, article.category.name, article.category.position)
            article.hero_image.save(f"demo-{_seed(article.slug):08x}.png", ContentFile(png), save=False)
            article.hero_image_alt = f"「{article.title}」のイメージ図：架空の数値による{KINDS[kind]}"
            article.save()
            drawn += 1
        featured = 0
        if not Article.objects.published().filter(is_featured=True).exists():
            newest = Article.objects.published().newest_first().first()
            if newest:
                Article.objects.filter(pk=newest.pk).update(is_featured=True)
                featured = 1
        if drawn or featured:
            after_site_change()
        self.stdout.write(
            f"デモ画像: {drawn} 件の記事に作成しました。注目記事: {'設定しました' if featured else '変更なし'}。"
        )


def _seed(text):
    return int.from_bytes(hashlib.sha256(text.encode()).digest()[:4], "big")


def draw_chart(seed_text, kind, label, palette_index=0):
    """A PNG of an illustrative chart (made-up numbers, said so on the image), the same for the same input."""
    rng = random.Random(_seed(seed_text))  # noqa: S311  # made-up chart data, reproducible by design
    dark, bright = PALETTES[palette_index % len(PALETTES)]
    width, height = SIZE
    image = Image.new("RGB", SIZE, dark)
    draw = ImageDraw.Draw(image)
    left, top, right, bottom = 140, 200, width - 100, height - 140
    for step in range(5):  # grid
        y = bottom - step * (bottom - top) // 4
        draw.line([(left, y), (right, y)], fill=_mix(dark, (255, 255, 255), 0.18), width=2)
    values, value = [], rng.uniform(30, 50)
    for _ in range(12):
        value = min(95, max(8, value + rng.uniform(-9, 12)))
        values.append(value)
    points = [
        (left + index * (right - left) // (len(values) - 1), bottom - value * (bottom - top) / 100)
        for index, value in enumerate(values)
    ]
    if kind == "bars":
        bar = (right - left) // len(values) - 16
        for (x, y), index in zip(points, range(len(values)), strict=True):
            x = left + index * (right - left) // len(values) + 8
            draw.rounded_rectangle([x, y, x + bar, bottom], radius=8, fill=_mix(bright, dark, index / 30))
    else:
        if kind == "area":
            draw.polygon([(left, bottom), *points, (right, bottom)], fill=_mix(bright, dark, 0.55))
        draw.line(points, fill=bright, width=10, joint="curve")
        for x, y in points[-1:]:
            draw.ellipse([x - 16, y - 16, x + 16, y + 16], fill=(255, 255, 255), outline=bright, width=6)
    draw.text((left, 80), label, font=cjk_font(64), fill=(255, 255, 255))
    draw.text(
        (right, 100),
        "イメージ図・数値は架空",
        font=cjk_font(34, "Regular"),
        fill=_mix((255, 255, 255), dark, 0.3),
        anchor="rm",
    )
    draw.text((left, bottom + 40), "ALLFORCES", font=cjk_font(40), fill=_mix((255, 255, 255), dark, 0.4))
    output = io.BytesIO()
    image.save(output, "PNG", optimize=True)
    return output.getvalue()


def _mix(color, other, amount):
    return tuple(round(a + (b - a) * amount) for a, b in zip(color, other, strict=True))
