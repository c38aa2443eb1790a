from typing import Any

from django import forms
from django.contrib import admin, messages
from django.db import transaction
from django.http import HttpRequest, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse

from tokshop.users.models import User

from .models import Notification, NotificationKind
from .services import notification_create


class AnnouncementForm(forms.Form):
    audience = forms.ChoiceField(
        choices=[("all", "Every active user"), ("sellers", "Sellers"), ("buyers", "Buyers")], initial="all"
    )
    title = forms.CharField(max_length=160)
    body = forms.CharField(widget=forms.Textarea, required=False, max_length=2000)
    url = forms.CharField(max_length=500, required=False, help_text="A path on this site, such as /accounts/shop/.")


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    list_display = ["title", "user", "kind", "created_at", "read_at", "emailed_at"]
    list_filter = ["kind", "read_at", "emailed_at"]
    search_fields = ["title", "user__email"]
    list_select_related = ["user"]
    raw_id_fields = ["user"]
    readonly_fields = ["created_at", "read_at", "emailed_at"]
    change_list_template = "admin/notifications/notification/change_list.html"

    def get_urls(self) -> list[Any]:
        return [
            path("announce/", self.admin_site.admin_view(self.announce), name="notifications_announce"),
            *super().get_urls(),
        ]

    def save_model(self, request: HttpRequest, obj: Notification, form: Any, change: bool) -> None:
        if change:
            super().save_model(request, obj, form, change)
            return
        # New notifications go through the service, so they are delivered live and e-mailed.
        created = notification_create(user=obj.user, kind=obj.kind, title=obj.title, body=obj.body, url=obj.url)
        obj.pk = created.pk

    def announce(self, request: HttpRequest) -> Any:
        form = AnnouncementForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            users = User.objects.filter(is_active=True)
            audience = form.cleaned_data["audience"]
            if audience == "sellers":
                users = users.filter(is_seller=True)
            elif audience == "buyers":
                users = users.filter(is_buyer=True)
            count = 0
            with transaction.atomic():
                for user in users.iterator():
                    notification_create(
                        user=user,
                        kind=NotificationKind.ANNOUNCEMENT,
                        title=form.cleaned_data["title"],
                        body=form.cleaned_data["body"],
                        url=form.cleaned_data["url"],
                    )
                    count += 1
            messages.success(request, f"Announcement sent to {count} users.")
            return HttpResponseRedirect(reverse("admin:notifications_notification_changelist"))
        context = {
            **self.admin_site.each_context(request),
            "form": form,
            "title": "Send an announcement",
            "opts": self.model._meta,
        }
        return TemplateResponse(request, "admin/notifications/announce.html", context)
