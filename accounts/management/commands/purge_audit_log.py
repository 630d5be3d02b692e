"""Remove audit events past retention, after archiving them: the only deletion the log allows."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from accounts.audit import record_event
from accounts.audit_log import EXPORT_WRITERS, PurgeRefused, day_start, purge_before, retention_cutoff
from accounts.break_glass import console_operator
from accounts.management.commands.export_audit_log import parse_day
from accounts.models import AuditEvent, AuditOutcome


class Command(BaseCommand):
    help = _("先把某日之前的审计日志导出存档，再从数据库中清除。保存期（AUDIT_RETENTION_DAYS，至少180天）以内的记录拒绝清除。")

    def add_arguments(self, parser):
        parser.add_argument("--before", required=True, help=_("清除此日期（不含）之前的记录，YYYY-MM-DD"))
        parser.add_argument("--archive", required=True, type=Path, help=_("存档文件，扩展名为 .xlsx 或 .csv"))

    def handle(self, *args, before: str, archive, **options):
        archive = Path(archive)
        day = parse_day(before, "--before")
        write = EXPORT_WRITERS.get(archive.suffix.lower())
        if write is None:
            raise CommandError(_("只能存档为 .xlsx 或 .csv 文件：%(path)s") % {"path": archive})
        if day > retention_cutoff():
            record_event("audit.purge_refused", outcome=AuditOutcome.DENIED, before=day.isoformat(), operator=console_operator())
            raise CommandError(_("审计日志至少保存到 %(cutoff)s：不能清除 %(day)s 之前的记录") % {
                "cutoff": retention_cutoff().isoformat(), "day": day.isoformat()})
        first = AuditEvent.objects.order_by("occurred_at").values_list("occurred_at", flat=True).first()
        events = AuditEvent.objects.filter(occurred_at__lt=day_start(day)).order_by("occurred_at", "pk")
        count = events.count()
        try:
            archive.write_bytes(write(events))
        except OSError as exc:
            raise CommandError(_("无法写入存档 %(path)s：%(reason)s") % {"path": archive, "reason": exc}) from exc
        try:
            removed = purge_before(day)
        except PurgeRefused as exc:
            raise CommandError(str(exc)) from exc
        record_event("audit.purged", before=day.isoformat(), rows=removed, archived=count, archive=str(archive),
                     oldest=first.isoformat() if first else None, operator=console_operator())
        self.stdout.write(self.style.SUCCESS(_("已存档%(archived)d条并清除%(removed)d条 %(day)s 之前的审计记录") % {
            "archived": count, "removed": removed, "day": day.isoformat()}))
