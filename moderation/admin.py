from functools import partialmethod
from typing import Any

from django import forms
from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils import timezone

from tokshop.core.errors import ApplicationError

from . import filters
from .models import (
    Appeal,
    AppealStatus,
    LinkDomain,
    ModerationAction,
    ModerationPattern,
    ModerationWord,
    Sanction,
    SanctionKind,
    SanctionScope,
    SlowMode,
)
from .selectors import can_moderate
from .services.appeals import appeal_decide
from .services.rules import rule_row_delete, rule_row_save
from .services.sanctions import sanction_impose, sanction_lift, sanction_where


def partial_form(form: type[forms.ModelForm], **kwargs: Any) -> type[forms.ModelForm]:
    """The admin's form class with extra constructor arguments bound (the admin builds it itself)."""
    return type(form.__name__, (form,), {"__init__": partialmethod(form.__init__, **kwargs)})


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


class SanctionImposeForm(forms.ModelForm):
    """Imposing a sanction in the admin: the same checks as everywhere, before anything is saved."""

    class Meta:
        model = Sanction
        fields = ["user", "kind", "scope", "seller", "show_id", "reason", "expires_at"]

    def __init__(self, *args: Any, actor: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.actor = actor

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        expires_at, kind = data.get("expires_at"), data.get("kind")
        if expires_at is not None and kind == SanctionKind.WARNING:
            self.add_error("expires_at", "A warning has no expiry.")
        elif expires_at is not None and expires_at <= timezone.now():
            self.add_error("expires_at", "Choose a time in the future.")
        seller, user = data.get("seller"), data.get("user")
        where = None if data.get("scope") == SanctionScope.GLOBAL or seller is None else seller.pk
        if self.actor is not None and not can_moderate(actor=self.actor, seller_id=where):
            raise forms.ValidationError("You don't moderate where this sanction would hold.")
        if self.actor is not None and user is not None and user.pk == self.actor.pk:
            self.add_error("user", "You can't sanction yourself.")
        return data


@admin.register(Sanction)
class SanctionAdmin(admin.ModelAdmin):
    """Sanctions are imposed and lifted through the services, so each one is audited and told;
    once imposed a sanction is never edited or deleted, only lifted (or withdrawn on appeal)."""

    list_display = [
        "user",
        "kind",
        "scope",
        "seller",
        "show_id",
        "expires_at",
        "revoked_at",
        "is_automatic",
        "created_by",
        "created_at",
    ]
    list_filter = ["kind", "scope", "is_automatic", ("revoked_at", admin.EmptyFieldListFilter)]
    search_fields = ["user__email", "user__display_name", "reason"]
    raw_id_fields = ["user", "seller", "created_by"]
    list_select_related = ["user", "seller", "created_by"]
    date_hierarchy = "created_at"
    actions = ["lift"]

    def get_form(self, request: HttpRequest, obj: Any = None, change: bool = False, **kwargs: Any) -> Any:
        if obj is not None:
            return super().get_form(request, obj, change=change, **kwargs)
        form = super().get_form(request, obj, change=change, form=SanctionImposeForm, **kwargs)
        return partial_form(form, actor=request.user)

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        if obj is None:
            return []
        return [field.name for field in Sanction._meta.fields]

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def save_model(self, request: HttpRequest, obj: Sanction, form: Any, change: bool) -> None:
        if change:
            return
        expires_at = form.cleaned_data.get("expires_at")
        imposed = sanction_impose(
            actor=request.user,  # type: ignore[arg-type]
            user=obj.user,
            kind=obj.kind,
            reason=obj.reason,
            scope=obj.scope,
            seller=obj.seller,
            show_id=obj.show_id,
            duration=expires_at - timezone.now() if expires_at is not None else None,
        )
        # The admin logs and redirects to the row the service made.
        obj.pk = imposed.pk

    @admin.action(description="Lift the selected mutes and bans now")
    def lift(self, request: HttpRequest, queryset: QuerySet[Sanction]) -> None:
        lifted = skipped = 0
        for sanction in queryset:
            try:
                sanction_lift(actor=request.user, sanction_id=sanction.pk, reason="Lifted by a moderator")  # type: ignore[arg-type]
            except ApplicationError:
                skipped += 1
            else:
                lifted += 1
        self.message_user(request, f"Lifted {lifted} sanctions.")
        if skipped:
            self.message_user(
                request,
                f"Skipped {skipped}: warnings have nothing to lift (grant an appeal to withdraw one), and you lift "
                "only where you moderate.",
                level=messages.WARNING,
            )


@admin.register(ModerationAction)
class ModerationActionAdmin(admin.ModelAdmin):
    """The audit log, read only: rows are only ever added, by the services."""

    list_display = ["created_at", "action", "actor", "target_user", "seller", "show_id", "reason"]
    list_filter = ["action", "created_at"]
    search_fields = ["target_user__email", "actor__email"]
    list_select_related = ["actor", "target_user", "seller"]
    date_hierarchy = "created_at"

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class AppealDecisionForm(forms.ModelForm):
    decision = forms.ChoiceField(
        choices=[("grant", "Grant: lift the mute or ban, withdraw the warning"), ("deny", "Deny: it stands")],
        widget=forms.RadioSelect,
    )
    note = forms.CharField(max_length=500, required=False, widget=forms.Textarea(attrs={"rows": 3}))

    class Meta:
        model = Appeal
        fields: list[str] = []


@admin.register(Appeal)
class AppealAdmin(admin.ModelAdmin):
    """Appeals are decided through `appeal_decide`: from the change page with a note, or in bulk."""

    list_display = ["id", "user", "sanction", "status", "created_at", "decided_at"]
    list_filter = ["status", "created_at"]
    search_fields = ["user__email", "text"]
    list_select_related = ["user", "sanction", "decided_by"]
    readonly_fields = [
        "user",
        "sanction",
        "sanction_where",
        "sanction_reason",
        "text",
        "status",
        "created_at",
        "decided_by",
        "decided_at",
        "decision_note",
    ]
    actions = ["grant", "deny"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Appeal | None = None) -> bool:
        # A decided appeal is only read; a pending one is decided on its page.
        return super().has_change_permission(request, obj) and (obj is None or obj.status == AppealStatus.PENDING)

    def get_form(self, request: HttpRequest, obj: Any = None, change: bool = False, **kwargs: Any) -> Any:
        if obj is not None and obj.status == AppealStatus.PENDING:
            kwargs["form"] = AppealDecisionForm
        return super().get_form(request, obj, change=change, **kwargs)

    @admin.display(description="Where")
    def sanction_where(self, appeal: Appeal) -> str:
        return f"{appeal.sanction.get_kind_display()} {sanction_where(appeal.sanction)}"

    @admin.display(description="Reason given")
    def sanction_reason(self, appeal: Appeal) -> str:
        return appeal.sanction.reason

    def save_model(self, request: HttpRequest, obj: Appeal, form: Any, change: bool) -> None:
        try:
            appeal_decide(
                actor=request.user,  # type: ignore[arg-type]
                appeal_id=obj.pk,
                grant=form.cleaned_data["decision"] == "grant",
                note=form.cleaned_data["note"],
            )
        except ApplicationError as error:
            self.message_user(request, error.message, level=messages.ERROR)

    def _decide(self, request: HttpRequest, queryset: QuerySet[Appeal], *, grant: bool) -> None:
        decided = 0
        for appeal in queryset.filter(status=AppealStatus.PENDING):
            try:
                appeal_decide(actor=request.user, appeal_id=appeal.pk, grant=grant, note="")  # type: ignore[arg-type]
            except ApplicationError as error:
                self.message_user(request, f"Appeal {appeal.pk}: {error.message}", level=messages.ERROR)
            else:
                decided += 1
        self.message_user(request, f"{'Granted' if grant else 'Denied'} {decided} appeals.")

    @admin.action(description="Grant the selected appeals (lift or withdraw the sanction)")
    def grant(self, request: HttpRequest, queryset: QuerySet[Appeal]) -> None:
        self._decide(request, queryset, grant=True)

    @admin.action(description="Deny the selected appeals")
    def deny(self, request: HttpRequest, queryset: QuerySet[Appeal]) -> None:
        self._decide(request, queryset, grant=False)
