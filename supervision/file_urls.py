"""URLs of the supervision area's file pages; joined in supervision.urls."""

urlpatterns = []
