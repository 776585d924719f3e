"""Deterministic Japanese long-form articles for benchmarks: no network, no database, no Django.

`generate_article(i)` depends only on (seed, i), so any article can be made on its own (in any process,
in any order) and a run with `--articles 10000` always holds the same 10,000 articles. Each body is
Markdown of about 5,000 characters (3,700–6,300): `##`/`###` headings, paragraphs of analytical prose,
bullet and numbered lists, now and then a table, a blockquote and bold text. Twelve categories of
unequal size, 300 tags drawn with a long tail (a few tags on many articles, most on few), 20 bylines
(ALLFORCES編集部 on about a third). About 2% are drafts and 1 in 500 is featured.

The words are ordinary vocabulary of the site's subjects (投資分析, 技術動向, 市場レポート); "半導体"
occurs in roughly one article in ten, so a search for it has a realistic number of hits to rank.

Used by bench/run.py (seeding PostgreSQL and writing a Jekyll archive for the import timing) and by
bench/search_bench.py, which also asks for shorter or longer bodies (`characters`) and for rare words
(`rare_words`: two of them in each article, each word in only a few articles, for its selective queries).
"""

import bisect
import datetime as dt
import functools
import itertools
import json
import random
import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from zoneinfo import ZoneInfo

SEED = 20261128
TOKYO = ZoneInfo("Asia/Tokyo")
FIRST_DATE = dt.datetime(2019, 1, 7, 7, 0, tzinfo=TOKYO)
LAST_DATE = dt.datetime(2026, 10, 30, 18, 0, tzinfo=TOKYO)
TARGET_CHARACTERS = (3_600, 5_400)  # where sections stop being added: bodies come out at about 5,000 characters
CHARACTERS = 5_000  # what TARGET_CHARACTERS gives; generate_article(characters=…) scales it
DRAFT_RATE = 0.02
FEATURED_EVERY = 500
SECONDARY_CATEGORY_RATE = 0.3
EDITORIAL_DESK = "ALLFORCES編集部"


def _words(text, separator=None):
    return text.split(separator)


# Category -> (relative size, its topics): an article's main topic comes from its category.
CATEGORY_TOPICS = {
    "投資分析": (14, _words("日本株 米国株 高配当株 グロース株 バリュー投資 インデックス投資")),
    "技術動向": (12, _words("量子コンピュータ ロボティクス 宇宙開発 光通信 次世代電池 デジタルツイン")),
    "市場レポート": (12, _words("為替市場 債券市場 商品市況 新興国市場 不動産市場 IPO市場")),
    "半導体": (10, _words("半導体 半導体製造装置 パワー半導体 先端パッケージング HBM 半導体材料")),
    "生成AI": (10, _words("生成AI 大規模言語モデル AIエージェント 推論コスト AIアクセラレータ AI規制")),
    "エネルギー": (8, _words("再生可能エネルギー 原子力 蓄電池 水素 送配電網 LNG")),
    "金融政策": (8, _words("日銀 FRB 長期金利 インフレ 円安 量的引き締め")),
    "企業分析": (8, _words("決算分析 設備投資 M&A 自社株買い コーポレートガバナンス 中期経営計画")),
    "クラウド": (6, _words("データセンター クラウド料金 SaaS エッジコンピューティング ハイパースケーラー GPUクラウド")),
    "モビリティ": (5, _words("EV 自動運転 車載電池 充電インフラ ソフトウェア定義車両 物流自動化")),
    "セキュリティ": (
        4,
        _words("サイバー攻撃 ランサムウェア OTセキュリティ ゼロトラスト サプライチェーン攻撃 経済安全保障"),
    ),
    "マクロ経済": (3, _words("賃金 個人消費 人口減少 生産性 貿易収支 財政")),
}
CATEGORIES = list(CATEGORY_TOPICS)
TOPICS = [topic for _weight, topics in CATEGORY_TOPICS.values() for topic in topics]  # 72
_TAG_SUFFIXES = ["", "市場", "投資", "動向"]
_EXTRA_TAGS = "TSMC NVIDIA トヨタ ソニー 東京エレクトロン 信越化学 キーエンス ファナック アドバンテスト ソフトバンク"
_EXTRA_TAGS += " 三菱UFJ 任天堂"
TAGS = [*(topic + suffix for suffix in _TAG_SUFFIXES for topic in TOPICS), *_words(_EXTRA_TAGS)][:300]  # 72×4 + 12
AUTHORS = [
    EDITORIAL_DESK,
    *_words(
        "佐藤 健一/鈴木 美咲/高橋 大輔/田中 由美/伊藤 翔/渡辺 彩/山本 拓也/中村 真理子/小林 誠/加藤 恵/吉田 隆"
        "/佐々木 亮/山口 智子/松本 浩二/井上 彩花/木村 直樹/林 美穂/清水 悠/森 和也",
        "/",
    ),
]

