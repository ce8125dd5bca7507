"""Egress: how the registry fetches a URL that a user gave it.

A URL from a request body can name any host, so a fetch of it could read what only
the server can reach: loopback services, the private network, a cloud's metadata
endpoint. Every such fetch goes through `egress_session`, whose adapter, for every
request and every redirect hop:

1. accepts only http and https;
2. turns the host into addresses once: literal spellings are parsed here the way
   the C library would read them (`2130706433`, `0177.0.0.1`, `0x7f000001`,
   `127.1`, `[::ffff:127.0.0.1]`), names go to the resolver;
3. refuses the request if any address is in a class no user may reach (loopback,
   private, link-local, CGNAT, multicast, unspecified, reserved, documentation, and
   IPv6 forms that embed such an IPv4 address), unless URL_ALLOW_NETWORKS opens it,
   or if URL_DENY_NETWORKS closes it;
4. connects to exactly the address it checked, sending the original Host header and
   TLS server name. Nothing resolves the name a second time, so DNS rebinding (a
   public answer for the check, a loopback answer for the connection) has nothing
   to switch.

The configured upstreams (HF_ENDPOINT, GITHUB_API_URL, KAGGLE_API_URL) are the
operator's choice and do not come through here.
"""

from __future__ import annotations

import ipaddress
import re
import socket
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

import requests

from registry.domain.errors import RETRY_HINT, BadRequest, UpstreamNotFound, UpstreamUnavailable
from registry.sources.http import USER_AGENT, ObservedAdapter, make_retry

Address = ipaddress.IPv4Address | ipaddress.IPv6Address
Network = ipaddress.IPv4Network | ipaddress.IPv6Network
Resolver = Callable[[str, int], list[str]]  # (host, port) -> its addresses, as text

_PINNED = "_registry_egress_address"
_V4 = ipaddress.IPv4Network
_V6 = ipaddress.IPv6Network

# Each class is refused for what it reaches: the server itself, its private network,
# the cloud's instance services, or nothing meaningful on the internet.
_REFUSED: tuple[tuple[Network, str], ...] = (
    (_V4("0.0.0.0/8"), "unspecified ('this network')"),
    (_V4("10.0.0.0/8"), "private (RFC 1918)"),
    (_V4("100.64.0.0/10"), "shared carrier-grade NAT (RFC 6598)"),
    (_V4("127.0.0.0/8"), "loopback"),
    (_V4("169.254.0.0/16"), "link-local"),
    (_V4("172.16.0.0/12"), "private (RFC 1918)"),
    (_V4("192.0.0.0/24"), "reserved (IETF protocol assignments)"),
    (_V4("192.0.2.0/24"), "documentation"),
    (_V4("192.88.99.0/24"), "reserved (6to4 relay)"),
    (_V4("192.168.0.0/16"), "private (RFC 1918)"),
    (_V4("198.18.0.0/15"), "reserved (benchmarking)"),
    (_V4("198.51.100.0/24"), "documentation"),
    (_V4("203.0.113.0/24"), "documentation"),
    (_V4("224.0.0.0/4"), "multicast"),
    (_V4("240.0.0.0/4"), "reserved"),
    (_V6("::/128"), "unspecified"),
    (_V6("::1/128"), "loopback"),
    (_V6("64:ff9b:1::/48"), "local-use NAT64 (RFC 8215)"),
    (_V6("100::/64"), "reserved (discard)"),
    (_V6("2001::/23"), "reserved (IETF protocol assignments, Teredo)"),
    (_V6("2001:db8::/32"), "documentation"),
    (_V6("3fff::/20"), "documentation"),
    (_V6("fc00::/7"), "unique local (RFC 4193)"),
    (_V6("fe80::/10"), "link-local"),
    (_V6("fec0::/10"), "site-local"),
    (_V6("ff00::/8"), "multicast"),
)
# IPv6 ranges whose last (or, for 6to4, second) 32 bits are an IPv4 address the
# packet really goes to: that address is checked as well.
_MAPPED = _V6("::ffff:0:0/96")
_COMPATIBLE = _V6("::/96")
_NAT64 = _V6("64:ff9b::/96")
_SIXTOFOUR = _V6("2002::/16")
_NUMERIC_PART = re.compile(r"^(?:0x[0-9a-f]*|[0-9]+)$", re.IGNORECASE)
_LOCAL_NAMES = ("localhost", "localhost.localdomain")

