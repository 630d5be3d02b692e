from django.core.management.base import BaseCommand, CommandError
from django.db.models import Count
from django.utils.translation import gettext as _

from core import jobs
from core.models import Job, JobState


class Command(BaseCommand):
    help = _("清扫后台任务：把队列不可用时未能投递的任务、到期重试的任务和执行进程已中断的任务重新投递到队列"
             "（Celery beat 每分钟自动执行一次），并列出各状态的任务数和失败的任务。")

    def handle(self, *args, **options):
        summary = jobs.sweep()
        counts = dict(Job.objects.values_list("state").annotate(count=Count("pk")).values_list("state", "count"))
        self.stdout.write(_("已投递%(sent)d个任务，重新投递%(reclaimed)d个中断的任务，清理%(pruned)d条已结束的旧任务。") % {
            "sent": summary.sent, "reclaimed": summary.reclaimed, "pruned": summary.pruned})
        self.stdout.write("；".join(f"{JobState(state).label} {counts.get(state, 0)}" for state in JobState.values))
        for job in Job.objects.filter(state=JobState.FAILED).order_by("-finished_at")[:20]:
            reason = (job.last_error.strip().splitlines() or [""])[-1]  # a traceback's last line names the error
            self.stdout.write(self.style.WARNING(f"#{job.pk} {job.kind} {job.key} {reason}"))
        if summary.queue_unreachable:
            raise CommandError(_("后台队列不可用，任务仍在等待；队列恢复后再运行本命令或等待自动清扫。"))
