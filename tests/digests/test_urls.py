"""URL canonicalisation: equivalent spellings collapse, different pages stay different."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from digests.urls import canonical_url, host_of


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("HTTPS://WWW.Example.COM/News/Story", "https://example.com/News/Story"),  # path case kept
        ("http://example.com:80/a", "http://example.com/a"),
        ("https://example.com:443/a", "https://example.com/a"),
        ("https://example.com:8443/a", "https://example.com:8443/a"),
        ("https://example.com/a#comments", "https://example.com/a"),
        ("https://example.com/a/", "https://example.com/a"),
        ("https://example.com/", "https://example.com/"),
        ("https://example.com", "https://example.com/"),
        ("https://example.com/a/./b/../c", "https://example.com/a/c"),
        ("https://example.com/../../a", "https://example.com/a"),
        ("https://example.com/story?utm_source=tw&utm_medium=social&id=7",
         "https://example.com/story?id=7"),
        ("https://example.com/s?fbclid=x&gclid=y&mc_cid=1&mc_eid=2&ref=home&ref_src=twsrc"
         "&cmpid=rss&ocid=msn&_ga=1.2&igshid=abc", "https://example.com/s"),
        ("https://example.com/s?b=2&a=1&c=3", "https://example.com/s?a=1&b=2&c=3"),
        ("https://example.com/s?UTM_Campaign=x&page=2", "https://example.com/s?page=2"),
        ("https://example.com/%7euser/a%2fb", "https://example.com/~user/a%2Fb"),
        ("  https://example.com/a  ", "https://example.com/a"),
        ("https://www.example.com./a", "https://example.com/a"),
    ],
)
def test_canonical_url(url, expected):
    assert canonical_url(url) == expected


def test_equivalent_spellings_collapse_to_one():
    spellings = [
        "https://www.news.example/world/story-1/?utm_source=newsletter#top",
        "HTTPS://news.example:443/world/story-1?ref=homepage",
        "https://news.example/world/./story-1",
    ]
    assert len({canonical_url(u) for u in spellings}) == 1


def test_different_pages_stay_different():
    assert canonical_url("https://example.com/a?id=1") != canonical_url("https://example.com/a?id=2")
    assert canonical_url("https://example.com/A") != canonical_url("https://example.com/a")
    assert canonical_url("http://example.com/a") != canonical_url("https://example.com/a")


def test_canonical_url_is_idempotent():
    once = canonical_url("HTTP://WWW.Example.com:80/x/../y/?b=1&utm_x=2&a=3#f")
    assert canonical_url(once) == once


def test_non_web_urls_are_left_alone():
    assert canonical_url("file:///tmp/Story.html") == "file:///tmp/Story.html"
    assert canonical_url("mailto:Editor@Example.com") == "mailto:Editor@Example.com"
    assert canonical_url("relative/path") == "relative/path"


def test_host_of():
    assert host_of("https://WWW.Example.com:8080/a") == "example.com"
    assert host_of("http://news.example.co.uk/") == "news.example.co.uk"
    assert host_of("file:///tmp/x.html") == ""
    assert host_of("not a url") == ""


_segment = st.text(alphabet="abcXYZ019-._~%2f", min_size=0, max_size=6)
_param = st.tuples(st.sampled_from(["id", "utm_source", "ref", "page", "Q", "fbclid"]),
                   st.text(alphabet="abc12", max_size=3))


@given(
    scheme=st.sampled_from(["http", "https", "HTTP"]),
    host=st.sampled_from(["example.com", "WWW.example.com", "news.example.co.uk"]),
    port=st.sampled_from(["", ":80", ":443", ":8080"]),
    segments=st.lists(_segment, max_size=4),
    params=st.lists(_param, max_size=4),
    fragment=st.sampled_from(["", "#top"]),
)
def test_canonical_url_is_idempotent_and_clean(scheme, host, port, segments, params, fragment):
    query = "&".join(f"{k}={v}" for k, v in params)
    url = f"{scheme}://{host}{port}/" + "/".join(segments) + (f"?{query}" if query else "") + fragment
    once = canonical_url(url)
    assert canonical_url(once) == once
    assert "#" not in once and "utm_source" not in once and "www." not in once
    assert once.startswith(("http://", "https://"))
