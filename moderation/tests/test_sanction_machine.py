"""R17 of QUALITY.md: sanctions against a pure model. Moderators warn (three warnings mute by
themselves, for longer each time), mute, ban, unmute and unban; abusive messages warn; the clock
passes expiries and the sweep runs; other people report the sender. A muted or banned sender never
gets a message through, one whose sanctions all ended posts again within one sweep, every action
leaves exactly one audit row, and each reporter's reports of the sender are one report.

Deciding reports and sanctioning from the queue are checked by test_report_machine.py."""

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import pytest
from django.utils import timezone
from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule, run_state_machine_as_test

from moderation.models import AuditAction, ModerationAction, Report, ReportReason, Sanction, SanctionKind, SanctionScope
from moderation.services.check import Action, check_message
from moderation.services.moderators import staff_moderator_appoint
from moderation.services.reports import report_create
from moderation.services.sanctions import (
    AUTOMATIC_MUTE_DURATIONS,
    WARNINGS_TO_MUTE,
    sanction_impose,
    sanction_lift,
    sanctions_expire,
)
from tokshop.users.tests.factories import UserFactory

from .factories import SellerFactory, TrustedUserFactory

# Shows 1 and 2 are the first seller's, 3 and 4 the second's.
SHOWS = {1: 0, 2: 0, 3: 1, 4: 1}
IMPOSED = {
    SanctionKind.WARNING: AuditAction.WARN,
    SanctionKind.MUTE: AuditAction.MUTE,
    SanctionKind.BAN: AuditAction.BAN,
}
LIFTED = {SanctionKind.MUTE: AuditAction.UNMUTE, SanctionKind.BAN: AuditAction.UNBAN}


@dataclass
class Imposed:
    id: int
    kind: str
    scope: str
    seller: int | None
    show: int | None
    expires_at: datetime | None
    automatic: bool = False
    revoked: bool = False

    def in_force(self, now: datetime) -> bool:
        return not self.revoked and (self.expires_at is None or self.expires_at > now)

    def covers(self, show: int, now: datetime) -> bool:
        if self.kind == SanctionKind.WARNING or not self.in_force(now):
            return False
        if self.scope == SanctionScope.GLOBAL:
            return True
        if self.scope == SanctionScope.SELLER:
            return SHOWS[show] == self.seller
        return self.show == show

    def counts_in(self, seller: int | None) -> bool:
        """Counts toward (a warning) or resets (an automatic mute) the tally of a seller's shows or, None, Tokshop's."""
        return self.scope == SanctionScope.GLOBAL or (seller is not None and self.seller == seller)


