"""The 同義語辞書 in the admin: 編集長 only (desk/permissions.py); a change reaches searches at once."""

from django import forms
from django.contrib import admin
from django.db import transaction

from articles.admin.access import RoleRuleAccess
from articles.desk import permissions
from articles.models import Synonym
from articles.side_effects import after_synonyms_change


class SynonymForm(forms.ModelForm):
    class Meta:
        model = Synonym
        fields = ("words", "note")

    def clean_words(self):
        words = Synonym(words=self.cleaned_data["words"]).terms()
        if len(words) < 2:
            raise forms.ValidationError(
                "同じものを指す語を「=」で区切って 2 語以上入力してください（例: NVIDIA = エヌビディア）。"
            )
        return " = ".join(words)


@admin.register(Synonym)
class SynonymAdmin(RoleRuleAccess, admin.ModelAdmin):
    form = SynonymForm
    list_display = ("words", "note", "updated_at")
    search_fields = ("words", "note")
    may = staticmethod(permissions.can_manage_synonyms)

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        transaction.on_commit(after_synonyms_change)

    def delete_model(self, request, obj):
        super().delete_model(request, obj)
        transaction.on_commit(after_synonyms_change)

    def delete_queryset(self, request, queryset):
        super().delete_queryset(request, queryset)
        transaction.on_commit(after_synonyms_change)
