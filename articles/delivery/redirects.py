from django.http import HttpResponsePermanentRedirect

from articles.models import ArticleRedirect


class ArticleRedirectMiddleware:
    """A 404 on a former URL of a published article (old slug, archive permalink) becomes a 301."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if response.status_code != 404 or request.method not in {"GET", "HEAD"}:
            return response
        if "\x00" in request.path:  # no URL we ever served holds one, and PostgreSQL cannot compare with it
            return response
        candidates = {request.path, request.path.rstrip("/"), request.path.rstrip("/") + "/"}
        redirect = (
            ArticleRedirect.objects.filter(old_path__in=candidates).select_related("article").order_by("pk").first()
        )
        if redirect and redirect.article.is_published():
            return HttpResponsePermanentRedirect(redirect.article.get_absolute_url())
        return response
