"""A starter 同義語辞書 for the site's subjects: companies in Latin letters and katakana, technologies and
economic terms readers write in more than one way. Editors (編集長) change it in the admin; the reverse
removes these entries (an edited entry has other words and stays)."""

from django.db import migrations

STARTER = [
    # companies
    ("NVIDIA = エヌビディア", "企業名"),
    ("AMD = エーエムディー", "企業名"),
    ("Intel = インテル", "企業名"),
    ("TSMC = 台湾積体電路製造 = 台積電", "企業名"),
    ("Samsung = サムスン = サムスン電子", "企業名"),
    ("Apple = アップル", "企業名"),
    ("Google = グーグル = Alphabet = アルファベット", "企業名"),
    ("Microsoft = マイクロソフト", "企業名"),
    ("Amazon = アマゾン", "企業名"),
    ("AWS = アマゾンウェブサービス = Amazon Web Services", "企業名"),
    ("Meta = メタ", "企業名"),
    ("OpenAI = オープンAI", "企業名"),
    ("Tesla = テスラ", "企業名"),
    ("Toyota = トヨタ = トヨタ自動車", "企業名"),
    ("Sony = ソニー", "企業名"),
    ("SoftBank = ソフトバンク", "企業名"),
    ("Arm = アーム", "企業名"),
    ("ASML = エーエスエムエル", "企業名"),
    ("Rapidus = ラピダス", "企業名"),
    ("BYD = 比亜迪", "企業名"),
    ("CATL = 寧徳時代", "企業名"),
    # technologies
    ("生成AI = 生成人工知能 = ジェネレーティブAI", "技術"),
    ("AI = 人工知能", "技術"),
    ("LLM = 大規模言語モデル", "技術"),
    ("GPU = 画像処理半導体", "技術"),
    ("EV = 電気自動車", "技術"),
    ("HBM = 広帯域メモリ", "技術"),
    ("データセンター = データセンタ", "技術"),
    ("クラウド = クラウドコンピューティング", "技術"),
    ("量子コンピュータ = 量子コンピューター = 量子計算機", "技術"),
    ("全固体電池 = 固体電池", "技術"),
    ("メモリ = メモリー", "技術"),
    ("リチウムイオン電池 = リチウムイオンバッテリー = LIB", "技術"),
    ("OT = 制御システム = 制御技術", "技術"),
    ("IoT = モノのインターネット", "技術"),
    ("ランサムウェア = 身代金要求型ウイルス", "技術"),
    # economic terms
    ("見通し = 見とおし", "経済"),
    ("サプライチェーン = 供給網", "経済"),
    ("日銀 = 日本銀行", "経済"),
    ("FRB = 米連邦準備制度理事会 = 連邦準備制度理事会 = Fed", "経済"),
    ("GDP = 国内総生産", "経済"),
    ("CPI = 消費者物価指数", "経済"),
    ("M&A = 合併・買収 = 買収合併", "経済"),
    ("IPO = 新規株式公開 = 新規上場", "経済"),
    ("ROE = 自己資本利益率", "経済"),
    ("PER = 株価収益率", "経済"),
    ("ETF = 上場投資信託", "経済"),
    ("インフレ = インフレーション = 物価上昇", "経済"),
    ("円安 = 円安ドル高", "経済"),
    ("利上げ = 政策金利の引き上げ = 金利引き上げ", "経済"),
    ("自社株買い = 自己株式取得", "経済"),
    ("設備投資 = 設備投資額 = CAPEX", "経済"),
]


# SQLite cannot add 0012's columns in place: Django rebuilds the table, and dropping the old one dropped
# the triggers that keep the FTS5 table of 0006 in step. They are made again here, as 0006 made them.
SQLITE_TRIGGERS = [
    "CREATE TRIGGER IF NOT EXISTS articles_search_fts_insert AFTER INSERT ON articles_articlesearchindex BEGIN "
    "INSERT INTO articles_search_fts(rowid, grams) VALUES (new.article_id, new.grams); END",
    "CREATE TRIGGER IF NOT EXISTS articles_search_fts_delete AFTER DELETE ON articles_articlesearchindex BEGIN "
    "INSERT INTO articles_search_fts(articles_search_fts, rowid, grams) "
    "VALUES ('delete', old.article_id, old.grams); END",
    "CREATE TRIGGER IF NOT EXISTS articles_search_fts_update AFTER UPDATE ON articles_articlesearchindex BEGIN "
    "INSERT INTO articles_search_fts(articles_search_fts, rowid, grams) "
    "VALUES ('delete', old.article_id, old.grams); "
    "INSERT INTO articles_search_fts(rowid, grams) VALUES (new.article_id, new.grams); END",
    "INSERT INTO articles_search_fts(articles_search_fts) VALUES ('rebuild')",
]


def restore_sqlite_triggers(apps, schema_editor):
    if schema_editor.connection.vendor == "sqlite":
        for statement in SQLITE_TRIGGERS:
            schema_editor.execute(statement)


def seed(apps, schema_editor):
    Synonym = apps.get_model("articles", "Synonym")
    for words, note in STARTER:
        Synonym.objects.get_or_create(words=words, defaults={"note": note})


def unseed(apps, schema_editor):
    Synonym = apps.get_model("articles", "Synonym")
    Synonym.objects.filter(words__in=[words for words, _note in STARTER]).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("articles", "0016_search_words_and_synonyms"),
    ]

    operations = [
        migrations.RunPython(restore_sqlite_triggers, migrations.RunPython.noop),
        migrations.RunPython(seed, unseed),
    ]
