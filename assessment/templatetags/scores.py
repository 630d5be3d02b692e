"""Display of scores: two decimals rounded half up, as SPEC §4 requires (Python's round() is banker's)."""

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from django import template

register = template.Library()


@register.filter
def score(value, places: int = 2) -> str:
    if value is None or value == "":
        return "—"
    try:
        number = Decimal(repr(float(value)))
    except (InvalidOperation, TypeError, ValueError):
        return "—"
    if number.is_nan():
        return "—"
    quantum = Decimal(1).scaleb(-int(places))
    return str(number.quantize(quantum, rounding=ROUND_HALF_UP))


@register.filter
def percent(value) -> str:
    if value is None:
        return "—"
    return score(float(value) * 100, 1) + "%"


@register.filter
def absolute(value):
    return abs(value) if value is not None else value


@register.filter
def get_item(mapping, key):
    return mapping.get(key) if mapping else None
