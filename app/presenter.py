"""Presenter mode, for a lecture hall: the sidebar hidden, the page's text and the plots' text
bigger for a projector, and keys in the view (Space, ← →, + −, F, and ? to list them; see
mountain_view.js). A switch in the sidebar, and ?presenter=1 in a link."""

from __future__ import annotations

import streamlit as st

# Streamlit sizes its text in rem: a bigger root size enlarges it all; the sidebar and its
# opener go, the page takes the whole width
PRESENTER_CSS = """<style>
html { font-size: 125%; }
[data-testid="stSidebar"], [data-testid="stSidebarCollapsedControl"], [data-testid="stExpandSidebarButton"] { display: none !important; }
[data-testid="stMainBlockContainer"] { max-width: none; padding-left: 2rem; padding-right: 2rem; }
</style>"""


def presenter_switch() -> None:
    """The switch, in the sidebar."""
    st.toggle("🎓 Presenter mode", key="presenter",
              help="For a projector: no sidebar, bigger text, and keys in the view (press ? to list them).")


def _leave() -> None:
    st.session_state.presenter = False


def presenter_frame() -> None:
    """In presenter mode, the page's bigger look and the way back (the sidebar, and its switch, are hidden)."""
    if not st.session_state.get("presenter"):
        return
    st.html(PRESENTER_CSS)
    st.button("✕ Leave presenter mode", key="presenter_leave", on_click=_leave,
              help="Back to the sidebar and the usual text size. In the view, press ? for the keys.")
