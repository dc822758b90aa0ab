"""Presenter mode through AppTest: a link's ?presenter=1 switches it on, the page hides its sidebar
and enlarges its text, the view is told (bigger plot text, keys, + and − for the page's rate),
and the way back switches it off."""

import json

from streamlit.testing.v1 import AppTest

from pages import ROOT

from app.presenter import PRESENTER_CSS


def _view(app: AppTest) -> dict:
    (view,) = [c for c in app.get("bidi_component") if c.proto.bytes and b'"figures"' in c.proto.bytes]
    return json.loads(view.proto.bytes.decode())


def test_a_link_opens_presenter_mode_and_the_button_leaves_it():
    app = AppTest.from_file(f"{ROOT}/app/main.py", default_timeout=120)
    app.query_params["presenter"] = "1"
    app.run()
    assert not app.exception and app.session_state["presenter"] is True
    assert any(PRESENTER_CSS in element.proto.body for element in app.get("html"))
    shown = _view(app)
    assert shown["presenter"] is True and shown["nudge"] is True  # the explorer's + and − move its lr
    app.button(key="presenter_leave").click().run()
    assert app.session_state["presenter"] is False
    assert not any(PRESENTER_CSS in element.proto.body for element in app.get("html"))
    assert "presenter" not in _view(app)
    assert not [b for b in app.button if b.key == "presenter_leave"]
