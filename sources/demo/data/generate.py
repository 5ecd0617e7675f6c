"""Regenerate the offline demo's sites/, feeds.json and googlenews.json.

    .venv/bin/python sources/demo/data/generate.py

All text here is original demo prose (fictional people, plausible generic developments).
Output files keep placeholders ({{ISO:-200m}}, {{DATE:-200m:%H:%M}}, {{RFC822:...}},
{{GNEWS_ID:url}}) that sources/demo/server.py fills in at start-up relative to "now".
"""

from __future__ import annotations

import json
import re
import shutil
import sys
from html import escape
from pathlib import Path

from stories import STORIES, gb_page_xinhua  # noqa: E402  (sibling module)

HERE = Path(__file__).resolve().parent
SITES = HERE / "sites"
GNEWS_ITEMS = [
    "tariff-firstpost", "climate-xinhua", "strait-chinamil", "off-burkina", "strait-reuters",
    "soy-bloomberg", "visa-bbc", "drone-bloomberg-404", "rare-scmp", "peru-mercopress",
    "tariff-inquirer", "fentanyl-newscn", "climate-cgtn", "off-doping", "space-firstpost",
    "trade-xinhua",
]
CLUSTERS = {
    "tariff-firstpost": ["tariff-firstpost", "tariff-inquirer", "tariff-reuters", "tariff-scmp"],
    "climate-xinhua": ["climate-xinhua", "climate-cgtn", "climate-chinadaily"],
}
DIRECT_FEEDS = {
    "reuters": ["tariff-reuters", "strait-reuters", "chips-reuters", "fentanyl-reuters",
                "boeing-reuters", "scarborough-reuters"],
    "ap": ["hub-ap", "tariff-ap", "panda-ap", "visa-ap", "cars-ap"],
    "chinadaily": ["climate-chinadaily", "rare-chinadaily", "soy-chinadaily", "space-chinadaily",
                   "visa-chinadaily"],
    "globaltimes": ["tariff-gt", "strait-gt", "chips-gt", "fentanyl-gt", "peru-gt"],
    "scmp": ["tariff-scmp", "climate-scmp", "rare-scmp", "space-scmp", "visa-scmp"],
}


def x(text: str) -> str:
    """Escape element text."""
    return escape(text, quote=False)


def xa(text: str) -> str:
    """Escape an attribute value."""
    return escape(text, quote=True)


def date_tag(minutes: int, fmt: str) -> str:
    return "{{DATE:%+dm:%s}}" % (minutes, fmt)


# --------------------------------------------------------------------------- outlets

