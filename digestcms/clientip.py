"""Which address a request came from, knowing how many reverse proxies stand in front of us."""

import ipaddress

from django.conf import settings
from django.http import HttpRequest


def client_ip(request: HttpRequest) -> str:
    """REMOTE_ADDR; behind DIGESTCMS_PROXY_COUNT proxies, the address the outermost one saw.

    Each proxy appends the address it was connected from to X-Forwarded-For, so the client is
    the N-th entry from the right. Entries further left came from the client and are never
    believed (THREATS.md 15: otherwise one attacker could pose as every editor's address).
    """
    remote = request.META.get("REMOTE_ADDR", "")
    proxies = settings.DIGESTCMS_PROXY_COUNT
    if proxies <= 0:
        return remote
    header = request.META.get("HTTP_X_FORWARDED_FOR", "")
    hops = [hop.strip() for hop in header.split(",") if hop.strip()]
    if not hops:
        return remote
    candidate = hops[-proxies] if len(hops) >= proxies else hops[0]
    try:
        return str(ipaddress.ip_address(candidate))
    except ValueError:  # "unknown", a port, garbage: fall back to the connected address
        return remote
