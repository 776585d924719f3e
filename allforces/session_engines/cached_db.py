from django.contrib.sessions.backends import cached_db

from allforces.session_engines import WellFormedKeyMixin


class SessionStore(WellFormedKeyMixin, cached_db.SessionStore):
    pass
