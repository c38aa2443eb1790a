from django.db.models import QuerySet

from .models import ApiToken, SellerProfile, User


def user_get_active(*, user_id: int) -> User | None:
    return User.objects.filter(pk=user_id, is_active=True).first()


def api_token_list(*, user: User) -> QuerySet[ApiToken]:
    return ApiToken.objects.filter(user=user).active()


def seller_profile_get(*, user: User) -> SellerProfile | None:
    return SellerProfile.objects.filter(user=user).first()