OUTLETS: dict[str, dict] = {
    "reuters": dict(
        name="Reuters", suffix="Reuters", nav=["World", "Business", "Markets", "Sustainability",
        "Legal", "Breakingviews", "Technology", "Investigations"],
        date="%B %-d, %Y %-I:%M %p GMT", updated="Updated ", read_more="Read more:",
        extra_top="<div class='ad-slot'>Advertisement · Scroll to continue</div>",
        trailer_label="", footer_extra="<p>All quotes delayed a minimum of 15 minutes. "
        "<a href='/info-pages/disclaimer/'>See here for a complete list of exchanges and delays.</a></p>"
        "<p><a href='/info-pages/thomson-reuters-trust-principles/'>Our Standards: The Thomson "
        "Reuters Trust Principles.</a></p>",
        newsletter="Sign up here for Reuters Daily Briefing, everything you need to know to start your day.",
        legal="Reuters"),
    "ap": dict(
        name="AP News", suffix="AP News", nav=["World", "U.S.", "Politics", "Sports",
        "Entertainment", "Business", "Science", "Fact Check", "Oddities"],
        date="Updated %-I:%M %p UTC, %B %-d, %Y", updated="", read_more="Read more:",
        extra_top="<div class='ad-slot'>ADVERTISEMENT</div>",
        footer_extra="<p>The Associated Press is an independent global news organization "
        "dedicated to factual reporting. Founded in 1846.</p>",
        newsletter="The Morning Wire: Get the day's top headlines delivered to your inbox.",
        legal="The Associated Press"),
    "chinadaily": dict(
        name="China Daily", suffix="chinadaily.com.cn", nav=["China", "World", "Business",
        "Lifestyle", "Culture", "Travel", "Sports", "Opinion", "Regional", "Video"],
        date="Updated: %Y-%m-%d %H:%M", updated="", read_more="Related Stories",
        extra_top="<div class='topbar'>Global Edition | China Edition | ASIA | 中文 | 双语 | Français</div>",
        footer_extra="<p>License for publishing multimedia online 0108263. "
        "Registration Number: 130349</p><p>Note: Browsers with 1024*768 or higher resolution "
        "are suggested for this site.</p>",
        newsletter="Subscribe to China Daily's newsletter for the latest news from China and the world.",
        legal="China Daily"),
    "globaltimes": dict(
        name="Global Times", suffix="Global Times", nav=["CHINA", "SOURCE", "OPINION",
        "IN-DEPTH", "WORLD", "LIFE", "SPORT", "PHOTO", "VIDEO"],
        date="Published: %b %d, %Y %I:%M %p", updated="", read_more="RELATED ARTICLES",
        extra_top="<div class='gt-app'>Download the Global Times app: iOS | Android</div>",
        footer_extra="<p>Copyright by Global Times. Content may not be reproduced without "
        "permission.</p><p>京ICP备16038960号-1</p>",
        newsletter="Get the Global Times morning brief: sign up with your email address.",
        legal="Global Times"),
    "scmp": dict(
        name="South China Morning Post", suffix="South China Morning Post", nav=["Hong Kong",
        "China", "Asia", "World", "Economy", "Business", "Tech", "Opinion", "Lifestyle",
        "Sport", "Video"],
        date="Published: %-I:%M%p, %-d %b %Y", updated="", read_more="Read more:",
        extra_top="<div class='paywall-teaser'>Why you can trust SCMP · Subscribe for full access</div>",
        footer_extra="<p>SCMP Publishers Ltd. <a href='/terms'>Terms &amp; Conditions</a> | "
        "<a href='/privacy'>Privacy Policy</a> | <a href='/print'>Print Edition</a></p>",
        newsletter="Get the China Briefing newsletter: the latest on the world's second-largest economy, every weekday.",
        legal="South China Morning Post Publishers Ltd"),
    "xinhua": dict(
        name="Xinhua", suffix="Xinhua", nav=["Home", "China", "World", "Business", "Sci-Tech",
        "Culture", "Sports", "Photos", "Video", "Special Reports"],
        date="%Y-%m-%d %H:%M:%S", updated="", read_more="Related:",
        extra_top="<div class='lang-bar'>Chinese | Français | Español | Русский | العربية | 日本語</div>",
        footer_extra="<p>Copyright 2000-2026 XINHUANET.com. Reproduction without permission "
        "is prohibited.</p>", newsletter="Subscribe to the Xinhua Daily Brief by email.",
        legal="Xinhua News Agency"),
    "cgtn": dict(
        name="CGTN", suffix="CGTN", nav=["China", "World", "Politics", "Business", "Opinions",
        "Tech & Sci", "Culture", "Travel", "Sports", "Video", "Live"],
        date="Updated %H:%M, %d-%b-%Y", updated="", read_more="Read more:",
        extra_top="<div class='cgtn-live'>LIVE · Watch CGTN · Download the CGTN app</div>",
        footer_extra="<p>Copyright 2026 CGTN. Beijing ICP prepared NO.16065310-3</p>",
        newsletter="Sign up for CGTN's daily newsletter.", legal="CGTN"),
    "cgtnus": dict(
        name="CGTN America", suffix="CGTN America", nav=["Americas", "China", "World",
        "Business", "Sports", "Culture", "The Heat", "Full Frame", "Watch Live"],
        date="%B %d, %Y", updated="", read_more="Related stories",
        extra_top="<div class='breaking'>Watch CGTN America live 24/7</div>",
        footer_extra="<p>CGTN America, 1099 New York Ave NW, Washington, DC.</p>",
        newsletter="Stay informed: subscribe to CGTN America updates.", legal="CGTN America"),
    "chinamil": dict(
        name="China Military Online", suffix="China Military Online", nav=["HOME", "CHINA",
        "DEFENSE", "PLA DAILY", "ARMED FORCES", "WORLD", "CMO FEATURES", "PHOTOS", "VIDEOS"],
        date="%Y-%m-%d %H:%M:%S", updated="", read_more="Related articles",
        extra_top="<div class='cmo-top'>Chinese | English | Français | Русский | Español</div>",
        footer_extra="<p>Sponsored by PLA Daily. Copyright 2026 China Military Online. "
        "No reproduction without permission.</p>",
        newsletter="Sign up for China Military Online news alerts.", legal="China Military Online"),
    "firstpost": dict(
        name="Firstpost", suffix="Firstpost", nav=["Home", "India", "World", "Explainers",
        "Opinion", "Sports", "Tech", "Entertainment", "Vantage", "Shows"],
        date="%B %d, %Y, %H:%M:%S (IST)", updated="", read_more="Also Read:",
        extra_top="<div class='fp-trending'>Trending: Budget 2026 | IPL | Vantage</div>",
        footer_extra="<p>Firstpost is a part of Network18 Media &amp; Investments Ltd.</p>",
        newsletter="Get the top stories of the day: subscribe to the Firstpost newsletter.",
        legal="Firstpost", ist=True),
    "inquirer": dict(
        name="INQUIRER.net", suffix="Inquirer Global Nation", nav=["News", "Global Nation",
        "Business", "Lifestyle", "Entertainment", "Technology", "Sports", "Opinion", "Bandera"],
        date="%B %d, %Y", updated="", read_more="READ:",
        extra_top="<div class='inq-top'>Philippine Daily Inquirer · Read Next</div>",
        footer_extra="<p>Philippine Daily Inquirer. Makati City, Philippines.</p>",
        newsletter="Subscribe to INQUIRER PLUS to get access to The Philippine Daily Inquirer and 70+ titles.",
        legal="INQUIRER.net"),
    "bloomberg": dict(
        name="Bloomberg", suffix="Bloomberg", nav=["Markets", "Economics", "Industries", "Tech",
        "Politics", "Businessweek", "Opinion", "Green", "Pursuits", "Crypto"],
        date="%B %-d, %Y at %-I:%M %p UTC", updated="", read_more="Read more:",
        extra_top="<div class='bb-ticker'>S&amp;P 500 · Nasdaq · Dow · USD/CNY · Soybeans</div>",
        footer_extra="<p>Terms of Service · Trademarks · Privacy Policy · Careers · Made in NYC</p>",
        newsletter="Get the Bloomberg Evening Briefing: the day's biggest stories.",
        legal="Bloomberg L.P."),
    "bbc": dict(
        name="BBC News", suffix="BBC News", nav=["Home", "News", "Sport", "Business",
        "Innovation", "Culture", "Travel", "Earth", "Audio", "Video", "Live"],
        date="%-d %B %Y", updated="", read_more="More on this story",
        extra_top="<div class='bbc-banner'>Watch Live · Register · Sign In</div>",
        footer_extra="<p>The BBC is not responsible for the content of external sites. "
        "<a href='/editorialguidelines/'>Read about our approach to external linking.</a></p>",
        newsletter="Sign up for our US Politics Unspun newsletter.", legal="BBC"),
    "mercopress": dict(
        name="MercoPress", suffix="MercoPress", nav=["Argentina", "Brazil", "Chile", "Falklands",
        "Mercosur", "Peru", "Uruguay", "Antarctica", "Fisheries", "Business"],
        date="%A, %B %-d %Y - %H:%M UTC", updated="", read_more="Related news:",
        extra_top="<div class='mp-top'>South Atlantic News Agency</div>",
        footer_extra="<p>MercoPress, South Atlantic News Agency. Montevideo, Uruguay.</p>",
        newsletter="Receive the MercoPress headlines by email every morning.", legal="MercoPress"),
}

