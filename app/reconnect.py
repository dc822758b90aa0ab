"""A page whose server went away comes back with its scene on whichever replica it reaches.

Streamlit's page asks a server it reconnects to for a run only when the page has a fragment that
reruns itself; this one (hourly, drawing nothing) makes a page whose replica died ask at once, and
the new session reads the scene from the page's link (app/link.py)."""

import streamlit as st

from app.memo import ONE_HOUR


@st.fragment(run_every=ONE_HOUR)
def ask_for_a_run_on_reconnect() -> None:
    pass
