from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SiteConfig(AppConfig):
    name = "assessment.site"
    label = "site"
    verbose_name = _("平台")

    def ready(self):
        # The Celery app is created with Django, so that every task and every .delay() in this process
        # use its configuration; the domain packages below never import it.
        from assessment import celery  # noqa: F401
