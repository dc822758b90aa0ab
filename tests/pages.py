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


def open_with_link(module: str, function: str, link: dict[str, str]) -> AppTest:
    """AppTest of app.<module>.<function>() opened from `link` as app.main reads one: once, checked
    (every part usable), into the session; run once."""
    from app.link import read_link

    values, notices = read_link(link)
    assert not notices, notices
    app = open_page(module, function)
    for key, value in values.items():
        app.session_state[key] = value
    return app.run(timeout=300)


def view_payload(app: AppTest) -> dict:
    """The JSON the page's view component received on its last run, resolved as the browser does:
    shared arrays put in place, and the parts it keeps (terrain, template, the slider's rates) from
    earlier runs."""
    # the page's other components (the copy-link button) carry no figures; the view's come as bytes
    (view,) = [c for c in app.get("bidi_component") if c.proto.bytes and b'"figures"' in c.proto.bytes]
    payload = json.loads(view.proto.bytes.decode())
    kept = app.__dict__.setdefault("_view_assets", {})
    kept.update(payload.get("assets", {}))
    if _lacking(payload, kept):
        # as the browser does when it lacks a part: the session forgets it sent it, and resends it
        app.session_state["view_assets_sent"] = set()
        app.run()
        return view_payload(app)
    return resolve(payload, kept)


def _lacking(payload: dict, kept: dict) -> bool:
    rates = (payload.get("ladder") or {}).get("rates")
    if isinstance(rates, str) and rates not in kept:
        return True
    return any((trace.get("meta") or {}).get("role") == "terrain" and "z" not in trace
               and trace["meta"]["asset"] not in kept
               for figure in payload["figures"].values() for trace in figure["data"])


def resolve(payload: dict, kept: dict) -> dict:
    """The payload with {"$array": id} replaced by the array and terrain references by the trace."""
    arrays = payload.get("arrays", {})

    def walk(value):
        if isinstance(value, dict):
            if set(value) == {"$array"}:
                return arrays[value["$array"]]
            return {key: walk(item) for key, item in value.items()}
        if isinstance(value, list):
            return [walk(item) for item in value]
        return value

    figures = walk(payload["figures"])
    for figure in figures.values():
        figure["data"] = [kept[trace["meta"]["asset"]] if (trace.get("meta") or {}).get("role") == "terrain"
                          and "z" not in trace else trace for trace in figure["data"]]
    resolved = {**payload, "figures": figures}
    if isinstance((payload.get("ladder") or {}).get("rates"), str):
        resolved["ladder"] = {**payload["ladder"], "rates": kept[payload["ladder"]["rates"]]}
    return resolved
