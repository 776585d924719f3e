"""Django's session engines, refusing a malformed session cookie before it reaches the database.

Django accepts any cookie value of 8 or more characters as a key to look up, and PostgreSQL refuses a NUL even
as a bound parameter, so `sessionid="\\000…"` was a 500 there. Keys Django makes are ASCII letters and digits:
anything else is no session at all. `SESSION_ENGINE` names one of the modules beside this one.
"""


def is_well_formed_session_key(key):
    return bool(key) and len(key) >= 8 and key.isascii() and key.isalnum()


class WellFormedKeyMixin:
    def _validate_session_key(self, key):
        return is_well_formed_session_key(key)
