"""The public catalog replayed in front of Django: byte for byte Django's answer, never stale, never
for a request Django could answer differently."""

import logging
from collections.abc import AsyncIterator, Sequence

import pytest
from asgiref.testing import ApplicationCommunicator
from channels.db import database_sync_to_async
from django.core.signals import request_started

from analytics.metrics import REQUEST_LATENCY
from analytics.middleware import request_record
from commerce.services.catalog import product_update
from commerce.services.inventory import stock_adjust
from tokshop.core.asgi import RequestThreadsASGIHandler
from tokshop.core.shared_responses import SharedResponseReplay
from tokshop.users.services import api_token_create

from .factories import ProductFactory, SellerProfileFactory

PRODUCTS = "/api/v1/products/"
JSON = [(b"accept", b"application/json")]
# Request code runs on the handler's threads, each with its own database connection: what the
# test writes must be committed to be seen there.
pytestmark = pytest.mark.django_db(transaction=True)

Answer = tuple[int, list[tuple[bytes, bytes]], bytes]


async def ask(
    app: SharedResponseReplay,
    path: str = PRODUCTS,
    headers: Sequence[tuple[bytes, bytes]] = JSON,
    *,
    method: str = "GET",
    query: bytes = b"",
    host: bytes = b"testserver",
    scheme: str = "http",
) -> Answer:
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": method,
        "scheme": scheme,
        "path": path,
        "raw_path": path.encode(),
        "query_string": query,
        "root_path": "",
        "headers": [(b"host", host), *headers],
        "client": ("127.0.0.1", 50000),
        "server": ("testserver", 443 if scheme == "https" else 80),
    }
    communicator = ApplicationCommunicator(app, scope)
    await communicator.send_input({"type": "http.request", "body": b"", "more_body": False})
    start = await communicator.receive_output(10)
    body = b""
    while True:
        message = await communicator.receive_output(10)
        body += message.get("body", b"")
        if not message.get("more_body"):
            break
    await communicator.wait(10)
    return start["status"], list(start["headers"]), body


def header(answer: Answer, name: bytes) -> bytes | None:
    return next((value for key, value in answer[1] if key.lower() == name), None)


@pytest.fixture
async def app() -> AsyncIterator[SharedResponseReplay]:
    replay = SharedResponseReplay(RequestThreadsASGIHandler(), record=request_record)
    yield replay
    await replay.aclose()


@pytest.fixture
def django_answers():
    """How many requests reached Django."""
    seen: list[int] = []

    def count(**kwargs):
        seen.append(1)

    request_started.connect(count)
    yield seen
    request_started.disconnect(count)


@pytest.fixture
def lamp():
    return ProductFactory(seller=SellerProfileFactory().user, title="Lamp")


@pytest.mark.parametrize("method", ["GET", "HEAD"])
@pytest.mark.parametrize("accept", [JSON, [], [(b"accept", b"*/*")]])
async def test_the_replay_is_djangos_answer_byte_for_byte(app, django_answers, lamp, method, accept):
    for path in (PRODUCTS, f"{PRODUCTS}{lamp.pk}/"):
        django = await ask(app, path, accept, method=method)
        replayed = await ask(app, path, accept, method=method)
        again = await ask(app, path, accept, method=method)

        assert django[0] == 200
        assert replayed == again == django
        assert header(replayed, b"set-cookie") is None
    assert len(django_answers) == 2


@pytest.fixture
def hsts(settings):
    # Set before the handler loads the middleware, which reads it once.
    settings.SECURE_HSTS_SECONDS = 3600


async def test_https_and_http_answers_are_kept_apart(hsts, app, django_answers, lamp):
    secure = [await ask(app, scheme="https") for _ in range(2)]
    plain = [await ask(app) for _ in range(2)]

    assert secure[0] == secure[1]
    assert plain[0] == plain[1]
    assert header(secure[1], b"strict-transport-security") == b"max-age=3600"
    assert header(plain[1], b"strict-transport-security") is None
    assert len(django_answers) == 2


