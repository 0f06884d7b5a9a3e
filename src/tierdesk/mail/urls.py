"""Pages of mail."""

from tierdesk.mail import views_outbound

app_name = "mail"
urlpatterns: list = [*views_outbound.urlpatterns]
