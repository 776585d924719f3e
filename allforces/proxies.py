"""The client's address behind the proxies the deployment trusts (TRUSTED_PROXY_COUNT in settings).

Each trusted proxy (a load balancer, a CDN) appends the address it received the request from to
X-Forwarded-For, so the client's address is the TRUSTED_PROXY_COUNT-th entry from the right; entries further
left are whatever the client sent, and are never read. With no trusted proxy, or a request that did not pass
all of them (too few entries), the connection's own address.

django-ipware, which django-axes would use otherwise, counts proxies differently (it expects each proxy's own
address in the header) and returns no address at all for a header with fewer entries or a non-address on its
left, so every such login failure would again share one lockout.
"""

from django.conf import settings


def client_address(request):
    count = settings.TRUSTED_PROXY_COUNT
    forwarded = [part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
    forwarded = [part for part in forwarded if part]
    if count and len(forwarded) >= count:
        return forwarded[-count]
    return request.META.get("REMOTE_ADDR")