EVERGREEN = {
    "bbc": [("/news/articles/cx2e8k41pyzo", "How China's economy is changing the world's supply chains"),
            ("/news/articles/c0lq9mv3d75o", "What is the Taiwan Strait and why does it matter?")],
    "inquirer": [("/286902/ph-us-hold-talks-on-maritime-security", "PH, US hold talks on maritime security"),
                 ("/286877/ofws-remittances-hit-new-high", "OFW remittances hit new high")],
    "mercopress": [("/uruguay-and-china-sign-beef-protocol", "Uruguay and China sign new beef protocol"),
                   ("/chile-lithium-exports-to-asia-rise", "Chile lithium exports to Asia rise")],
    "cgtnus": [("/news/milan-cortina-venues-ready", "Milan Cortina venues ready as athletes arrive"),
               ("/news/figure-skating-preview", "Figure skating preview: who to watch")],
    "bloomberg": [("/news/articles/yuan-steadies-as-pboc-sets-fixing", "Yuan Steadies as PBOC Sets Stronger Fixing"),
                  ("/news/articles/grain-traders-eye-brazil-harvest", "Grain Traders Eye Record Brazil Harvest")],
    "chinamil": [("/VIDEOS_209038/16451270.html", "PLA Navy fleet conducts far-sea training"),
                 ("/CHINA_209163/16450988.html", "Defense spokesperson on China-US maritime talks")],
    "firstpost": [("/world/why-india-is-watching-us-china-trade-talks-13976110.html", "Why India is watching US-China trade talks closely"),
                  ("/explainers/what-is-a-reusable-rocket-13970021.html", "What is a reusable rocket and why does everyone want one?")],
    "xinhua": [("/20260205/world/c.html", "Xi'an hosts China-Central Asia trade expo"),
               ("/20260205/business/c.html", "China's services trade grows steadily")],
    "cgtn": [("/news/Beijing-hosts-clean-energy-forum/p.html", "Beijing hosts clean energy forum"),
             ("/news/China-expands-national-park-system/p.html", "China expands national park system")],
}


