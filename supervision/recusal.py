"""Recusal (回避): an officer does not open his own supervision file nor a close relative's.

The officer's own cadre is the one whose ``account`` is his login; relatives are the kinships
declared either way round whose relation is listed in ``RECUSAL_RELATIONS``. A refused opening is
written to the audit log, so a reviewer sees who tried.
"""

from __future__ import annotations

import dataclasses

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.utils.translation import gettext as _

from accounts.audit import record_event
from accounts.models import AuditOutcome
from cadres.models import Cadre, Kinship


def recused_cadre_ids(user) -> set[int]:
    """The cadres whose files this user may not open: himself and his close relatives."""
    own = set(Cadre.objects.filter(account_id=user.pk).values_list("pk", flat=True)) if user.pk else set()
    if not own:
        return set()
    ties = Kinship.objects.filter(relation__in=settings.RECUSAL_RELATIONS).filter(
        Q(cadre_id__in=own) | Q(relative_id__in=own)).values_list("cadre_id", "relative_id")
    return own | {pk for pair in ties for pk in pair}


def check_not_recused(request, cadre: Cadre) -> None:
    """Refuse (403) and log when the user must recuse himself from this cadre's file."""
    if cadre.pk in recused_cadre_ids(request.user):
        record_event("supervision.file_refused_recusal", request=request, obj=cadre, outcome=AuditOutcome.DENIED)
        raise PermissionDenied(_("按照回避规定，您不能查看本人或近亲属的监督档案"))


def withhold_recused(entries: list, request) -> list:
    """A batch pre-check's entries, with the verdicts on the user's own or his relatives' files
    withheld (and the refusal logged) — the same rule as opening the file."""
    recused = recused_cadre_ids(request.user)
    kept = []
    for entry in entries:
        if entry.verdict is not None and entry.verdict.cadre.pk in recused:
            record_event("supervision.file_refused_recusal", request=request, obj=entry.verdict.cadre,
                         outcome=AuditOutcome.DENIED, via="precheck_batch")
            entry = dataclasses.replace(entry, verdict=None, problem=_("按照回避规定，不能核查本人或近亲属"))
        kept.append(entry)
    return kept
