"""Reviews: who may write, edit, answer and hide them (service, API, pages, admin), and the averages."""

import threading

import pytest
from django.db import connections
from django.urls import reverse
from rest_framework.test import APIClient

from commerce.models import OrderStatus, Product, Review, ReviewModeration
from commerce.selectors_reviews import products_with_rating, seller_rating
from commerce.services.reviews import review_answer, review_create, review_set_hidden, review_update
from tokshop.core.errors import ApplicationError, Conflict, NotFound, PermissionDenied
from tokshop.notifications.models import Notification
from tokshop.users.tests.factories import SellerProfileFactory, UserFactory

from .factories import ProductFactory, order_placed

pytestmark = pytest.mark.django_db

REVIEWS = reverse("api:reviews")


def review_url(review_id):
    return reverse("api:review", kwargs={"review_id": review_id})


def answer_url(review_id):
    return reverse("api:review-answer", kwargs={"review_id": review_id})


def client_for(user):
    client = APIClient()
    client.force_authenticate(user)
    return client


@pytest.fixture
def shop():
    return SellerProfileFactory(shop_name="Vintage Vault", slug="vintage-vault")


@pytest.fixture
def lamp(shop):
    return ProductFactory(seller=shop.user, title="Brass lamp", quantity_on_hand=5)


@pytest.fixture
def delivered(user, lamp):
    return order_placed(user, [lamp])


@pytest.fixture
def line(delivered):
    return delivered.lines.get()


def write(author, line, rating=5, seller_rating=4, text="Lovely"):
    return review_create(author=author, order_line_id=line.pk, rating=rating, seller_rating=seller_rating, text=text)


# --- services ---


def test_a_buyer_reviews_a_delivered_line_and_the_seller_hears_of_it(user, line, lamp, shop):
    review = write(user, line, text="  Bright and heavy.  ")

    assert (review.product_id, review.seller_id, review.author_id) == (lamp.pk, shop.user_id, user.pk)
    assert (review.rating, review.seller_rating, review.text) == (5, 4, "Bright and heavy.")
    assert Notification.objects.filter(user=shop.user, title="New 5-star review of Brass lamp").exists()


@pytest.mark.parametrize("status", [OrderStatus.PENDING_PAYMENT, OrderStatus.PAID, OrderStatus.SHIPPED])
def test_an_order_not_yet_delivered_cannot_be_reviewed(user, lamp, status):
    order = order_placed(user, [lamp], until=status)

    with pytest.raises(PermissionDenied) as refused:
        write(user, order.lines.get())

    assert refused.value.code == "not_delivered"
    assert not Review.objects.exists()


def test_a_line_is_reviewed_once(user, line):
    write(user, line)

    with pytest.raises(Conflict) as refused:
        write(user, line, rating=1)

    assert refused.value.code == "already_reviewed"
    assert Review.objects.get().rating == 5


@pytest.mark.django_db(transaction=True)
def test_concurrent_submissions_of_one_line_make_one_review():
    buyer = UserFactory()
    lamp = ProductFactory(quantity_on_hand=5)
    line = order_placed(buyer, [lamp]).lines.get()
    tabs = 8
    barrier = threading.Barrier(tabs)
    outcomes: list[str] = []
    lock = threading.Lock()

    def submit(stars: int) -> None:
        try:
            barrier.wait()
            try:
                write(buyer, line, rating=stars)
                outcome = "created"
            except Conflict as refused:
                outcome = refused.code
            with lock:
                outcomes.append(outcome)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=submit, args=(1 + n % 5,)) for n in range(tabs)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sorted(outcomes) == ["already_reviewed"] * (tabs - 1) + ["created"]
    assert Review.objects.count() == 1


def test_someone_elses_line_is_not_found(other_user, line):
    with pytest.raises(NotFound):
        write(other_user, line)
    assert not Review.objects.exists()


@pytest.mark.parametrize(
    ("rating", "seller_rating", "text", "field"),
    [(0, 3, "", "rating"), (6, 3, "", "rating"), (3, 0, "", "seller_rating"), (3, 3, "x" * 2001, "text")],
)
def test_ratings_out_of_range_and_long_text_are_field_errors(user, line, rating, seller_rating, text, field):
    with pytest.raises(ApplicationError) as refused:
        write(user, line, rating=rating, seller_rating=seller_rating, text=text)

    assert list(refused.value.fields) == [field]
    assert not Review.objects.exists()


def test_only_the_author_edits_and_unsent_fields_stay(user, other_user, line):
    review = write(user, line)

    edited = review_update(author=user, review_id=review.pk, rating=3)
    with pytest.raises(NotFound):
        review_update(author=other_user, review_id=review.pk, rating=1)

    assert (edited.rating, edited.seller_rating, edited.text) == (3, 4, "Lovely")
    assert Review.objects.get().rating == 3


