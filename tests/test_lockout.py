"""Admin login brute force is locked out by (username, address), proxy-aware (THREATS.md 15)."""

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.urls import reverse

from digestcms.clientip import client_ip

pytestmark = pytest.mark.django_db

IP1, IP2 = "198.51.100.7", "203.0.113.9"
PROXY = "10.0.0.2"
PASSWORD = "correct horse battery staple"


@pytest.fixture(autouse=True)
def _editors():
    for name in ("alice", "bob"):
        User.objects.create_user(name, password=PASSWORD, is_staff=True)


def log_in(username: str, password: str, *, ip: str = IP1, forwarded_for: str | None = None):
    headers = {"REMOTE_ADDR": ip}
    if forwarded_for is not None:
        headers["HTTP_X_FORWARDED_FOR"] = forwarded_for
    return Client().post(
        reverse("admin:login"),
        {"username": username, "password": password, "next": "/admin/"},
        **headers,
    )


def logged_in(response) -> bool:
    return response.status_code == 302 and response["Location"] == "/admin/"


def fail_five_times(username: str, **where) -> None:
    for _ in range(5):
        response = log_in(username, "wrong", **where)
        assert not logged_in(response)


def test_the_right_password_logs_in():
    assert logged_in(log_in("alice", PASSWORD))


def test_five_wrong_passwords_lock_that_user_from_that_address_even_with_the_right_one():
    fail_five_times("alice", ip=IP1)
    response = log_in("alice", PASSWORD, ip=IP1)
    assert response.status_code == 429
    assert not logged_in(response)


def test_four_wrong_passwords_do_not_lock():
    for _ in range(4):
        log_in("alice", "wrong", ip=IP1)
    assert logged_in(log_in("alice", PASSWORD, ip=IP1))


def test_the_same_user_from_another_address_can_still_log_in():
    fail_five_times("alice", ip=IP1)
    assert logged_in(log_in("alice", PASSWORD, ip=IP2))


def test_another_user_from_the_same_address_can_still_log_in():
    fail_five_times("alice", ip=IP1)
    assert logged_in(log_in("bob", PASSWORD, ip=IP1))


def test_the_lockout_page_says_what_happened_and_what_to_do():
    fail_five_times("alice", ip=IP1)
    response = log_in("alice", PASSWORD, ip=IP1)
    html = response.content.decode()
    assert response.status_code == 429
    assert "Too many failed logins" in html
    assert "alice" in html and "15 minutes" in html
    assert "Other people, and you from another address, can still log in" in html
    assert PASSWORD not in html


def test_the_lock_lifts_after_the_cool_off(time_machine):
    time_machine.move_to("2026-03-02 09:00Z", tick=False)
    fail_five_times("alice", ip=IP1)
    assert log_in("alice", PASSWORD, ip=IP1).status_code == 429
    time_machine.move_to("2026-03-02 09:16Z", tick=False)
    assert logged_in(log_in("alice", PASSWORD, ip=IP1))


def test_without_the_proxy_setting_x_forwarded_for_is_ignored(settings):
    settings.DIGESTCMS_PROXY_COUNT = 0
    # An attacker rotating X-Forwarded-For still comes from one address and gets locked.
    for n in range(5):
        log_in("alice", "wrong", ip=IP1, forwarded_for=f"192.0.2.{n}")
    assert log_in("alice", PASSWORD, ip=IP1, forwarded_for="192.0.2.99").status_code == 429


def test_behind_the_proxy_x_forwarded_for_decides_the_address(settings):
    settings.DIGESTCMS_PROXY_COUNT = 1
    fail_five_times("alice", ip=PROXY, forwarded_for=IP1)
    assert log_in("alice", PASSWORD, ip=PROXY, forwarded_for=IP1).status_code == 429
    # Everyone arrives from the proxy's address, but alice elsewhere is someone else.
    assert logged_in(log_in("alice", PASSWORD, ip=PROXY, forwarded_for=IP2))


def test_behind_the_proxy_a_forged_x_forwarded_for_does_not_escape_the_lock(settings):
    settings.DIGESTCMS_PROXY_COUNT = 1
    # The client sends its own X-Forwarded-For; the proxy appends the real address.
    for n in range(5):
        log_in("alice", "wrong", ip=PROXY, forwarded_for=f"192.0.2.{n}, {IP1}")
    response = log_in("alice", PASSWORD, ip=PROXY, forwarded_for=f"192.0.2.99, {IP1}")
    assert response.status_code == 429


class FakeRequest:
    def __init__(self, remote: str, forwarded_for: str | None = None):
        self.META = {"REMOTE_ADDR": remote}
        if forwarded_for is not None:
            self.META["HTTP_X_FORWARDED_FOR"] = forwarded_for


@pytest.mark.parametrize(
    ("proxies", "remote", "forwarded_for", "expected"),
    [
        (0, IP1, "192.0.2.1", IP1),
        (1, PROXY, IP1, IP1),
        (1, PROXY, f"192.0.2.1, {IP1}", IP1),
        (2, PROXY, f"192.0.2.1, {IP1}, 10.0.0.3", IP1),
        (2, PROXY, IP1, IP1),  # fewer hops than proxies: the furthest one known
        (1, PROXY, None, PROXY),
        (1, PROXY, "unknown", PROXY),
        (1, PROXY, "2001:db8::1", "2001:db8::1"),
    ],
)
def test_the_client_address_is_counted_from_the_right(
    settings, proxies, remote, forwarded_for, expected
):
    settings.DIGESTCMS_PROXY_COUNT = proxies
    assert client_ip(FakeRequest(remote, forwarded_for)) == expected
