from collections.abc import Callable, Iterable
from datetime import timedelta
from functools import partialmethod
from typing import Any

from django import forms
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.contrib.admin.utils import flatten_fieldsets
from django.db.models import QuerySet
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.template.loader import render_to_string
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join

from tokshop.core.errors import ApplicationError

from . import filters
from .models import (
    Appeal,
    AppealStatus,
    HeldMessage,
    LinkDomain,
    MemberStanding,
    ModerationAction,
    ModerationPattern,
    ModerationWord,
    Report,
    ReportStatus,
    Sanction,
    SanctionKind,
    SanctionScope,
    SlowMode,
    VerificationRequest,
)
from .reportables import reportable_get
from .selectors import can_moderate, held_message_list_recent_for_sender
from .selectors_trust import TrustScore, member_standing_list, trust_inputs, trust_score_from
from .services.appeals import appeal_decide
from .services.held import held_message_release, held_message_remove, held_messages_sanction
from .services.reports import SanctionOrder, report_content_delete, report_decide, report_target, reports_sanction
from .services.rules import rule_row_delete, rule_row_save
from .services.sanctions import sanction_impose, sanction_lift, sanction_where
from .services.verification import verification_approve, verification_reject


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


def _trust_cell(trust: TrustScore) -> str:
    return format_html("<strong>{}</strong> · {}", trust.score, trust.level.value)


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
        "user_trust",
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

    def get_queryset(self, request: HttpRequest) -> QuerySet[Sanction]:
        return super().get_queryset(request).annotate(**trust_inputs(user_ref="user_id"))

    @admin.display(description="Trust")
    def user_trust(self, obj: Sanction) -> str:
        return _trust_cell(trust_score_from(user=obj.user, inputs=obj))

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


# --- The moderation queue: reports and held messages ------------------------------------------------

DURATIONS = {
    "1h": timedelta(hours=1),
    "24h": timedelta(hours=24),
    "7d": timedelta(days=7),
    "30d": timedelta(days=30),
    "": None,
}


