"""Which push endpoints the app will ever post to, by name and by address.

A subscription's endpoint is a URL the browser hands us, so it is input like any other: the
scheduler would post to whatever it names. Only the hosts of real push services are
accepted, on the standard https port, and at connect time only public addresses (a name on
the list that resolves to a private address is refused, whatever DNS says the second time).
``PUSH_ALLOW_HTTP_LOOPBACK`` opens one door for tests and local development: plain http or
https to a loopback address on any port, where the local push service listens.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Iterable
from dataclasses import dataclass
from urllib.parse import urlsplit

# Chrome, Edge on Android and Opera (FCM); Firefox (Mozilla autopush); Safari on macOS, iOS
# and iPadOS (Apple); Edge on Windows (WNS).
DEFAULT_PUSH_SERVICE_HOSTS = (
    "fcm.googleapis.com",
    "updates.push.services.mozilla.com",
    "web.push.apple.com",
    "*.push.apple.com",
    "*.notify.windows.com",
)
MAX_ENDPOINT_LENGTH = 1024

# What the person sees (through the page) when their browser's endpoint is refused.
ENDPOINT_REQUIRED = "The endpoint is required."
ENDPOINT_TOO_LONG = "The endpoint is too long."
ENDPOINT_NOT_URL = "The endpoint is not a valid URL."
ENDPOINT_NOT_HTTPS = "The endpoint must be an https:// URL."
ENDPOINT_IP_LITERAL = "The endpoint must name a push service, not an IP address."
ENDPOINT_PORT = "The endpoint must use the standard https port."
ENDPOINT_UNKNOWN_HOST = "{host} is not a push service this app sends notifications through."

# Plain ASCII URL characters (RFC 3986): no spaces, backslashes or anything a second URL
# parser could read differently from ours.
_URL_CHARACTERS = re.compile(r"[A-Za-z0-9\-._~:/?#\[\]@!$&'()*+,;=%]+")
_HOST_LABEL = re.compile(r"(?!-)[a-z0-9-]{1,63}(?<!-)")
# NAT64 (RFC 6052) carries an IPv4 address inside IPv6; Python calls the prefix global.
_NAT64 = ipaddress.ip_network("64:ff9b::/96")


def _is_hostname(name: str) -> bool:
    labels = name.split(".")
    return (
        len(labels) >= 2
        and all(_HOST_LABEL.fullmatch(label) for label in labels)
        and not _looks_numeric(name)
    )


def parse_hosts(value: str | Iterable[str]) -> tuple[str, ...]:
    """Return the allowed hosts from a setting ("a.example, *.b.example"); raise if malformed."""
    items = value.replace(",", " ").split() if isinstance(value, str) else list(value)
    hosts: list[str] = []
    for item in items:
        host = item.strip().lower()
        if not _is_hostname(host.removeprefix("*.")):
            raise RuntimeError(
                f"PUSH_SERVICE_HOSTS: {item!r} is not a host name or *.domain pattern"
            )
        hosts.append(host)
    if not hosts:
        raise RuntimeError("PUSH_SERVICE_HOSTS must name at least one push service host")
    return tuple(hosts)


def _literal_address(host: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    try:
        return ipaddress.ip_address(host)
    except ValueError:
        return None


def _looks_numeric(host: str) -> bool:
    # Shorthand IPv4 ("127.1", "2130706433", "0x7f.1") that resolvers still turn into an
    # address; a real host name never ends in a number.
    return re.fullmatch(r"[0-9]+|0x[0-9a-f]*", host.rsplit(".", 1)[-1]) is not None


def address_is_public(address: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
    """Return True for an address on the public internet (what push services use)."""
    if isinstance(address, ipaddress.IPv6Address):
        if address.ipv4_mapped is not None:
            return address_is_public(address.ipv4_mapped)
        if address in _NAT64:
            return False
        if address.sixtofour is not None and not address_is_public(address.sixtofour):
            return False
    return address.is_global and not address.is_multicast


@dataclass(frozen=True)
class EndpointPolicy:
    """The push endpoints this app may post to."""

    hosts: tuple[str, ...] = DEFAULT_PUSH_SERVICE_HOSTS
    # PUSH_ALLOW_HTTP_LOOPBACK: the local push service of tests and development.
    allow_loopback: bool = False

    def host_allowed(self, host: str) -> bool:
        """Return True if the host is on the list (exactly, or under a *. pattern)."""
        host = host.lower()
        for allowed in self.hosts:
            if allowed.startswith("*."):
                if host.endswith(allowed[1:]):
                    return True
            elif host == allowed:
                return True
        return False

    def problem(self, endpoint: object) -> str | None:
        """Return why the app must not post to this endpoint, or None when it may."""
        if not isinstance(endpoint, str) or not endpoint:
            return ENDPOINT_REQUIRED
        if len(endpoint) > MAX_ENDPOINT_LENGTH:
            return ENDPOINT_TOO_LONG
        if not _URL_CHARACTERS.fullmatch(endpoint):
            return ENDPOINT_NOT_URL
        try:
            parts = urlsplit(endpoint)
            port = parts.port
        except ValueError:
            return ENDPOINT_NOT_URL
        host = parts.hostname or ""
        if not host or "@" in parts.netloc:
            return ENDPOINT_NOT_URL
        literal = _literal_address(host)
        if self.allow_loopback and self._is_loopback(host, literal):
            return None if parts.scheme in ("http", "https") else ENDPOINT_NOT_HTTPS
        if parts.scheme != "https":
            return ENDPOINT_NOT_HTTPS
        if literal is not None or _looks_numeric(host):
            return ENDPOINT_IP_LITERAL
        if port not in (None, 443):
            return ENDPOINT_PORT
        if not self.host_allowed(host):
            return ENDPOINT_UNKNOWN_HOST.format(host=host)
        return None

    def address_allowed(self, address: str) -> bool:
        """Return True if a connection may go to this resolved address."""
        try:
            parsed = ipaddress.ip_address(address.split("%", 1)[0])
        except ValueError:
            return False
        if self.allow_loopback and _unmapped(parsed).is_loopback:
            return True
        return address_is_public(parsed)

    @staticmethod
    def _is_loopback(
        host: str, literal: ipaddress.IPv4Address | ipaddress.IPv6Address | None
    ) -> bool:
        if host == "localhost":
            return True
        return literal is not None and _unmapped(literal).is_loopback


def _unmapped(
    address: ipaddress.IPv4Address | ipaddress.IPv6Address,
) -> ipaddress.IPv4Address | ipaddress.IPv6Address:
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return address.ipv4_mapped
    return address