# --------------------------------------------------------------------------- page HTML

def page_url(story: dict) -> str:
    return f"http://{story['host']}{story['path']}"


def byline_html(story: dict, outlet: dict) -> str:
    minutes = story["when"]
    shown = minutes + 330 if outlet.get("ist") else minutes
    stamp = date_tag(shown, outlet["date"])
    iso = "{{ISO:%+dm}}" % minutes
    who = x(story["byline"])
    return (f"<div class='byline'><span class='author'>{who}</span> "
            f"<time datetime='{iso}'>{stamp}</time></div>")


def related_html(story: dict, outlet: dict) -> str:
    same = [s for s in STORIES.values() if s["host"] == story["host"] and s is not story
            and s.get("paras")][:3]
    links = [(page_url(s), s["title"]) for s in same]
    for path, title in EVERGREEN.get(story["outlet"], []):
        if len(links) >= 3:
            break
        links.append((f"http://{story['host']}{path}", title))
    items = "".join(f"<li><a href='{xa(u)}'>{x(t)}</a></li>" for u, t in links)
    return f"<aside class='related'><h2>{x(outlet['read_more'])}</h2><ul>{items}</ul></aside>"


def article_page(story: dict) -> str:
    outlet = OUTLETS[story["outlet"]]
    url, title = page_url(story), story["title"]
    paras = "\n".join(body_blocks(story))
    nav = "".join(f"<li><a href='/{n.lower().replace(' ', '-')}/'>{x(n)}</a></li>" for n in outlet["nav"])
    iso = "{{ISO:%+dm}}" % story["when"]
    trailer = ""
    tags = " ".join(f"<a href='/tag/{t.lower()}'>#{x(t)}</a>" for t in story.get("tags", []))
    ld = json.dumps({"@context": "https://schema.org", "@type": "NewsArticle", "headline": title,
                     "datePublished": iso, "publisher": {"@type": "Organization", "name": outlet["name"]}},
                    ensure_ascii=False)
    kicker = story.get("kicker", "World")
    summary = story["paras"][0][:200]
    # The Latin-1 page declares its charset only in the HTTP header (its .headers sidecar).
    charset_meta = "" if story.get("encoding", "utf-8") != "utf-8" else '<meta charset="utf-8">\n'
    return f"""<!DOCTYPE html>
<html lang="en">
<head>
{charset_meta}<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{x(title)} | {x(outlet['suffix'])}</title>
<meta name="description" content="{xa(summary)}">
<meta property="og:title" content="{xa(title)}">
<meta property="og:type" content="article">
<meta property="og:url" content="{xa(url)}">
<meta property="og:site_name" content="{xa(outlet['name'])}">
<meta property="article:published_time" content="{iso}">
<meta name="author" content="{xa(story['byline'])}">
<link rel="canonical" href="{xa(url)}">
<link rel="stylesheet" href="/static/css/main.css">
<script type="application/ld+json">{ld}</script>
</head>
<body class="article-page">
<div class="cookie-consent">We use cookies to improve your experience and to show you relevant advertising. <button>Accept all</button> <button>Manage preferences</button></div>
{outlet['extra_top']}
<header class="site-header">
<a class="logo" href="/">{x(outlet['name'])}</a>
<nav class="main-nav" aria-label="Main"><ul>{nav}</ul></nav>
<div class="account"><a href="/account/register">Register</a> <a href="/account/sign-in">Sign in</a> <a href="/subscribe">Subscribe</a></div>
<form class="search" action="/search"><input type="search" name="q" placeholder="Search"></form>
</header>
<main>
<article class="story">
<div class="breadcrumb"><a href="/">Home</a> &gt; <a href="/{kicker.lower()}/">{x(kicker)}</a></div>
<h1 class="headline">{x(title)}</h1>
{byline_html(story, OUTLETS[story['outlet']])}
<div class="share-bar"><a href="https://www.facebook.com/sharer/sharer.php?u={xa(url)}">Share on Facebook</a> <a href="https://x.com/intent/post?url={xa(url)}">Share on X</a> <a href="https://www.linkedin.com/shareArticle?url={xa(url)}">Share on LinkedIn</a> <a href="mailto:?subject={xa(title)}">Email</a> <a href="#" class="copy-link">Copy link</a></div>
<div class="article-body">
{paras}
</div>
{trailer}
<div class="tags">{tags}</div>
<div class="follow">Follow us on X <a href="https://x.com/">@{x(outlet['name'].replace(' ', ''))}</a> · Like us on Facebook · Join our WhatsApp channel</div>
{related_html(story, outlet)}
</article>
<aside class="sidebar"><h2>Most Read</h2><ol>{''.join(f"<li><a href='{xa(u)}'>{x(t)}</a></li>" for u, t in sidebar_links(story))}</ol></aside>
</main>
<footer class="site-footer">
<div class="newsletter"><h3>Newsletter</h3><p>{x(outlet['newsletter'])}</p><form action="/newsletter"><input type="email" placeholder="Enter your email"><button>Sign up</button></form></div>
<nav class="footer-nav"><a href="/about/">About Us</a> | <a href="/contact/">Contact Us</a> | <a href="/terms/">Terms of Use</a> | <a href="/privacy/">Privacy Policy</a> | <a href="/cookies/">Cookie Settings</a> | <a href="/advertise/">Advertise with us</a></nav>
{outlet['footer_extra']}
<p class="copyright">© 2026 {x(outlet['legal'])}. All rights reserved.</p>
</footer>
</body>
</html>
"""