def test_the_seller_answers_once_and_nobody_else_can(user, other_user, line, shop):
    review = write(user, line)

    with pytest.raises(PermissionDenied) as stranger:
        review_answer(seller=other_user, review_id=review.pk, answer="Thanks!")
    with pytest.raises(ApplicationError) as blank:
        review_answer(seller=shop.user, review_id=review.pk, answer="   ")
    answered = review_answer(seller=shop.user, review_id=review.pk, answer="Thank you, enjoy it!")
    with pytest.raises(Conflict) as twice:
        review_answer(seller=shop.user, review_id=review.pk, answer="Again")

    assert stranger.value.code == "not_your_product"
    assert blank.value.fields == {"answer": ["Write your answer."]}
    assert twice.value.code == "already_answered"
    assert answered.answer == "Thank you, enjoy it!"
    assert Review.objects.get().answer == "Thank you, enjoy it!"
    assert Notification.objects.filter(user=user, title__startswith="The seller answered").count() == 1


def test_staff_hide_and_show_with_an_audit_row_and_the_averages_follow(user, line, lamp, shop):
    staff = UserFactory(is_staff=True)
    review = write(user, line, rating=2, seller_rating=3)
    second_buyer = UserFactory()
    write(second_buyer, order_placed(second_buyer, [lamp]).lines.get(), rating=5, seller_rating=5)

    rated = products_with_rating(Product.objects.filter(pk=lamp.pk)).get()
    assert (rated.rating_average, rated.rating_count) == (3.5, 2)
    assert seller_rating(seller_id=shop.user_id).average == 4.0

    review_set_hidden(actor=staff, review_id=review.pk, hidden=True, note="Off topic")
    review_set_hidden(actor=staff, review_id=review.pk, hidden=True)

    rated = products_with_rating(Product.objects.filter(pk=lamp.pk)).get()
    assert (rated.rating_average, rated.rating_count) == (5.0, 1)
    assert seller_rating(seller_id=shop.user_id).count == 1
    assert list(ReviewModeration.objects.values_list("is_hidden", "note", "actor")) == [(True, "Off topic", staff.pk)]
    review_set_hidden(actor=staff, review_id=review.pk, hidden=False)
    assert products_with_rating(Product.objects.filter(pk=lamp.pk)).get().rating_count == 2
    assert ReviewModeration.objects.count() == 2


def test_only_staff_hide_reviews(user, line):
    review = write(user, line)

    with pytest.raises(PermissionDenied):
        review_set_hidden(actor=user, review_id=review.pk, hidden=True)
    assert not Review.objects.get().is_hidden
    assert not ReviewModeration.objects.exists()


def test_a_hidden_review_cannot_be_answered_by_a_stranger(user, other_user, line):
    review = write(user, line)
    review_set_hidden(actor=UserFactory(is_staff=True), review_id=review.pk, hidden=True)

    with pytest.raises(NotFound):
        review_answer(seller=other_user, review_id=review.pk, answer="Hi")


# --- API ---


def test_the_api_creates_a_review_then_refuses_a_second(user_client, line):
    created = user_client.post(REVIEWS, {"order_line_id": line.pk, "rating": 4, "seller_rating": 5, "text": "Good"})
    again = user_client.post(REVIEWS, {"order_line_id": line.pk, "rating": 1, "seller_rating": 1})

    assert created.status_code == 201, created.json()
    body = created.json()
    assert body["product"]["title"] == "Brass lamp"
    assert body["shop"]["slug"] == "vintage-vault"
    assert (body["rating"], body["seller_rating"], body["text"], body["is_hidden"]) == (4, 5, "Good", False)
    assert again.status_code == 409
    assert again.json()["code"] == "already_reviewed"
    assert Review.objects.count() == 1


def test_the_api_refuses_an_undelivered_order_with_403(user_client, user, lamp):
    order = order_placed(user, [lamp], until=OrderStatus.SHIPPED)

    response = user_client.post(REVIEWS, {"order_line_id": order.lines.get().pk, "rating": 4, "seller_rating": 4})

    assert response.status_code == 403
    assert response.json()["code"] == "not_delivered"
    assert not Review.objects.exists()


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"rating": 4, "seller_rating": 4}, "order_line_id"),
        ({"rating": 9, "seller_rating": 4}, "rating"),
        ({"rating": 4}, "seller_rating"),
        ({"rating": 4, "seller_rating": 4, "is_hidden": True}, "is_hidden"),
        ({"rating": 4, "seller_rating": 4, "product_id": 1}, "product_id"),
    ],
)
def test_the_api_names_bad_fields(user_client, line, payload, field):
    payload = {"order_line_id": line.pk, **payload} if field != "order_line_id" else payload

    response = user_client.post(REVIEWS, payload, format="json")

    assert response.status_code == 400
    assert field in response.json()["fields"]
    assert not Review.objects.exists()


