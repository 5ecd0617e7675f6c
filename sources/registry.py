"""The known-outlet registry: which country an outlet is from, and whether the state runs it."""

from __future__ import annotations

import csv
import functools
import io
import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

REGISTRY_FILE = Path(__file__).resolve().parent / "registry" / "outlets.csv"
HEADER = ["domain", "name", "country", "state_affiliated", "notes"]
DOMAIN_RE = re.compile(r"^(?=.{1,253}$)([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z0-9-]{2,63}$")
COUNTRY_RE = re.compile(r"^([A-Z]{2})?$")

# Country-code top-level domains that are not the country's ISO code, and IDN ones.
TLD_COUNTRIES = {
    "uk": "GB",
    "xn--fiqs8s": "CN",
    "xn--fiqz9s": "CN",
    "xn--j6w193g": "HK",
    "xn--kprw13d": "TW",
    "xn--kpry57d": "TW",
    "xn--p1ai": "RU",
    "xn--3e0b707e": "KR",
}
# Two-letter TLDs that are used as generic names, not for their country.
GENERIC_CC_TLDS = {"tv", "io", "me", "co", "ai", "fm", "ly", "am", "cc", "ws", "eu", "su"}


class RegistryError(Exception):
    """A broken line in the registry file; the message names the line."""


@dataclass(frozen=True)
class RegistryEntry:
    domain: str
    name: str
    country: str
    state_affiliated: bool
    notes: str = ""


def read_registry(text: str, *, filename: str = "outlets.csv") -> list[RegistryEntry]:
    """Parse the registry CSV; a broken line raises RegistryError naming the line."""
    rows = [(n, line) for n, line in enumerate(text.splitlines(), 1) if not _skip(line)]
    if not rows or next(csv.reader([rows[0][1]])) != HEADER:
        raise RegistryError(f"{filename}: the first line must be the header {','.join(HEADER)}.")
    entries: dict[str, RegistryEntry] = {}
    for number, line in rows[1:]:
        entry = _entry(next(csv.reader(io.StringIO(line))), f"{filename}, line {number}")
        if entry.domain in entries:
            raise RegistryError(f"{filename}, line {number}: {entry.domain} is listed twice.")
        entries[entry.domain] = entry
    return list(entries.values())


def _skip(line: str) -> bool:
    return not line.strip() or line.lstrip().startswith("#")


def _entry(fields: list[str], where: str) -> RegistryEntry:
    if len(fields) not in (4, 5):
        raise RegistryError(
            f"{where}: expected 4 or 5 fields ({','.join(HEADER)}), got {len(fields)}."
        )
    domain, name, country, state = (f.strip() for f in fields[:4])
    if not DOMAIN_RE.match(domain):
        raise RegistryError(f"{where}: {domain!r} is not a lower-case domain such as news.cn.")
    if not name:
        raise RegistryError(f"{where}: the outlet has no name.")
    if not COUNTRY_RE.match(country):
        raise RegistryError(f"{where}: country {country!r} is not a two-letter ISO code like CN.")
    if state not in ("yes", "no"):
        raise RegistryError(f"{where}: state_affiliated must be yes or no, not {state!r}.")
    notes = fields[4].strip() if len(fields) == 5 else ""
    return RegistryEntry(domain, name, country, state == "yes", notes)


def read_registry_file(path: Path = REGISTRY_FILE) -> list[RegistryEntry]:
    return read_registry(path.read_text(encoding="utf-8"), filename=str(path.name))


class Registry:
    """Looks outlets up by domain; the most specific entry wins (newsus.cgtn.com over cgtn.com)."""

    def __init__(self, entries: Iterable[RegistryEntry]):
        self._by_domain = {e.domain: e for e in entries}

    def __len__(self) -> int:
        return len(self._by_domain)

    def match(self, domain: str) -> RegistryEntry | None:
        labels = domain.lower().strip(".").split(".")
        for start in range(len(labels) - 1):
            entry = self._by_domain.get(".".join(labels[start:]))
            if entry is not None:
                return entry
        return None


def country_from_tld(domain: str) -> str:
    """The country a country-code top-level domain names (``caliber.az`` → AZ), else ''."""
    tld = domain.lower().rstrip(".").rsplit(".", 1)[-1]
    if tld in TLD_COUNTRIES:
        return TLD_COUNTRIES[tld]
    if len(tld) == 2 and tld.isalpha() and tld not in GENERIC_CC_TLDS:
        return tld.upper()
    return ""


@functools.cache
def shipped_domains() -> frozenset[str]:
    """The domains the registry file lists (read once per process: it ships with the code)."""
    return frozenset(entry.domain for entry in read_registry_file())