# Boilerplate that real sites put *inside* the article body, where extraction keeps it.
INBODY: dict[str, dict] = {
    "reuters": dict(insert=[(1, "<p>Get a look at the day ahead in markets and politics with our "
                               "morning newsletter. <a href='/newsletters/'>Sign up here.</a></p>")],
                    tail=["<p><a href='/info-pages/thomson-reuters-trust-principles/'>Our Standards: "
                          "The Thomson Reuters Trust Principles.</a>, opens new tab</p>"]),
    "ap": dict(tail=["<p>___</p>", "<p>Follow AP's coverage of Asia at "
                     "<a href='http://apnews.com/hub/asia-pacific'>https://apnews.com/hub/asia-pacific</a></p>"]),
    "chinadaily": dict(insert=[(0, "<p style='text-align:center'><img src='/img/photo.jpg' alt=''>"
                                   "</p><p style='text-align:center'>[Photo/IC]</p>")]),
    "globaltimes": dict(tail=["<p>Follow Global Times on X and Facebook for the latest news "
                              "and views.</p>"]),
    "scmp": dict(insert=[(3, "<p>Advertisement</p>")],
                 tail=["<p>This article first appeared in the South China Morning Post (SCMP). For "
                       "more SCMP stories, download the SCMP app or follow the SCMP on Facebook and X. "
                       "© 2026 South China Morning Post Publishers Ltd. All rights reserved.</p>"]),
    "xinhua": dict(tail=["<p>Share on Facebook | Share on X | Share on WeChat</p>"]),
    "cgtn": dict(repeat_title=True, tail=["<p>Search Trends</p>"]),
    "cgtnus": dict(insert=[(0, "<p>Share on Facebook · Share on X · Share via Email</p>")]),
    "chinamil": dict(repeat_title=True),
    "firstpost": dict(insert=[(3, "<p>Also Read: <a href='/world/why-india-is-watching-us-china-"
                                  "trade-talks-13976110.html'>Why India is watching US-China trade "
                                  "talks closely</a></p>")],
                      tail=["<p>Tags: #USChina #Geopolitics #Firstpost</p>",
                            "<p>Follow Firstpost on X and join our WhatsApp channel for the latest "
                            "updates.</p>"]),
    "inquirer": dict(insert=[(2, "<p>READ: <a href='/286902/ph-us-hold-talks-on-maritime-security'>"
                                 "PH, US hold talks on maritime security</a></p>")],
                     tail=["<p>Subscribe to our daily newsletter</p>",
                           "<p>By providing an email address, I agree to the Terms of Use and "
                           "acknowledge that I have read the Privacy Policy.</p>"]),
    "bloomberg": dict(insert=[(0, "<p>Most Read from Bloomberg</p><ul><li>Yuan Steadies as PBOC Sets "
                                  "Stronger Fixing</li><li>Grain Traders Eye Record Brazil Harvest</li></ul>")],
                      tail=["<p>(Updates with futures prices in fourth paragraph.)</p>",
                            "<p>©2026 Bloomberg L.P.</p>"]),
    "bbc": dict(tail=["<p>Related topics</p>", "<ul><li>China</li><li>United States</li>"
                      "<li>Universities</li></ul>"]),
    "mercopress": dict(tail=["<p>Tags: China, Chancay, Peru, United States.</p>",
                             "<p>Top Comments</p>", "<p>Disclaimer &amp; comment rules</p>"]),
}


