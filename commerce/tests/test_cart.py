"""The cart: services, the API and the pages."""

import pytest
from django.urls import reverse

from commerce.models import CartItem, ProductStatus
from commerce.services.cart import cart_add, cart_remove, cart_update
from tokshop.core.errors import ApplicationError, Conflict, NotFound

from .factories import ProductFactory

pytestmark = pytest.mark.django_db

CART = reverse("api:cart")
CART_ITEMS = reverse("api:cart-items")


def item_url(item_id: int) -> str:
    return reverse("api:cart-item", kwargs={"item_id": item_id})


def lines(user) -> list[tuple[int, int]]:
    return list(CartItem.objects.filter(cart__buyer=user).values_list("product_id", "quantity"))


def test_adding_twice_adds_to_one_line(user):
    product = ProductFactory(quantity_on_hand=5)

    cart_add(buyer=user, product_id=product.pk, quantity=2)
    item = cart_add(buyer=user, product_id=product.pk)

    assert item.quantity == 3
    assert lines(user) == [(product.pk, 3)]


@pytest.mark.parametrize("quantity", [0, -1, 100])
def test_quantities_outside_1_to_99_are_refused(user, quantity):
    product = ProductFactory(quantity_on_hand=200)
    with pytest.raises(ApplicationError) as refused:
        cart_add(buyer=user, product_id=product.pk, quantity=quantity)
    assert "quantity" in refused.value.fields
    assert lines(user) == []


def test_own_archived_sold_out_and_other_currency_products_are_refused(user):
    own = ProductFactory(seller=user)
    archived = ProductFactory(status=ProductStatus.ARCHIVED)
    sold_out = ProductFactory(quantity_on_hand=0)
    usd = ProductFactory()
    eur = ProductFactory(currency="EUR")

    with pytest.raises(ApplicationError) as refused:
        cart_add(buyer=user, product_id=own.pk)
    assert refused.value.code == "own_product"
    with pytest.raises(NotFound):
        cart_add(buyer=user, product_id=archived.pk)
    with pytest.raises(Conflict):
        cart_add(buyer=user, product_id=sold_out.pk)
    cart_add(buyer=user, product_id=usd.pk)
    with pytest.raises(ApplicationError) as refused:
        cart_add(buyer=user, product_id=eur.pk)
    assert refused.value.code == "currency_mismatch"
    assert lines(user) == [(usd.pk, 1)]


def test_more_than_is_available_is_refused(user):
    product = ProductFactory(quantity_on_hand=2)
    item = cart_add(buyer=user, product_id=product.pk, quantity=2)

    with pytest.raises(Conflict):
        cart_update(buyer=user, item_id=item.pk, quantity=3)
    assert lines(user) == [(product.pk, 2)]


def test_update_and_remove_touch_only_your_own_lines(user, other_user):
    product = ProductFactory(quantity_on_hand=5)
    item = cart_add(buyer=user, product_id=product.pk)

    with pytest.raises(NotFound):
        cart_update(buyer=other_user, item_id=item.pk, quantity=2)
    with pytest.raises(NotFound):
        cart_remove(buyer=other_user, item_id=item.pk)
    cart_update(buyer=user, item_id=item.pk, quantity=4)
    assert lines(user) == [(product.pk, 4)]
    cart_remove(buyer=user, item_id=item.pk)
    assert lines(user) == []


def test_api_cart_round_trip_with_server_subtotal(user_client, user):
    first = ProductFactory(price_cents=1250, quantity_on_hand=5)
    second = ProductFactory(price_cents=300, quantity_on_hand=5)

    assert user_client.get(CART).json() == {"items": [], "count": 0, "subtotal_cents": 0, "currency": "USD"}
    created = user_client.post(CART_ITEMS, {"product_id": first.pk, "quantity": 2}, format="json")
    assert created.status_code == 201
    user_client.post(CART_ITEMS, {"product_id": second.pk}, format="json")
    item_id = created.json()["items"][0]["id"]
    patched = user_client.patch(item_url(item_id), {"quantity": 3}, format="json")

    body = patched.json()
    assert [(i["product"]["id"], i["quantity"], i["line_total_cents"]) for i in body["items"]] == [
        (first.pk, 3, 3750),
        (second.pk, 1, 300),
    ]
    assert (body["count"], body["subtotal_cents"], body["currency"]) == (4, 4050, "USD")
    removed = user_client.delete(item_url(item_id))
    assert removed.status_code == 200
    assert removed.json()["subtotal_cents"] == 300


