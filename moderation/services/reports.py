"""Reports: people report what breaks the rules; Tokshop's moderators dismiss them, uphold them, take
the content down or sanction the person behind it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from django.contrib.contenttypes.models import ContentType
from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.utils import timezone

from tokshop.core.errors import ApplicationError, Conflict, NotFound
from tokshop.notifications.models import NotificationKind
from tokshop.notifications.services import notification_create

from ..models import AuditAction, Report, ReportReason, ReportStatus, Sanction, SanctionScope
from ..reportables import Reportable, reportable_find, reportable_get
from ..selectors import report_get_for_reporter
from ..signals import content_removed
from .audit import audit_record, moderation_permission_check
from .sanctions import sanction_impose

if TYPE_CHECKING:
    from tokshop.users.models import User

DETAILS_MAX_LENGTH = 1000


@transaction.atomic
def report_create(*, reporter: User, kind: str, object_id: int, reason: str, details: str = "") -> tuple[Report, bool]:
    """Report a thing the reporter can see; reporting it again returns the first report, unchanged
    (`created` False)."""
    if reason not in ReportReason.values:
        raise ApplicationError("Choose a reason.", fields={"reason": ["Choose one of the reasons."]})
    details = details.strip()
    if len(details) > DETAILS_MAX_LENGTH:
        message = f"Say it in at most {DETAILS_MAX_LENGTH} characters."
        raise ApplicationError(message, fields={"details": [message]})
    reportable, target = reportable_find(reporter=reporter, kind=kind, object_id=object_id)
    author = reportable.author(target)
    if author is not None and author.pk == reporter.pk:
        raise ApplicationError("You can't report yourself or what you posted.", code="self_report")
    existing = report_get_for_reporter(reporter=reporter, target=target)
    if existing is not None:
        return existing, False
    content_type = ContentType.objects.get_for_model(reportable.model)
    try:
        with transaction.atomic():
            report = Report.objects.create(
                reporter=reporter,
                kind=reportable.kind,
                content_type=content_type,
                object_id=target.pk,
                target_user=author,
                seller_id=reportable.seller_id(target),
                reason=reason,
                details=details,
            )
    except IntegrityError:
        # The same person reported it twice at once: the unique constraint kept one.
        return Report.objects.get(reporter=reporter, content_type=content_type, object_id=target.pk), False
    return report, True


@transaction.atomic
def report_flag_raise(*, target_user: User, seller_id: int | None, reason: str, details: str) -> Report | None:
    """Put a flag Tokshop raised itself about a person into the moderators' queue: a report of kind
    `user` with no reporter. None when an open flag with this reason, person and seller already waits:
    a check that runs again adds nothing until moderators decide the first."""
    if reason not in ReportReason.values:
        raise ValueError(f"Unknown report reason {reason!r}")
    waiting = Report.objects.filter(
        reporter__isnull=True, status=ReportStatus.OPEN, target_user=target_user, reason=reason, seller_id=seller_id
    )
    if waiting.exists():
        return None
    try:
        with transaction.atomic():
            return Report.objects.create(
                reporter=None,
                kind="user",
                content_type=ContentType.objects.get_for_model(type(target_user)),
                object_id=target_user.pk,
                target_user=target_user,
                seller_id=seller_id,
                reason=reason,
                details=details[:DETAILS_MAX_LENGTH],
            )
    except IntegrityError:
        # The same flag raised twice at once: the constraint kept one.
        return None


def report_target(report: Report) -> Any:
    """The reported thing as it is now, whoever may see it; None once it is gone."""
    model = report.content_type.model_class()
    if model is None:
        return None
    return model._default_manager.filter(pk=report.object_id).first()


_VERDICTS = {
    ReportStatus.UPHELD: (
        AuditAction.REPORT_UPHOLD,
        "We acted on your report",
        "Thank you: the {label} you reported broke our rules, and a moderator acted on it.",
    ),
    ReportStatus.DISMISSED: (
        AuditAction.REPORT_DISMISS,
        "We looked at your report",
        "A moderator looked at the {label} you reported and found nothing against our rules.",
    ),
}


def _report_close(*, actor: User, report: Report, status: str, reason: str) -> None:
    """Decide an open report (locked by the caller): audited, and the reporter is told."""
    action, title, body = _VERDICTS[ReportStatus(status)]
    report.status = status
    report.decided_by = actor
    report.decided_at = timezone.now()
    report.save(update_fields=["status", "decided_by", "decided_at"])
    audit_record(
        actor=actor,
        action=action,
        target_user=report.target_user,
        seller_id=report.seller_id,
        reason=reason,
        details={"report": report.pk, "kind": report.kind, "object_id": report.object_id},
    )
    # Tokshop's own flags have nobody to tell.
    if report.reporter is not None:
        notification_create(
            user=report.reporter, kind=NotificationKind.MODERATION, title=title, body=body.format(label=_label(report))
        )


def _label(report: Report) -> str:
    try:
        return reportable_get(report.kind).label
    except NotFound:
        return report.kind


def _reports_locked() -> QuerySet[Report]:
    # Only the report row is locked: its reporter and target are read alongside, not changed.
    return Report.objects.select_for_update(of=("self",)).select_related("reporter", "target_user")


def _report_lock_open(report_id: int) -> Report:
    report = _reports_locked().filter(pk=report_id).first()
    if report is None:
        raise NotFound("No such report.")
    if report.status != ReportStatus.OPEN:
        raise Conflict("This report was already decided.", code="already_decided")
    return report


@transaction.atomic
def report_decide(*, actor: User, report_id: int, status: str, reason: str = "") -> Report:
    """Dismiss an open report (nothing to act on) or uphold it (the moderator acted, or will by
    other means); Tokshop's moderators only. The reporter is told."""
    moderation_permission_check(actor=actor, seller_id=None)
    if status not in _VERDICTS:
        raise ApplicationError("A report is upheld or dismissed.", fields={"status": ["Uphold or dismiss."]})
    report = _report_lock_open(report_id)
    _report_close(actor=actor, report=report, status=status, reason=reason)
    return report


