from django.conf import settings
from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from numbers_admin.views import shell

urlpatterns = [
    path("login/", auth_views.LoginView.as_view(redirect_authenticated_user=True), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("password/", auth_views.PasswordChangeView.as_view(), name="password_change"),
    path(
        "password/done/",
        auth_views.PasswordChangeDoneView.as_view(),
        name="password_change_done",
    ),
    path("healthz", shell.healthz, name="healthz"),
    path("", include("numbers_admin.views.overview")),
    path("numbers/", include(("numbers_admin.views.numbers", "numbers"))),
    path("numbers/", include(("numbers_admin.views.configure", "configure"))),
    path("numbers/", include(("numbers_admin.views.release", "release"))),
    path("buy/", include(("numbers_admin.views.buy", "buy"))),
    path("import/", include(("numbers_admin.views.imports", "imports"))),
    path("accounts/", include(("numbers_admin.views.accounts", "accounts"))),
    path("jobs/", include(("numbers_admin.views.jobs", "jobs"))),
    path("users/", include(("numbers_admin.views.users", "users"))),
    path("admin/", admin.site.urls),
]

if settings.SANDBOX_ENABLED:
    urlpatterns += [path("sandbox/", include("numbers_admin.sandbox.urls"))]

handler403 = "numbers_admin.views.shell.permission_denied"
handler404 = "numbers_admin.views.shell.page_not_found"
