"""Views, one module per area. Each module holds its own ``urlpatterns``."""