def machine(django_capture_on_commit_callbacks):
    class Sanctions(RuleBasedStateMachine):
        def __init__(self) -> None:
            super().__init__()
            self.user: Any = TrustedUserFactory()
            self.moderator = staff_moderator_appoint(user=UserFactory())  # type: ignore[arg-type]
            self.sellers: list[Any] = [SellerFactory(), SellerFactory()]
            self.now = timezone.now()
            self.imposed: list[Imposed] = []
            self.audits = 0
            self.posts = 0
            self.reporters: list[Any] = [UserFactory(), UserFactory()]
            self.reported: set[int] = set()

        # --- The model of escalation ------------------------------------------------------------

        def expected_mutes(self, warning: Imposed) -> list[int | None]:
            """Where this warning's escalation mutes: None for everywhere, else a seller's index."""
            if warning.scope == SanctionScope.GLOBAL:
                sellers = sorted(
                    {s.seller for s in self.imposed if s.kind == SanctionKind.WARNING and s.seller is not None}
                )
                places: list[int | None] = [None, *sellers]
            else:
                places = [warning.seller]
            muted: list[int | None] = []
            for place in places:
                since = max(
                    (
                        n
                        for n, s in enumerate(self.imposed)
                        if s.automatic and s.kind == SanctionKind.MUTE and s.counts_in(place)
                    ),
                    default=-1,
                )
                counted = [
                    s
                    for s in self.imposed[since + 1 :]
                    if s.kind == SanctionKind.WARNING and not s.revoked and s.counts_in(place)
                ]
                if len(counted) >= WARNINGS_TO_MUTE:
                    muted.append(place)
                    if place is None:
                        break
            return muted

        def record(self, sanction: Sanction, seller: int | None, show: int | None) -> Imposed:
            imposed = Imposed(
                sanction.pk,
                sanction.kind,
                sanction.scope,
                seller,
                show,
                sanction.expires_at,
                automatic=sanction.is_automatic,
            )
            self.imposed.append(imposed)
            self.audits += 1
            return imposed

        def warned(self, warning: Sanction, seller: int | None, show: int | None) -> None:
            """Record a warning and check the automatic mutes it brought against the model."""
            automatic_before = sum(1 for s in self.imposed if s.automatic)
            expected = self.expected_mutes(self.record(warning, seller, show))
            made = list(Sanction.objects.filter(user=self.user, is_automatic=True, pk__gt=warning.pk).order_by("pk"))
            seller_index: dict[int | None, int] = {s.pk: n for n, s in enumerate(self.sellers)}
            assert [seller_index.get(m.seller_id) for m in made] == expected
            for number, mute in enumerate(made):
                duration = AUTOMATIC_MUTE_DURATIONS[min(automatic_before + number, len(AUTOMATIC_MUTE_DURATIONS) - 1)]
                assert mute.created_by is None
                assert mute.expires_at is not None
                assert abs((mute.expires_at - mute.created_at) - duration) < timedelta(seconds=5)
                self.record(mute, seller_index.get(mute.seller_id), None)

        def target(self, scope: str, show: int) -> dict:
            seller = SHOWS[show]
            return {
                "scope": scope,
                "seller": None if scope == SanctionScope.GLOBAL else self.sellers[seller],
                "show_id": show if scope == SanctionScope.SHOW else None,
            }

        # --- Rules --------------------------------------------------------------------------------

        @rule(scope=st.sampled_from(list(SanctionScope)), show=st.sampled_from(list(SHOWS)))
        def warn(self, scope, show):
            with django_capture_on_commit_callbacks(execute=True):
                warning = sanction_impose(
                    actor=self.moderator,
                    user=self.user,
                    kind=SanctionKind.WARNING,
                    reason="Model warn",
                    **self.target(scope, show),
                )
            self.warned(
                warning,
                None if scope == SanctionScope.GLOBAL else SHOWS[show],
                show if scope == SanctionScope.SHOW else None,
            )

        @rule(
            kind=st.sampled_from([SanctionKind.MUTE, SanctionKind.BAN]),
            scope=st.sampled_from(list(SanctionScope)),
            show=st.sampled_from(list(SHOWS)),
            minutes=st.sampled_from([None, 1, 5, 30]),
        )
        def mute_or_ban(self, kind, scope, show, minutes):
            with django_capture_on_commit_callbacks(execute=True):
                sanction = sanction_impose(
                    actor=self.moderator,
                    user=self.user,
                    kind=kind,
                    reason="Model check",
                    duration=None if minutes is None else timedelta(minutes=minutes),
                    **self.target(scope, show),
                )
            self.record(
                sanction,
                None if scope == SanctionScope.GLOBAL else SHOWS[show],
                show if scope == SanctionScope.SHOW else None,
            )

        @precondition(lambda self: any(s.kind != SanctionKind.WARNING and not s.revoked for s in self.imposed))
        @rule(data=st.data())
        def unmute_or_unban(self, data):
            liftable = [s for s in self.imposed if s.kind != SanctionKind.WARNING and not s.revoked]
            imposed = data.draw(st.sampled_from(liftable))
            with django_capture_on_commit_callbacks(execute=True):
                sanction_lift(actor=self.moderator, sanction_id=imposed.id, reason="Model lift")
                # Lifting again changes nothing and writes nothing.
                sanction_lift(actor=self.moderator, sanction_id=imposed.id)
            imposed.revoked = True
            self.audits += 1

        # No precondition: sanctions expire by the real clock at which they were imposed, so whether
        # one is still in force at the model's clock varies between runs of the same steps, and
        # Hypothesis needs the same steps to be possible every time it replays them.
        @rule()
        def expire(self):
            """Move the clock just past the next expiry (or a minute on, when none is due) and run the sweep once."""
            due = [s.expires_at for s in self.imposed if s.expires_at is not None and s.in_force(self.now)]
            self.now = min(due) + timedelta(seconds=1) if due else self.now + timedelta(minutes=1)
            with django_capture_on_commit_callbacks(execute=True):
                sanctions_expire(now=self.now)
            ended = {
                s.id
                for s in self.imposed
                if s.kind != SanctionKind.WARNING and not s.revoked and not s.in_force(self.now)
            }
            told = set(
                Sanction.objects.filter(user=self.user, expiry_notified_at__isnull=False).values_list("pk", flat=True)
            )
            assert ended <= told

        @rule(show=st.sampled_from(list(SHOWS)), abusive=st.booleans())
        def post(self, show, abusive):
            # A minute apart, so slow mode, rate and repeat windows never decide.
            self.now += timedelta(seconds=61)
            self.posts += 1
            text = f"what the fuck {self.posts}" if abusive else f"Is lot {self.posts} signed?"
            seller = SHOWS[show]
            with django_capture_on_commit_callbacks(execute=True):
                verdict = check_message(
                    sender=self.user, text=text, seller_id=self.sellers[seller].pk, show_id=show, now=self.now
                )
            covering = [s for s in self.imposed if s.covers(show, self.now)]
            if any(s.kind == SanctionKind.BAN for s in covering):
                assert (verdict.action, verdict.code) == (Action.REJECT, "banned")
            elif covering:
                assert (verdict.action, verdict.code) == (Action.REJECT, "muted")
            elif abusive:
                assert (verdict.action, verdict.code) == (Action.REJECT, "profanity")
                # Tokshop warned the sender in this seller's shows, and the warning may have muted them.
                warning = Sanction.objects.filter(user=self.user, kind=SanctionKind.WARNING).order_by("pk").last()
                assert (warning.created_by, warning.scope, warning.seller_id) == (
                    None,
                    "seller",
                    self.sellers[seller].pk,
                )
                self.warned(warning, seller, None)
            else:
                assert verdict.action == Action.ALLOW, verdict

        @rule(reporter=st.sampled_from([0, 1]), reason=st.sampled_from(list(ReportReason)))
        def report(self, reporter, reason):
            report, created = report_create(
                reporter=self.reporters[reporter], kind="user", object_id=self.user.pk, reason=reason
            )
            assert created == (reporter not in self.reported)
            assert report.target_user_id == self.user.pk
            self.reported.add(reporter)

        # --- Invariants ---------------------------------------------------------------------------

        @invariant()
        def one_report_per_reporter(self):
            assert Report.objects.filter(target_user=self.user).count() == len(self.reported)

        @invariant()
        def every_sanction_is_a_row_and_every_action_one_audit_row(self):
            rows = {s.pk: s for s in Sanction.objects.filter(user=self.user)}
            assert sorted(rows) == sorted(s.id for s in self.imposed)
            assert ModerationAction.objects.filter(target_user=self.user).count() == self.audits
            for imposed in self.imposed:
                audits = ModerationAction.objects.filter(details__sanction=imposed.id)
                assert audits.filter(action=IMPOSED[imposed.kind]).count() == 1
                lifts = audits.filter(action=LIFTED[imposed.kind]).count() if imposed.kind in LIFTED else 0
                assert lifts == (1 if imposed.revoked else 0)
                assert (rows[imposed.id].revoked_at is not None) == imposed.revoked

    return Sanctions


@pytest.mark.django_db
def test_sanctions_match_the_model(django_capture_on_commit_callbacks):
    run_state_machine_as_test(
        machine(django_capture_on_commit_callbacks),
        settings=settings(max_examples=30, stateful_step_count=25, deadline=None),
    )
