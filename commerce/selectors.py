"""Reads for the catalog: seller lists, public product pages, search and suggestions."""

from dataclasses import dataclass

from django.contrib.postgres.lookups import TrigramWordSimilar
from django.contrib.postgres.search import SearchQuery, SearchRank, SearchVector, TrigramWordSimilarity
from django.core.paginator import Page, Paginator
from django.db import connection
from django.db.models import Case, F, IntegerField, Prefetch, Q, QuerySet, Value, When

from tokshop.core.errors import NotFound
from tokshop.users.models import SellerProfile, User

from .catalog_cache import catalog_cached
from .models import CartItem, Category, Order, OrderLine, Product, ProductImage
from .selectors_reviews import products_with_rating

SEARCH_CONFIG = "english"
# Must stay the expression of the index in migration 0002_product_search_indexes.
SEARCH_VECTOR = (
    SearchVector("title", weight="A", config=SEARCH_CONFIG)
    + SearchVector("tags", weight="B", config=SEARCH_CONFIG)
    + SearchVector("description", weight="C", config=SEARCH_CONFIG)
)
SORTS = ("relevance", "newest", "price_asc", "price_desc")
SUGGESTIONS_MAX = 8


def _is_postgresql() -> bool:
    return connection.vendor == "postgresql"


def _with_gallery(queryset: QuerySet[Product]) -> QuerySet[Product]:
    return (
        products_with_rating(queryset)
        .select_related("category", "seller__seller_profile")
        .prefetch_related(Prefetch("images", queryset=ProductImage.objects.order_by("position", "id")))
    )


def _text_match(queryset: QuerySet[Product], text: str) -> QuerySet[Product]:
    return queryset.filter(Q(title__icontains=text) | Q(tags__icontains=text) | Q(description__icontains=text))


def category_list() -> QuerySet[Category]:
    return Category.objects.select_related("parent").order_by("name")


def product_list_for_seller(
    *, seller: User, status: str | None = None, category_id: int | None = None, search: str = ""
) -> QuerySet[Product]:
    """The seller's own products, newest first, archived ones included unless filtered out."""
    queryset: QuerySet[Product] = Product.objects.filter(seller=seller)
    if status:
        queryset = queryset.filter(status=status)
    if category_id is not None:
        queryset = queryset.filter(category_id=category_id)
    if search.strip():
        queryset = _text_match(queryset, search.strip()) | queryset.filter(sku__iexact=search.strip())
    return _with_gallery(queryset).order_by("-created_at", "-id")


def product_get_for_seller(*, seller: User, product_id: int) -> Product | None:
    return _with_gallery(Product.objects.filter(seller=seller, pk=product_id)).first()


def product_get_public(*, product_id: int) -> Product | None:
    """An active product of a seller whose account is active; None for anything else."""
    return _with_gallery(Product.objects.active().filter(pk=product_id, seller__is_active=True)).first()


def shop_get_public(*, slug: str) -> SellerProfile | None:
    return SellerProfile.objects.select_related("user").filter(slug=slug, user__is_active=True).first()


def product_list_for_shop(*, shop: SellerProfile) -> QuerySet[Product]:
    return _with_gallery(Product.objects.active().filter(seller_id=shop.user_id)).order_by("-created_at", "-id")


def product_page_for_shop(*, shop: SellerProfile, page: str | None, per_page: int) -> Page:
    """One page of a shop's active products, newest first, kept in the catalog cache."""
    # Anything but a page number shows the first page, so it needs no cache entry of its own.
    wanted = page if page and page.isdigit() else "1"

    def build() -> tuple[int, list[Product], int]:
        chosen = Paginator(product_list_for_shop(shop=shop), per_page).get_page(wanted)
        return chosen.number, list(chosen.object_list), chosen.paginator.count

    number, products, count = catalog_cached(key=f"shop|{shop.pk}|{wanted}|{per_page}", build=build).value
    paginator = Paginator(products, per_page)
    paginator.count = count  # the whole shop's count, not this page's
    return Page(products, number, paginator)