UNREACHABLE = "could not fetch {url}: its host gave no usable answer"


class EgressRefused(BadRequest):
    """The URL names a host the registry may not fetch from (400)."""


def parse_ipv4(text: str) -> ipaddress.IPv4Address | None:
    """An IPv4 address in any spelling inet_aton accepts (1 to 4 parts, each decimal,
    octal with a leading 0, or hex with 0x), or None when `text` is not numeric.

    A numeric-looking host that is no valid address (`1.2.3.4.5`, `09.1.1.1`) is
    refused: a resolver may read it either way, and no real host is named so."""
    parts = text.split(".")
    if not all(_NUMERIC_PART.match(p) for p in parts):
        return None
    bad = EgressRefused(f"the url's host {text!r} is neither a valid address nor a name")
    if len(parts) > 4:
        raise bad
    values = []
    for part in parts:
        lower = part.lower()
        if lower.startswith("0x"):
            values.append(int(lower[2:] or "0", 16))
        elif len(part) > 1 and part.startswith("0"):
            if any(c in "89" for c in part):
                raise bad
            values.append(int(part, 8))
        else:
            values.append(int(part))
    *head, last = values
    if any(v > 255 for v in head) or last >= 1 << (8 * (4 - len(head))):
        raise bad
    number = last
    for index, value in enumerate(head):
        number |= value << (8 * (3 - index))
    return ipaddress.IPv4Address(number)


def literal_address(host: str) -> Address | None:
    """The address a URL's host spells literally, or None when it is a name."""
    host = host.strip("[]")
    if ":" in host:
        try:
            return ipaddress.IPv6Address(host.split("%", 1)[0])  # a zone id changes nothing
        except ValueError as exc:
            raise EgressRefused(f"the url's host {host!r} is not a valid IPv6 address") from exc
    return parse_ipv4(host.rstrip(".")) if host.rstrip(".") else None


def embedded_ipv4(address: Address) -> ipaddress.IPv4Address | None:
    """The IPv4 address an IPv6 address carries traffic to, if it is such a form."""
    if isinstance(address, ipaddress.IPv4Address):
        return None
    if address in _MAPPED or address in _NAT64:
        return ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
    if address in _SIXTOFOUR:
        return address.sixtofour
    if address in _COMPATIBLE and int(address) > 1:
        return ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
    return None


def refused_class(address: Address) -> str | None:
    """Why no user may reach `address` (its class), or None when it is public."""
    inner = embedded_ipv4(address)
    if inner is not None:
        return refused_class(inner)
    for network, reason in _REFUSED:
        if address.version == network.version and address in network:
            return reason
    if not address.is_global:  # anything the standard library knows to be special
        return "reserved"
    return None


def system_resolver(host: str, port: int) -> list[str]:
    """Every address the system resolver gives for `host` (looked up at call time, so
    a test can stand a stub resolver in its place)."""
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return list(dict.fromkeys(str(info[4][0]) for info in infos))