_ACTORS = _words(
    "国内大手メーカー 海外の機関投資家 中央銀行 各国政府 主要なクラウド事業者 新興企業 部品サプライヤー"
    " 装置メーカー 電力会社 自動車メーカー 通信事業者 大手金融機関 規制当局 業界団体 大手商社 素材メーカー"
    " 個人投資家 年金基金 アナリスト 経営陣"
)
# The quantities the sentences talk about: each is in nearly every article (search_bench's common words).
METRICS = _words(
    "需要 設備投資額 利益率 受注残高 価格 出荷量 稼働率 在庫水準 市場シェア バリュエーション 資金流入"
    " 研究開発費 単価 供給能力 期待収益率"
)
_PERIODS = _words("この一年 直近の四半期 過去五年 コロナ禍以降 年初から ここ数か月 前年度 この半年")
_TRENDS = _words(
    "緩やかに拡大している 想定以上に伸びている 頭打ちの兆しを見せている 二極化が進んでいる 底入れしつつある"
    " 高止まりしている 急速に変化している 横ばいで推移している"
)
_FACTORS = _words(
    "供給網の再編 金利の上昇 人手不足 地政学リスクの高まり 脱炭素への対応 円安の進行 技術の世代交代 規制の強化"
    " 需要の季節性 補助金政策 顧客の内製化 電力コストの上昇"
)
_RISKS = _words(
    "需要の反動減 過剰投資 価格競争の激化 為替の急変 規制の不確実性 技術の陳腐化 主要顧客への依存 資金調達コストの上昇"
)
_AXES = _words("価格 性能 供給の安定性 電力効率 ソフトウェア 顧客基盤 規模の経済 信頼性")
_ROLES = _words("成長の柱 守りの投資 将来への布石 収益の安定源 検証段階の事業 競争力の源泉")
_QUOTES = _words(
    "数字以上に現場の手応えは強い まだ判断するには早い 問題は需要ではなく供給だ"
    " 価格よりも納期が重視されるようになった 一過性の動きではないと見ている 慎重さを失ってはいけない"
)
_SENTENCES = [
    "{period}、{T}をめぐる{metric}は{trend}。",
    "{actor}は{T}への投資を段階的に拡大しており、{U}との連携も視野に入れている。",
    "背景には{factor}があり、短期的な{metric}の変動だけでは説明できない。",
    "市場では、{T}関連の{metric}が前年比で{num}%程度変化したとの見方が広がっている。",
    "ただし、{risk}には引き続き注意が必要である。",
    "この点について、{actor}の関係者は「{quote}」と話す。",
    "{T}と{U}の関係を整理すると、いくつかの構図が見えてくる。",
    "結論を急ぐ前に、{metric}の長期的な推移を確認しておきたい。",
    "一方で、{actor}の間では{T}の{metric}に対する慎重な見方も根強い。",
    "言い換えれば、{T}の競争軸は{axis}から{axis2}へと移りつつある。",
    "投資家にとって重要なのは、{metric}の水準そのものよりも、その持続性である。",
    "数年前には想定されていなかった{factor}が、いまや{T}を語るうえでの前提条件になっている。",
    "とりわけ{U}の分野では、{factor}の影響が大きい。",
    "数字の上では堅調に見えるが、内訳を見ると{metric}の偏りが目立つ。",
    "こうした動きは、{U}を含む周辺産業にも波及すると考えられる。",
    "現時点では、{risk}が顕在化する兆しは限定的だ。",
    "{actor}にとって、{T}は{role}という位置づけになる。",
    "{U}の{metric}が{trend}ことも、{T}の見通しに影響を与えている。",
    "もっとも、過去の経験が示すように、{metric}の予測には大きな幅がある。",
    "**重要なのは、{T}の{metric}を単独で見ないことだ。**",
    "{actor}の決算説明では、{T}に関する質問が目に見えて増えた。",
    "{factor}が続く限り、{T}の{metric}は{trend}と見るのが自然だろう。",
    "仮に{risk}が起きたとしても、{U}への影響は相対的に小さいと考えられる。",
    "ここで見落とされがちなのが、{T}の{metric}と{U}の{metric2}の時間差である。",
    "{num}社程度の主要企業が、{T}の分野で存在感を高めている。",
    "それでも、{axis}の面で優位に立つ企業は多くない。",
]
_HEADINGS = _words(
    "{T}の現状と課題 需要の構造を読み解く {U}との接点 {actor}の戦略 リスク要因の整理 投資上の論点 今後の見通し"
    " 数字で見る{T} {factor}の影響 競争環境の変化 {period}の振り返り 供給側の制約 評価の考え方 {T}をめぐる誤解"
)
_TITLES = [
    "{T}の{aspect}：{U}との関係から読み解く",
    "{T}と{U}：{period}に何が変わったのか",
    "{period}の{T}を読む",
    "{actor}が注目する{T}の{aspect}",
    "なぜ{T}の{metric}は{trend_short}のか",
    "{T}投資の論点整理",
    "{T}の{aspect}を数字で確かめる",
    "{factor}は{T}をどう変えるか",
]
_ASPECTS = _words("現在地 構造変化 収益構造 競争環境 投資機会 リスク 長期見通し 供給網")
_TRENDS_SHORT = _words("伸び続ける 伸び悩む 高止まりする 読みにくい 二極化する")
_RARE_SYLLABLES = "アカサタナハマヤラワガザダバパキシチニヒミリギジビピクスツヌフムユルグズブプ"


