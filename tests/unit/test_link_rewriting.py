"""Link rewriting with a real HTML parser: only http(s) links change, only their href value
changes, and each rewritten link carries the link exactly as a browser would have followed it."""

from consentmail.mail.html_transform import (
    html_to_text,
    insert_before_body_end,
    is_web_link,
    rewrite_links,
    unescape_attribute,
)


def wrap(url: str) -> str | None:
    return f"https://t.test/c?u={url}" if is_web_link(url) else None


def collected(source: str) -> list[str]:
    seen: list[str] = []

    def spy(url: str) -> None:
        seen.append(url)

    rewrite_links(source, spy)
    return seen


def test_http_and_https_links_are_rewritten_and_nothing_else_changes():
    source = '<p class="x">Hi</p>\n<a href="https://a.test/x">A</a> <A HREF=http://b.test>B</A><br>'

    result = rewrite_links(source, lambda url: "NEW" if is_web_link(url) else None)

    assert result == '<p class="x">Hi</p>\n<a href="NEW">A</a> <A HREF="NEW">B</A><br>'


def test_mailto_tel_and_anchor_links_are_left_alone():
    source = '<a href="mailto:a@b.test?subject=Hi">m</a><a href="tel:+33100000000">t</a><a href="#top">x</a>'

    assert rewrite_links(source, wrap) == source


def test_query_strings_reach_the_rewriter_as_a_browser_reads_them():
    source = '<a href="https://shop.test/p?id=1&amp;ref=news&copy=2&utm=%20x#frag">buy</a>'

    assert collected(source) == ["https://shop.test/p?id=1&ref=news&copy=2&utm=%20x#frag"]


def test_rewritten_value_is_attribute_escaped():
    source = '<a href="https://a.test/?q=1&amp;r=2">x</a>'

    result = rewrite_links(source, lambda url: url + "&z=3")

    assert result == '<a href="https://a.test/?q=1&amp;r=2&amp;z=3">x</a>'


def test_other_attributes_entities_and_comments_are_kept_byte_for_byte():
    source = (
        '<!--[if mso]><a href="https://hidden.test">no</a><![endif]-->'
        "<a title='R&amp;D' data-x=\"1\" href='https://a.test/'  target=_blank>R&eacute;sum&eacute;</a>"
        "<script>var s = '<a href=\"https://js.test\">';</script>"
    )

    result = rewrite_links(source, lambda url: "NEW")

    assert result == source.replace("href='https://a.test/'", 'href="NEW"')


def test_unquoted_and_single_quoted_hrefs_are_found():
    assert collected("<a href=https://a.test/a>1</a><a href='https://a.test/b'>2</a>") == [
        "https://a.test/a",
        "https://a.test/b",
    ]


def test_area_links_are_rewritten_and_links_without_href_are_not():
    source = '<map><area href="https://a.test/m" alt=""></map><a name="top">anchor</a>'

    expected = '<map><area href="https://t.test/c?u=https://a.test/m" alt=""></map><a name="top">anchor</a>'
    assert rewrite_links(source, wrap) == expected


def test_surrounding_whitespace_of_a_link_is_dropped_as_browsers_do():
    assert collected('<a href="  https://a.test/x \n">x</a>') == ["https://a.test/x"]


def test_attribute_unescaping_follows_html5_rules():
    assert unescape_attribute("a&amp;b") == "a&b"
    assert unescape_attribute("?a=1&copy=2") == "?a=1&copy=2"
    assert unescape_attribute("&copy;&#169;&#xA9;") == "©©©"
    assert unescape_attribute("&lt") == "<"
    assert unescape_attribute("100% & more") == "100% & more"


def test_fragment_goes_before_the_body_end_tag_or_at_the_end():
    assert insert_before_body_end("<html><body><p>x</p></body></html>", "<img>") == (
        "<html><body><p>x</p><img></body></html>"
    )
    assert insert_before_body_end("<p>x</p>", "<img>") == "<p>x</p><img>"


def test_text_version_keeps_words_and_links_but_no_markup():
    source = (
        "<html><head><title>T</title><style>p{color:red}</style></head><body>"
        "<h1>News</h1><p>Read <a href='https://a.test/?x=1&amp;y=2'>the post</a>.</p>"
        "<ul><li>one</li><li>two</li></ul><script>alert(1)</script></body></html>"
    )

    text = html_to_text(source)

    assert text == "News\n\nRead the post (https://a.test/?x=1&y=2).\n\n- one\n- two\n"