@dataclass(frozen=True)
class EgressPolicy:
    """Which addresses a user-supplied URL may reach."""

    allow: tuple[Network, ...] = ()
    deny: tuple[Network, ...] = ()
    resolver: Resolver = field(default=system_resolver)
    # The system resolver has no timeout of its own: a lookup is waited for this long
    # (in a small pool, so a stuck resolver holds a few threads, never the request).
    resolve_seconds: float = 10.0
    _lookups: ThreadPoolExecutor = field(
        default_factory=lambda: ThreadPoolExecutor(4, thread_name_prefix="egress-dns"),
        compare=False,
        repr=False,
    )

    @classmethod
    def from_settings(
        cls,
        allow: Iterable[str],
        deny: Iterable[str],
        resolver: Resolver | None = None,
        resolve_seconds: float = 10.0,
    ) -> EgressPolicy:
        return cls(
            tuple(ipaddress.ip_network(n, strict=False) for n in allow),
            tuple(ipaddress.ip_network(n, strict=False) for n in deny),
            resolver or system_resolver,
            resolve_seconds,
        )

    def _resolve(self, host: str, name: str, port: int) -> list[str]:
        lookup = self._lookups.submit(self.resolver, name, port)
        try:
            return lookup.result(timeout=self.resolve_seconds)
        except FutureTimeout as exc:
            raise UpstreamUnavailable(
                f"the host {host!r} of the url did not resolve within "
                f"{self.resolve_seconds:g} s; {RETRY_HINT}"
            ) from exc
        except (OSError, UnicodeError) as exc:
            raise UpstreamNotFound(f"the host {host!r} of the url cannot be resolved") from exc

    def _within(self, address: Address, networks: tuple[Network, ...]) -> bool:
        candidates = [address, *filter(None, [embedded_ipv4(address)])]
        return any(a.version == n.version and a in n for a in candidates for n in networks)

    def refusal(self, address: Address) -> str | None:
        """Why `address` may not be fetched from, or None when it may."""
        if self._within(address, self.deny):
            return "in URL_DENY_NETWORKS"
        if self._within(address, self.allow):
            return None
        reason = refused_class(address)
        if reason is None:
            return None
        inside = " inside an IPv6 address" if embedded_ipv4(address) is not None else ""
        return f"{'an' if reason[0] in 'aeiou' else 'a'} {reason} address{inside}"

    def address_for(self, host: str, port: int) -> Address:
        """The one address to connect to for `host`: checked, never looked up again."""
        name = host.strip("[]").rstrip(".").lower()
        if not name:
            raise EgressRefused("the url has no host")
        literal = literal_address(name)
        if literal is not None:
            addresses = [literal]
        elif name in _LOCAL_NAMES or name.endswith(".localhost"):
            addresses = [ipaddress.ip_address("127.0.0.1")]  # RFC 6761: always loopback
        else:
            answers = self._resolve(host, name, port)
            addresses = [ipaddress.ip_address(a.split("%", 1)[0]) for a in answers]
            if not addresses:
                raise UpstreamNotFound(f"the host {host!r} of the url cannot be resolved")
        # One bad answer refuses the host: a name that mixes public and internal
        # addresses is how rebinding is usually set up.
        for address in addresses:
            reason = self.refusal(address)
            if reason:
                raise EgressRefused(
                    f"the url's host {host!r} is in a network the registry may not fetch "
                    f"from ({reason}); give a URL on the public internet"
                )
        return addresses[0]


class PinnedAdapter(ObservedAdapter):
    """Checks each request's host with the policy and connects to the checked address."""

    def __init__(self, policy: EgressPolicy, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.policy = policy

    def send(
        self, request: requests.PreparedRequest, *args: Any, **kwargs: Any
    ) -> requests.Response:
        parts = urlsplit(request.url or "")
        if parts.scheme not in {"http", "https"}:
            raise EgressRefused(f"only http and https URLs can be fetched, not {parts.scheme!r}")
        host = parts.hostname or ""
        default = 443 if parts.scheme == "https" else 80
        port = parts.port or default
        setattr(request, _PINNED, self.policy.address_for(host, port))
        shown = f"[{host}]" if ":" in host else host
        request.headers["Host"] = shown if port == default else f"{shown}:{port}"
        kwargs["proxies"] = {}  # a proxy would resolve the name itself
        return super().send(request, *args, **kwargs)

    def get_connection_with_tls_context(
        self,
        request: requests.PreparedRequest,
        verify: bool | str | None,
        proxies: Any = None,
        cert: Any = None,
    ) -> Any:
        address = getattr(request, _PINNED, None)
        if address is None:  # send() always pins; a connection without it is a bug
            raise RuntimeError("egress request was not checked before connecting")
        host_params, pool_kwargs = self.build_connection_pool_key_attributes(
            request, True if verify is None else verify, cert
        )
        name = host_params["host"]
        host_params["host"] = str(address)
        if host_params["scheme"] == "https":
            # Certificate and SNI for the name in the URL, the socket to the address.
            pool_kwargs["server_hostname"] = name.strip("[]")  # type: ignore[typeddict-unknown-key]
        return self.poolmanager.connection_from_host(**host_params, pool_kwargs=pool_kwargs)


def egress_session(policy: EgressPolicy, retries: int, pool_size: int = 8) -> requests.Session:
    """A session for user-supplied URLs: every request checked and pinned."""
    adapter = PinnedAdapter(
        policy, max_retries=make_retry(retries), pool_connections=pool_size, pool_maxsize=pool_size
    )
    session = requests.Session()
    session.trust_env = False  # no proxies or .netrc from the environment
    session.mount("http://", adapter)
    session.mount("https://", adapter)
    session.headers["User-Agent"] = USER_AGENT
    return session