async def test_a_matching_if_none_match_gets_djangos_304(app, django_answers, lamp):
    etag = header(await ask(app), b"etag")
    assert etag is not None
    revalidate = [*JSON, (b"if-none-match", etag)]

    django = await ask(app, headers=revalidate)
    replayed = await ask(app, headers=revalidate)
    other = await ask(app, headers=[*JSON, (b"if-none-match", b'"another"')])

    assert django[0] == 304
    assert replayed == django
    assert other[0] == 200
    assert header(other, b"etag") == etag
    assert len(django_answers) == 2


@pytest.mark.parametrize(
    ("headers", "query"),
    [
        ([*JSON, (b"cookie", b"sessionid=abc")], b""),
        ([*JSON, (b"cookie", b"csrftoken=not-a-token")], b""),
        ([*JSON, (b"authorization", b"Bearer not-a-token")], b""),
        ([(b"accept", b"text/html")], b""),
        ([(b"accept", b"application/json; indent=4")], b""),
        (JSON, b"page=1"),
        (JSON, b"format=api"),
    ],
)
async def test_requests_django_could_answer_otherwise_reach_django(app, django_answers, lamp, headers, query):
    await ask(app)
    await ask(app)
    assert len(django_answers) == 1

    await ask(app, headers=headers, query=query)
    await ask(app, headers=headers, query=query)

    assert len(django_answers) == 3


async def test_a_signed_in_visitor_reaches_django_and_gets_the_same_page(app, django_answers, lamp):
    _, token = await database_sync_to_async(api_token_create)(user=lamp.seller, name="phone")
    anonymous = await ask(app)
    await ask(app)

    signed_in = await ask(app, headers=[*JSON, (b"authorization", f"Bearer {token}".encode())])

    assert signed_in[2] == anonymous[2]
    assert len(django_answers) == 2


async def test_no_replay_outlives_a_catalog_write(app, django_answers, lamp):
    detail = f"{PRODUCTS}{lamp.pk}/"
    for path in (PRODUCTS, detail):
        await ask(app, path)
        await ask(app, path)
    seen = len(django_answers)

    await database_sync_to_async(product_update)(seller=lamp.seller, product_id=lamp.pk, title="Brass lamp")
    renamed = [await ask(app, path) for path in (PRODUCTS, detail)]

    assert all(b"Brass lamp" in answer[2] for answer in renamed)
    assert len(django_answers) == seen + 2

    await database_sync_to_async(stock_adjust)(seller=lamp.seller, product_id=lamp.pk, delta=7, reason="restock")
    restocked = await ask(app, detail)

    assert b'"quantity_available":' in restocked[2]
    assert restocked[2] != renamed[1][2]
    assert len(django_answers) == seen + 3


async def test_a_host_django_refuses_is_never_answered_from_the_cache(app, django_answers, lamp):
    await ask(app)
    await ask(app)

    refused = [await ask(app, host=b"evil.example") for _ in range(2)]

    assert [answer[0] for answer in refused] == [400, 400]
    assert len(django_answers) == 3


async def test_replayed_answers_are_timed_and_logged_like_any_other(app, lamp, caplog):
    labels = {"method": "GET", "route": "api/v1/products/", "status": "200"}

    def count() -> float:
        samples = (sample for metric in REQUEST_LATENCY.collect() for sample in metric.samples)
        return sum(sample.value for sample in samples if sample.name.endswith("_count") and sample.labels == labels)

    await ask(app)
    before = count()
    caplog.clear()
    with caplog.at_level(logging.INFO, logger="tokshop.requests"):
        await ask(app)

    assert count() == before + 1
    [line] = [record for record in caplog.records if record.name == "tokshop.requests"]
    assert (line.method, line.route, line.path, line.status) == ("GET", "api/v1/products/", PRODUCTS, 200)
    assert line.duration_ms >= 0
