"""The feedback area's part of the URL × role walk in tests/test_access.py.

``FEEDBACK_ALLOWED`` names the roles that get a 200 for each feedback page (everybody else logged in
gets 403); ``FEEDBACK_POST_ONLY`` lists the URLs that answer a GET with 405. URLs name their
arguments after what they point at (``period_pk``, ``unit_pk`` …); ``feedback_url`` fills each
from the objects made by ``feedback_objects``.

The registry's period is published and its unit viewer belongs to town A, so the unit viewer opens
town A's report, items and evidence; the other units' are tested in tests/test_feedback_access.py.
"""

from __future__ import annotations

import datetime

from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from accounts.roles import Role

OFFICERS = frozenset({Role.ASSESSMENT_OFFICER, Role.SUPERVISION_OFFICER})
ASSESSMENT_OFFICE = frozenset({Role.ASSESSMENT_OFFICER})
OFFICERS_AND_OWN_UNIT = OFFICERS | {Role.UNIT_VIEWER}

FEEDBACK_ALLOWED: dict = {
    "feedback:index": OFFICERS_AND_OWN_UNIT,
    "feedback:period": OFFICERS,
    "feedback:report": OFFICERS_AND_OWN_UNIT,
    "feedback:report_xlsx": OFFICERS_AND_OWN_UNIT,
    "feedback:note_edit": ASSESSMENT_OFFICE,
    "feedback:batch_status": OFFICERS,
    "feedback:batch_download": OFFICERS,
    "feedback:rectification_list": OFFICERS_AND_OWN_UNIT,
    "feedback:rectification_create": ASSESSMENT_OFFICE,
    "feedback:rectification_detail": OFFICERS_AND_OWN_UNIT,
    "feedback:rectification_edit": ASSESSMENT_OFFICE,
    "feedback:evidence_download": OFFICERS_AND_OWN_UNIT,
    "feedback:honours": OFFICERS,
    "feedback:award_create": ASSESSMENT_OFFICE,
    "feedback:award_edit": ASSESSMENT_OFFICE,
}
FEEDBACK_POST_ONLY: set[str] = {
    "feedback:batch_start", "feedback:rectification_progress", "feedback:rectification_review",
    "feedback:award_delete",
}

PDF_BYTES = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def feedback_objects(registry) -> dict:
    if "feedback" not in registry:
        from feedback.batches import generate_period_feedback
        from feedback.honours import award_give
        from feedback.models import AwardKind, FeedbackBatch, RectificationStatus
        from feedback.rectification import rectification_create, rectification_report_progress

        period, town_a = registry["period"], registry["town_a"]
        item = rectification_create(period=period, unit=town_a, source="feedback", problem="台账不全",
                                    requirement="一个月内补齐台账", deadline=datetime.date(2025, 3, 31))
        rectification_report_progress(item, status=RectificationStatus.IN_PROGRESS, note="已补齐一半",
                                      evidence_file=SimpleUploadedFile("台账.pdf", PDF_BYTES))
        batch = FeedbackBatch.objects.create(period=period)
        generate_period_feedback(batch.pk)
        award = award_give(period=period, kind=AwardKind.STEED, unit=town_a, citation="进位明显")
        registry["feedback"] = {"period_pk": period.pk, "unit_pk": town_a.pk,
                                "track_pk": registry["track"].pk, "scheme_pk": registry["scheme"].pk,
                                "item_pk": item.pk, "evidence_pk": item.evidence.get().pk, "batch_pk": batch.pk,
                                "award_pk": award.pk}
    return registry["feedback"]


def feedback_url(name: str, pattern, registry) -> str:
    objects = feedback_objects(registry)
    return reverse(name, kwargs={key: objects[key] for key in pattern.pattern.converters})
