"""Reports against a pure model (part of QUALITY.md R17): one report per reporter per thing however
often it is sent, a report is decided once, every decision is audited, and a person muted from the
queue gets no message through."""

from datetime import timedelta

import pytest
from django.utils import timezone
from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule, run_state_machine_as_test

from commerce.tests.factories import ProductFactory
from moderation.models import AuditAction, ModerationAction, Report, ReportReason, ReportStatus, SanctionKind
from moderation.services.check import Action, check_message
from moderation.services.moderators import staff_moderator_appoint
from moderation.services.reports import SanctionOrder, report_create, report_decide, reports_sanction
from tokshop.core.errors import Conflict
from tokshop.users.tests.factories import UserFactory

from .factories import TrustedUserFactory

DECISIONS = [AuditAction.REPORT_DISMISS, AuditAction.REPORT_UPHOLD]


def machine(django_capture_on_commit_callbacks):
    class Reports(RuleBasedStateMachine):
        def __init__(self) -> None:
            super().__init__()
            self.moderator = staff_moderator_appoint(user=UserFactory.create())
            self.reporters = TrustedUserFactory.create_batch(3)
            self.people = TrustedUserFactory.create_batch(2)
            self.products = [ProductFactory(seller=self.people[0])]
            # (reporter index, kind, target index) -> status, as the model sees it.
            self.reports: dict[tuple[int, str, int], str] = {}
            self.muted: set[int] = set()
            # Examples share the test's database: count only this example's decisions.
            self.decisions = ModerationAction.objects.filter(action__in=DECISIONS).count()
            self.now = timezone.now()

        def _target(self, kind: str, index: int):
            return self.people[index] if kind == "user" else self.products[0]

        @rule(
            reporter=st.integers(0, 2),
            kind=st.sampled_from(["user", "product"]),
            index=st.integers(0, 1),
            reason=st.sampled_from(list(ReportReason)),
        )
        def report(self, reporter, kind, index, reason):
            target = index if kind == "user" else 0
            made, created = report_create(
                reporter=self.reporters[reporter],
                kind=kind,
                object_id=self._target(kind, target).pk,
                reason=reason,
            )
            key = (reporter, kind, target)
            assert created == (key not in self.reports)
            self.reports.setdefault(key, ReportStatus.OPEN)
            assert made.status == self.reports[key]

        @precondition(lambda self: self.reports)
        @rule(data=st.data(), status=st.sampled_from([ReportStatus.UPHELD, ReportStatus.DISMISSED]))
        def decide(self, data, status):
            key = data.draw(st.sampled_from(sorted(self.reports)))
            report = self._row(key)
            if self.reports[key] != ReportStatus.OPEN:
                with pytest.raises(Conflict):
                    report_decide(actor=self.moderator, report_id=report.pk, status=status)
                return
            report_decide(actor=self.moderator, report_id=report.pk, status=status)
            self.reports[key] = status
            self.decisions += 1

        @precondition(lambda self: self.reports)
        @rule(data=st.data())
        def mute_from_the_queue(self, data):
            key = data.draw(st.sampled_from(sorted(self.reports)))
            order = SanctionOrder(kind=SanctionKind.MUTE, reason="Queue check", duration=timedelta(days=1))
            with django_capture_on_commit_callbacks(execute=True):
                reports_sanction(actor=self.moderator, report_ids=[self._row(key).pk], order=order)
            _reporter, kind, target = key
            self.muted.add(self._target(kind, target).pk if kind == "user" else self.people[0].pk)
            if self.reports[key] == ReportStatus.OPEN:
                self.reports[key] = ReportStatus.UPHELD
                self.decisions += 1

        @rule(person=st.integers(0, 1))
        def post(self, person):
            # A minute apart, so the rate and repeat windows never decide.
            self.now += timedelta(seconds=61)
            sender = self.people[person]
            verdict = check_message(sender=sender, text=f"Still selling at {self.now:%H%M%S}?", now=self.now)
            if sender.pk in self.muted:
                assert (verdict.action, verdict.code) == (Action.REJECT, "muted")
            else:
                assert verdict.action == Action.ALLOW, verdict

        def _row(self, key):
            reporter, kind, target = key
            return Report.objects.get(
                reporter=self.reporters[reporter], kind=kind, object_id=self._target(kind, target).pk
            )

        @invariant()
        def one_row_per_reporter_and_thing_in_the_models_state(self):
            rows = {
                (r.reporter_id, r.kind, r.object_id): r.status
                for r in Report.objects.filter(reporter__in=self.reporters)
            }
            expected = {
                (self.reporters[i].pk, kind, self._target(kind, t).pk): status
                for (i, kind, t), status in self.reports.items()
            }
            assert rows == expected

        @invariant()
        def every_decision_is_audited(self):
            assert ModerationAction.objects.filter(action__in=DECISIONS).count() == self.decisions

    return Reports


@pytest.mark.django_db
def test_reports_match_the_model(django_capture_on_commit_callbacks):
    run_state_machine_as_test(
        machine(django_capture_on_commit_callbacks),
        settings=settings(max_examples=20, stateful_step_count=15, deadline=None),
    )