def body_blocks(story: dict) -> list[str]:
    """The article paragraphs plus the outlet's in-body boilerplate."""
    blocks = [f"<p>{x(p)}</p>" for p in story["paras"]]
    extra = INBODY.get(story["outlet"], {})
    for position, snippet in sorted(extra.get("insert", []), reverse=True):
        blocks.insert(min(position, len(blocks)), snippet)
    if extra.get("repeat_title"):
        blocks.insert(0, f"<p><strong>{x(story['title'])}</strong></p>")
    if story.get("trailer"):
        blocks.append(f"<p class='trailer'>{x(story['trailer'])}</p>")
    return blocks + extra.get("tail", [])


def sidebar_links(story: dict) -> list[tuple[str, str]]:
    others = [s for s in STORIES.values() if s["host"] == story["host"] and s is not story and s.get("paras")]
    links = [(page_url(s), s["title"]) for s in others[-3:]]
    for path, title in EVERGREEN.get(story["outlet"], []):
        links.append((f"http://{story['host']}{path}", title))
    return links[:4] or [("/", "Home")]


def hub_page(story: dict) -> str:
    """A section landing page: navigation and headlines, no article."""
    outlet = OUTLETS[story["outlet"]]
    links = [s for s in STORIES.values() if s["host"] == story["host"] and s.get("paras")]
    cards = "\n".join(
        f"<div class='PageList-items-item'><div class='PagePromo'><h3 class='PagePromo-title'>"
        f"<a href='{xa(page_url(s))}'>{x(s['title'])}</a></h3><span class='Timestamp'>"
        f"{date_tag(s['when'], '%-I:%M %p')}</span></div></div>" for s in links)
    nav = "".join(f"<li><a href='/hub/{n.lower()}'>{x(n)}</a></li>" for n in outlet["nav"])
    topics = "".join(f"<li><a href='/hub/{t.lower().replace(' ', '-')}'>{t}</a></li>" for t in
                     ["Asia Pacific", "Taiwan", "Hong Kong", "Xi Jinping", "Trade", "Tariffs"])
    return f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>{x(story['title'])} | AP News</title>
<meta property="og:title" content="{xa(story['title'])}">
<meta property="og:type" content="website">
<link rel="canonical" href="{xa(page_url(story))}">
</head>
<body class="hub-page">
<header class="site-header"><a class="logo" href="/">AP News</a>
<nav class="main-nav"><ul>{nav}</ul></nav>
<div class="account"><a href="/account/sign-in">Sign in</a> <a href="/donate">Support independent journalism</a></div></header>
<main>
<h1 class="PageListStandardE-title">China</h1>
<nav class="hub-topics"><ul>{topics}</ul></nav>
<div class="PageList-items">
{cards}
</div>
<div class="load-more"><button>Load more</button></div>
</main>
<footer class="site-footer">
<div class="newsletter"><p>{x(outlet['newsletter'])}</p><form><input type="email" placeholder="Email address"><button>Subscribe</button></form></div>
<nav class="footer-nav"><a href="/about">About</a> | <a href="/contact">Contact Us</a> | <a href="/terms">Terms of Use</a> | <a href="/privacy">Privacy Policy</a> | <a href="/accessibility">Accessibility Statement</a></nav>
<p>Follow us on X · Facebook · Instagram · YouTube</p>
<p class="copyright">© 2026 The Associated Press. All rights reserved.</p>
</footer>
</body>
</html>
"""


# --------------------------------------------------------------------------- feeds

def rss_item(story: dict, *, extras: str = "") -> str:
    url = page_url(story)
    desc = story.get("summary") or story["paras"][0]
    return (f"<item>\n<title>{x(story['title'])}</title>\n<link>{x(url)}</link>\n"
            f"<guid isPermaLink=\"true\">{x(url)}</guid>\n<pubDate>{{{{RFC822:{story['when']:+d}m}}}}</pubDate>\n"
            f"<description>{x(desc)}</description>\n{extras}</item>")


def lead(story: dict) -> str:
    text = story.get("summary") or story["paras"][0]
    return re.sub(r"^[A-Z][A-Z/ ,.]+ ?(?:\([A-Za-z]+\) )?(?:-|--|—) ", "", text)


def direct_rss(key: str, meta: dict) -> str:
    items = []
    for sk in DIRECT_FEEDS[key]:
        s = STORIES[sk]
        extras = "".join(f"<category>{x(c)}</category>\n" for c in s.get("tags", [])[:2])
        if key in ("reuters", "ap"):
            extras += f"<dc:creator>{x(s['byline'])}</dc:creator>\n"
        s2 = dict(s, summary=lead(s))
        items.append(rss_item(s2, extras=extras))
    body = "\n".join(items)
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0" xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:atom="http://www.w3.org/2005/Atom">
<channel>
<title>{x(meta['title'])}</title>
<link>{x(meta['home'])}</link>
<description>{x(meta['description'])}</description>
<language>en-us</language>
<copyright>© 2026 {x(meta['legal'])}. All rights reserved.</copyright>
<lastBuildDate>{{{{RFC822:-10m}}}}</lastBuildDate>
<ttl>15</ttl>
<atom:link href="{xa(meta['url'])}" rel="self" type="application/rss+xml"/>
{body}
</channel>
</rss>
"""


