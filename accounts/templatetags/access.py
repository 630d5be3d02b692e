"""``{% if request.user|can:"MANAGE_SCHEMES" %}``: a template asks the one permission gate, by capability name."""

from django import template

from accounts import access
from accounts.roles import Capability

register = template.Library()


@register.filter
def can(user, capability_name: str) -> bool:
    # Capability[...] raises KeyError on a misspelt name: a typo must fail loudly, not hide a button.
    return access.can(user, Capability[capability_name])
