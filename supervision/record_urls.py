"""URLs of the supervision area's record pages; joined in supervision.urls."""

urlpatterns = []
