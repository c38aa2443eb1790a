"""A signed-in person opening a room socket is recorded with their browser and address, for the
linked-account checks of auctions (decision 0024)."""

import pytest
from channels.db import database_sync_to_async

from conftest import ORIGIN, communicator
from tokshop.users.models import AccountSignal, AccountSignalKind
from tokshop.users.services_links import DEVICE_COOKIE, device_id_new, signal_value
from tokshop.users.tests.factories import UserFactory

from .factories import ShowFactory
from .sockets import make, receive_type, session_cookie

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("loop_cleanup")]


@database_sync_to_async
def recorded(user):
    return set(AccountSignal.objects.filter(user=user).values_list("kind", "value"))


async def test_a_signed_in_socket_records_the_browser_and_address_and_a_visitors_nothing():
    show = await make(ShowFactory, live=True)
    user = await make(UserFactory)
    device = device_id_new()
    name, session = await session_cookie(user)
    socket = communicator(
        f"/ws/shows/{show.pk}/", headers=[ORIGIN, (name, session + f"; {DEVICE_COOKIE}={device}".encode())]
    )
    # The peer address as the server (behind its trusted proxy) reports it.
    socket.scope["client"] = ("81.2.69.160", 50123)
    visitor = communicator(f"/ws/shows/{show.pk}/")
    visitor.scope["client"] = ("81.2.69.161", 50124)

    assert (await socket.connect())[0]
    await receive_type(socket, "room.snapshot")
    assert (await visitor.connect())[0]
    await receive_type(visitor, "room.snapshot")
    await socket.disconnect()
    await visitor.disconnect()

    assert await recorded(user) == {
        (AccountSignalKind.DEVICE, signal_value(AccountSignalKind.DEVICE, device)),
        (AccountSignalKind.IP, signal_value(AccountSignalKind.IP, "81.2.69.160")),
    }
    assert await database_sync_to_async(AccountSignal.objects.count)() == 2