def test_api_refusals(api_client, user_client, other_user):
    product = ProductFactory(quantity_on_hand=1)
    theirs = cart_add(buyer=other_user, product_id=product.pk)

    assert api_client.get(CART).status_code == 401
    assert user_client.patch(item_url(theirs.pk), {"quantity": 1}, format="json").status_code == 404
    assert user_client.delete(item_url(theirs.pk)).status_code == 404
    too_many = user_client.post(CART_ITEMS, {"product_id": product.pk, "quantity": 2}, format="json")
    assert too_many.status_code == 409
    assert too_many.json()["code"] == "sold_out"
    assert too_many.json()["product_id"] == product.pk
    assert user_client.post(CART_ITEMS, {"product_id": product.pk, "quantity": 100}, format="json").status_code == 400
    assert user_client.post(CART_ITEMS, {"product_id": product.pk + 999}, format="json").status_code == 404
    assert lines(other_user) == [(product.pk, 1)]


def test_product_page_offers_add_to_cart_only_to_other_signed_in_users(client, user):
    product = ProductFactory(quantity_on_hand=2)
    sold_out = ProductFactory(quantity_on_hand=0)

    assert b'data-testid="add-to-cart"' not in client.get(product.get_absolute_url()).content
    client.force_login(product.seller)
    assert b'data-testid="add-to-cart"' not in client.get(product.get_absolute_url()).content
    client.force_login(user)
    page = client.get(product.get_absolute_url()).content.decode()
    assert 'data-testid="add-to-cart"' in page
    assert "Add to cart" in page
    sold_out_page = client.get(sold_out.get_absolute_url()).content.decode()
    assert "disabled" in sold_out_page
    assert "Add to cart" not in sold_out_page


def test_cart_page_add_change_remove(client, user):
    product = ProductFactory(title="Brass lamp", price_cents=2000, quantity_on_hand=5)
    client.force_login(user)

    added = client.post(reverse("commerce:cart_add", args=[product.pk]), {"quantity": "2"}, follow=True)
    assert added.redirect_chain[-1][0] == reverse("commerce:cart")
    assert "Brass lamp" in added.content.decode()
    assert "$40.00" in added.content.decode()
    item = CartItem.objects.get(cart__buyer=user)
    changed = client.post(reverse("commerce:cart_item_update", args=[item.pk]), {"quantity": "9"}, follow=True)
    assert "Only 5 of Brass lamp left." in changed.content.decode()
    client.post(reverse("commerce:cart_item_update", args=[item.pk]), {"quantity": "3"})
    assert lines(user) == [(product.pk, 3)]
    assert "$60.00" in client.get(reverse("commerce:cart")).content.decode()
    client.post(reverse("commerce:cart_item_remove", args=[item.pk]))
    assert "Your cart is empty" in client.get(reverse("commerce:cart")).content.decode()


def test_cart_pages_need_sign_in_and_hide_other_carts(client, user, other_user):
    product = ProductFactory()
    theirs = cart_add(buyer=other_user, product_id=product.pk)

    assert client.get(reverse("commerce:cart")).status_code == 302
    client.force_login(user)
    assert client.post(reverse("commerce:cart_item_remove", args=[theirs.pk])).status_code == 404
    assert client.post(reverse("commerce:cart_item_update", args=[theirs.pk]), {"quantity": "2"}).status_code == 404
    assert lines(other_user) == [(product.pk, 1)]