def atom_feed(key: str, meta: dict) -> str:
    entries = []
    for sk in DIRECT_FEEDS[key]:
        s = STORIES[sk]
        url = page_url(s)
        w = f"{s['when']:+d}m"
        entries.append(f"""<entry>
<title type="text">{x(s['title'])}</title>
<link rel="alternate" type="text/html" href="{xa(url)}"/>
<id>{x(url)}</id>
<published>{{{{ISO:{w}}}}}</published>
<updated>{{{{ISO:{w}}}}}</updated>
<author><name>{x(s['byline'])}</name></author>
<category term="{xa(s.get('kicker', 'World'))}"/>
<summary type="text">{x(lead(s))}</summary>
</entry>""")
    body = "\n".join(entries)
    return f"""<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom" xml:lang="en">
<title>{x(meta['title'])}</title>
<subtitle>{x(meta['description'])}</subtitle>
<link rel="alternate" type="text/html" href="{xa(meta['home'])}"/>
<link rel="self" type="application/atom+xml" href="{xa(meta['url'])}"/>
<id>{x(meta['url'])}</id>
<updated>{{{{ISO:-15m}}}}</updated>
<rights>© 2026 {x(meta['legal'])}. All rights reserved.</rights>
<generator>GT CMS</generator>
{body}
</feed>
"""


GNEWS_SOURCES = {
    "xinhua": ("新华网", "http://english.news.cn"), "newscn": ("新华网", "http://www.news.cn"),
    "cgtn": ("news.cgtn.com", "http://news.cgtn.com"), "cgtnus": ("newsus.cgtn.com", "http://newsus.cgtn.com"),
    "chinamil": ("China Military Online", "http://eng.chinamil.com.cn"),
    "reuters": ("Reuters", "http://www.reuters.com"), "scmp": ("South China Morning Post", "http://www.scmp.com"),
    "firstpost": ("Firstpost", "http://www.firstpost.com"), "bloomberg": ("Bloomberg", "http://www.bloomberg.com"),
    "bbc": ("BBC", "http://www.bbc.com"), "inquirer": ("Inquirer.net", "http://globalnation.inquirer.net"),
    "mercopress": ("MercoPress", "http://en.mercopress.com"),
    "chinadaily": ("China Daily", "http://www.chinadaily.com.cn"),
}


def gnews_link(story: dict) -> str:
    return "http://news.google.com/rss/articles/{{GNEWS_ID:%s}}?oc=5" % page_url(story)


def gnews_item(key: str) -> str:
    s = STORIES[key]
    name, site = GNEWS_SOURCES[s["outlet"]]
    link = gnews_link(s)
    members = CLUSTERS.get(key)
    if members:
        lis = "".join(
            f'<li><a href="{gnews_link(STORIES[m])}" target="_blank">{x(STORIES[m]["title"])}</a>'
            f'&nbsp;&nbsp;<font color="#6f6f6f">{x(GNEWS_SOURCES[STORIES[m]["outlet"]][0])}</font></li>'
            for m in members)
        desc = f"<ol>{lis}</ol>"
    else:
        desc = (f'<a href="{link}" target="_blank">{x(s["title"])}</a>&nbsp;&nbsp;'
                f'<font color="#6f6f6f">{x(name)}</font>')
    guid = "{{GNEWS_ID:%s}}" % page_url(s)
    return (f"<item><title>{x(s['title'])} - {x(name)}</title><link>{link}</link>"
            f'<guid isPermaLink="false">{guid}</guid><pubDate>{{{{RFC822:{s["when"]:+d}m}}}}</pubDate>'
            f"<description>{x(desc)}</description><source url=\"{site}\">{x(name)}</source></item>")


