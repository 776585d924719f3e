"""Editorial roles. The groups themselves are created by migration 0002_editorial_roles."""

WRITER = "ライター"
EDITOR = "編集者"
EDITOR_IN_CHIEF = "編集長"
ALL_ROLES = (WRITER, EDITOR, EDITOR_IN_CHIEF)


def role_of(user):
    """The user's editorial role; superusers act as 編集長. None for anyone else."""
    if not user or not user.is_authenticated or not user.is_active:
        return None
    if user.is_superuser:
        return EDITOR_IN_CHIEF
    # Read once per user object (each request has its own): the admin index asks every ModelAdmin's
    # permissions, which asked the database for the groups 13 times on one page.
    names = getattr(user, "_editorial_group_names", None)
    if names is None:
        names = user._editorial_group_names = frozenset(user.groups.values_list("name", flat=True))
    return next((role for role in (EDITOR_IN_CHIEF, EDITOR, WRITER) if role in names), None)
