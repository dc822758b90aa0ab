"""Open one page of the app in AppTest, the way st.navigation runs it."""

import json
from pathlib import Path

from streamlit.testing.v1 import AppTest

ROOT = str(Path(__file__).resolve().parent.parent)


def _page_script(root, module, function):
    import importlib
    import sys

    sys.path.insert(0, root)
    getattr(importlib.import_module(module), function)()


def open_page(module: str, function: str) -> AppTest:
    """AppTest of app.<module>.<function>(), run once."""
    return AppTest.from_function(_page_script, args=(ROOT, module, function), default_timeout=120).run()


def view_payload(app: AppTest) -> dict:
    """The JSON the page's view component received on its last run."""
    # the page's other components (the copy-link button) carry no figures
    (view,) = [c for c in app.get("bidi_component") if c.proto.json and "figures" in c.proto.json]
    return json.loads(json.loads(view.proto.json))
