from typing import Any

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _

from .models import ApiToken, SellerProfile, User
from .selectors_links import account_signal_summary, linked_account_list
from .services import user_password_changed, user_sign_out_everywhere


class SellerProfileInline(admin.StackedInline):
    model = SellerProfile
    can_delete = False
    extra = 0


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    ordering = ["-date_joined"]
    list_display = [
        "email",
        "display_name",
        "is_buyer",
        "is_seller",
        "is_moderator",
        "is_staff",
        "email_verified_at",
        "date_joined",
    ]
    list_filter = ["is_seller", "is_moderator", "is_staff", "is_active", "email_verified_at"]
    search_fields = ["email", "display_name", "seller_profile__shop_name"]
    readonly_fields = ["date_joined", "last_login", "seen_with", "linked_accounts"]
    inlines = [SellerProfileInline]
    fieldsets = (
        (None, {"fields": ("email", "password")}),
        (_("Profile"), {"fields": ("display_name", "avatar", "email_verified_at")}),
        (_("Roles"), {"fields": ("is_buyer", "is_seller", "is_moderator", "is_staff", "is_superuser", "is_active")}),
        (_("Permissions"), {"fields": ("groups", "user_permissions")}),
        (_("Dates"), {"fields": ("last_login", "date_joined")}),
        (_("Linked accounts"), {"fields": ("seen_with", "linked_accounts")}),
    )
    add_fieldsets = ((None, {"classes": ("wide",), "fields": ("email", "display_name", "password1", "password2")}),)

    @admin.display(description="Seen with")
    def seen_with(self, user: User) -> str:
        # Values are keyed hashes that only say "the same as", so counts and dates are what is shown.
        seen = account_signal_summary(user_id=user.pk)
        if not seen:
            return "Nothing recorded yet"
        return "; ".join(f"{row.label}: {row.count}, last {row.last_seen_at:%Y-%m-%d %H:%M}" for row in seen)

    @admin.display(description="Accounts sharing a device, card or address")
    def linked_accounts(self, user: User) -> str:
        # The same rule that refuses their bids on each other's lots (decision 0024).
        linked = linked_account_list(user_id=user.pk)
        if not linked:
            return "None"
        return format_html(
            "<ul>{}</ul>",
            format_html_join(
                "",
                '<li><a href="{}">{}</a>: {}</li>',
                (
                    (reverse("admin:users_user_change", args=[link.user.pk]), str(link.user), ", ".join(link.kinds))
                    for link in linked
                ),
            ),
        )

    def user_change_password(self, request: HttpRequest, id: str, form_url: str = "") -> HttpResponse:
        response = super().user_change_password(request, id, form_url)
        # A redirect after a POST is Django's sign that the new password was saved.
        if request.method == "POST" and response.status_code == 302:
            user = self.get_object(request, id)
            assert user is not None
            user_password_changed(user=user)
        return response

    def save_model(self, request: HttpRequest, obj: User, form: Any, change: bool) -> None:
        super().save_model(request, obj, form, change)
        if change and "is_active" in form.changed_data and not obj.is_active:
            user_sign_out_everywhere(user=obj, reason="account_deactivated")


@admin.register(SellerProfile)
class SellerProfileAdmin(admin.ModelAdmin):
    list_display = ["shop_name", "slug", "user", "verification_status", "created_at"]
    list_filter = ["verification_status"]
    search_fields = ["shop_name", "slug", "user__email"]
    list_select_related = ["user"]
    raw_id_fields = ["user"]
    prepopulated_fields = {"slug": ("shop_name",)}


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    list_display = ["name", "prefix", "user", "created_at", "last_used_at", "expires_at", "revoked_at"]
    list_filter = ["revoked_at"]
    search_fields = ["name", "prefix", "user__email"]
    list_select_related = ["user"]
    raw_id_fields = ["user"]
    readonly_fields = ["user", "name", "prefix", "digest", "created_at", "last_used_at", "expires_at"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        # Tokens are issued to devices through the API, where the secret is shown once.
        return False