class QueueDecisionForm(forms.Form):
    """What a moderator says when taking content down or sanctioning someone from the queue."""

    reason = forms.CharField(max_length=500, help_text="Told to the person it touches, and kept in the audit log.")
    scope = forms.ChoiceField(
        choices=[
            (SanctionScope.GLOBAL, "Everywhere on Tokshop"),
            (SanctionScope.SELLER, "In the shows of the seller where it happened"),
        ],
        initial=SanctionScope.GLOBAL,
    )
    duration = forms.ChoiceField(
        choices=[("1h", "1 hour"), ("24h", "24 hours"), ("7d", "7 days"), ("30d", "30 days"), ("", "Until lifted")],
        initial="24h",
        required=False,
    )

    def __init__(self, *args: Any, sanction: str | None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if sanction is None:
            del self.fields["scope"], self.fields["duration"]
        elif sanction == SanctionKind.WARNING:
            del self.fields["duration"]

    def order(self, kind: str) -> SanctionOrder:
        data = self.cleaned_data
        return SanctionOrder(
            kind=kind, reason=data["reason"], scope=data["scope"], duration=DURATIONS[data.get("duration", "")]
        )


def _described(rows: dict[str, Any]) -> str:
    """A reportable's description as a list of labels, each with one value or several."""
    listed = [(label, value if isinstance(value, list) else [value]) for label, value in rows.items()]
    return render_to_string("admin/moderation/_described.html", {"rows": listed})


def sanction_action(kind: str, description: str) -> Callable[..., TemplateResponse | None]:
    """A queue admin's bulk action that warns, mutes or bans the people behind the chosen rows,
    after asking the reason (and duration) through the admin's own `_sanction`."""

    @admin.action(description=description, permissions=["change"])
    def action(admin_view: Any, request: HttpRequest, queryset: QuerySet[Any]) -> TemplateResponse | None:
        response: TemplateResponse | None = admin_view._sanction(request, queryset, kind)
        return response

    return action


class QueueAdmin(admin.ModelAdmin):
    """What the report and held-message queues share: read-only rows, decided by actions that ask
    for a reason first and call the moderation services as the signed-in moderator."""

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        return [*self.fields] if self.fields else []

    def changeform_view(
        self, request: HttpRequest, object_id: str | None = None, form_url: str = "", extra_context: Any = None
    ) -> Any:
        # Every field is read-only: rows change through the actions, which audit and notify.
        extra_context = {**(extra_context or {}), "show_save": False, "show_save_and_continue": False}
        return super().changeform_view(request, object_id, form_url, extra_context)

    def _ask_then(
        self,
        request: HttpRequest,
        queryset: QuerySet[Any],
        *,
        title: str,
        sanction: str | None,
        apply: Callable[[QueueDecisionForm], str],
    ) -> TemplateResponse | None:
        """Show the reason (and duration) form for the chosen rows; once it is valid, apply."""
        form = QueueDecisionForm(request.POST if "apply" in request.POST else None, sanction=sanction)
        if form.is_bound and form.is_valid():
            try:
                self.message_user(request, apply(form))
            except ApplicationError as error:
                self.message_user(request, error.message, level=messages.ERROR)
            return None
        context = {
            **self.admin_site.each_context(request),
            "title": title,
            "opts": self.model._meta,
            "form": form,
            "queryset": queryset,
            "action": request.POST.get("action", ""),
            "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
        }
        return TemplateResponse(request, "admin/moderation/queue_decision.html", context)

    def _each(self, request: HttpRequest, queryset: Iterable[Any], decide: Callable[[Any], object]) -> int:
        """Decide row by row: one row already decided or out of reach does not stop the others."""
        done = 0
        for row in queryset:
            try:
                decide(row)
            except ApplicationError as error:
                self.message_user(request, f"#{row.pk}: {error.message}", level=messages.WARNING)
            else:
                done += 1
        return done


@admin.register(Report)
class ReportAdmin(QueueAdmin):
    list_display = ["id", "kind", "object_id", "target_user", "reason", "reported_by", "status", "created_at"]
    list_display_links = ["id", "kind"]
    list_filter = ["status", "reason", "kind", ("seller", admin.RelatedOnlyFieldListFilter)]
    search_fields = ["reporter__email", "target_user__email", "target_user__display_name", "details"]
    list_select_related = ["reporter", "target_user"]
    fields = [
        "reported_content",
        "kind",
        "object_id",
        "target_user",
        "seller",
        "reason",
        "details",
        "reported_by",
        "status",
        "decided_by",
        "decided_at",
        "created_at",
    ]
    actions = ["dismiss", "uphold", "delete_content", "warn", "mute", "ban"]

    @admin.display(description="Reporter", ordering="reporter")
    def reported_by(self, report: Report) -> Any:
        return report.reporter or "Tokshop (automatic flag)"

    @admin.display(description="Reported content")
    def reported_content(self, report: Report) -> str:
        target = report_target(report)
        if target is None:
            return _described({"Gone": "It no longer exists."})
        return _described(reportable_get(report.kind).describe(target))

    def _decide(self, request: HttpRequest, queryset: QuerySet[Report], status: str) -> None:
        done = self._each(
            request,
            queryset,
            lambda r: report_decide(actor=request.user, report_id=r.pk, status=status),  # type: ignore[arg-type]
        )
        self.message_user(request, f"{ReportStatus(status).label}: {done} report(s); each reporter was told.")

    @admin.action(description="Dismiss: nothing against the rules", permissions=["change"])
    def dismiss(self, request: HttpRequest, queryset: QuerySet[Report]) -> None:
        self._decide(request, queryset, ReportStatus.DISMISSED)

    @admin.action(description="Uphold: the report was right", permissions=["change"])
    def uphold(self, request: HttpRequest, queryset: QuerySet[Report]) -> None:
        self._decide(request, queryset, ReportStatus.UPHELD)

    @admin.action(description="Delete the reported content", permissions=["change"])
    def delete_content(self, request: HttpRequest, queryset: QuerySet[Report]) -> TemplateResponse | None:
        def apply(form: QueueDecisionForm) -> str:
            reason = form.cleaned_data["reason"]
            # One report per reported thing: taking it down upholds its other reports too.
            targets = list({(r.content_type_id, r.object_id): r for r in queryset}.values())
            done = self._each(
                request,
                targets,
                lambda r: report_content_delete(actor=request.user, report_id=r.pk, reason=reason),  # type: ignore[arg-type]
            )
            return f"Took down {done} reported thing(s)."

        return self._ask_then(request, queryset, title="Delete the reported content", sanction=None, apply=apply)

    def _sanction(self, request: HttpRequest, queryset: QuerySet[Report], kind: str) -> TemplateResponse | None:
        def apply(form: QueueDecisionForm) -> str:
            ids = list(queryset.values_list("pk", flat=True))
            sanctions = reports_sanction(actor=request.user, report_ids=ids, order=form.order(kind))  # type: ignore[arg-type]
            return f"{SanctionKind(kind).label}: {len(sanctions)} person(s); the open reports are upheld."

        title = f"{SanctionKind(kind).label} the people reported"
        return self._ask_then(request, queryset, title=title, sanction=kind, apply=apply)

    warn = sanction_action(SanctionKind.WARNING, "Warn the person behind it")
    mute = sanction_action(SanctionKind.MUTE, "Mute the person behind it")
    ban = sanction_action(SanctionKind.BAN, "Ban the person behind it")


@admin.register(HeldMessage)
class HeldMessageAdmin(QueueAdmin):
    list_display = ["id", "text", "kind", "verdict_code", "sender", "seller", "show_id", "status", "created_at"]
    list_display_links = ["id", "text"]
    list_filter = ["status", "kind", "verdict_code", ("seller", admin.RelatedOnlyFieldListFilter)]
    search_fields = ["text", "sender__email", "sender__display_name"]
    list_select_related = ["sender", "seller"]
    fields = [
        "in_context",
        "sender",
        "seller",
        "show_id",
        "kind",
        "verdict_code",
        "verdict_message",
        "status",
        "decided_by",
        "decided_at",
        "created_at",
    ]
    actions = ["release", "remove", "warn", "mute", "ban"]

    @admin.display(description="Message in context")
    def in_context(self, held: HeldMessage) -> str:
        recent = held_message_list_recent_for_sender(sender_id=held.sender_id)
        sender = held.sender
        return _described(
            {
                "Text": held.text,
                "Held because": f"{held.verdict_code}: {held.verdict_message}",
                "Sender": f"{sender.display_name} <{sender.email}>, joined {sender.date_joined:%Y-%m-%d}",
                "Sender's recent held messages": [
                    f"{m.created_at:%Y-%m-%d %H:%M} [{m.get_status_display().lower()}] {m.text}"
                    for m in recent
                    if m.pk != held.pk
                ]
                or "None",
            }
        )

    @admin.action(description="Release: show the messages", permissions=["change"])
    def release(self, request: HttpRequest, queryset: QuerySet[HeldMessage]) -> None:
        done = self._each(
            request,
            queryset,
            lambda h: held_message_release(actor=request.user, held_id=h.pk),  # type: ignore[arg-type]
        )
        self.message_user(request, f"Released {done} message(s).")

    @admin.action(description="Remove: never show the messages", permissions=["change"])
    def remove(self, request: HttpRequest, queryset: QuerySet[HeldMessage]) -> TemplateResponse | None:
        def apply(form: QueueDecisionForm) -> str:
            reason = form.cleaned_data["reason"]
            done = self._each(
                request,
                queryset,
                lambda h: held_message_remove(actor=request.user, held_id=h.pk, reason=reason),  # type: ignore[arg-type]
            )
            return f"Removed {done} message(s); each sender was told why."

        return self._ask_then(request, queryset, title="Remove the held messages", sanction=None, apply=apply)

    def _sanction(self, request: HttpRequest, queryset: QuerySet[HeldMessage], kind: str) -> TemplateResponse | None:
        def apply(form: QueueDecisionForm) -> str:
            ids = list(queryset.values_list("pk", flat=True))
            sanctions = held_messages_sanction(actor=request.user, held_ids=ids, order=form.order(kind))  # type: ignore[arg-type]
            return f"{SanctionKind(kind).label}: {len(sanctions)} sender(s); their pending messages are removed."

        title = f"{SanctionKind(kind).label} the senders"
        return self._ask_then(request, queryset, title=title, sanction=kind, apply=apply)

    warn = sanction_action(SanctionKind.WARNING, "Warn the senders")
    mute = sanction_action(SanctionKind.MUTE, "Mute the senders")
    ban = sanction_action(SanctionKind.BAN, "Ban the senders")


class VerificationRejectForm(forms.Form):
    reason = forms.CharField(
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 3, "cols": 60}),
        help_text="The seller reads this in their notification and on their verification page.",
    )