@dataclass(frozen=True)
class GeneratedArticle:
    index: int
    title: str
    slug: str
    body: str  # Markdown
    excerpt: str  # "" for about half of the articles: then the summary comes from the first paragraph
    category: str
    secondary_categories: tuple[str, ...]
    tags: tuple[str, ...]
    author: str
    published_at: dt.datetime | None  # None for drafts
    is_featured: bool
    is_draft: bool


def _cumulative(weights):
    return list(itertools.accumulate(weights))


_CATEGORY_CUMULATIVE = _cumulative(weight for weight, _topics in CATEGORY_TOPICS.values())
# Tags: a fixed shuffled order, weights 1/rank^0.75, so the popular tags are not all of one kind.
_TAG_ORDER = random.Random(SEED).sample(TAGS, len(TAGS))  # noqa: S311 (test data, not secrets)
_TAG_CUMULATIVE = _cumulative(1 / (rank + 1) ** 0.75 for rank in range(len(_TAG_ORDER)))
_AUTHOR_CUMULATIVE = _cumulative([18] + [2] * (len(AUTHORS) - 1))  # the desk writes about a third


def _pick(rng, items, cumulative):
    return items[bisect.bisect(cumulative, rng.random() * cumulative[-1])]


def slugify(text):
    """Django's slugify(allow_unicode=True) without importing Django: Japanese kept."""
    text = unicodedata.normalize("NFKC", text)
    text = re.sub(r"[^\w\s-]", "", text.lower())
    return re.sub(r"[-\s]+", "-", text).strip("-_")


