from csp.constants import UNSAFE_INLINE
from csp.decorators import csp_update
from django.conf import settings
from django.contrib import admin
from django.urls import include, path, re_path
from django.views.static import serve
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from analytics.apis import HealthApi, MetricsApi
from tokshop.core import views as core_views

admin.site.site_header = "Tokshop administration"
admin.site.site_title = "Tokshop admin"
admin.site.index_title = "Run the marketplace"

api_v1 = [
    path("", include("tokshop.users.api_urls")),
    path("", include("tokshop.notifications.api_urls")),
    path("", include("commerce.api_urls")),
    path("", include("moderation.api_urls")),
    path("", include("shows.api_urls")),
    path("", include("auctions.api_urls")),
    path("", include("auctions.api_urls_giveaways")),
]

urlpatterns = [
    path("", core_views.home, name="home"),
    path("accounts/", include("tokshop.users.urls")),
    path("notifications/", include("tokshop.notifications.urls")),
    path("", include("commerce.urls")),
    path("", include("moderation.urls")),
    path("", include("shows.urls")),
    path("", include("auctions.urls")),
    path("", include("auctions.urls_giveaways")),
    path("admin/", admin.site.urls),
    path("api/v1/", include((api_v1, "api"), namespace="api")),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    # Swagger UI sets inline styles as it renders; scripts stay restricted to our own files.
    path(
        "api/docs/",
        csp_update({"style-src": [UNSAFE_INLINE]})(SpectacularSwaggerSplitView.as_view(url_name="schema")),
        name="api-docs",
    ),
    path("favicon.ico", core_views.favicon, name="favicon"),
    path("api/health", HealthApi.as_view(), name="health"),
    path("metrics", MetricsApi.as_view(), name="metrics"),
]

if settings.DEBUG:
    # Uploaded files in development; production serves MEDIA_ROOT from the web server or a bucket.
    urlpatterns += [re_path(r"^media/(?P<path>.*)$", serve, {"document_root": settings.MEDIA_ROOT})]
