from comics.markup import note_html


def test_markdown_becomes_html():
    html = note_html("Some *emphasis* and **strong** words.\n\n- one\n- two")
    assert "<em>emphasis</em>" in html
    assert "<strong>strong</strong>" in html
    assert "<li>one</li>" in html


def test_script_tags_are_removed_with_their_content():
    html = note_html("Hello <script>alert('x')</script> world")
    assert "<script" not in html
    assert "alert" not in html
    assert "Hello" in html and "world" in html


def test_event_handler_attributes_are_removed():
    html = note_html(
        '<img src="x" onerror="alert(1)"> <b onclick="steal()">bold</b> <a href="https://e.org" onmouseover="x()">e</a>'
    )
    assert "onerror" not in html
    assert "onclick" not in html
    assert "onmouseover" not in html
    assert "<b>bold</b>" in html


def test_javascript_links_lose_their_address():
    html = note_html(
        '[click](javascript:alert(1)) <a href="JaVaScRiPt:alert(2)">two</a> <a href="data:text/html,x">three</a>'
    )
    assert "javascript" not in html.lower()
    assert "data:" not in html
    assert "click" in html and "two" in html


def test_links_get_rel_nofollow_noopener():
    html = note_html("See [my shop](https://shop.example.com/) or <a href='http://e.org' rel='me'>me</a>.")
    assert '<a href="https://shop.example.com/" rel="nofollow noopener">my shop</a>' in html
    assert 'rel="me"' not in html


def test_styles_iframes_and_forms_are_removed():
    html = note_html('<style>body{display:none}</style><iframe src="https://evil"></iframe><form><input></form>ok')
    assert "<style" not in html and "display:none" not in html
    assert "<iframe" not in html and "<form" not in html and "<input" not in html
    assert "ok" in html


def test_an_empty_note_renders_nothing():
    assert note_html("") == ""
    assert note_html("   \n") == ""
