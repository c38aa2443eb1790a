"""Commerce demo data for `manage.py seed_demo`: categories, pictured products, orders, reviews
and saved products, all made through the real services so they look like a shop in use."""

from collections.abc import Callable
from dataclasses import dataclass
from io import BytesIO

from django.core.files.uploadedfile import SimpleUploadedFile

from tokshop.core.demo import DEMO_BUYER, DEMO_SELLER
from tokshop.users.models import User

from .models import Category, Order, OrderLine, Product, Review, WishlistItem
from .payments import TEST_CARD_SUCCESS
from .services.cart import cart_add
from .services.catalog import product_create, product_image_add
from .services.orders import checkout, order_confirm_delivery, order_pay, order_ship
from .services.reviews import review_answer, review_create
from .services.wishlist import wishlist_add

# The demo buyer's orders: the first stays paid, the second is shipped.
DEMO_ORDER_SKUS = ["VV-004", "VV-005"]


@dataclass(frozen=True)
class DemoReview:
    buyer: str
    sku: str
    rating: int
    seller_rating: int
    text: str
    answer: str = ""


DEMO_REVIEWS = [
    DemoReview(
        "cleo@tokshop.demo",
        "VV-008",
        5,
        5,
        "Works perfectly; my first roll came back sharp. Packed like treasure.",
        "So glad it found a good home. Enjoy shooting!",
    ),
    DemoReview(
        "cleo@tokshop.demo", "VV-002", 4, 5, "Lovely camera, the lens has a faint haze you only see in a torch."
    ),
    DemoReview("dev@tokshop.demo", "VV-008", 4, 4, "Meter is accurate. A small scuff on the top plate, as described."),
    DemoReview("dev@tokshop.demo", "VV-004", 5, 3, "Plays beautifully. Shipping took a week longer than I hoped."),
]
DEMO_ADDRESS = {
    "shipping_line1": "12 Market Street",
    "shipping_city": "Portland",
    "shipping_postal_code": "97201",
    "shipping_country": "US",
}
# What the demo buyer keeps under Saved: a camera, and the sold-out clock she waits for.
DEMO_SAVED_SKUS = ["VV-001", "VV-007"]


DEMO_CATEGORIES = [
    # (slug, name, parent slug)
    ("cameras", "Cameras", None),
    ("film-cameras", "Film cameras", "cameras"),
    ("music", "Music", None),
    ("vinyl", "Vinyl records", "music"),
    ("home", "Home", None),
    ("lighting", "Lighting", "home"),
    ("furniture", "Furniture", "home"),
]


@dataclass(frozen=True)
class DemoProduct:
    sku: str
    title: str
    price_cents: int
    category: str
    condition: str
    tags: str
    quantity: int
    color: str
    shape: str
    description: str


DEMO_PRODUCTS = [
    DemoProduct(
        "VV-001",
        "Polaroid SX-70 instant camera",
        18500,
        "film-cameras",
        "good",
        "film, instant, polaroid",
        1,
        "#f4c9a8",
        "rect",
        "The folding SLR that made instant photography art. Tested with fresh film.",
    ),
    DemoProduct(
        "VV-002",
        "Canon AE-1 Program with 50mm lens",
        22000,
        "film-cameras",
        "like_new",
        "film, 35mm, canon",
        2,
        "#c9d8f4",
        "circle",
        "A 35mm classic, new light seals, shutter squeak-free.",
    ),
    DemoProduct(
        "VV-003",
        "Miles Davis: Kind of Blue (1959 pressing)",
        9500,
        "vinyl",
        "good",
        "jazz, vinyl, lp",
        1,
        "#2f4a7a",
        "circle",
        "Six-eye Columbia label; plays with light surface noise.",
    ),
    DemoProduct(
        "VV-004",
        "Fleetwood Mac: Rumours LP",
        3200,
        "vinyl",
        "like_new",
        "rock, vinyl, 1970s",
        3,
        "#e9dcc4",
        "circle",
        "1977 Warner Bros pressing with the original inner sleeve.",
    ),
    DemoProduct(
        "VV-005",
        "Brass banker's desk lamp",
        7800,
        "lighting",
        "good",
        "brass, lamp, desk",
        2,
        "#3f7a5a",
        "triangle",
        "Green glass shade, rewired with a cloth cord.",
    ),
    DemoProduct(
        "VV-006",
        "Mid-century teak side table",
        24000,
        "furniture",
        "fair",
        "teak, mid-century, table",
        1,
        "#b9814f",
        "rect",
        "Danish teak with a lower shelf; honest wear on the top.",
    ),
    DemoProduct(
        "VV-007",
        "Atomic starburst wall clock",
        6400,
        "home",
        "good",
        "clock, atomic, 1960s",
        0,
        "#f2b84b",
        "circle",
        "Battery movement fitted; keeps good time.",
    ),
    DemoProduct(
        "VV-008",
        "Olympus Trip 35 point-and-shoot",
        11000,
        "film-cameras",
        "good",
        "film, 35mm, olympus",
        4,
        "#d4d4d4",
        "rect",
        "The selenium meter still reads true; a perfect first film camera.",
    ),
]


