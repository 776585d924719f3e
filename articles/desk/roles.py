"""Editorial roles. The groups themselves are created by migration 0002_editorial_roles."""

WRITER = "ライター"
EDITOR = "編集者"
EDITOR_IN_CHIEF = "編集長"
ALL_ROLES = (WRITER, EDITOR, EDITOR_IN_CHIEF)
