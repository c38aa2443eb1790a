"""Sanctions against a pure model: a muted or banned sender never gets a message through, and one
whose sanctions have all expired or been lifted posts again (part of QUALITY.md R17)."""

from dataclasses import dataclass
from datetime import datetime, timedelta

import pytest
from django.utils import timezone
from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule, run_state_machine_as_test

from moderation.models import SanctionKind, SanctionScope
from moderation.services.check import Action, check_message
from moderation.services.sanctions import sanction_create, sanction_revoke

from .factories import SellerFactory, TrustedUserFactory

# Shows 1 and 2 are the first seller's, 3 and 4 the second's.
SHOWS = {1: 0, 2: 0, 3: 1, 4: 1}


@dataclass
class Imposed:
    id: int
    kind: str
    scope: str
    seller: int
    show: int
    expires_at: datetime | None
    revoked: bool = False

    def covers(self, show: int, now: datetime) -> bool:
        if self.kind == SanctionKind.WARNING or self.revoked:
            return False
        if self.expires_at is not None and self.expires_at <= now:
            return False
        if self.scope == SanctionScope.GLOBAL:
            return True
        if self.scope == SanctionScope.SELLER:
            return SHOWS[show] == self.seller
        return self.show == show


def machine(django_capture_on_commit_callbacks):
    class Sanctions(RuleBasedStateMachine):
        def __init__(self) -> None:
            super().__init__()
            self.user = TrustedUserFactory()
            self.sellers = [SellerFactory(), SellerFactory()]
            self.now = timezone.now()
            self.imposed: list[Imposed] = []
            self.posts = 0

        @rule(
            kind=st.sampled_from(list(SanctionKind)),
            scope=st.sampled_from(list(SanctionScope)),
            show=st.sampled_from(list(SHOWS)),
            minutes=st.sampled_from([None, 1, 5, 30]),
        )
        def impose(self, kind, scope, show, minutes):
            seller = SHOWS[show]
            expires_at = None if minutes is None else self.now + timedelta(minutes=minutes)
            with django_capture_on_commit_callbacks(execute=True):
                sanction = sanction_create(
                    user=self.user,
                    kind=kind,
                    reason="Model check",
                    created_by=None,
                    scope=scope,
                    seller=None if scope == SanctionScope.GLOBAL else self.sellers[seller],
                    show_id=show if scope == SanctionScope.SHOW else None,
                    expires_at=expires_at,
                )
            self.imposed.append(Imposed(sanction.pk, kind, scope, seller, show, expires_at))

        @precondition(lambda self: self.imposed)
        @rule(data=st.data())
        def lift(self, data):
            imposed = data.draw(st.sampled_from(self.imposed))
            with django_capture_on_commit_callbacks(execute=True):
                sanction_revoke(sanction_id=imposed.id)
            imposed.revoked = True

        @rule(minutes=st.integers(1, 20))
        def wait(self, minutes):
            self.now += timedelta(minutes=minutes)

        @rule(show=st.sampled_from(list(SHOWS)))
        def post(self, show):
            # A minute apart, so slow mode, rate and repeat windows never decide.
            self.now += timedelta(seconds=61)
            self.posts += 1
            verdict = check_message(
                sender=self.user,
                text=f"Is lot {self.posts} signed?",
                seller_id=self.sellers[SHOWS[show]].pk,
                show_id=show,
                now=self.now,
            )
            covering = [s for s in self.imposed if s.covers(show, self.now)]
            if any(s.kind == SanctionKind.BAN for s in covering):
                assert (verdict.action, verdict.code) == (Action.REJECT, "banned")
            elif covering:
                assert (verdict.action, verdict.code) == (Action.REJECT, "muted")
            else:
                assert verdict.action == Action.ALLOW, verdict

        @invariant()
        def sanctions_are_rows(self):
            assert self.user.sanctions.count() == len(self.imposed)

    return Sanctions


@pytest.mark.django_db
def test_sanctions_match_the_model(django_capture_on_commit_callbacks):
    run_state_machine_as_test(
        machine(django_capture_on_commit_callbacks),
        settings=settings(max_examples=25, stateful_step_count=20, deadline=None),
    )
