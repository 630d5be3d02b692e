from django import template

from supervision.clearance import may_read

register = template.Library()


@register.filter
def cited_for(record, user) -> str:
    """The record as cited to this reader: without its document number above his clearance."""
    if may_read(user, record):
        return record.describe()
    return f"{record.record_type}（{record.date:%Y-%m-%d}）"