def product_search(
    *,
    query: str = "",
    category: str | None = None,
    price_min: int | None = None,
    price_max: int | None = None,
    seller: str | None = None,
    condition: str | None = None,
    in_stock: bool = False,
    sort: str = "relevance",
) -> QuerySet[Product]:
    """Active products matching the words and filters, best match first by default.

    On PostgreSQL the words are a web-search query ranked over title (A), tags (B) and description
    (C); on the embedded SQLite they are matched as one phrase and a title match ranks first.
    `category` and `seller` are slugs; a category includes its direct subcategories.
    """
    queryset: QuerySet[Product] = Product.objects.active().filter(seller__is_active=True)
    if category:
        queryset = queryset.filter(Q(category__slug=category) | Q(category__parent__slug=category))
    if price_min is not None:
        queryset = queryset.filter(price_cents__gte=price_min)
    if price_max is not None:
        queryset = queryset.filter(price_cents__lte=price_max)
    if seller:
        queryset = queryset.filter(seller__seller_profile__slug=seller)
    if condition:
        queryset = queryset.filter(condition=condition)
    if in_stock:
        queryset = queryset.filter(quantity_on_hand__gt=0)

    text = query.strip()
    if text and _is_postgresql():
        search_query = SearchQuery(text, search_type="websearch", config=SEARCH_CONFIG)
        queryset = queryset.annotate(search=SEARCH_VECTOR, rank=SearchRank(SEARCH_VECTOR, search_query)).filter(
            search=search_query
        )
    elif text:
        queryset = _text_match(queryset, text).annotate(
            rank=Case(
                When(title__icontains=text, then=Value(3)),
                When(tags__icontains=text, then=Value(2)),
                default=Value(1),
                output_field=IntegerField(),
            )
        )

    if sort == "price_asc":
        queryset = queryset.order_by("price_cents", "-id")
    elif sort == "price_desc":
        queryset = queryset.order_by("-price_cents", "-id")
    elif sort == "relevance" and text:
        queryset = queryset.order_by(F("rank").desc(), "-created_at", "-id")
    else:
        queryset = queryset.order_by("-created_at", "-id")
    return _with_gallery(queryset)


def product_suggest(*, prefix: str) -> list[Product]:
    """Up to eight active products whose titles look like what is being typed, closest first."""
    text = prefix.strip()
    if len(text) < 2:
        return []
    queryset: QuerySet[Product] = Product.objects.active().filter(seller__is_active=True)
    if _is_postgresql():
        # Word similarity (`%>`, pg_trgm's threshold 0.6) compares what was typed with the closest
        # stretch of the title, so a prefix or a typo still matches; the title's trigram index serves it.
        queryset = (
            queryset.filter(TrigramWordSimilar(F("title"), text))
            .annotate(similarity=TrigramWordSimilarity(text, "title"))
            .order_by("-similarity", "title", "id")
        )
    else:
        queryset = (
            queryset.filter(title__icontains=text)
            .annotate(starts=Case(When(title__istartswith=text, then=Value(0)), default=Value(1)))
            .order_by("starts", "title", "id")
        )
    return list(queryset.only("id", "title", "slug")[:SUGGESTIONS_MAX])


@dataclass(frozen=True)
class CartView:
    items: list[CartItem]
    subtotal_cents: int
    currency: str
    count: int


def cart_get_for_buyer(*, buyer: User) -> CartView:
    """The buyer's cart lines with their products and thumbnails; prices are today's."""
    items = list(
        CartItem.objects.filter(cart__buyer=buyer)
        .select_related("product__seller__seller_profile")
        .prefetch_related(Prefetch("product__images", queryset=ProductImage.objects.order_by("position", "id")))
        .order_by("created_at", "id")
    )
    return CartView(
        items=items,
        subtotal_cents=sum(item.line_total_cents for item in items),
        currency=items[0].product.currency if items else "USD",
        count=sum(item.quantity for item in items),
    )


def _orders_with_lines(queryset: QuerySet[Order]) -> QuerySet[Order]:
    return queryset.select_related("buyer", "seller__seller_profile").prefetch_related(
        Prefetch("lines", queryset=OrderLine.objects.order_by("id")), "events"
    )


def order_list_for_buyer(*, buyer: User) -> QuerySet[Order]:
    return _orders_with_lines(Order.objects.filter(buyer=buyer)).order_by("-created_at", "-id")


def order_get_for_buyer(*, buyer: User, order_id: int) -> Order | None:
    return order_list_for_buyer(buyer=buyer).filter(pk=order_id).first()


# The address columns an order ships to, in the order forms ask for them.
ORDER_SHIPPING_FIELDS = (
    "shipping_name",
    "shipping_line1",
    "shipping_line2",
    "shipping_city",
    "shipping_postal_code",
    "shipping_country",
)


def order_shipping_last_used(*, buyer: User) -> dict[str, str] | None:
    """The address the buyer's latest order ships to, as their saved address; None before any order."""
    return (
        Order.objects.filter(buyer=buyer)
        .exclude(shipping_line1="")
        .order_by("-created_at", "-id")
        .values(*ORDER_SHIPPING_FIELDS)
        .first()
    )


def order_list_for_seller(*, seller: User, status: str | None = None) -> QuerySet[Order]:
    orders = Order.objects.filter(seller=seller)
    if status:
        orders = orders.filter(status=status)
    return _orders_with_lines(orders).order_by("-created_at", "-id")


def order_get_for_seller(*, seller: User, order_id: int) -> Order | None:
    return order_list_for_seller(seller=seller).filter(pk=order_id).first()


def product_get_own_for_update(*, seller: User, product_id: int) -> Product:
    """One of the seller's products, its row locked for the caller's transaction."""
    # Someone else's product answers "not found", so its existence is not revealed.
    product = Product.objects.select_for_update().filter(pk=product_id, seller=seller).first()
    if product is None:
        raise NotFound("No such product.")
    return product
