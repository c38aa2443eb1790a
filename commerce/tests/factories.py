from io import BytesIO

import factory
from django.core.files.uploadedfile import SimpleUploadedFile

from commerce.models import Category, Product
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
