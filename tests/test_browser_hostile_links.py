"""Issue 14, part 2, in Chromium: text a link carries is quoted back as text. The page a hostile link
opens has no link, image or script of the link's making, on the explorer, Many balls and the fog."""

import urllib.parse

import pytest

from tests.browser import app_page

pytestmark = pytest.mark.browser

EVIL = ("[click](https://evil.example/a) https://evil.example/b <img src=https://evil.example/c.png> "
        "![i](https://evil.example/d.png) <a href='javascript:alert(1)'>x</a> <script>alert(1)</script>")
HOSTILE = {"optimizers": f"sgd,{EVIL}", "surface": EVIL, "many_mode": EVIL, EVIL: "1", "lr": EVIL,
           "formula": EVIL, "swarm_optimizer": EVIL, "fog_chapter": EVIL}
# what the page may hold of the link's text: as text only, never as an element or an attribute
MADE_BY_THE_LINK = """() => {
  const evil = (value) => value && (value.includes('evil.example') || value.includes('alert(1)'));
  const links = [...document.querySelectorAll('a')].filter((a) => evil(a.getAttribute('href')) || evil(a.textContent) && a.href);
  const images = [...document.querySelectorAll('img')].filter((img) => evil(img.getAttribute('src')));
  const scripts = [...document.querySelectorAll('script')].filter((s) => evil(s.textContent));
  return {links: links.length, images: images.length, scripts: scripts.length,
          quoted: [...document.querySelectorAll('code')].some((c) => c.textContent.includes('evil.example'))};
}"""


@pytest.mark.parametrize("path", ["/", "/many", "/fog"])
def test_a_hostile_links_text_is_only_ever_quoted_as_text(path):
    with app_page(f"{path}?{urllib.parse.urlencode(HOSTILE)}") as page:
        page.get_by_text("Parts of this link could not be used").wait_for(timeout=60_000)
        found = page.evaluate(MADE_BY_THE_LINK)
        assert found == {"links": 0, "images": 0, "scripts": 0, "quoted": True}, found
