from django.contrib.sessions.backends import db

from allforces.session_engines import WellFormedKeyMixin


class SessionStore(WellFormedKeyMixin, db.SessionStore):
    pass
