from django.urls import path, register_converter

from articles import views


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
]
