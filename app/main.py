"""Loss Mountain: `streamlit run app/main.py`."""

import sys
from pathlib import Path

# `streamlit run` puts app/ on the path; core/ lives beside it
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import streamlit as st  # noqa: E402

from core.custom import SURFACE_NAME  # noqa: E402

from app.explorer import explorer_page, formula_page  # noqa: E402
from app.controls import show_link  # noqa: E402
from app.link import read_link  # noqa: E402
from app.share import copy_link_button  # noqa: E402
from app.many import many_page  # noqa: E402
from app.kept import copy_settings, keep_settings  # noqa: E402
from app.data_page import data_page  # noqa: E402
from app.network import network_page  # noqa: E402
from app.fog_chapters import walk_page  # noqa: E402
from app.allocator import give_memory_back  # noqa: E402
from app.presenter import presenter_frame, presenter_switch  # noqa: E402
from app.reconnect import ask_for_a_run_on_reconnect  # noqa: E402


st.set_page_config(page_title="Loss Mountain", page_icon="⛰️", layout="wide")
give_memory_back()  # once per process (later runs return at once): see app/allocator.py
state = st.session_state
if "link_read" not in state:
    # a session opened from a link starts from the link's settings, checked
    state.link_read = True
    values, state.link_notices = read_link(st.query_params.to_dict())
    if values.get("surface") == SURFACE_NAME:
        values["page"] = "formula"  # the typed mountain is already chosen: keep the link's start
    state.update(values)
# the plots need the height more than the default top margin does
# the page title must clear Streamlit's header bar (3.75rem) at every width
st.html("<style>[data-testid='stMainBlockContainer'] { padding-top: 3.8rem; }</style>")
EXPLORER = st.Page(explorer_page, title="Explorer", icon="⛰️", url_path="home", default=True)


def explorer_by_name() -> None:
    """/explorer is the explorer too: go to it (at /), keeping the link's settings."""
    st.switch_page(EXPLORER, query_params=st.query_params.to_dict())


page = st.navigation([
    EXPLORER,
    st.Page(explorer_by_name, title="Explorer", url_path="explorer", visibility="hidden"),
    walk_page(),
    st.Page(formula_page, title="Type a mountain", icon="✏️", url_path="formula"),
    st.Page(many_page, title="Many balls", icon="🐝", url_path="many"),
    st.Page(data_page, title="Fit real data", icon="🎯", url_path="data"),
    st.Page(network_page, title="A real network", icon="🧠", url_path="network"),
])
keep_settings(page.url_path)  # every setting across pages (app.kept)
if state.link_notices:
    shown = state.link_notices[:6] + ([f"and {len(state.link_notices) - 6} more"] if len(state.link_notices) > 6 else [])
    st.warning("**Parts of this link could not be used**, so they are at their defaults:  \n"
               + "  \n".join(f"- {notice}" for notice in shown), icon="🔗")
    state.link_notices = []
presenter_frame()
page.run()

ask_for_a_run_on_reconnect()
with st.sidebar:
    presenter_switch()
    copy_link_button()
# the address bar always holds the link to what is on screen
show_link()
copy_settings(page.url_path)
