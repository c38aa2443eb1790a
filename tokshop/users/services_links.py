"""Recording what accounts are seen with (a browser's device cookie, an IP address, a saved card), so
that accounts sharing one can be told apart from strangers (decision 0024)."""

import ipaddress
import re
import secrets

from django.core.cache import cache
from django.utils import timezone
from django.utils.crypto import salted_hmac

from .models import AccountSignal, AccountSignalKind
from .selectors_links import IP_LINK_WINDOW

# The first-party cookie naming a browser. It outlives sign-outs on purpose: a browser that signs in
# to two accounts is what links them. 400 days is the longest lifetime browsers accept.
DEVICE_COOKIE = "tokshop_device"
DEVICE_COOKIE_MAX_AGE = 400 * 24 * 3600
_DEVICE_ID = re.compile(r"^[A-Za-z0-9_-]{32}$")

# A busy account (every page, every API call, every socket) writes each thing it is seen with at most
# once per this many seconds; a link needs "seen with", not an exact count of sightings.
RECORD_THROTTLE_SECONDS = 300

_HMAC_SALT = "tokshop.users.account-signal"


def device_id_new() -> str:
    return secrets.token_urlsafe(24)


def device_id_is_valid(raw: str) -> bool:
    """Whether a device cookie is one we issued (in shape): anything else is replaced, not recorded."""
    return bool(_DEVICE_ID.match(raw))


def ip_for_links(raw: str) -> str:
    """The address as it identifies a network worth linking on; "" for one that identifies nobody.

    Loopback, private, link-local and carrier-grade NAT addresses are shared by whole networks (and
    are what tests and development use), so they are not recorded. An IPv6 client changes address
    within its /64 for privacy; the /64 is what one household or phone keeps.
    """
    try:
        address = ipaddress.ip_address(raw.strip())
    except ValueError:
        return ""
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    if not address.is_global:
        return ""
    if isinstance(address, ipaddress.IPv6Address):
        return str(ipaddress.IPv6Network((address, 64), strict=False))
    return str(address)


def signal_value(kind: str, raw: str) -> str:
    """The keyed hash stored for a raw device id, address or card fingerprint."""
    return salted_hmac(_HMAC_SALT, f"{kind}:{raw}", algorithm="sha256").hexdigest()


def account_signals_record(*, user_id: int, device_id: str = "", ip: str = "", card_fingerprint: str = "") -> int:
    """Record that the account was seen with these (empty ones are skipped); returns the rows written.

    One upsert (first seen kept, last seen moved), skipped for values this account was recorded with
    in the last RECORD_THROTTLE_SECONDS: the throttle is a cache key per account and value.
    """
    now = timezone.now()
    seen = [
        (AccountSignalKind.DEVICE, device_id if device_id_is_valid(device_id) else ""),
        (AccountSignalKind.IP, ip_for_links(ip)),
        (AccountSignalKind.CARD, card_fingerprint.strip()),
    ]
    rows = []
    for kind, raw in seen:
        if not raw:
            continue
        value = signal_value(kind, raw)
        if not cache.add(f"users:signal-seen:{user_id}:{kind}:{value[:32]}", 1, timeout=RECORD_THROTTLE_SECONDS):
            continue
        rows.append(AccountSignal(user_id=user_id, kind=kind, value=value, first_seen_at=now, last_seen_at=now))
    if rows:
        AccountSignal.objects.bulk_create(
            rows, update_conflicts=True, unique_fields=["user", "kind", "value"], update_fields=["last_seen_at"]
        )
    return len(rows)


def account_signals_purge() -> int:
    """Delete the addresses last seen before the link window; returns how many.

    An address links accounts only within IP_LINK_WINDOW, so an older one serves no purpose and is
    not kept. Devices and cards link however long ago they were shared, so they stay.
    """
    cutoff = timezone.now() - IP_LINK_WINDOW
    deleted, _ = AccountSignal.objects.filter(kind=AccountSignalKind.IP, last_seen_at__lt=cutoff).delete()
    return deleted
