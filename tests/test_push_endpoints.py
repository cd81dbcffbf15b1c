"""Which push endpoints the app accepts and posts to: real push services, public addresses."""

from __future__ import annotations

import ipaddress
from pathlib import Path

import pytest

from webapp.config import load_settings
from webapp.push.endpoints import (
    DEFAULT_PUSH_SERVICE_HOSTS,
    ENDPOINT_IP_LITERAL,
    ENDPOINT_NOT_HTTPS,
    ENDPOINT_NOT_URL,
    ENDPOINT_PORT,
    EndpointPolicy,
    address_is_public,
    parse_hosts,
)

PRODUCTION = EndpointPolicy()
TESTING = EndpointPolicy(allow_loopback=True)

# What the browsers' push services hand out (shapes as seen in the wild, made-up tokens).
REAL_ENDPOINTS = [
    "https://fcm.googleapis.com/fcm/send/dXhT4m0aQ9E:APA91bGx-7RkD",
    "https://fcm.googleapis.com/wp/cK4d0XJ2b3c:APA91bH",
    "https://updates.push.services.mozilla.com/wpush/v2/gAAAAABl3hA",
    "https://web.push.apple.com/QMvJ0b1G8nX7rUKkF5y0kN",
    "https://api.push.apple.com/3/device/abc",
    "https://wns2-par02p.notify.windows.com/w/?token=BQYAAADz%2bT",
]


@pytest.mark.parametrize("endpoint", REAL_ENDPOINTS)
def test_the_real_push_services_are_accepted(endpoint: str) -> None:
    assert PRODUCTION.problem(endpoint) is None


@pytest.mark.parametrize(
    ("endpoint", "message"),
    [
        ("https://127.0.0.1:5432/x", ENDPOINT_IP_LITERAL),
        ("https://10.1.2.3/x", ENDPOINT_IP_LITERAL),
        ("https://169.254.169.254/latest/meta-data/", ENDPOINT_IP_LITERAL),
        ("https://[::1]/x", ENDPOINT_IP_LITERAL),
        ("https://[::ffff:10.0.0.1]/x", ENDPOINT_IP_LITERAL),
        ("https://2130706433/x", ENDPOINT_IP_LITERAL),
        ("https://0x7f.1/x", ENDPOINT_IP_LITERAL),
        ("https://8.8.8.8/x", ENDPOINT_IP_LITERAL),
        ("https://fcm.googleapis.com:8443/fcm/send/x", ENDPOINT_PORT),
        ("https://fcm.googleapis.com:22/fcm/send/x", ENDPOINT_PORT),
        ("http://fcm.googleapis.com/fcm/send/x", ENDPOINT_NOT_HTTPS),
        ("http://127.0.0.1:8080/push/x", ENDPOINT_NOT_HTTPS),
        ("ftp://fcm.googleapis.com/x", ENDPOINT_NOT_HTTPS),
        ("https://user@fcm.googleapis.com/x", ENDPOINT_NOT_URL),
        ("https://fcm.googleapis.com\\@evil.example/x", ENDPOINT_NOT_URL),
        ("https://fcm.googleapis.com /x", ENDPOINT_NOT_URL),
        ("https://fcm.googleapis.com:99999/x", ENDPOINT_NOT_URL),
        ("https:///x", ENDPOINT_NOT_URL),
        ("https://evil.example/fcm/send/x", "evil.example is not a push service"),
        ("https://fcm.googleapis.com.evil.example/x", "is not a push service"),
        ("https://fcm.googleapis.com./x", "is not a push service"),
        ("https://push.apple.com/x", "push.apple.com is not a push service"),
        ("https://evilnotify.windows.com/x", "is not a push service"),
        ("https://localhost/x", "localhost is not a push service"),
    ],
)
def test_everything_else_is_refused_with_a_reason(endpoint: str, message: str) -> None:
    problem = PRODUCTION.problem(endpoint)
    assert problem is not None and message in problem


def test_the_testing_switch_opens_loopback_only() -> None:
    for endpoint in (
        "http://127.0.0.1:43123/push/s1",
        "https://127.0.0.1:8443/push/s1",
        "http://localhost:5000/push/s1",
        "http://[::1]:9000/push/s1",
    ):
        assert TESTING.problem(endpoint) is None, endpoint
        assert PRODUCTION.problem(endpoint) is not None, endpoint
    assert TESTING.problem("https://10.1.2.3/x") == ENDPOINT_IP_LITERAL
    assert TESTING.problem("http://fcm.googleapis.com/x") == ENDPOINT_NOT_HTTPS
    assert TESTING.problem("ftp://127.0.0.1/x") == ENDPOINT_NOT_HTTPS


@pytest.mark.parametrize(
    ("address", "public"),
    [
        ("142.250.74.106", True),
        ("2a00:1450:4007:80a::200a", True),
        ("127.0.0.1", False),
        ("10.1.2.3", False),
        ("172.16.0.1", False),
        ("192.168.1.1", False),
        ("169.254.169.254", False),
        ("100.64.0.1", False),  # carrier-grade NAT: not "private", not public either
        ("0.0.0.0", False),
        ("224.0.0.1", False),
        ("::1", False),
        ("fe80::1", False),
        ("fd00::1", False),
        ("::ffff:127.0.0.1", False),
        ("::ffff:8.8.8.8", True),
        ("64:ff9b::7f00:1", False),  # NAT64 of 127.0.0.1
        ("2002:7f00:1::", False),  # 6to4 of 127.0.0.1
    ],
)
def test_only_public_addresses_may_be_reached(address: str, public: bool) -> None:
    assert address_is_public(ipaddress.ip_address(address)) is public
    assert PRODUCTION.address_allowed(address) is public


def test_the_testing_switch_allows_loopback_addresses_only() -> None:
    assert TESTING.address_allowed("127.0.0.1") and TESTING.address_allowed("::1")
    assert not TESTING.address_allowed("10.0.0.1")
    assert not TESTING.address_allowed("169.254.169.254")


def test_the_hosts_are_a_setting(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    assert parse_hosts(" Push.Example.org, *.push.example.net\nother.example ") == (
        "push.example.org",
        "*.push.example.net",
        "other.example",
    )
    policy = EndpointPolicy(hosts=parse_hosts("push.example.org,*.push.example.net"))
    assert policy.problem("https://push.example.org/x") is None
    assert policy.problem("https://a.push.example.net/x") is None
    assert policy.problem("https://fcm.googleapis.com/x") is not None
    for bad in ("", "*", "*.com", "http://x.example", "x.example/path", "10.0.0.1", "-a.example"):
        with pytest.raises(RuntimeError, match="PUSH_SERVICE_HOSTS"):
            parse_hosts(bad)
    monkeypatch.delenv("PUSH_SERVICE_HOSTS", raising=False)
    assert load_settings(tmp_path)["PUSH_SERVICE_HOSTS"] == DEFAULT_PUSH_SERVICE_HOSTS
    monkeypatch.setenv("PUSH_SERVICE_HOSTS", "push.example.org")
    assert load_settings(tmp_path)["PUSH_SERVICE_HOSTS"] == ("push.example.org",)
    monkeypatch.setenv("PUSH_SERVICE_HOSTS", "not a host")
    with pytest.raises(RuntimeError, match="PUSH_SERVICE_HOSTS"):
        load_settings(tmp_path)