@admin.register(VerificationRequest)
class VerificationRequestAdmin(admin.ModelAdmin):
    """Requests are read here and decided by the actions; what a seller sent is never edited."""

    list_display = ["business_name", "seller", "entity_type", "country", "status", "created_at", "reviewer"]
    list_filter = ["status", "entity_type", "country"]
    search_fields = ["business_name", "legal_name", "seller__email", "company_number"]
    list_select_related = ["seller", "reviewer"]
    date_hierarchy = "created_at"
    actions = ["approve", "reject"]
    fieldsets = [
        ("Decision", {"fields": ["status", "reviewer", "reviewed_at", "rejection_reason"]}),
        ("Seller", {"fields": ["seller", "entity_type", "legal_name", "business_name", "date_of_birth"]}),
        ("Company", {"fields": ["company_number", "tax_id"]}),
        ("Contact", {"fields": ["address_line1", "address_line2", "city", "postal_code", "country", "phone"]}),
        ("Document", {"fields": ["document_link", "document_content_type", "created_at"]}),
    ]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        return flatten_fieldsets(self.fieldsets)

    def get_actions(self, request: HttpRequest) -> dict[str, Any]:
        # Viewing is not deciding: the actions appear for Tokshop's own moderators only.
        actions = super().get_actions(request)
        return actions if request.user.has_perm("moderation.moderate_everywhere") else {}

    def get_urls(self) -> list[Any]:
        return [
            path(
                "<int:request_id>/document/",
                self.admin_site.admin_view(self.document),
                name="moderation_verificationrequest_document",
            ),
            *super().get_urls(),
        ]

    @admin.display(description="ID document")
    def document_link(self, obj: VerificationRequest) -> str:
        url = reverse("admin:moderation_verificationrequest_document", args=[obj.pk])
        return format_html('<a href="{}" target="_blank" rel="noopener">Open the document</a>', url)

    def document(self, request: HttpRequest, request_id: int) -> FileResponse:
        """The identity document, to staff who may view requests; its file has no public URL."""
        if not self.has_view_permission(request):
            raise Http404
        verification = VerificationRequest.objects.filter(pk=request_id).first()
        if verification is None or not verification.document:
            raise Http404
        response = FileResponse(verification.document.open("rb"), content_type=verification.document_content_type)
        response["Content-Disposition"] = f'inline; filename="verification-{verification.pk}"'
        response["Cache-Control"] = "private, no-store"
        return response

    def _decide(self, request: HttpRequest, queryset: QuerySet[VerificationRequest], decide: Any) -> int:
        done = 0
        for verification in queryset:
            try:
                decide(verification)
            except ApplicationError as error:
                self.message_user(request, f"{verification.business_name}: {error.message}", messages.WARNING)
            else:
                done += 1
        return done

    @admin.action(description="Approve the selected requests")
    def approve(self, request: HttpRequest, queryset: QuerySet[VerificationRequest]) -> None:
        actor: Any = request.user
        done = self._decide(request, queryset, lambda v: verification_approve(actor=actor, request_id=v.pk))
        if done:
            self.message_user(request, f"Verified {done} sellers; each was notified.", messages.SUCCESS)

    @admin.action(description="Reject the selected requests…")
    def reject(self, request: HttpRequest, queryset: QuerySet[VerificationRequest]) -> HttpResponse | None:
        actor: Any = request.user
        form = VerificationRejectForm(request.POST if "apply" in request.POST else None)
        if form.is_bound and form.is_valid():
            reason = form.cleaned_data["reason"]
            done = self._decide(
                request, queryset, lambda v: verification_reject(actor=actor, request_id=v.pk, reason=reason)
            )
            if done:
                self.message_user(request, f"Rejected {done} requests; each seller was told why.", messages.SUCCESS)
            return None
        context = {
            **self.admin_site.each_context(request),
            "title": "Reject verification requests",
            "opts": self.model._meta,
            "form": form,
            "requests": queryset,
            "action_checkbox_name": ACTION_CHECKBOX_NAME,
        }
        return TemplateResponse(request, "admin/moderation/verification_reject.html", context)


