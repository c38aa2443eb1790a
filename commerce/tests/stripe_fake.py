"""A local fake of Stripe's HTTP API for tests: localstripe, plus what it lacks.

localstripe answers customers, payment methods, SetupIntents, PaymentIntents, declines, 3-D
Secure and refunds as Stripe does, but ignores idempotency keys. A thin layer in front of it
keeps Stripe's rule: a POST repeated with the same key gets the first answer, and nothing is made
twice. It can also drop the connection after doing the work, as a timeout between Stripe and us
would, so a retried charge can be tested. Bound to 127.0.0.1 on a free port, in its own thread.
"""

import asyncio
import functools
import hashlib
import threading
import warnings
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

from aiohttp import web

# localstripe registers plain functions as aiohttp handlers, which aiohttp deprecates (and the
# suite turns warnings into errors); the warning is about localstripe's code, not Tokshop's.
with warnings.catch_warnings():
    warnings.simplefilter("ignore", DeprecationWarning)
    from localstripe import resources
    from localstripe.server import app as localstripe_app

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


@dataclass
class Remembered:
    fingerprint: str
    status: int
    body: bytes
    content_type: str


@dataclass
class FakeStripe:
    url: str = ""
    remembered: dict[tuple[str, str], Remembered] = field(default_factory=dict)
    # Requests that Stripe carries out but whose answer never reaches the client.
    drop_answers: int = 0
    requests: list[tuple[str, str, str]] = field(default_factory=list)

    def reset(self) -> None:
        resources.store.clear()
        self.remembered.clear()
        self.requests.clear()
        self.drop_answers = 0

    def payment_intents(self) -> list[resources.PaymentIntent]:
        return [value for key, value in resources.store.items() if key.startswith("payment_intent:")]

    def objects(self, prefix: str) -> list[object]:
        return [value for key, value in resources.store.items() if key.startswith(prefix + ":")]


def _middleware(fake: FakeStripe) -> Callable[[web.Request, Handler], Awaitable[web.StreamResponse]]:
    lock = asyncio.Lock()

    @web.middleware
    async def idempotency(request: web.Request, handler: Handler) -> web.StreamResponse:
        key = request.headers.get("Idempotency-Key", "")
        fake.requests.append((request.method, request.path, key))
        if request.method != "POST" or not key:
            return await handler(request)
        body = await request.read()
        fingerprint = hashlib.sha256(f"{request.method} {request.path} ".encode() + body).hexdigest()
        account = request.headers.get("Authorization", "")
        # One request per key at a time, as Stripe does, so two retries cannot both do the work.
        async with lock:
            seen = fake.remembered.get((account, key))
            replayed = seen is not None
            if seen is None:
                response = await handler(request)
                assert isinstance(response, web.Response)
                answer_body = response.body if isinstance(response.body, bytes) else b""
                seen = Remembered(fingerprint, response.status, answer_body, response.content_type)
                fake.remembered[(account, key)] = seen
            elif seen.fingerprint != fingerprint:
                return web.json_response(
                    {
                        "error": {
                            "type": "idempotency_error",
                            "message": "Keys for idempotent requests can only be used with the same parameters.",
                        }
                    },
                    status=400,
                )
            if fake.drop_answers > 0:
                fake.drop_answers -= 1
                assert request.transport is not None
                request.transport.close()
            answer = web.Response(status=seen.status, body=seen.body, content_type=seen.content_type)
            answer.headers["Idempotent-Replayed"] = "true" if replayed else "false"
            return answer

    return idempotency


def _attach_saved_cards_to_their_customer() -> None:
    """Stripe attaches the card of a successful SetupIntent to its customer; localstripe does not."""
    attach = resources.SetupIntent._attach_pm

    def attach_and_keep(self: resources.SetupIntent, pm: resources.PaymentMethod) -> None:
        attach(self, pm)
        if self.status == "succeeded" and self.customer:
            pm.customer = self.customer
            resources.schedule_webhook(resources.Event("setup_intent.succeeded", self))

    resources.SetupIntent._attach_pm = attach_and_keep


@functools.cache
def start() -> tuple[FakeStripe, Callable[[], None]]:
    """Serve the fake on 127.0.0.1 on a free port; answers the fake and a function that stops it.

    localstripe's app is one object per process and cannot be started twice, so a second caller (a
    test module outside commerce/tests that imports the fixtures) shares the same fake.
    """
    # localstripe saves its store to a shared file after every write; tests keep it in memory.
    resources.store.dump_to_disk = lambda: None
    _attach_saved_cards_to_their_customer()
    fake = FakeStripe()
    localstripe_app.middlewares.insert(0, _middleware(fake))
    loop = asyncio.new_event_loop()
    runner = web.AppRunner(localstripe_app, access_log=None)
    ready = threading.Event()

    def serve() -> None:
        asyncio.set_event_loop(loop)
        loop.run_until_complete(runner.setup())
        site = web.TCPSite(runner, "127.0.0.1", 0)
        loop.run_until_complete(site.start())
        port = runner.addresses[0][1]
        fake.url = f"http://127.0.0.1:{port}"
        ready.set()
        loop.run_forever()

    thread = threading.Thread(target=serve, name="fake-stripe", daemon=True)
    thread.start()
    ready.wait(10)

    stopped = threading.Event()

    def stop() -> None:
        if stopped.is_set():
            return
        stopped.set()
        asyncio.run_coroutine_threadsafe(runner.cleanup(), loop).result(10)
        loop.call_soon_threadsafe(loop.stop)
        thread.join(10)

    return fake, stop