def generate_article(index, seed=SEED, total=None, characters=CHARACTERS, rare_words=0):
    """Article number `index` (0-based) of the corpus; `total` spreads publication dates evenly over
    FIRST_DATE..LAST_DATE (index 0 oldest), else one article every ~6 hours from FIRST_DATE. The body has
    about `characters` characters; with `rare_words`, a last paragraph names two of rare_vocabulary(rare_words).
    Neither option changes anything else of the article."""
    rng = random.Random(f"{seed}:{index}")  # noqa: S311 (test data, not secrets)
    category = _pick(rng, CATEGORIES, _CATEGORY_CUMULATIVE)
    topic = rng.choice(CATEGORY_TOPICS[category][1])
    other_topic = rng.choice([t for t in TOPICS if t != topic])
    words = _Words(rng, topic, other_topic)

    title = rng.choice(_TITLES).format_map(words)
    body = _body(rng, words, characters / CHARACTERS)
    if rare_words:  # from an RNG of its own, so that the rest of the article stays as it is without them
        first, second = random.Random(f"{seed}:{index}:rare").sample(rare_vocabulary(rare_words, seed), 2)  # noqa: S311
        body += f"\n{first}と{second}の事例も、同じ構図を示している。\n"
    first_sentence = rng.choice(_SENTENCES).format_map(words).replace("**", "")
    excerpt = first_sentence if rng.random() < 0.5 else ""

    tags = [topic] if topic in TAGS else []
    for _ in range(rng.randint(2, 5)):
        tag = _pick(rng, _TAG_ORDER, _TAG_CUMULATIVE)
        if tag not in tags:
            tags.append(tag)
    secondary = ()
    if rng.random() < SECONDARY_CATEGORY_RATE:
        secondary = (rng.choice([c for c in CATEGORIES if c != category]),)

    is_draft = rng.random() < DRAFT_RATE
    if total:
        span = (LAST_DATE - FIRST_DATE).total_seconds()
        published_at = FIRST_DATE + dt.timedelta(seconds=span * index / max(total - 1, 1))
    else:
        published_at = FIRST_DATE + dt.timedelta(hours=6 * index)
    published_at = (published_at + dt.timedelta(minutes=rng.randint(0, 180))).replace(second=0, microsecond=0)

    return GeneratedArticle(
        index=index,
        title=title,
        slug=f"{slugify(title)[:60].strip('-')}-{index + 1}",
        body=body,
        excerpt=excerpt,
        category=category,
        secondary_categories=secondary,
        tags=tuple(tags),
        author=_pick(rng, AUTHORS, _AUTHOR_CUMULATIVE),
        published_at=None if is_draft else published_at,
        is_featured=not is_draft and index % FEATURED_EVERY == FEATURED_EVERY - 1,
        is_draft=is_draft,
    )


@functools.cache
def rare_vocabulary(count, seed=SEED):
    """`count` made-up katakana words of four syllables (a few may repeat), words no other text has."""
    rng = random.Random(f"{seed}:rare")  # noqa: S311 (test data, not secrets)
    return tuple("".join(rng.choices(_RARE_SYLLABLES, k=4)) for _ in range(count))


def generate_articles(count, seed=SEED):
    """The first `count` articles of the corpus, dates spread over FIRST_DATE..LAST_DATE."""
    for index in range(count):
        yield generate_article(index, seed=seed, total=count)


class _Words(dict):
    """Fills a template's {slots}: fixed topic words, fresh random vocabulary for everything else."""

    _CHOICES = {
        "actor": _ACTORS, "metric": METRICS, "metric2": METRICS, "period": _PERIODS, "trend": _TRENDS,
        "factor": _FACTORS, "risk": _RISKS, "axis": _AXES, "axis2": _AXES, "role": _ROLES, "quote": _QUOTES,
        "aspect": _ASPECTS, "trend_short": _TRENDS_SHORT,
    }  # fmt: skip

    def __init__(self, rng, topic, other_topic):
        super().__init__(T=topic, U=other_topic)
        self.rng = rng

    def __missing__(self, key):
        if key == "num":
            return str(self.rng.randint(3, 40))
        return self.rng.choice(self._CHOICES[key])


def _paragraph(rng, words, sentences=None):
    return "".join(rng.choice(_SENTENCES).format_map(words) for _ in range(sentences or rng.randint(3, 5)))


