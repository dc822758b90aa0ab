"""1,000 random and hostile query strings thrown at the app through AppTest: never an exception,
always a rendered page."""

import random
import urllib.parse

import pytest
from streamlit.testing.v1 import AppTest

from app.link import fields
from tests.test_app import ROOT

NASTY = ["", " ", "nan", "NaN", "inf", "-inf", "1e309", "-1e309", "0", "-0", "1e-320", "9" * 400, "0x10",
         "1_000", "true", "None", "null", "[]", "{}", "'", '"', "\\", "%00", "\x00", "\n", "\t", "‮", "😀",
         "<script>alert(1)</script>", "<img src=x onerror=alert(1)>", "javascript:alert(1)", "[a](b)",
         "`rm -rf`", "__import__('os')", "lambda: 0", "sgd,adam", "sgd,,adam,", "x^2 + y^2", "(" * 300,
         "a" * 10_000, "1" * 10_000, "ü" * 3000, "0.01", "1", "-5", "5", "300", "himmelblau", "custom"]


def _queries(count: int, seed: int = 20261125):
    rng = random.Random(seed)
    keys = list(fields())
    for _ in range(count):
        params = {}
        for _ in range(rng.randint(1, 8)):
            kind = rng.random()
            key = rng.choice(keys) if kind < 0.8 else rng.choice(["", "x" * 500, "<b>", "lr ", "LR", "%"])
            value = rng.choice(NASTY) if rng.random() < 0.7 else str(rng.uniform(-1e3, 1e3))
            params[key] = value
        # through a real query string, as a browser would send it, repeated keys and all
        text = urllib.parse.urlencode(params) + ("&lr=0.5&lr=oops" if rng.random() < 0.1 else "")
        yield text


# the thousand in four parts, so parallel test workers share them (one part takes about 17 s)
PARTS = 4


@pytest.mark.parametrize("part", range(PARTS))
def test_a_thousand_random_and_hostile_links_always_render(part):
    rendered = 0
    for text in list(_queries(1000))[part::PARTS]:
        app = AppTest.from_file(str(ROOT / "app" / "main.py"), default_timeout=120)
        app.query_params = {key: values if len(values) > 1 else values[0]
                            for key, values in urllib.parse.parse_qs(text, keep_blank_values=True).items()}
        app.run()
        assert not app.exception, (text[:200], [e.value for e in app.exception])
        assert app.markdown and app.markdown[0].value.startswith("### "), text[:200]
        rendered += 1
    assert rendered == 1000 // PARTS
