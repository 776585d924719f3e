from django.urls import path, register_converter

from articles import views
from articles.desk import preview
from articles.syndication import feeds


class UnicodeSlugConverter:
    """Like `<slug:>` but for Japanese slugs such as 技術動向."""

    regex = r"[-\w]+"

    def to_python(self, value):
        return value

    def to_url(self, value):
        return value


register_converter(UnicodeSlugConverter, "uslug")

app_name = "articles"
urlpatterns = [
    path("", views.HomeView.as_view(), name="home"),
    path("articles/<uslug:slug>/", views.ArticleDetailView.as_view(), name="detail"),
    path("articles/<uslug:slug>/og-<str:digest>.png", views.ShareCardView.as_view(), name="share-card"),
    path("category/<uslug:slug>/", views.CategoryArchiveView.as_view(), name="category"),
    path("tag/<uslug:slug>/", views.TagArchiveView.as_view(), name="tag"),
    path("author/<uslug:slug>/", views.AuthorArchiveView.as_view(), name="author"),
    path("feed/", feeds.SiteFeed("rss"), name="feed"),
    path("feed/atom/", feeds.SiteFeed("atom"), name="feed-atom"),
    path("feed/json/", feeds.SiteFeed("json"), name="feed-json"),
    path("category/<uslug:slug>/feed/", feeds.CategoryFeed("rss"), name="category-feed"),
    path("category/<uslug:slug>/feed/atom/", feeds.CategoryFeed("atom"), name="category-feed-atom"),
    path("category/<uslug:slug>/feed/json/", feeds.CategoryFeed("json"), name="category-feed-json"),
    path("tag/<uslug:slug>/feed/", feeds.TagFeed("rss"), name="tag-feed"),
    path("tag/<uslug:slug>/feed/atom/", feeds.TagFeed("atom"), name="tag-feed-atom"),
    path("tag/<uslug:slug>/feed/json/", feeds.TagFeed("json"), name="tag-feed-json"),
    path("author/<uslug:slug>/feed/", feeds.AuthorFeed("rss"), name="author-feed"),
    path("author/<uslug:slug>/feed/atom/", feeds.AuthorFeed("atom"), name="author-feed-atom"),
    path("author/<uslug:slug>/feed/json/", feeds.AuthorFeed("json"), name="author-feed-json"),
    path("series/<uslug:slug>/", views.SeriesDetailView.as_view(), name="series"),
    path("series/<uslug:slug>/feed/", feeds.SeriesFeed("rss"), name="series-feed"),
    path("series/<uslug:slug>/feed/atom/", feeds.SeriesFeed("atom"), name="series-feed-atom"),
    path("series/<uslug:slug>/feed/json/", feeds.SeriesFeed("json"), name="series-feed-json"),
    path("views/<int:pk>/", views.count_view, name="count-view"),
    path("archive/", views.ArchiveIndex.as_view(), name="archive"),
    path("archive/<int:year>/", views.YearArchive.as_view(), name="archive-year"),
    path("archive/<int:year>/<int:month>/", views.MonthArchive.as_view(), name="archive-month"),
    path("search/", views.SearchView.as_view(), name="search"),
    path("preview/<slug:token>/", preview.shared_preview, name="shared-preview"),
]