def _uphold_open_reports(*, actor: User, reports: list[Report], reason: str) -> list[int]:
    closed = []
    for report in reports:
        locked = _reports_locked().get(pk=report.pk)
        if locked.status == ReportStatus.OPEN:
            _report_close(actor=actor, report=locked, status=ReportStatus.UPHELD, reason=reason)
            closed.append(locked.pk)
    return closed


@transaction.atomic
def report_content_delete(*, actor: User, report_id: int, reason: str) -> Report:
    """Take the reported thing down and uphold every open report of it; the person behind it is
    told why. Kinds without a `delete` are taken down by their app, on `content_removed`."""
    moderation_permission_check(actor=actor, seller_id=None)
    report = Report.objects.select_related("content_type", "target_user").filter(pk=report_id).first()
    if report is None:
        raise NotFound("No such report.")
    reason = reason.strip()
    if not reason:
        raise ApplicationError("Say why it is taken down.", fields={"reason": ["Say why it is taken down."]})
    reportable: Reportable = reportable_get(report.kind)
    if not reportable.is_content:
        raise ApplicationError("A person is not content: warn, mute or ban them instead.", code="not_content")
    target = report_target(report)
    if target is None:
        raise NotFound(f"This {reportable.label} no longer exists.")
    if reportable.delete is not None:
        reportable.delete(actor, target)
    same_target = list(Report.objects.filter(content_type=report.content_type, object_id=report.object_id))
    upheld = _uphold_open_reports(actor=actor, reports=same_target, reason=reason)
    audit_record(
        actor=actor,
        action=AuditAction.CONTENT_DELETE,
        target_user=report.target_user,
        seller_id=report.seller_id,
        reason=reason,
        details={"kind": report.kind, "object_id": report.object_id, "reports": upheld},
        notify=(f"Your {reportable.label} was taken down", f"Reason: {reason}"),
    )
    kind, object_id = report.kind, report.object_id
    transaction.on_commit(
        lambda: content_removed.send(sender=Report, kind=kind, object_id=object_id, actor=actor, reason=reason)
    )
    report.refresh_from_db()
    return report


@dataclass(frozen=True)
class SanctionOrder:
    """A sanction a moderator imposes from the queue: what, why, where and for how long."""

    kind: str
    reason: str
    scope: str = SanctionScope.GLOBAL
    duration: timedelta | None = None


def queue_sanction_impose(*, actor: User, user: User, seller: User | None, order: SanctionOrder) -> Sanction:
    """Impose a sanction ordered from the queue on `user`, in `seller`'s shows unless it is global."""
    return sanction_impose(
        actor=actor,
        user=user,
        kind=order.kind,
        reason=order.reason,
        scope=order.scope,
        seller=seller if order.scope != SanctionScope.GLOBAL else None,
        duration=order.duration,
    )


@transaction.atomic
def reports_sanction(*, actor: User, report_ids: list[int], order: SanctionOrder) -> list[Sanction]:
    """Warn, mute or ban the people behind the reports (each person once, however many of their
    reports are chosen) and uphold the open ones. `scope` seller means the reported thing's seller."""
    moderation_permission_check(actor=actor, seller_id=None)
    reports = list(Report.objects.select_related("target_user", "seller").filter(pk__in=report_ids).order_by("pk"))
    by_person: dict[tuple[int, int | None], list[Report]] = {}
    for report in reports:
        if report.target_user is None:
            raise ApplicationError("The person behind this report no longer has an account.", code="no_person")
        where = report.seller_id if order.scope != SanctionScope.GLOBAL else None
        by_person.setdefault((report.target_user.pk, where), []).append(report)
    sanctions = []
    for chosen in by_person.values():
        first = chosen[0]
        assert first.target_user is not None
        sanctions.append(queue_sanction_impose(actor=actor, user=first.target_user, seller=first.seller, order=order))
        _uphold_open_reports(actor=actor, reports=chosen, reason=order.reason)
    return sanctions
