"""The production ASGI path: each request's middleware and view on a kept thread of its own."""

import asyncio
import threading
from collections.abc import Sequence

import pytest
from asgiref.sync import iscoroutinefunction
from asgiref.testing import ApplicationCommunicator
from django.core.signals import request_started

from commerce.tests.factories import ProductFactory
from tokshop.core.asgi import IDLE_REQUEST_THREADS, RequestThreadsASGIHandler
from tokshop.users.services import api_token_create
from tokshop.users.tests.factories import SellerProfileFactory, UserFactory

PRODUCTS = "/api/v1/products/"
# Request code runs on the handler's threads, each with its own database connection: what the
# test writes must be committed to be seen there.
pytestmark = pytest.mark.django_db(transaction=True)


async def get(
    app: RequestThreadsASGIHandler, path: str, headers: Sequence[tuple[bytes, bytes]] = (), scheme: str = "http"
) -> tuple[int, dict[bytes, bytes], bytes]:
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "GET",
        "scheme": scheme,
        "path": path,
        "raw_path": path.encode(),
        "query_string": b"",
        "root_path": "",
        "headers": [(b"host", b"testserver"), (b"accept", b"application/json"), *headers],
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
    return start["status"], {name.lower(): value for name, value in start["headers"]}, body


@pytest.fixture
def threads_seen():
    seen: list[int] = []

    def record(**kwargs):
        seen.append(threading.get_ident())

    request_started.connect(record)
    yield seen
    request_started.disconnect(record)


async def test_a_request_thread_serves_the_next_request_too(threads_seen):
    app = RequestThreadsASGIHandler()

    for _ in range(3):
        status, _, _ = await get(app, PRODUCTS)
        assert status == 200

    assert len(set(threads_seen)) == 1
    assert threads_seen[0] != threading.get_ident()


async def test_requests_at_the_same_time_each_have_a_thread_of_their_own():
    app = RequestThreadsASGIHandler()
    # Each request's thread waits here for the other's: on a shared thread this would never pass.
    both = threading.Barrier(2, timeout=10)

    def meet(**kwargs):
        both.wait()

    request_started.connect(meet)
    try:
        answers = await asyncio.gather(*(get(app, PRODUCTS) for _ in range(2)))
    finally:
        request_started.disconnect(meet)

    assert [status for status, _, _ in answers] == [200, 200]
    assert len(app._idle) == 2


async def test_idle_threads_are_kept_up_to_a_limit(monkeypatch):
    monkeypatch.setattr("tokshop.core.asgi.IDLE_REQUEST_THREADS", 1)
    app = RequestThreadsASGIHandler()

    await asyncio.gather(*(get(app, PRODUCTS) for _ in range(3)))

    assert len(app._idle) == 1
    assert IDLE_REQUEST_THREADS > 1


@pytest.fixture
def catalog():
    """A shop with a public and an archived product, and API tokens for its seller and a buyer."""
    seller = SellerProfileFactory().user
    ProductFactory(seller=seller, title="Lamp", sku="SECRET-SKU")
    ProductFactory(seller=seller, title="Old lamp", status="archived")
    _, seller_token = api_token_create(user=seller, name="phone")
    _, buyer_token = api_token_create(user=UserFactory(), name="phone")
    return {"seller": f"Bearer {seller_token}".encode(), "buyer": f"Bearer {buyer_token}".encode()}


async def test_cached_listing_answers_carry_every_security_header(settings, catalog):
    settings.SECURE_HSTS_SECONDS = 3600
    app = RequestThreadsASGIHandler()

    first = await get(app, PRODUCTS, scheme="https")
    cached = await get(app, PRODUCTS, scheme="https")
    etag = cached[1][b"etag"]
    revalidated = await get(app, PRODUCTS, [(b"if-none-match", etag)], scheme="https")

    assert [first[0], cached[0], revalidated[0]] == [200, 200, 304]
    assert first[2] == cached[2]
    for _, headers, _ in (first, cached, revalidated):
        assert headers[b"strict-transport-security"] == b"max-age=3600"
        assert b"default-src 'self'" in headers[b"content-security-policy"]
        assert headers[b"x-content-type-options"] == b"nosniff"
        assert headers[b"x-frame-options"] == b"DENY"
        assert headers[b"referrer-policy"] == b"strict-origin-when-cross-origin"
        assert headers[b"cross-origin-opener-policy"] == b"same-origin"
        assert b"set-cookie" not in headers


async def test_signed_in_and_anonymous_visitors_share_only_public_data_and_bad_tokens_are_refused(catalog):
    app = RequestThreadsASGIHandler()

    # The seller reads first, so the cached page is the one the seller's request built.
    owner = await get(app, PRODUCTS, [(b"authorization", catalog["seller"])])
    signed_in = await get(app, PRODUCTS, [(b"authorization", catalog["buyer"])])
    anonymous = await get(app, PRODUCTS)
    forged = await get(app, PRODUCTS, [(b"authorization", b"Bearer not-a-token")])

    assert owner[0] == signed_in[0] == anonymous[0] == 200
    assert owner[2] == signed_in[2] == anonymous[2]
    assert b"SECRET-SKU" not in anonymous[2]
    assert b"Old lamp" not in anonymous[2]
    assert forged[0] == 401
    assert b"SECRET-SKU" not in forged[2]


def test_the_middleware_chain_is_loaded_to_run_in_one_sync_call():
    app = RequestThreadsASGIHandler()

    assert not iscoroutinefunction(app._middleware_chain)