def test_the_api_hides_other_buyers_lines_and_asks_strangers_to_sign_in(api_client, other_user, line):
    payload = {"order_line_id": line.pk, "rating": 4, "seller_rating": 4}

    assert client_for(other_user).post(REVIEWS, payload).status_code == 404
    assert api_client.post(REVIEWS, payload).status_code == 401
    assert api_client.get(REVIEWS).status_code == 401
    assert not Review.objects.exists()


def test_the_api_edits_only_the_authors_review(user, user_client, other_user, api_client, line):
    review = write(user, line)

    edited = user_client.patch(review_url(review.pk), {"text": "Even better after a week"}, format="json")
    stolen = client_for(other_user).patch(review_url(review.pk), {"rating": 1}, format="json")
    anonymous = api_client.patch(review_url(review.pk), {"rating": 1}, format="json")
    protected = user_client.patch(review_url(review.pk), {"is_hidden": True, "answer": "me"}, format="json")

    assert edited.status_code == 200
    assert edited.json()["text"] == "Even better after a week"
    assert stolen.status_code == 404
    assert anonymous.status_code == 401
    assert protected.status_code == 400
    assert set(protected.json()["fields"]) == {"is_hidden", "answer"}
    review.refresh_from_db()
    assert (review.rating, review.is_hidden, review.answer) == (5, False, "")


def test_the_api_lets_only_the_products_seller_answer(user, other_user, api_client, line, shop):
    review = write(user, line)

    stranger = client_for(other_user).post(answer_url(review.pk), {"answer": "Hi"})
    author = client_for(user).post(answer_url(review.pk), {"answer": "Hi"})
    anonymous = api_client.post(answer_url(review.pk), {"answer": "Hi"})
    answered = client_for(shop.user).post(answer_url(review.pk), {"answer": "Thank you!"})
    twice = client_for(shop.user).post(answer_url(review.pk), {"answer": "Again"})

    assert (stranger.status_code, stranger.json()["code"]) == (403, "not_your_product")
    assert author.status_code == 403
    assert anonymous.status_code == 401
    assert answered.status_code == 200
    assert answered.json()["answer"] == "Thank you!"
    assert (twice.status_code, twice.json()["code"]) == (409, "already_answered")
    assert client_for(shop.user).post(answer_url(999_999), {"answer": "x"}).status_code == 404


def test_public_lists_show_visible_reviews_and_the_product_rating(user, api_client, line, lamp):
    review = write(user, line, rating=4)

    product_reviews = api_client.get(reverse("api:product-reviews", kwargs={"product_id": lamp.pk})).json()
    shop_reviews = api_client.get(reverse("api:shop-reviews", kwargs={"slug": "vintage-vault"})).json()
    product = api_client.get(reverse("api:product", kwargs={"product_id": lamp.pk})).json()

    assert [r["id"] for r in product_reviews["results"]] == [review.pk]
    assert [r["id"] for r in shop_reviews["results"]] == [review.pk]
    assert product["rating"] == {"average": 4.0, "count": 1}
    assert api_client.get(reverse("api:product-reviews", kwargs={"product_id": 999_999})).status_code == 404
    assert api_client.get(reverse("api:shop-reviews", kwargs={"slug": "nope"})).status_code == 404


def test_a_hidden_review_is_found_only_by_its_author_and_seller(user, api_client, other_user, line, lamp, shop):
    review = write(user, line)
    review_set_hidden(actor=UserFactory(is_staff=True), review_id=review.pk, hidden=True)

    assert api_client.get(review_url(review.pk)).status_code == 404
    assert client_for(other_user).get(review_url(review.pk)).status_code == 404
    assert client_for(user).get(review_url(review.pk)).json()["is_hidden"] is True
    assert client_for(shop.user).get(review_url(review.pk)).status_code == 200
    assert api_client.get(reverse("api:product-reviews", kwargs={"product_id": lamp.pk})).json()["count"] == 0
    assert client_for(user).get(REVIEWS).json()["count"] == 1
    assert client_for(other_user).get(REVIEWS).json()["count"] == 0


def test_the_review_endpoints_are_in_the_schema(api_client):
    paths = api_client.get(reverse("schema"), HTTP_ACCEPT="application/json").json()["paths"]

    assert set(paths["/api/v1/reviews/"]) >= {"get", "post"}
    assert set(paths["/api/v1/reviews/{review_id}/"]) >= {"get", "patch"}
    assert "post" in paths["/api/v1/reviews/{review_id}/answer/"]
    assert "get" in paths["/api/v1/products/{product_id}/reviews/"]
    assert "get" in paths["/api/v1/shops/{slug}/reviews/"]


