"""URLs of the supervision area's alert pages; joined in supervision.urls."""

urlpatterns = []