@admin.register(MemberStanding)
class MemberStandingAdmin(admin.ModelAdmin):
    """Read-only: where each member stands. Sanctions are imposed from the sanctions admin."""

    list_display = ["display_name", "email", "trust", "factors", "sanctions", "links"]
    search_fields = ["email", "display_name"]
    list_filter = ["is_seller", "is_active"]
    fields = [
        "display_name",
        "email",
        "date_joined",
        "email_verified_at",
        "trust",
        "factor_table",
        "links",
    ]

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        return flatten_fieldsets(self.get_fieldsets(request, obj))

    def get_queryset(self, request: HttpRequest) -> QuerySet[Any]:
        return member_standing_list()

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    @staticmethod
    def _score(obj: Any) -> TrustScore:
        # Each column of a row reads the same score: compute it once per row.
        if not hasattr(obj, "_trust"):
            obj._trust = trust_score_from(user=obj, inputs=obj)
        return obj._trust

    @admin.display(description="Trust")
    def trust(self, obj: Any) -> str:
        return _trust_cell(self._score(obj))

    @admin.display(description="What counts")
    def factors(self, obj: Any) -> str:
        counted = [factor for factor in self._score(obj).factors if factor.points]
        return format_html_join(", ", "{} {}", ((factor.label, f"{factor.points:+d}") for factor in counted))

    @admin.display(description="Factors")
    def factor_table(self, obj: Any) -> str:
        rows = format_html_join(
            "",
            "<tr><td>{}</td><td>{}</td><td>{}</td></tr>",
            ((factor.label, factor.detail, f"{factor.points:+d}") for factor in self._score(obj).factors),
        )
        return format_html("<table><tbody>{}</tbody></table>", rows)

    @admin.display(description="Recent sanctions")
    def sanctions(self, obj: Any) -> str:
        return next(factor.detail for factor in self._score(obj).factors if factor.name == "sanctions")

    @admin.display(description="Links")
    def links(self, obj: Any) -> str:
        return format_html(
            '<a href="{}">Account</a> · <a href="{}">Sanctions</a>',
            reverse("admin:users_user_change", args=[obj.pk]),
            reverse("admin:moderation_sanction_changelist") + f"?user__id__exact={obj.pk}",
        )