# --- pages ---


def test_the_delivered_order_page_leads_to_the_review_form(client, user, delivered, line):
    client.force_login(user)
    form_url = reverse("commerce:review", args=[delivered.pk, line.pk])

    order_page = client.get(delivered.get_absolute_url()).content.decode()
    form_page = client.get(form_url)
    posted = client.post(form_url, {"rating": "4", "seller_rating": "5", "text": "As described"})

    assert form_url in order_page
    assert "Write a review" in order_page
    assert form_page.status_code == 200
    assert posted.status_code == 302
    assert posted["Location"] == delivered.get_absolute_url()
    review = Review.objects.get()
    assert (review.rating, review.seller_rating, review.text) == (4, 5, "As described")
    assert "Edit your review" in client.get(delivered.get_absolute_url()).content.decode()
    # The same form now edits the review instead of refusing a second one.
    assert b'value="4" checked' in client.get(form_url).content
    client.post(form_url, {"rating": "2", "seller_rating": "5", "text": "Broke after a week"})
    assert Review.objects.get().rating == 2


def test_the_review_form_shows_errors_and_saves_nothing(client, user, delivered, line):
    client.force_login(user)

    response = client.post(reverse("commerce:review", args=[delivered.pk, line.pk]), {"text": "No stars"})

    assert response.status_code == 400
    assert b"has-error" in response.content
    assert not Review.objects.exists()


def test_the_review_form_waits_for_delivery_and_hides_other_orders(client, user, other_user, lamp):
    shipped = order_placed(user, [lamp], until=OrderStatus.SHIPPED)
    url = reverse("commerce:review", args=[shipped.pk, shipped.lines.get().pk])
    client.force_login(user)

    waiting = client.get(url)
    order_page = client.get(shipped.get_absolute_url()).content.decode()
    client.force_login(other_user)

    assert waiting.status_code == 302
    assert waiting["Location"] == shipped.get_absolute_url()
    assert "Write a review" not in order_page
    assert client.get(url).status_code == 404


def test_product_and_shop_pages_show_ratings_reviews_and_answers(client, user, line, lamp, shop):
    review = write(user, line, rating=4, seller_rating=5, text="Bright and heavy")
    review_answer(seller=shop.user, review_id=review.pk, answer="Thanks for buying!")

    product_page = client.get(lamp.get_absolute_url()).content.decode()
    shop_page = client.get(reverse("commerce:shop", args=["vintage-vault"])).content.decode()
    search_page = client.get(reverse("commerce:search")).content.decode()

    assert 'data-testid="product-rating"' in product_page
    assert "1 review" in product_page
    assert "Bright and heavy" in product_page
    assert "Thanks for buying!" in product_page
    assert 'data-testid="shop-rating"' in shop_page
    assert "seller rating from 1 review" in shop_page
    assert 'data-testid="card-rating"' in search_page


def test_the_seller_answers_from_the_product_page(client, user, line, lamp, shop):
    review = write(user, line)
    client.force_login(shop.user)

    assert "Answer publicly" in client.get(lamp.get_absolute_url()).content.decode()
    response = client.post(reverse("commerce:review_answer", args=[review.pk]), {"answer": "Glad you like it"})

    assert response.status_code == 302
    assert response["Location"] == f"{lamp.get_absolute_url()}#review-{review.pk}"
    assert Review.objects.get().answer == "Glad you like it"


def test_a_stranger_cannot_answer_from_a_page(client, user, other_user, line):
    review = write(user, line)
    client.force_login(other_user)

    response = client.post(reverse("commerce:review_answer", args=[review.pk]), {"answer": "Spam"}, follow=True)

    assert "Only the seller of this product can answer its reviews." in response.content.decode()
    assert Review.objects.get().answer == ""


def test_staff_hide_a_review_from_the_admin(client, user, line, lamp):
    review = write(user, line, text="Rude words")
    staff = UserFactory(is_staff=True, is_superuser=True)
    client.force_login(staff)
    changelist = reverse("admin:commerce_review_changelist")

    listing = client.get(changelist)
    hidden = client.post(changelist, {"action": "hide_reviews", "_selected_action": [review.pk]}, follow=True)

    assert listing.status_code == 200
    assert hidden.status_code == 200
    assert Review.objects.get().is_hidden
    assert ReviewModeration.objects.get().actor == staff
    assert "Rude words" not in client.get(lamp.get_absolute_url()).content.decode()
    client.post(changelist, {"action": "show_reviews", "_selected_action": [review.pk]})
    assert not Review.objects.get().is_hidden
