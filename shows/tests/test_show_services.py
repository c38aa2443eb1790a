"""Scheduling and editing a show, its lineup, its own moderators, and every lifecycle path and
refusal; on a refusal nothing changes."""

from datetime import timedelta

import pytest
from django.utils import timezone

from commerce.models import ProductStatus
from commerce.tests.factories import CategoryFactory, ProductFactory, picture_upload
from moderation.models import SellerModerator
from moderation.selectors import can_moderate
from shows.models import LineupItem, Show, ShowStatus, Visibility
from shows.selectors import show_can_moderate
from shows.services import lifecycle
from shows.services.shows import (
    lineup_add,
    lineup_move,
    lineup_remove,
    lineup_set,
    show_create,
    show_moderator_add,
    show_moderator_remove,
    show_update,
)
from tokshop.core.errors import ApplicationError, Conflict, NotFound, PermissionDenied
from tokshop.users.tests.factories import SellerProfileFactory, UserFactory

from .factories import LineupItemFactory, ShowFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def seller():
    return SellerProfileFactory().user


def soon():
    return timezone.now() + timedelta(hours=2)


def lineup_of(show):
    return list(show.lineup.order_by("position").values_list("product__title", flat=True))


def test_a_seller_schedules_a_show_with_a_lineup_in_order(seller, tmp_path, settings):
    settings.MEDIA_ROOT = tmp_path
    lamp, clock = ProductFactory(seller=seller, title="Lamp"), ProductFactory(seller=seller, title="Clock")
    category = CategoryFactory()

    show = show_create(
        seller=seller,
        title="  Evening finds ",
        scheduled_start=soon(),
        description="Lamps.",
        thumbnail=picture_upload(),
        category_id=category.pk,
        tags="Lamps, VINTAGE,lamps",
        visibility=Visibility.FOLLOWERS,
        max_viewers=50,
        chat_enabled=False,
        product_ids=[clock.pk, lamp.pk],
    )

    show.refresh_from_db()
    assert (show.title, show.tags, show.category, show.visibility, show.max_viewers) == (
        "Evening finds",
        "lamps,vintage",
        category,
        "followers",
        50,
    )
    assert (show.status, show.chat_enabled, show.questions_enabled) == (ShowStatus.SCHEDULED, False, True)
    assert show.thumbnail.name.startswith(f"shows/{seller.pk}/")
    assert lineup_of(show) == ["Clock", "Lamp"]


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"title": "  "}, "title"),
        ({"scheduled_start": "past"}, "scheduled_start"),
        ({"scheduled_start": "next year"}, "scheduled_start"),
        ({"visibility": "secret"}, "visibility"),
        ({"category_id": 987654}, "category_id"),
        ({"tags": ",".join(f"t{n}" for n in range(11))}, "tags"),
        ({"max_viewers": 0}, "max_viewers"),
        ({"thumbnail": "not a picture"}, "thumbnail"),
        ({"product_ids": "someone else's"}, "product_ids"),
        ({"product_ids": "archived"}, "product_ids"),
        ({"product_ids": "twice"}, "product_ids"),
    ],
)
def test_a_show_with_a_bad_field_is_refused_and_nothing_is_saved(seller, kwargs, field, tmp_path, settings):
    from django.core.files.uploadedfile import SimpleUploadedFile

    settings.MEDIA_ROOT = tmp_path
    mine = ProductFactory(seller=seller)
    values = {"title": "A show", "scheduled_start": soon(), **kwargs}
    special = {
        "past": timezone.now() - timedelta(hours=1),
        "next year": timezone.now() + timedelta(days=400),
        "not a picture": SimpleUploadedFile("x.png", b"not a png", content_type="image/png"),
        "someone else's": [ProductFactory().pk],
        "archived": [ProductFactory(seller=seller, status=ProductStatus.ARCHIVED).pk],
        "twice": [mine.pk, mine.pk],
    }
    values = {key: special.get(value, value) if isinstance(value, str) else value for key, value in values.items()}
    if field == "title":
        values["title"] = "  "

    with pytest.raises(ApplicationError) as refused:
        show_create(seller=seller, **values)

    assert field in refused.value.fields
    assert not Show.objects.exists()
    assert not LineupItem.objects.exists()


def test_only_a_seller_schedules_shows():
    with pytest.raises(PermissionDenied) as refused:
        show_create(seller=UserFactory(), title="Mine", scheduled_start=soon())
    assert refused.value.code == "not_seller"
    assert not Show.objects.exists()


def test_editing_changes_only_editable_fields_and_never_anothers_show(seller):
    show = ShowFactory(seller=seller, title="Before")

    show_update(seller=seller, show_id=show.pk, title="After", tags=["a", "B"], chat_enabled=False)
    with pytest.raises(ApplicationError) as refused:
        show_update(seller=seller, show_id=show.pk, status="live", seller_id=99)
    with pytest.raises(NotFound):
        show_update(seller=SellerProfileFactory().user, show_id=show.pk, title="Mine now")

    show.refresh_from_db()
    assert set(refused.value.fields) == {"status", "seller_id"}
    assert (show.title, show.tags, show.chat_enabled, show.status, show.seller) == (
        "After",
        "a,b",
        False,
        ShowStatus.SCHEDULED,
        seller,
    )


