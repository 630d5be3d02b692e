from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _


class CharacterClassValidator:
    """Require characters from several classes: upper case, lower case, digits, symbols."""

    def __init__(self, min_classes: int = 3):
        self.min_classes = min_classes

    @staticmethod
    def classes_in(password: str) -> int:
        checks = (str.isupper, str.islower, str.isdigit, lambda ch: not ch.isalnum())
        return sum(any(check(ch) for ch in password) for check in checks)

    def validate(self, password: str, user=None) -> None:
        if self.classes_in(password) < self.min_classes:
            raise ValidationError(
                _("密码至少要包含大写字母、小写字母、数字、符号中的%(count)d类") % {"count": self.min_classes},
                code="password_too_simple",
            )

    def get_help_text(self) -> str:
        return _("密码至少要包含大写字母、小写字母、数字、符号中的%(count)d类") % {"count": self.min_classes}


class PasswordAgeValidator:
    """Not a rule about the password's text: it records when each password is saved (Django calls
    ``password_changed`` on every save of a new password) and tells the password forms its maximum age."""

    def __init__(self, max_age_days: int = 90):
        self.max_age_days = max_age_days

    def validate(self, password: str, user=None) -> None:
        return None

    def password_changed(self, password: str, user=None) -> None:
        from accounts.passwords import record_password_saved

        record_password_saved(user)

    def get_help_text(self) -> str:
        if self.max_age_days <= 0:
            return ""
        return _("密码每%(days)d天须更换一次") % {"days": self.max_age_days}
