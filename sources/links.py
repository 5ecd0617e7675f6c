"""Article URLs as keys: one normalised spelling per article, one domain per outlet."""

from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

TRACKING_PARAMS = {
    "fbclid",
    "gclid",
    "dclid",
    "msclkid",
    "mc_cid",
    "mc_eid",
    "ocid",
    "cmpid",
    "ito",
    "ref",
    "ref_src",
    "smid",
    "taid",
    "utm",
    "_ga",
    "guccounter",
}


def ascii_host(host: str) -> str:
    """Lower-case host in ASCII (punycode) form, without a trailing dot."""
    host = host.strip().rstrip(".").lower()
    try:
        return host.encode("idna").decode("ascii")
    except UnicodeError:
        return host


def _is_tracking(name: str) -> bool:
    name = name.lower()
    return name.startswith("utm_") or name in TRACKING_PARAMS


def normalise_url(url: str) -> str:
    """The spelling we key articles on: no fragment, tracking parameters or default port."""
    parts = urlsplit(url.strip())
    scheme = parts.scheme.lower()
    host = ascii_host(parts.hostname or "")
    if ":" in host:
        host = f"[{host}]"  # IPv6 literal
    port = parts.port
    if port and (scheme, port) not in {("http", 80), ("https", 443)}:
        host = f"{host}:{port}"
    query = urlencode(
        [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if not _is_tracking(k)]
    )
    return urlunsplit((scheme, host, parts.path or "/", query, ""))


def domain_of(url: str) -> str:
    """An outlet's key: the URL's host, lower-case ASCII, without a leading 'www.'."""
    host = ascii_host(urlsplit(url.strip()).hostname or "")
    return host.removeprefix("www.")
