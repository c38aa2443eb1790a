"""Middleware of Tokshop's own that wraps third-party middleware."""

from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

from asgiref.sync import iscoroutinefunction, markcoroutinefunction, sync_to_async
from django.http import HttpRequest, HttpResponse
from whitenoise.middleware import WhiteNoiseMiddleware


class AsyncWhiteNoiseMiddleware(WhiteNoiseMiddleware):
    """WhiteNoise, able to run on the event loop.

    WhiteNoise's middleware is sync-only, so under ASGI Django ran it, and every middleware above
    it, on a worker thread, and hopped back to the event loop for the async-capable ones below:
    two thread switches on every request, static or not. Here a request that is not for a static
    file passes straight on; only serving a file (which opens it) runs on a thread.
    """

    sync_capable = True
    async_capable = True

    def __init__(self, get_response: Callable[[HttpRequest], Any], *args: Any, **kwargs: Any) -> None:
        super().__init__(get_response, *args, **kwargs)
        self.is_async = iscoroutinefunction(get_response)
        if self.is_async:
            markcoroutinefunction(self)

    def __call__(self, request: HttpRequest) -> HttpResponse | Awaitable[HttpResponse]:
        if self.is_async:
            return self._acall(request)
        response: HttpResponse = super().__call__(request)
        return response

    async def _acall(self, request: HttpRequest) -> HttpResponse:
        if self.autorefresh:
            # Looks on disk and through the finders (development and tests only).
            static_file = await sync_to_async(self.find_file)(request.path_info)
        else:
            static_file = self.files.get(request.path_info)
        if static_file is not None:
            return await sync_to_async(self._serve_read)(static_file, request)
        response: HttpResponse = await self.get_response(request)
        return response

    def _serve_read(self, static_file: Any, request: HttpRequest) -> HttpResponse:
        """The file's response with its body read here, on the thread.

        Django's ASGI handler sends a body asynchronously; given a file's sync iterator it reads the
        whole of it on a thread anyway, warning each time. Reading it on the thread that opened it
        is the same work without the warning (the file is still closed with the response).
        """
        response = self.serve(static_file, request)
        response.streaming_content = _replay(list(response.streaming_content))
        return response


async def _replay(chunks: list[bytes]) -> AsyncIterator[bytes]:
    for chunk in chunks:
        yield chunk
