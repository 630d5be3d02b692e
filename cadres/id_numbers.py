"""Resident identity numbers (GB 11643-1999): checksum, birth date and gender, masking."""

from __future__ import annotations

from datetime import date

from django.utils.translation import gettext as _

_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_CHECK_CHARACTERS = "10X98765432"


def check_character(first_17_digits: str) -> str:
    total = sum(int(digit) * weight for digit, weight in zip(first_17_digits, _WEIGHTS, strict=True))
    return _CHECK_CHARACTERS[total % 11]


def id_number_problem(id_number: str) -> str | None:
    """Why this is not a valid 18-character ID number, in words; None when it is valid."""
    value = (id_number or "").strip().upper()
    if len(value) != 18:
        return _("身份证号应为18位，实际为%(length)d位") % {"length": len(value)}
    if not value[:17].isdigit() or not (value[17].isdigit() or value[17] == "X"):
        return _("身份证号只能由数字和末位的X组成")
    if birth_date_from_id(value) is None:
        return _("身份证号中的出生日期%(digits)s不是有效日期") % {"digits": value[6:14]}
    if check_character(value[:17]) != value[17]:
        return _("身份证号校验位错误：末位应为%(expected)s") % {"expected": check_character(value[:17])}
    return None


def birth_date_from_id(id_number: str) -> date | None:
    try:
        return date(int(id_number[6:10]), int(id_number[10:12]), int(id_number[12:14]))
    except ValueError:
        return None


def gender_from_id(id_number: str) -> str:
    """'M' or 'F': the 17th digit is odd for men and even for women."""
    return "M" if int(id_number[16]) % 2 else "F"


def mask_id_number(id_number: str) -> str:
    """Keep the region and the check character, hide the birth date and sequence."""
    if not id_number:
        return ""
    if len(id_number) < 8:
        return "*" * len(id_number)
    return f"{id_number[:4]}{'*' * (len(id_number) - 6)}{id_number[-2:]}"


def mask_phone(phone: str) -> str:
    if not phone or len(phone) < 7:
        return "*" * len(phone or "")
    return f"{phone[:3]}****{phone[-4:]}"