def _bullet_list(rng, words, numbered=False):
    items = []
    for number in range(1, rng.randint(3, 5) + 1):
        text = f"{words['T'] if rng.random() < 0.5 else words['U']}の{words['metric']}：{words['factor']}に左右される"
        if rng.random() < 0.4:
            text += f"（{words['period']}は{words['trend']}）"
        items.append(f"{number}. {text}" if numbered else f"- {text}")
    return "\n".join(items)


def _table(rng, words):
    rows = ["| 項目 | 現状 | 見通し |", "|---|---|---|"]
    for _ in range(rng.randint(3, 5)):
        rows.append(f"| {words['metric']} | {words['trend']} | {words['risk']}に注意 |")
    return "\n".join(rows)


def _body(rng, words, scale=1):
    target = round(rng.randint(*TARGET_CHARACTERS) * scale)
    blocks = [_paragraph(rng, words, 3)]
    headings = rng.sample(_HEADINGS, len(_HEADINGS))
    length = len(blocks[0])
    for heading in itertools.cycle(headings):
        section = [f"## {heading.format_map(words)}"]
        for paragraph_number in range(rng.randint(2, 4)):
            if paragraph_number and rng.random() < 0.15:
                section.append(f"### {rng.choice(_HEADINGS).format_map(words)}")
            section.append(_paragraph(rng, words))
        roll = rng.random()
        if roll < 0.35:
            section.insert(2, _bullet_list(rng, words, numbered=roll < 0.1))
        elif roll < 0.45:
            section.append(_table(rng, words))
        elif roll < 0.55:
            section.append(f"> {words['quote']}。{rng.choice(_SENTENCES).format_map(words)}")
        blocks.extend(section)
        length += sum(len(block) + 2 for block in section)
        if length >= target:
            break
    blocks.append("## おわりに")
    blocks.append(_paragraph(rng, words, 3))
    return "\n\n".join(blocks) + "\n"


# --- Jekyll ---------------------------------------------------------------------------------


def jekyll_filename(article):
    """`YYYY-MM-DD-post-00042.md` (drafts: `post-00042.md`); the file name identifies the article."""
    stem = f"post-{article.index + 1:05d}.md"
    return stem if article.published_at is None else f"{article.published_at:%Y-%m-%d}-{stem}"


def jekyll_text(article):
    """The article as a Jekyll post: YAML front matter (strings as JSON, which YAML reads) + Markdown."""
    lines = ["---", "layout: post", f"title: {json.dumps(article.title, ensure_ascii=False)}"]
    if article.published_at is not None:
        lines.append(f"date: {article.published_at:%Y-%m-%d %H:%M:%S %z}")
    categories = [article.category, *article.secondary_categories]
    lines.append(f"categories: {json.dumps(categories, ensure_ascii=False)}")
    lines.append(f"tags: {json.dumps(list(article.tags), ensure_ascii=False)}")
    lines.append(f"author: {json.dumps(article.author, ensure_ascii=False)}")
    if article.excerpt:
        lines.append(f"excerpt: {json.dumps(article.excerpt, ensure_ascii=False)}")
    lines.append(f"slug: {json.dumps(article.slug, ensure_ascii=False)}")
    if article.is_draft:
        lines.append("published: false")
    lines.append("---")
    return "\n".join(lines) + "\n\n" + article.body


def write_jekyll_archive(count, folder, seed=SEED):
    """Write the first `count` articles as Jekyll posts into `folder`/_posts; returns the file paths."""
    posts = Path(folder) / "_posts"
    posts.mkdir(parents=True, exist_ok=True)
    paths = []
    for article in generate_articles(count, seed=seed):
        path = posts / jekyll_filename(article)
        path.write_text(jekyll_text(article), encoding="utf-8")
        paths.append(path)
    return paths


if __name__ == "__main__":  # print one article, to look at
    import sys

    sample = generate_article(int(sys.argv[1]) if len(sys.argv) > 1 else 0, total=10_000)
    print(jekyll_text(sample))
