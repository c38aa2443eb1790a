from io import BytesIO

import factory
from django.core.files.uploadedfile import SimpleUploadedFile

from commerce.models import Category, OrderStatus, Product
from tokshop.users.tests.factories import SellerProfileFactory


class CategoryFactory(factory.django.DjangoModelFactory[Category]):
    class Meta:
        model = Category

    name = factory.Sequence(lambda n: f"Category {n}")
    slug = factory.Sequence(lambda n: f"category-{n}")


class ProductFactory(factory.django.DjangoModelFactory[Product]):
    class Meta:
        model = Product

    seller = factory.LazyFunction(lambda: SellerProfileFactory().user)
    title = factory.Sequence(lambda n: f"Product {n}")
    slug = factory.LazyAttribute(lambda p: p.title.lower().replace(" ", "-"))
    price_cents = 1500
    quantity_on_hand = 3


def picture_upload(
    name: str = "photo.png", *, size: tuple[int, int] = (900, 600), fmt: str = "PNG"
) -> SimpleUploadedFile:
    from PIL import Image

    buffer = BytesIO()
    Image.new("RGB", size, "teal").save(buffer, format=fmt)
    return SimpleUploadedFile(name, buffer.getvalue(), content_type=f"image/{fmt.lower()}")


def order_placed(buyer, products, *, until=OrderStatus.DELIVERED):
    """An order of one unit of each product, taken through the real services up to `until`."""
    from commerce.payments import TEST_CARD_SUCCESS
    from commerce.services.cart import cart_add
    from commerce.services.orders import checkout, order_confirm_delivery, order_pay, order_ship

    for product in products:
        cart_add(buyer=buyer, product_id=product.pk)
    [order] = checkout(buyer=buyer, shipping=ADDRESS)
    steps = [
        (OrderStatus.PAID, lambda: order_pay(buyer=buyer, order_id=order.pk, card_number=TEST_CARD_SUCCESS)),
        (
            OrderStatus.SHIPPED,
            lambda: order_ship(seller=order.seller, order_id=order.pk, carrier="USPS", tracking_number="1Z"),
        ),
        (OrderStatus.DELIVERED, lambda: order_confirm_delivery(buyer=buyer, order_id=order.pk)),
    ]
    for status, step in steps:
        if until == OrderStatus.PENDING_PAYMENT:
            break
        step()
        if status == until:
            break
    order.refresh_from_db()
    return order


ADDRESS = {
    "shipping_name": "Ada Buyer",
    "shipping_line1": "1 Main Street",
    "shipping_city": "Springfield",
    "shipping_postal_code": "12345",
    "shipping_country": "US",
}
