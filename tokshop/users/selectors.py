from django.db.models import QuerySet

from .models import ApiToken, SellerProfile, User


def user_get_active(*, user_id: int) -> User | None:
    return User.objects.filter(pk=user_id, is_active=True).first()


def user_get_active_by_email(*, email: str) -> User | None:
    """The active account signed in with `email`, matched ignoring case as sign-up and log-in do."""
    return User.objects.filter(email__iexact=email.strip(), is_active=True).first()


def api_token_list(*, user: User) -> QuerySet[ApiToken]:
    return ApiToken.objects.filter(user=user).active()


def seller_profile_get(*, user: User) -> SellerProfile | None:
    return SellerProfile.objects.filter(user=user).first()
