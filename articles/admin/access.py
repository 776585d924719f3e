"""Models the desk manages by role rather than by Django's model permissions (which the role groups do not hold
for them): one rule from desk/permissions.py decides whether the user sees, adds, changes and deletes."""


class RoleRuleAccess:
    """Set `may` to a rule of desk/permissions.py, e.g. `may = staticmethod(permissions.can_manage_series)`."""

    may = None

    def has_module_permission(self, request):
        return self.may(request.user)

    def has_view_permission(self, request, obj=None):
        return self.may(request.user)

    def has_add_permission(self, request, obj=None):
        return self.may(request.user)

    def has_change_permission(self, request, obj=None):
        return self.may(request.user)

    def has_delete_permission(self, request, obj=None):
        return self.may(request.user)
