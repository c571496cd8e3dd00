"""URLconf for ``manage.py runsandbox``: the sandbox alone (plus sign-in for its faults page)."""

from django.contrib.auth import views as auth_views
from django.urls import include, path

urlpatterns = [
    path("login/", auth_views.LoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("sandbox/", include("numbers_admin.sandbox.urls")),
]
