"""One of every supervision object, for walking the supervision URLs as every role.

Supervision URLs name their arguments after what they point at (``cadre_pk``, ``unit_pk``,
``record_pk``, ``alert_pk``, ``attachment_pk``, ``batch_pk``, ``report_pk``, ``version_pk``);
``supervision_url`` fills each from the objects made here.
"""

from __future__ import annotations

import datetime

from django.core.files.base import ContentFile
from django.urls import reverse

# Supervision URLs that answer only POST (405 to a GET, whoever asks).
SUPERVISION_POST_ONLY: set[str] = set()
SUPERVISION_POST_ONLY |= {"supervision:mandatory_check_add", "supervision:report_generate"}  # FILE
SUPERVISION_POST_ONLY |= {"supervision:alert_close"}  # ALERTS


def supervision_objects(registry) -> dict:
    if "supervision" in registry:
        return registry["supervision"]
    from supervision.evaluation import after_records_changed
    from supervision.models import (
        Alert,
        ImportStatus,
        Record,
        RecordAttachment,
        RecordImportBatch,
        RecordType,
        ReportKind,
        RuleVersion,
        SupervisionReport,
    )

    cadre = registry["cadre_a"]
    record = Record.objects.create(cadre=cadre, record_type=RecordType.objects.get(name="诫勉"),
                                   date=datetime.date.today(), source="纪委监委", document_number="区纪〔2026〕1号")
    after_records_changed([cadre.pk])
    alert = Alert.objects.filter(cadre=cadre).first()
    attachment = RecordAttachment(record=record, original_name="决定书.pdf", size=4, sha256="0" * 64,
                                  content_type="application/pdf")
    attachment.file.save("a.pdf", ContentFile(b"%PDF"), save=False)
    attachment.save()
    batch = RecordImportBatch(original_name="records.xlsx", sha256="1" * 64, status=ImportStatus.COMMITTED)
    batch.file.save("records.xlsx", ContentFile(b"x"), save=False)
    batch.save()
    report = SupervisionReport.objects.create(kind=ReportKind.MONTHLY, period_start=datetime.date(2026, 1, 1),
                                              period_end=datetime.date(2026, 1, 31), data={})
    registry["supervision"] = {
        "cadre_pk": cadre.pk, "unit_pk": registry["town_a"].pk, "record_pk": record.pk,
        "alert_pk": alert.pk, "attachment_pk": attachment.pk, "batch_pk": batch.pk, "report_pk": report.pk,
        "version_pk": RuleVersion.objects.first().pk, "year": 2025,
    }
    return registry["supervision"]


def supervision_url(name: str, pattern, registry) -> str:
    objects = supervision_objects(registry)
    kwargs = {key: objects[key] for key in pattern.pattern.converters}
    return reverse(name, kwargs=kwargs)
