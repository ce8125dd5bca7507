"""Which hosts a user-supplied URL may reach: every spelling of an internal address
is refused, public ones pass, and URL_ALLOW_NETWORKS / URL_DENY_NETWORKS adjust it.
No test here touches the network: names go to a stub resolver."""

from __future__ import annotations

import ipaddress

import pytest

from registry.domain.errors import BadRequest, UpstreamNotFound
from registry.sources.egress import EgressPolicy, parse_ipv4, refused_class

PUBLIC = "93.184.215.14"
NAMES = {
    "public.example": [PUBLIC],
    "internal.example": ["10.1.2.3"],
    "mixed.example": [PUBLIC, "127.0.0.1"],
    "mapped.example": ["::ffff:169.254.169.254"],
    "v6.example": ["2606:4700::6810:84e5"],
}


def _resolver(host: str, port: int) -> list[str]:
    if host not in NAMES:
        raise OSError("no such name")
    return NAMES[host]


CLOSED = EgressPolicy.from_settings((), (), _resolver)

REFUSED = [
    # loopback, every spelling the C library accepts
    ("127.0.0.1", "loopback"),
    ("127.0.0.2", "loopback"),
    ("2130706433", "loopback"),
    ("0177.0.0.1", "loopback"),
    ("0x7f000001", "loopback"),
    ("0x7f.0.0.1", "loopback"),
    ("0X7F.1", "loopback"),
    ("127.1", "loopback"),
    ("127.0.1", "loopback"),
    ("017700000001", "loopback"),
    ("127.0.0.1.", "loopback"),
    ("localhost", "loopback"),
    ("localhost.", "loopback"),
    ("LOCALHOST", "loopback"),
    ("api.localhost", "loopback"),
    ("[::1]", "loopback"),
    ("[0:0:0:0:0:0:0:1]", "loopback"),
    ("[::ffff:127.0.0.2]", "loopback"),
    ("[::ffff:7f00:1]", "loopback"),
    ("[::127.0.0.1]", "loopback"),
    ("[64:ff9b::127.0.0.1]", "loopback"),
    ("[2002:7f00:1::]", "loopback"),
    # unspecified
    ("0.0.0.0", "unspecified"),
    ("0", "unspecified"),
    ("[::]", "unspecified"),
    # private, shared, link-local (cloud metadata)
    ("10.0.0.1", "RFC 1918"),
    ("172.16.5.4", "RFC 1918"),
    ("192.168.1.1", "RFC 1918"),
    ("0xc0a80101", "RFC 1918"),
    ("100.64.0.1", "carrier-grade NAT"),
    ("169.254.169.254", "link-local"),
    ("2852039166", "link-local"),
    ("0251.0376.0251.0376", "link-local"),
    ("[::ffff:169.254.169.254]", "link-local"),
    ("[::ffff:a9fe:a9fe]", "link-local"),
    ("[64:ff9b::a9fe:a9fe]", "link-local"),
    ("[2002:a9fe:a9fe::1]", "link-local"),
    ("[fe80::1]", "link-local"),
    ("[fe80::1%25eth0]", "link-local"),
    ("[fd00:ec2::254]", "RFC 4193"),
    ("[fc00::1]", "RFC 4193"),
    # multicast, reserved, documentation
    ("224.0.0.1", "multicast"),
    ("239.255.255.250", "multicast"),
    ("[ff02::1]", "multicast"),
    ("240.0.0.1", "reserved"),
    ("255.255.255.255", "reserved"),
    ("198.18.0.1", "benchmarking"),
    ("192.0.0.8", "IETF"),
    ("192.0.2.1", "documentation"),
    ("198.51.100.7", "documentation"),
    ("203.0.113.9", "documentation"),
    ("[2001:db8::1]", "documentation"),
    ("[64:ff9b:1::1]", "NAT64"),
    ("[2001::1]", "Teredo"),
    ("[100::1]", "discard"),
    # names that resolve to refused addresses
    ("internal.example", "RFC 1918"),
    ("mixed.example", "loopback"),
    ("mapped.example", "link-local"),
]


@pytest.mark.parametrize(("host", "reason"), REFUSED)
def test_every_spelling_of_an_internal_address_is_refused(host: str, reason: str) -> None:
    with pytest.raises(BadRequest, match="network the registry may not fetch") as caught:
        CLOSED.address_for(host, 80)
    assert reason in caught.value.message
    assert caught.value.status == 400


