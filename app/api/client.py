"""Who sent a request: the client's address, as rate limits (and logs) should see it."""

from collections.abc import Sequence
from ipaddress import IPv4Address, IPv4Network, IPv6Address, IPv6Network, ip_address

from starlette.datastructures import Headers
from starlette.types import Scope

from app.core.config import settings

IPAddress = IPv4Address | IPv6Address
IPNetwork = IPv4Network | IPv6Network


def client_address(
    scope: Scope, trusted_proxies: Sequence[IPNetwork] = settings.TRUSTED_PROXIES
) -> str:
    """The address of the request's client.

    The peer of the connection, unless it is a trusted proxy: then X-Forwarded-For,
    read from the right, where each trusted proxy appended the address it was sent
    from. The first address there that is not a trusted proxy is the client; what lies
    left of it, anyone could have written. An entry that is no address ends the walk at
    the last trusted hop. A peer with no IP address (a Unix socket, a test client) is
    named as the server names it.
    """
    client = scope.get("client")
    peer = client[0] if client else ""
    address = _parse(peer)
    if address is None:
        return peer
    if not _trusted(address, trusted_proxies):
        return str(address)
    hops = [
        hop.strip()
        for value in Headers(scope=scope).getlist("x-forwarded-for")
        for hop in value.split(",")
    ]
    for hop in reversed(hops):
        forwarded = _parse(hop)
        if forwarded is None:
            break
        address = forwarded
        if not _trusted(address, trusted_proxies):
            break
    return str(address)


def _parse(text: str) -> IPAddress | None:
    try:
        address = ip_address(text)
    except ValueError:
        return None
    # A dual-stack socket shows IPv4 peers as ::ffff:a.b.c.d; they are IPv4 clients.
    if isinstance(address, IPv6Address) and address.ipv4_mapped is not None:
        return address.ipv4_mapped
    return address


def _trusted(address: IPAddress, trusted_proxies: Sequence[IPNetwork]) -> bool:
    return any(address in network for network in trusted_proxies)
