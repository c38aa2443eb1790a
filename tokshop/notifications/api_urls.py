from django.urls import path

from . import apis

urlpatterns = [
    path("notifications/", apis.NotificationListApi.as_view(), name="notification-list"),
    path("notifications/unread-count/", apis.NotificationUnreadCountApi.as_view(), name="notification-unread-count"),
    path("notifications/read/", apis.NotificationReadApi.as_view(), name="notification-read"),
    path("notifications/preferences/", apis.NotificationPreferencesApi.as_view(), name="notification-preferences"),
]