@pytest.mark.parametrize(
    ("host", "address"),
    [
        (PUBLIC, PUBLIC),
        ("public.example", PUBLIC),
        ("PUBLIC.example.", PUBLIC),
        ("v6.example", "2606:4700::6810:84e5"),
        ("[2606:4700::6810:84e5]", "2606:4700::6810:84e5"),
        ("1572394766", PUBLIC),  # a public address in decimal is still that address
        ("[::ffff:93.184.215.14]", "::ffff:93.184.215.14"),
        ("[64:ff9b::93.184.215.14]", "64:ff9b::5db8:d70e"),
    ],
)
def test_public_hosts_pass_and_are_the_address_connected_to(host: str, address: str) -> None:
    assert CLOSED.address_for(host, 443) == ipaddress.ip_address(address)


@pytest.mark.parametrize(
    "host", ["1.2.3.4.5", "256.1.1.1", "1.2.65536", "09.1.1.1", "0x1.0x100.1.1", "[::ffff:zz]"]
)
def test_numeric_hosts_that_are_no_address_are_refused(host: str) -> None:
    with pytest.raises(BadRequest, match="valid"):
        CLOSED.address_for(host, 80)


def test_the_refusal_names_the_class_in_plain_words() -> None:
    with pytest.raises(BadRequest) as caught:
        CLOSED.address_for("0.0.0.0", 80)
    assert "(an unspecified ('this network') address)" in caught.value.message
    with pytest.raises(BadRequest) as caught:
        CLOSED.address_for("[::ffff:10.0.0.1]", 80)
    assert "(a private (RFC 1918) address inside an IPv6 address)" in caught.value.message


def test_a_resolver_that_never_answers_is_waited_for_a_bounded_time() -> None:
    import threading

    from registry.domain.errors import UpstreamUnavailable

    release = threading.Event()

    def stuck(host: str, port: int) -> list[str]:
        release.wait(30)
        return [PUBLIC]

    policy = EgressPolicy.from_settings((), (), stuck, resolve_seconds=0.2)
    try:
        with pytest.raises(UpstreamUnavailable, match=r"did not resolve within 0\.2 s"):
            policy.address_for("slow.example", 80)
    finally:
        release.set()


def test_a_name_that_does_not_resolve_is_404() -> None:
    with pytest.raises(UpstreamNotFound, match="cannot be resolved"):
        CLOSED.address_for("nowhere.example", 80)


def test_allow_networks_open_exactly_their_ranges() -> None:
    policy = EgressPolicy.from_settings(("127.0.0.0/8", "10.1.0.0/16"), (), _resolver)
    assert str(policy.address_for("127.0.0.1", 80)) == "127.0.0.1"
    assert str(policy.address_for("[::ffff:127.0.0.1]", 80)) == "::ffff:7f00:1"
    assert str(policy.address_for("internal.example", 80)) == "10.1.2.3"
    for host in ("[::1]", "10.2.0.1", "169.254.169.254"):
        with pytest.raises(BadRequest):
            policy.address_for(host, 80)


def test_deny_networks_win_over_allow_and_close_public_ranges() -> None:
    policy = EgressPolicy.from_settings(("127.0.0.0/8",), ("127.0.0.2/32", "93.184.0.0/16"))
    assert str(policy.address_for("127.0.0.1", 80)) == "127.0.0.1"
    for host in ("127.0.0.2", "[::ffff:127.0.0.2]", PUBLIC):
        with pytest.raises(BadRequest, match="URL_DENY_NETWORKS"):
            policy.address_for(host, 80)


@pytest.mark.parametrize(
    ("text", "address"),
    [
        ("1", "0.0.0.1"),
        ("1.2", "1.0.0.2"),
        ("1.2.3", "1.2.0.3"),
        ("0x", "0.0.0.0"),
        ("010.0x10.1", "8.16.0.1"),
        ("4294967295", "255.255.255.255"),
        ("example.com", None),
        ("1.example", None),
    ],
)
def test_ipv4_spellings_read_as_inet_aton_reads_them(text: str, address: str | None) -> None:
    parsed = parse_ipv4(text)
    assert (str(parsed) if parsed else None) == address


def test_public_addresses_have_no_refused_class() -> None:
    for text in (PUBLIC, "8.8.8.8", "2606:4700::6810:84e5", "2002:5db8:d70e::1"):
        assert refused_class(ipaddress.ip_address(text)) is None


def test_the_default_is_closed_and_url_allow_networks_is_read_and_checked() -> None:
    from registry.settings import Settings, SettingsError

    assert Settings().url_allow_networks == ()
    env = {"URL_ALLOW_NETWORKS": "10.20.0.0/16, fd12::/16"}
    assert Settings.from_env(env).url_allow_networks == ("10.20.0.0/16", "fd12::/16")
    with pytest.raises(SettingsError, match="URL_ALLOW_NETWORKS"):
        Settings.from_env({"URL_ALLOW_NETWORKS": "mirror.internal"})
