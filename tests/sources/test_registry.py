"""The known-outlet registry: the shipped file, matching, and editors' additions."""

import pytest
from django.core.management import CommandError, call_command

from sources import services
from sources.models import KnownOutlet
from sources.registry import (
    Registry,
    RegistryError,
    country_from_tld,
    read_registry,
    read_registry_file,
)

HEADER = "domain,name,country,state_affiliated,notes\n"


def test_the_shipped_registry_loads_and_covers_the_outlets_editors_fix_most():
    registry = Registry(read_registry_file())
    assert len(registry) >= 150
    for domain in ("english.news.cn", "newsus.cgtn.com", "news.cgtn.com", "eng.chinamil.com.cn"):
        entry = registry.match(domain)
        assert (entry.country, entry.state_affiliated) == ("CN", True), domain
    assert registry.match("scmp.com").country == "HK"
    assert registry.match("www.reuters.com") is not None


def test_the_most_specific_entry_wins_and_matches_stop_at_dots():
    registry = Registry(
        read_registry(
            HEADER
            + "cgtn.com,CGTN,CN,yes,\nnewsus.cgtn.com,CGTN America,CN,yes,\nnews.cn,Xinhua,CN,yes,\n"
        )
    )
    assert registry.match("newsus.cgtn.com").name == "CGTN America"
    assert registry.match("africa.cgtn.com").name == "CGTN"
    assert registry.match("fakenews.cn") is None
    assert registry.match("english.news.cn").name == "Xinhua"


@pytest.mark.parametrize(
    ("lines", "message"),
    [
        (["News.CN,Xinhua,CN,yes,"], "line 3: 'News.CN' is not a lower-case domain"),
        (["news.cn,,CN,yes,"], "line 3: the outlet has no name"),
        (["news.cn,Xinhua,China,yes,"], "line 3: country 'China'"),
        (["news.cn,Xinhua,CN,maybe,"], "line 3: state_affiliated must be yes or no"),
        (["news.cn,Xinhua"], "line 3: expected 4 or 5 fields"),
        (["cgtn.com,CGTN,CN,yes,", "cgtn.com,CGTN,CN,yes,"], "line 4: cgtn.com is listed twice"),
    ],
)
def test_a_broken_registry_line_is_named(lines, message):
    with pytest.raises(RegistryError, match=message):
        read_registry("# comment\n" + HEADER + "\n".join(lines) + "\n")


@pytest.mark.parametrize(
    ("domain", "country"),
    [
        ("caliber.az", "AZ"),
        ("bbc.co.uk", "GB"),
        ("x.com.cn", "CN"),
        ("news.tv", ""),
        ("a.com", ""),
        ("x.xn--fiqs8s", "CN"),
    ],
)
def test_country_from_top_level_domain(domain, country):
    assert country_from_tld(domain) == country


@pytest.mark.django_db
def test_syncing_the_file_never_overwrites_an_editors_entry():
    KnownOutlet.objects.create(
        domain="news.cn", name="Xinhua (our name)", country="CN", added_by_editor=True
    )
    services.registry_sync()
    services.registry_sync()
    assert KnownOutlet.objects.get(domain="news.cn").name == "Xinhua (our name)"
    assert KnownOutlet.objects.filter(domain="english.news.cn").count() == 1


@pytest.mark.django_db
def test_place_sources_names_the_broken_line(monkeypatch, tmp_path):
    from sources import registry

    broken = tmp_path / "outlets.csv"
    broken.write_text(HEADER + "news.cn,Xinhua,CN,yes,\nbad domain,Oops,XX,no,\n")
    monkeypatch.setattr(registry, "REGISTRY_FILE", broken)
    monkeypatch.setattr(services, "read_registry_file", lambda: registry.read_registry_file(broken))
    with pytest.raises(CommandError, match="line 3"):
        call_command("place_sources")
    assert KnownOutlet.objects.count() == 0


@pytest.mark.django_db
def test_an_editor_extends_the_registry_in_the_admin(admin_client):
    from django.urls import reverse

    admin_client.post(
        reverse("admin:sources_knownoutlet_add"),
        {"domain": "www.Caliber.az", "name": "Caliber", "country": "AZ", "notes": ""},
    )
    outlet = KnownOutlet.objects.get()
    assert (outlet.domain, outlet.added_by_editor) == ("caliber.az", True)
    assert services.registry_load().match("news.caliber.az").name == "Caliber"
