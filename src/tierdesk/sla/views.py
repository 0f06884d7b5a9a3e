"""Pages of service levels: attainment."""

urlpatterns: list = []
