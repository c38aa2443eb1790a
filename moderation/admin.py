from typing import Any

from django import forms
from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest

from . import filters
from .models import LinkDomain, ModerationPattern, ModerationWord, Sanction, SlowMode
from .services.rules import rule_row_delete, rule_row_save
from .services.sanctions import sanction_delete, sanction_revoke, sanction_save


class RuleRowAdmin(admin.ModelAdmin):
    """Words, patterns, domains and slow modes: saving one makes every process reload the rules."""

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        rule_row_save(row=obj)

    def delete_model(self, request: HttpRequest, obj: Any) -> None:
        rule_row_delete(row=obj)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> None:
        for row in queryset:
            rule_row_delete(row=row)


@admin.register(ModerationWord)
class ModerationWordAdmin(RuleRowAdmin):
    list_display = ["word", "kind", "seller", "created_at"]
    list_filter = ["kind", ("seller", admin.EmptyFieldListFilter)]
    search_fields = ["word", "seller__email"]
    raw_id_fields = ["seller"]
    list_select_related = ["seller"]


class ModerationPatternForm(forms.ModelForm):
    class Meta:
        model = ModerationPattern
        fields = ["pattern", "action", "description", "seller"]

    def clean_pattern(self) -> str:
        pattern: str = self.cleaned_data["pattern"]
        try:
            filters.validate_pattern(pattern)
        except filters.PatternError as error:
            raise forms.ValidationError(str(error)) from None
        return pattern


@admin.register(ModerationPattern)
class ModerationPatternAdmin(RuleRowAdmin):
    form = ModerationPatternForm
    list_display = ["pattern", "action", "description", "seller", "created_at"]
    list_filter = ["action", ("seller", admin.EmptyFieldListFilter)]
    search_fields = ["pattern", "description", "seller__email"]
    raw_id_fields = ["seller"]
    list_select_related = ["seller"]


@admin.register(LinkDomain)
class LinkDomainAdmin(RuleRowAdmin):
    list_display = ["domain", "created_at"]
    search_fields = ["domain"]


@admin.register(SlowMode)
class SlowModeAdmin(RuleRowAdmin):
    list_display = ["seller", "show_id", "seconds"]
    search_fields = ["seller__email"]
    raw_id_fields = ["seller"]
    list_select_related = ["seller"]


@admin.register(Sanction)
class SanctionAdmin(admin.ModelAdmin):
    list_display = [
        "user",
        "kind",
        "scope",
        "seller",
        "show_id",
        "expires_at",
        "revoked_at",
        "created_by",
        "created_at",
    ]
    list_filter = ["kind", "scope", ("revoked_at", admin.EmptyFieldListFilter)]
    search_fields = ["user__email", "user__display_name", "reason"]
    raw_id_fields = ["user", "seller", "created_by"]
    list_select_related = ["user", "seller", "created_by"]
    readonly_fields = ["created_by", "created_at", "revoked_at"]
    actions = ["revoke"]

    def save_model(self, request: HttpRequest, obj: Sanction, form: Any, change: bool) -> None:
        if not change:
            obj.created_by = request.user  # type: ignore[assignment]
        sanction_save(sanction=obj)

    def delete_model(self, request: HttpRequest, obj: Sanction) -> None:
        sanction_delete(sanction=obj)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[Sanction]) -> None:
        for sanction in queryset:
            sanction_delete(sanction=sanction)

    @admin.action(description="Lift the selected sanctions now")
    def revoke(self, request: HttpRequest, queryset: QuerySet[Sanction]) -> None:
        for sanction in queryset:
            sanction_revoke(sanction_id=sanction.pk)
        self.message_user(request, f"Lifted {queryset.count()} sanctions.")
