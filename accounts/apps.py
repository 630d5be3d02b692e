from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


def _sync_groups_after_migrate(sender, **kwargs):
    from accounts.services import sync_role_groups

    sync_role_groups()


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = _("用户与审计")

    def ready(self) -> None:
        from accounts import signals  # noqa: F401  (connects the audit receivers)

        # Permissions exist only after every app has migrated, so the groups are synced then.
        post_migrate.connect(_sync_groups_after_migrate, sender=self, dispatch_uid="accounts.sync_role_groups")
