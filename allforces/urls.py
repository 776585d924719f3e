from django.contrib import admin
from django.contrib.admin.views.decorators import staff_member_required
from django.contrib.sitemaps.views import sitemap
from django.templatetags.static import static as static_url
from django.urls import include, path
from django.views.generic import RedirectView, TemplateView

from articles.admin.uploads import BoundedMarkdownifyView, ImageUploadView
from articles.delivery import health, media
from articles.syndication.sitemaps import SITEMAPS


class FaviconRedirect(RedirectView):
    """Browsers ask for /favicon.ico whatever the page says; send them to the static file."""

    permanent = True

    def get_redirect_url(self, *args, **kwargs):
        return static_url("icons/favicon.ico")


# markdownx's own URLconf lets anyone preview and upload; only the desk may. Uploads are our own view,
# which verifies and re-encodes every image (articles/uploads.py).
markdownx_urls = [
    path("markdownify/", staff_member_required(BoundedMarkdownifyView.as_view()), name="markdownx_markdownify"),
    path("upload/", ImageUploadView.as_view(), name="markdownx_upload"),
]

handler500 = "articles.views.server_error"

urlpatterns = [
    path("admin/", admin.site.urls),
    path("healthz", health.healthz, name="healthz"),
    path("sitemap.xml", sitemap, {"sitemaps": SITEMAPS}, name="sitemap"),
    path("robots.txt", TemplateView.as_view(template_name="robots.txt", content_type="text/plain"), name="robots"),
    path("favicon.ico", FaviconRedirect.as_view()),
    path("markdownx/", include(markdownx_urls)),
    # Uploaded images from MEDIA_ROOT, with DEBUG on or off; nothing when media is in a bucket (delivery/media.py).
    path("media/<path:path>", media.serve_media, name="media"),
    path("", include("articles.urls")),
]