def test_a_show_on_air_keeps_its_start_and_a_show_that_is_over_cannot_change(seller):
    live = ShowFactory(seller=seller, live=True)
    start = live.scheduled_start
    over = ShowFactory(seller=seller, status=ShowStatus.CANCELLED)

    show_update(seller=seller, show_id=live.pk, title="Still editable", scheduled_start=start)
    with pytest.raises(ApplicationError) as moved:
        show_update(seller=seller, show_id=live.pk, scheduled_start=start + timedelta(hours=1))
    with pytest.raises(Conflict) as late:
        show_update(seller=seller, show_id=over.pk, title="Too late")

    live.refresh_from_db()
    assert (live.title, live.scheduled_start) == ("Still editable", start)
    assert "scheduled_start" in moved.value.fields
    assert late.value.code == "show_over"
    over.refresh_from_db()
    assert over.title != "Too late"


def test_the_lineup_is_set_added_to_moved_and_trimmed_keeping_clicks(seller):
    show = ShowFactory(seller=seller)
    a, b, c = (ProductFactory(seller=seller, title=t) for t in "ABC")

    lineup_set(seller=seller, show_id=show.pk, product_ids=[a.pk, b.pk])
    LineupItem.objects.filter(product=a).update(clicks=7)
    lineup_add(seller=seller, show_id=show.pk, product_id=c.pk)
    lineup_add(seller=seller, show_id=show.pk, product_id=c.pk)
    item_c = show.lineup.get(product=c)
    lineup_move(seller=seller, show_id=show.pk, item_id=item_c.pk, offset=-1)
    lineup_move(seller=seller, show_id=show.pk, item_id=show.lineup.get(product=a).pk, offset=-1)
    assert lineup_of(show) == ["A", "C", "B"]
    lineup_remove(seller=seller, show_id=show.pk, item_id=show.lineup.get(product=b).pk)
    lineup_set(seller=seller, show_id=show.pk, product_ids=[c.pk, a.pk])

    assert lineup_of(show) == ["C", "A"]
    assert show.lineup.get(product=a).clicks == 7
    assert list(show.lineup.order_by("position").values_list("position", flat=True)) == [0, 1]


def test_the_lineup_refuses_other_shows_items_and_products_and_changes_nothing(seller):
    show = ShowFactory(seller=seller)
    item = LineupItemFactory(show=show)
    foreign_item = LineupItemFactory()
    ended = ShowFactory(seller=seller, status=ShowStatus.ENDED, ended_at=timezone.now())
    before = lineup_of(show)

    with pytest.raises(NotFound):
        lineup_remove(seller=seller, show_id=show.pk, item_id=foreign_item.pk)
    with pytest.raises(ApplicationError) as foreign:
        lineup_add(seller=seller, show_id=show.pk, product_id=foreign_item.product_id)
    with pytest.raises(NotFound):
        lineup_set(seller=foreign_item.show.seller, show_id=show.pk, product_ids=[])
    with pytest.raises(Conflict) as over:
        lineup_set(seller=seller, show_id=ended.pk, product_ids=[item.product_id])

    assert "product_id" in foreign.value.fields
    assert over.value.code == "show_over"
    assert lineup_of(show) == before
    assert not ended.lineup.exists()


def test_a_lineup_change_on_air_is_told_to_the_room(seller, django_capture_on_commit_callbacks, monkeypatch):
    published = []
    monkeypatch.setattr("shows.events.publish_on_commit", lambda group, type_, payload: published.append(type_))
    show = ShowFactory(seller=seller, live=True)
    product = ProductFactory(seller=seller)

    lineup_set(seller=seller, show_id=show.pk, product_ids=[product.pk])

    assert published == ["lineup.updated"]


# --- Moderators of one show ------------------------------------------------------------------


def test_a_moderator_of_one_show_moderates_that_show_only(seller):
    show, other_show = ShowFactory(seller=seller), ShowFactory(seller=seller)
    helper = UserFactory(email="helper@example.com")

    show_moderator_add(seller=seller, show_id=show.pk, email="helper@example.com")
    show_moderator_add(seller=seller, show_id=show.pk, email="HELPER@example.com")

    assert SellerModerator.objects.get().show_id == show.pk
    assert show_can_moderate(user=helper, show=show)
    assert not show_can_moderate(user=helper, show=other_show)
    assert not can_moderate(actor=helper, seller_id=seller.pk)
    show_moderator_remove(seller=seller, show_id=show.pk, moderator_id=helper.pk)
    assert not show_can_moderate(user=helper, show=show)


