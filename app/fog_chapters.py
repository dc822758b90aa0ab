"""Into the fog: the lesson the app grew out of, as a walk of short chapters, one idea each. Every
chapter has its own address (?fog_chapter=…) and works on its own; Next leads on, and the last
one out to the explorer and the real network."""

from __future__ import annotations

from collections.abc import Callable

import streamlit as st

from app.fog import fog_init, the_fog
from app.fog_button import magic_button
from app.fog_optimizer import you_are_the_optimizer
from app.fog_stride import your_stride
from app.fog_zero_grad import zero_grad_mystery
from app.network import network_page

# (name in the link, title, the chapter), in the order of the walk
CHAPTERS: tuple[tuple[str, str, Callable[[], None]], ...] = (
    ("fog", "The fog", the_fog),
    ("optimizer", "You are the optimizer", you_are_the_optimizer),
    ("stride", "Your stride", your_stride),
    ("button", "The magic button", magic_button),
    ("zero_grad", "The zero_grad mystery", zero_grad_mystery),
)
CHAPTER_NAMES = tuple(name for name, _, _ in CHAPTERS)
TITLES = {name: f"{number}. {title}" for number, (name, title, _) in enumerate(CHAPTERS, start=1)}


def _go(name: str) -> None:
    st.session_state.fog_chapter = name


def fog_page() -> None:
    """The walk: the chapters' bar, the chapter on show, and the way on."""
    fog_init()
    state = st.session_state
    if state.fog_chapter not in CHAPTER_NAMES:
        state.fog_chapter = CHAPTER_NAMES[0]
    st.markdown("### 🌫️ Into the fog")
    st.segmented_control("Chapter", CHAPTER_NAMES, key="fog_chapter", required=True, format_func=TITLES.get,
                         label_visibility="collapsed")
    index = CHAPTER_NAMES.index(state.fog_chapter)
    CHAPTERS[index][2]()
    st.divider()
    if index + 1 < len(CHAPTERS):
        following = CHAPTER_NAMES[index + 1]
        st.button(f"Next: {TITLES[following]} ▶", key="walk_next", type="primary", on_click=_go, args=(following,))
    else:
        st.markdown("That is the whole compass. The explorer shows every optimizer on every mountain, starting "
                    "from your walk; a real network is the same walk with 337 knobs at once.")
        from app.explorer import explorer_page  # it links back here

        explorer, network = st.columns(2)
        if explorer.button("⛰️ Open the explorer with this walk", key="walk_out", type="primary"):
            state.update(walked_scene(state))
            # a page made as app.main makes it (same function, same address): Streamlit matches them
            st.switch_page(st.Page(explorer_page, title="Explorer", icon="⛰️", url_path="home", default=True))
        network.page_link(st.Page(network_page, title="A real network", icon="🧠", url_path="network"),
                          label="A real network: the same compass, 337 knobs at once", icon="🧠")


def walked_scene(state) -> dict:
    """The explorer's scene the walk built: its mountain, start and stride as plain SGD, with
    zero_grad() forgotten when the last walk went without it."""
    return {"surface": state.fog_surface, "start_x": float(state.fog_x), "start_y": float(state.fog_y),
            "lr": float(state.fog_stride), "optimizers": ["sgd"], "forget_zero_grad": not state.fog_zeroing}

def walk_page() -> st.Page:
    """The walk as a page, for the navigation (app.main) and the explorer's invitation; made in a run
    (a page made on import, outside one, is not a page Streamlit can show)."""
    return st.Page(fog_page, title="Into the fog", icon="🌫️", url_path="fog")
