"""The client's address: the peer's, unless a trusted proxy forwarded the request."""

from ipaddress import ip_network

import pytest
from starlette.types import Scope

from app.api.client import client_address

PROXIES = [ip_network("10.0.0.0/8"), ip_network("127.0.0.1"), ip_network("fd00::/8")]


def _scope(peer: str | None, *forwarded_for: str) -> Scope:
    headers = [(b"x-forwarded-for", value.encode()) for value in forwarded_for]
    client = None if peer is None else (peer, 50000)
    return {"type": "http", "client": client, "headers": headers}


def test_without_trusted_proxies_the_peer_is_the_client_whatever_it_sends() -> None:
    assert client_address(_scope("198.51.100.9", "203.0.113.7"), []) == "198.51.100.9"
    assert client_address(_scope("10.1.2.3", "203.0.113.7"), []) == "10.1.2.3"


def test_an_untrusted_peers_forwarded_for_is_ignored() -> None:
    assert client_address(_scope("198.51.100.9", "203.0.113.7"), PROXIES) == "198.51.100.9"


@pytest.mark.parametrize(
    ("forwarded_for", "client"),
    [
        (["203.0.113.7"], "203.0.113.7"),
        # Left of the first untrusted hop, anyone could have written anything.
        (["198.51.100.1, 203.0.113.7"], "203.0.113.7"),
        (["evil, 203.0.113.7"], "203.0.113.7"),
        # Trusted hops right of it are passed over, also across repeated headers.
        (["203.0.113.7, 10.9.9.9, 127.0.0.1"], "203.0.113.7"),
        (["198.51.100.1, 203.0.113.7", "10.9.9.9"], "203.0.113.7"),
        ([" 2001:db8::7 ,fd00::1"], "2001:db8::7"),
        # All trusted: the left-most is where the request started.
        (["10.9.9.9, 10.8.8.8"], "10.9.9.9"),
        # None: the proxy sent the request itself.
        ([], "10.0.0.2"),
        # An entry that is no address ends the walk at the last trusted hop.
        (["203.0.113.7, unknown"], "10.0.0.2"),
        (["203.0.113.7:4711, 10.9.9.9"], "10.9.9.9"),
        ([""], "10.0.0.2"),
    ],
)
def test_a_trusted_proxys_forwarded_for_names_the_client(
    forwarded_for: list[str], client: str
) -> None:
    assert client_address(_scope("10.0.0.2", *forwarded_for), PROXIES) == client


def test_ipv4_peers_of_a_dual_stack_socket_are_ipv4() -> None:
    assert client_address(_scope("::ffff:127.0.0.1", "203.0.113.7"), PROXIES) == "203.0.113.7"
    assert client_address(_scope("::ffff:198.51.100.9"), PROXIES) == "198.51.100.9"


def test_a_peer_without_an_ip_address_is_named_as_the_server_names_it() -> None:
    assert client_address(_scope("testclient", "203.0.113.7"), PROXIES) == "testclient"
    assert client_address(_scope(None, "203.0.113.7"), PROXIES) == ""