def test_appointing_for_anothers_show_or_an_unknown_person_is_refused(seller):
    foreign = ShowFactory()
    show = ShowFactory(seller=seller)
    UserFactory(email="helper@example.com")

    with pytest.raises(NotFound):
        show_moderator_add(seller=seller, show_id=foreign.pk, email="helper@example.com")
    with pytest.raises(NotFound) as unknown:
        show_moderator_add(seller=seller, show_id=show.pk, email="nobody@example.com")

    assert "email" in unknown.value.fields
    assert not SellerModerator.objects.exists()


# --- The lifecycle ---------------------------------------------------------------------------


def test_a_show_goes_live_pauses_resumes_ends_and_restarts(seller):
    show = ShowFactory(seller=seller)

    for change, status in [
        (lifecycle.show_go_live, ShowStatus.LIVE),
        (lifecycle.show_go_live, ShowStatus.LIVE),
        (lifecycle.show_pause, ShowStatus.PAUSED),
        (lifecycle.show_pause, ShowStatus.PAUSED),
        (lifecycle.show_resume, ShowStatus.LIVE),
        (lifecycle.show_end, ShowStatus.ENDED),
        (lifecycle.show_end, ShowStatus.ENDED),
        (lifecycle.show_restart, ShowStatus.LIVE),
    ]:
        assert change(actor=seller, show_id=show.pk).status == status

    show.refresh_from_db()
    assert None not in (show.started_at, show.paused_at, show.resumed_at, show.restarted_at)
    assert show.ended_at is None


@pytest.mark.parametrize(
    ("status", "change"),
    [
        (ShowStatus.SCHEDULED, lifecycle.show_pause),
        (ShowStatus.SCHEDULED, lifecycle.show_resume),
        (ShowStatus.SCHEDULED, lifecycle.show_end),
        (ShowStatus.SCHEDULED, lifecycle.show_restart),
        (ShowStatus.LIVE, lifecycle.show_cancel),
        (ShowStatus.ENDED, lifecycle.show_go_live),
        (ShowStatus.ENDED, lifecycle.show_pause),
        (ShowStatus.CANCELLED, lifecycle.show_go_live),
        (ShowStatus.CANCELLED, lifecycle.show_restart),
    ],
)
def test_a_change_from_the_wrong_status_is_refused_and_changes_nothing(seller, status, change):
    stamps = {"started_at": timezone.now()} if status in (ShowStatus.LIVE, ShowStatus.ENDED) else {}
    if status == ShowStatus.ENDED:
        stamps["ended_at"] = timezone.now()
    show = ShowFactory(seller=seller, status=status, **stamps)
    before = Show.objects.filter(pk=show.pk).values().get()

    with pytest.raises(Conflict) as refused:
        change(actor=seller, show_id=show.pk)

    assert refused.value.code == "invalid_status"
    assert Show.objects.filter(pk=show.pk).values().get() == before


def test_a_show_that_ended_more_than_two_hours_ago_stays_ended(seller):
    show = ShowFactory(
        seller=seller, status=ShowStatus.ENDED, started_at=timezone.now(), ended_at=timezone.now() - timedelta(hours=3)
    )
    with pytest.raises(Conflict):
        lifecycle.show_restart(actor=seller, show_id=show.pk)
    show.refresh_from_db()
    assert show.status == ShowStatus.ENDED


@pytest.mark.parametrize(
    "change",
    [lifecycle.show_go_live, lifecycle.show_cancel, lifecycle.show_pause, lifecycle.show_end, lifecycle.show_restart],
)
def test_only_the_host_changes_the_show(change):
    show = ShowFactory()
    with pytest.raises(PermissionDenied) as refused:
        change(actor=UserFactory(), show_id=show.pk)
    assert refused.value.code == "not_host"
    show.refresh_from_db()
    assert show.status == ShowStatus.SCHEDULED


def test_a_moderator_of_the_show_may_end_it_but_not_pause_it(seller):
    show = ShowFactory(seller=seller, live=True)
    helper = UserFactory(email="helper@example.com")
    show_moderator_add(seller=seller, show_id=show.pk, email=helper.email)

    with pytest.raises(PermissionDenied):
        lifecycle.show_pause(actor=helper, show_id=show.pk)
    assert lifecycle.show_end(actor=helper, show_id=show.pk).status == ShowStatus.ENDED


def test_a_product_archived_after_joining_the_lineup_does_not_block_adding_another(seller):
    show = ShowFactory(seller=seller)
    old, new = ProductFactory(seller=seller, title="Old"), ProductFactory(seller=seller, title="New")
    lineup_add(seller=seller, show_id=show.pk, product_id=old.pk)
    old.status = ProductStatus.ARCHIVED
    old.save()

    lineup_add(seller=seller, show_id=show.pk, product_id=new.pk)

    assert lineup_of(show) == ["Old", "New"]