def gnews_feed() -> str:
    items = "".join(gnews_item(k) for k in GNEWS_ITEMS)
    return ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
            '<rss xmlns:media="http://search.yahoo.com/mrss/" version="2.0"><channel>'
            "<generator>NFE/5.0</generator><title>\"US China\" - Google News</title>"
            "<link>http://news.google.com/search?q=US+China&amp;hl=en-US&amp;gl=US&amp;ceid=US:en</link>"
            "<language>en-US</language><webMaster>news-webmaster@google.com</webMaster>"
            "<copyright>2026 Google Inc.</copyright><lastBuildDate>{{RFC822:-5m}}</lastBuildDate>"
            f"<description>Google News</description>{items}</channel></rss>\n")


FEEDS = [
    dict(key="gnews", url="http://news.google.com/rss/search?q=US+China&hl=en-US&gl=US&ceid=US:en",
         file="news.google.com/rss/search.xml", title='"US China" - Google News', default_perspective=None),
    dict(key="reuters", url="http://feeds.reuters.com/reuters/worldNews", file="feeds.reuters.com/reuters/worldNews.xml",
         title="Reuters: World News", home="http://www.reuters.com/world/", legal="Reuters",
         description="Reuters.com is your source for breaking news, business, financial and investing news.",
         default_perspective="us"),
    dict(key="ap", url="http://feeds.apnews.com/rss/apf-intlnews", file="feeds.apnews.com/rss/apf-intlnews.xml",
         title="AP International News", home="http://apnews.com/world-news", legal="The Associated Press",
         description="International news from The Associated Press.", default_perspective="us"),
    dict(key="chinadaily", url="http://www.chinadaily.com.cn/rss/world_rss.xml",
         file="www.chinadaily.com.cn/rss/world_rss.xml", title="China Daily - World",
         home="http://www.chinadaily.com.cn/world/", legal="China Daily",
         description="China Daily world news: China and the world.", default_perspective="china"),
    dict(key="globaltimes", url="http://www.globaltimes.cn/rss/world.xml", file="www.globaltimes.cn/rss/world.xml",
         title="Global Times - World", home="http://www.globaltimes.cn/world/", legal="Global Times",
         description="Global Times: China's view of the world.", default_perspective="china"),
    dict(key="scmp", url="http://www.scmp.com/rss/91/feed", file="www.scmp.com/rss/91/feed.xml",
         title="South China Morning Post - China", home="http://www.scmp.com/news/china",
         legal="South China Morning Post Publishers Ltd",
         description="The latest China news from the South China Morning Post.", default_perspective="us"),
]


# --------------------------------------------------------------------------- write

def target_for(story: dict) -> Path:
    path = story["path"]
    if path.endswith("/"):
        return SITES / story["host"] / path.strip("/") / "index.html"
    rel = path.lstrip("/")
    if "." in rel.rsplit("/", 1)[-1]:
        return SITES / story["host"] / rel
    return SITES / story["host"] / (rel + ".html")


def main() -> None:
    if SITES.exists():
        shutil.rmtree(SITES)
    for story in STORIES.values():
        if story.get("missing"):
            continue
        target = target_for(story)
        target.parent.mkdir(parents=True, exist_ok=True)
        if story.get("encoding") == "gb2312":
            target.write_bytes(gb_page_xinhua(story).encode("gb2312"))
        elif story.get("hub"):
            target.write_text(hub_page(story), encoding="utf-8")
        else:
            target.write_bytes(article_page(story).encode(story.get("encoding", "utf-8")))
        if story.get("headers"):
            sidecar = target.with_name(target.name + ".headers")
            sidecar.write_text(json.dumps(story["headers"], indent=1) + "\n", encoding="utf-8")
    for feed in FEEDS:
        out = SITES / feed["file"]
        out.parent.mkdir(parents=True, exist_ok=True)
        if feed["key"] == "gnews":
            text = gnews_feed()
        elif feed["key"] == "globaltimes":
            text = atom_feed(feed["key"], feed)
        else:
            text = direct_rss(feed["key"], feed)
        out.write_text(text, encoding="utf-8")
    feeds = [{"url": f["url"], "title": f["title"], "default_perspective": f["default_perspective"]}
             for f in FEEDS]
    (HERE / "feeds.json").write_text(json.dumps(feeds, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    write_mapping()


def write_mapping() -> None:
    sys.path.insert(0, str(HERE.parents[2]))
    from sources.demo.gnews_fake import make_article_id

    urls = {page_url(STORIES[k]) for k in GNEWS_ITEMS}
    urls |= {page_url(STORIES[m]) for ms in CLUSTERS.values() for m in ms}
    mapping = {make_article_id(u): u for u in sorted(urls)}
    (HERE / "googlenews.json").write_text(json.dumps(mapping, indent=2, sort_keys=True) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
