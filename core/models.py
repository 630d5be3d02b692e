"""The shared models: background jobs kept as rows (the outbox) and the base of stored documents.

A job is written in the transaction that needs it, handed to Celery after it commits, claimed by exactly
one runner, and swept up again when the queue was down; the service that writes and runs them is
``core.jobs``. ``StoredDocument`` is abstract: each app that keeps documents has its own table."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class JobState(models.TextChoices):
    PENDING = "pending", _("等待执行")
    RUNNING = "running", _("正在执行")
    DONE = "done", _("已完成")
    FAILED = "failed", _("已失败")


class Job(models.Model):
    kind = models.CharField(_("任务类型"), max_length=64, help_text=_("例如 assessment.recompute"))
    # Jobs of one kind with the same key do the same work: while one waits, a second request joins it.
    key = models.CharField(_("合并键"), max_length=200, blank=True)
    payload = models.JSONField(_("参数"), default=dict, blank=True)
    state = models.CharField(_("状态"), max_length=16, choices=JobState.choices, default=JobState.PENDING)
    attempts = models.PositiveIntegerField(_("已尝试次数"), default=0)
    created_at = models.DateTimeField(_("创建时间"), default=timezone.now)
    run_after = models.DateTimeField(_("最早执行时间"), default=timezone.now)
    # When the job was last handed to the broker; empty while the queue could not be reached.
    sent_at = models.DateTimeField(_("投递时间"), null=True, blank=True)
    started_at = models.DateTimeField(_("开始时间"), null=True, blank=True)
    finished_at = models.DateTimeField(_("结束时间"), null=True, blank=True)
    # The run that holds the job: its token, its process, and (where the database has no session
    # locks to tell that it died) how long its claim lasts.
    lock_token = models.CharField(_("执行标识"), max_length=32, blank=True)
    locked_by = models.CharField(_("执行进程"), max_length=200, blank=True)
    locked_until = models.DateTimeField(_("占用截止"), null=True, blank=True)
    last_error = models.TextField(_("最近错误"), blank=True)
    result = models.JSONField(_("结果"), null=True, blank=True)

    class Meta:
        verbose_name = _("后台任务")
        verbose_name_plural = _("后台任务")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["kind", "key"], condition=Q(state="pending") & ~Q(key=""),
                                    name="one_pending_job_per_key"),
        ]
        indexes = [models.Index(fields=["state", "run_after"], name="job_state_run_after")]

    def __str__(self) -> str:
        return " ".join(part for part in (self.kind, self.key, f"#{self.pk}") if part)

    @property
    def waits_for_queue(self) -> bool:
        """Still to run and never handed to the broker: the queue was unreachable when it was written."""
        return self.state == JobState.PENDING and self.sent_at is None


class StoredDocument(models.Model):
    """A document uploaded by a user, checked by content and kept in private storage under its hash;
    served only through a checked, logged view of the app that owns it (core.documents.store_document fills it)."""

    original_name = models.CharField(_("原文件名"), max_length=200)
    content_type = models.CharField(_("文件类型"), max_length=100, blank=True)
    size = models.PositiveBigIntegerField(_("大小（字节）"), default=0)
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("上传人"), null=True, blank=True,
                                    on_delete=models.PROTECT, related_name="+")
    uploaded_at = models.DateTimeField(_("上传时间"), auto_now_add=True)

    class Meta:
        abstract = True
        ordering = ["uploaded_at", "pk"]

    def __str__(self) -> str:
        return self.original_name
