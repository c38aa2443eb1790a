"""The chat history API and the reportable kinds the shows app registers."""

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from moderation.services.reports import report_create
from shows.models import ChatMessage, ShowStats, ViewerSession, Visibility
from shows.services.chat import chat_system_post
from tokshop.core.errors import NotFound
from tokshop.users.tests.factories import UserFactory

from .factories import FollowFactory, ShowFactory

pytestmark = pytest.mark.django_db


def history(client, show, **query):
    return client.get(reverse("api:show-messages", args=[show.pk]), query)


def test_anyone_reads_a_public_shows_chat_newest_page_first():
    show = ShowFactory(live=True)
    lines = [chat_system_post(show_id=show.pk, text=f"line {n}") for n in range(5)]
    ChatMessage.objects.filter(pk=lines[4].pk).update(deleted_at=lines[4].created_at)
    client = APIClient()

    page = history(client, show, limit=2).json()
    older = history(client, show, limit=2, before=page[0]["id"]).json()

    assert [m["text"] for m in page] == ["line 2", "line 3"]
    assert [m["text"] for m in older] == ["line 0", "line 1"]
    assert page[0] == {**page[0], "kind": "system", "sender": None, "is_host": False, "product": None}


def test_a_followers_only_or_private_shows_chat_is_for_its_audience():
    followers = ShowFactory(live=True, visibility=Visibility.FOLLOWERS)
    private = ShowFactory(live=True, visibility=Visibility.PRIVATE)
    chat_system_post(show_id=followers.pk, text="for followers")
    chat_system_post(show_id=private.pk, text="for the invited")
    client = APIClient()
    stranger, follower = UserFactory(), UserFactory()
    FollowFactory(follower=follower, seller=followers.seller)

    client.force_authenticate(stranger)
    assert (history(client, followers).status_code, history(client, private).status_code) == (403, 403)
    assert history(client, private, key=private.private_token).json()[0]["text"] == "for the invited"
    client.force_authenticate(follower)
    assert history(client, followers).json()[0]["text"] == "for followers"
    assert client.get(reverse("api:show-messages", args=[987654])).status_code == 404


@pytest.mark.parametrize("query", [{"limit": 0}, {"limit": 101}, {"before": "x"}, {"before": -1}])
def test_a_bad_page_is_400(query):
    assert history(APIClient(), ShowFactory(live=True), **query).status_code == 400


def test_a_message_and_a_show_are_reportable_by_their_audience_only():
    show = ShowFactory(live=True, visibility=Visibility.PRIVATE)
    sender, guest, stranger = UserFactory(), UserFactory(), UserFactory()
    message = ChatMessage.objects.create(show=show, sender=sender, text="rude")
    ViewerSession.objects.create(show=show, user=guest)

    report, created = report_create(reporter=guest, kind="message", object_id=message.pk, reason="harassment")
    assert created
    assert (report.target_user_id, report.seller_id) == (sender.pk, show.seller_id)
    report_create(reporter=guest, kind="show", object_id=show.pk, reason="scam")
    for kind, pk in (("message", message.pk), ("show", show.pk)):
        with pytest.raises(NotFound):
            report_create(reporter=stranger, kind=kind, object_id=pk, reason="spam")


def test_a_reported_show_taken_down_goes_off_air(django_capture_on_commit_callbacks):
    from moderation.services.moderators import staff_moderator_appoint
    from moderation.services.reports import report_content_delete

    show = ShowFactory(live=True)
    staff = UserFactory(is_staff=True)
    staff_moderator_appoint(user=staff)
    report, _ = report_create(reporter=UserFactory(), kind="show", object_id=show.pk, reason="prohibited")

    with django_capture_on_commit_callbacks(execute=True):
        report_content_delete(actor=staff, report_id=report.pk, reason="Counterfeit goods")

    show.refresh_from_db()
    assert show.status == "ended"
    assert ShowStats.objects.filter(show=show).exists()


def test_the_admin_deletes_chat_lines_through_the_service(client):
    from moderation.models import AuditAction, ModerationAction

    show = ShowFactory(live=True)
    message = ChatMessage.objects.create(show=show, sender=UserFactory(), text="spam link")
    staff = UserFactory(is_staff=True, is_superuser=True)
    client.force_login(staff)

    response = client.post(
        reverse("admin:shows_chatmessage_changelist"),
        {"action": "delete_from_chat", "_selected_action": [message.pk]},
    )

    assert response.status_code == 302
    message.refresh_from_db()
    assert message.deleted_by == staff
    assert ModerationAction.objects.filter(action=AuditAction.CONTENT_DELETE, show_id=show.pk).count() == 1


def test_the_beat_job_keeps_on_air_shows_figures_and_an_end_closes_open_sessions(django_capture_on_commit_callbacks):
    from shows.services.lifecycle import show_end
    from shows.tasks import show_stats_save_on_air_task

    live, scheduled = ShowFactory(live=True), ShowFactory()
    left_open = ViewerSession.objects.create(show=live, user=UserFactory())

    assert show_stats_save_on_air_task.delay().get() == 1
    assert list(ShowStats.objects.values_list("show_id", "sessions")) == [(live.pk, 1)]
    assert not ShowStats.objects.filter(show=scheduled).exists()
    with django_capture_on_commit_callbacks(execute=True):
        show_end(actor=live.seller, show_id=live.pk)

    left_open.refresh_from_db()
    assert left_open.left_at is not None
    assert ShowStats.objects.get(show=live).average_watch_seconds == left_open.watch_seconds


def test_a_paid_flash_sale_order_counts_in_its_shows_figures_and_a_pin_is_a_chat_line(
    django_capture_on_commit_callbacks,
):
    from django.utils import timezone

    from commerce.payments import TEST_CARD_SUCCESS
    from commerce.services.orders import order_pay
    from shows.services.flash_sales import flash_sale_buy, flash_sale_start

    from .interact_helpers import live_show_with_item, saved_address_for

    show, item = live_show_with_item(quantity_on_hand=5)
    with django_capture_on_commit_callbacks(execute=True):
        sale = flash_sale_start(
            actor=show.seller,
            show_id=show.pk,
            item_id=item.pk,
            price_cents=900,
            seconds=60,
            total_limit=5,
            per_buyer_limit=2,
        )
    buyer = UserFactory()
    saved_address_for(buyer)
    bought = flash_sale_buy(buyer=buyer, sale_id=sale.pk, quantity=2, received_at=timezone.now(), show_id=show.pk)
    assert not ShowStats.objects.filter(show=show).exists(), "an order counts once it is paid"

    with django_capture_on_commit_callbacks(execute=True):
        order_pay(buyer=buyer, order_id=bought.order.pk, card_number=TEST_CARD_SUCCESS)

    stats = ShowStats.objects.get(show=show)
    assert (stats.orders, stats.revenue_cents) == (1, 1800)
    highlight = ChatMessage.objects.get(show=show)
    assert (highlight.kind, highlight.lineup_item_id, highlight.sender_id) == ("product", item.pk, None)