def demo_picture(product: DemoProduct) -> SimpleUploadedFile:
    """A simple, recognisably different picture per product: a coloured field, a shape and the name."""
    from PIL import Image, ImageDraw, ImageFont

    size = 800
    picture = Image.new("RGB", (size, size), product.color)
    draw = ImageDraw.Draw(picture)
    light = sum(int(product.color[i : i + 2], 16) for i in (1, 3, 5)) > 3 * 140
    ink = "#1c1620" if light else "#ffffff"
    box = (220, 160, 580, 520)
    if product.shape == "circle":
        draw.ellipse(box, outline=ink, width=18)
        draw.ellipse((360, 300, 440, 380), fill=ink)
    elif product.shape == "triangle":
        draw.polygon([(400, 160), (580, 460), (220, 460)], outline=ink, width=18)
        draw.rectangle((385, 460, 415, 560), fill=ink)
    else:
        draw.rounded_rectangle(box, radius=36, outline=ink, width=18)
        draw.ellipse((330, 270, 470, 410), outline=ink, width=14)
    font = ImageFont.load_default(size=40)
    words, lines = product.title.split(), [""]
    for word in words:
        candidate = f"{lines[-1]} {word}".strip()
        if draw.textlength(candidate, font=font) > size - 120:
            lines.append(word)
        else:
            lines[-1] = candidate
    for n, line in enumerate(lines[:2]):
        width = draw.textlength(line, font=font)
        draw.text(((size - width) / 2, 610 + n * 54), line, fill=ink, font=font)
    buffer = BytesIO()
    picture.save(buffer, format="JPEG", quality=88)
    return SimpleUploadedFile(f"{product.sku.lower()}.jpg", buffer.getvalue(), content_type="image/jpeg")


def ensure_categories() -> None:
    for slug, name, parent in DEMO_CATEGORIES:
        Category.objects.get_or_create(
            slug=slug, defaults={"name": name, "parent": Category.objects.filter(slug=parent).first()}
        )


def ensure_products(seller: User) -> None:
    categories = dict(Category.objects.values_list("slug", "pk"))
    existing = set(Product.objects.filter(seller=seller).values_list("sku", flat=True))
    for demo in DEMO_PRODUCTS:
        if demo.sku in existing:
            continue
        product = product_create(
            seller=seller,
            title=demo.title,
            price_cents=demo.price_cents,
            description=demo.description,
            category_id=categories[demo.category],
            condition=demo.condition,
            tags=demo.tags,
            sku=demo.sku,
            shipping_weight_grams=800,
            quantity_on_hand=demo.quantity,
        )
        product_image_add(seller=seller, product_id=product.pk, image=demo_picture(demo))


def ensure_orders(*, buyer: User, seller: User) -> None:
    """Two orders for the demo buyer, through the real services: one paid, one shipped."""
    if Order.objects.filter(buyer=buyer).exists():
        return
    address = {**DEMO_ADDRESS, "shipping_name": buyer.display_name}
    orders = []
    for sku in DEMO_ORDER_SKUS:
        product = Product.objects.get(seller=seller, sku=sku)
        cart_add(buyer=buyer, product_id=product.pk)
        [order] = checkout(buyer=buyer, shipping=address)
        order_pay(buyer=buyer, order_id=order.pk, card_number=TEST_CARD_SUCCESS)
        orders.append(order)
    order_ship(seller=seller, order_id=orders[-1].pk, carrier="USPS", tracking_number="9400 1000 0000 0000 0000 00")


def ensure_reviews(*, seller: User) -> None:
    """Delivered orders for the reviewing buyers, each line reviewed, through the real services."""
    for demo in DEMO_REVIEWS:
        buyer = User.objects.get(email=demo.buyer)
        if Review.objects.filter(author=buyer, product__sku=demo.sku, product__seller=seller).exists():
            continue
        product = Product.objects.get(seller=seller, sku=demo.sku)
        cart_add(buyer=buyer, product_id=product.pk)
        [order] = checkout(buyer=buyer, shipping={**DEMO_ADDRESS, "shipping_name": buyer.display_name})
        order_pay(buyer=buyer, order_id=order.pk, card_number=TEST_CARD_SUCCESS)
        order_ship(seller=seller, order_id=order.pk, carrier="USPS", tracking_number=f"9400 1000 {order.pk:010d}")
        order_confirm_delivery(buyer=buyer, order_id=order.pk)
        review = review_create(
            author=buyer,
            order_line_id=OrderLine.objects.get(order=order).pk,
            rating=demo.rating,
            seller_rating=demo.seller_rating,
            text=demo.text,
        )
        if demo.answer:
            review_answer(seller=seller, review_id=review.pk, answer=demo.answer)


def ensure_saved(*, buyer: User, seller: User) -> None:
    if WishlistItem.objects.filter(buyer=buyer).exists():
        return
    for sku in DEMO_SAVED_SKUS:
        wishlist_add(buyer=buyer, product_id=Product.objects.get(seller=seller, sku=sku).pk)


def demo_orders_reviews_saved() -> None:
    buyer, seller = User.objects.get(email=DEMO_BUYER), User.objects.get(email=DEMO_SELLER)
    ensure_orders(buyer=buyer, seller=seller)
    ensure_reviews(seller=seller)
    ensure_saved(buyer=buyer, seller=seller)


def demo_steps() -> list[tuple[str, Callable[[], None]]]:
    return [
        ("categories", ensure_categories),
        ("products", lambda: ensure_products(User.objects.get(email=DEMO_SELLER))),
        ("orders, reviews and saved products", demo_orders_reviews_saved),
    ]
