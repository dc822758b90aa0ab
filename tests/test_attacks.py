"""Issue 14's links and inputs that broke the app when tried as an attacker would: each now gives
the page's own message or a working view, never the generic error page."""

import pytest

from tests.test_link import open_link


@pytest.mark.parametrize("bounds", [
    {"bound_x0": "0.001", "bound_x1": "0.002"},  # the start's two decimals fell below the range
    {"bound_x0": "-0.002", "bound_x1": "-0.001"},  # … or above it
    {"bound_y0": "3.141", "bound_y1": "3.1415", "bound_x0": "0.5", "bound_x1": "0.50004"},
])
def test_a_narrow_range_keeps_the_start_inside_at_the_sliders_own_precision(bounds):
    app = open_link({"surface": "custom", "formula": "x^2", **bounds})
    assert not app.exception, [e.value for e in app.exception]
    x, y = app.slider(key="start_x"), app.slider(key="start_y")
    for slider in (x, y):
        assert slider.min <= slider.value <= slider.max
        # at least a hundred stops across the range
        assert (slider.max - slider.min) / slider.step >= 99
    # a move of the start by the slider's own step stays inside, and the page answers
    x.set_value(x.max).run()
    assert not app.exception and app.slider(key="start_x").value == x.max


def test_a_range_too_narrow_to_hold_a_start_is_refused_by_name():
    app = open_link({"surface": "custom", "formula": "x^2", "bound_x0": "1", "bound_x1": "1.0000000001"})
    assert not app.exception
    notice = " ".join(w.value for w in app.warning)
    assert "the x range must be at least 1e-06 wide" in notice


def test_a_csv_with_a_field_over_the_csv_modules_limit_is_the_pages_own_message():
    from core import LossMountainError
    from core.data_fit import read_csv

    content = b"x,y\n1,2\n2,3\n3," + b"4" * 131_073 + b"\n"
    with pytest.raises(LossMountainError, match="line 4 of the file cannot be read as CSV"):
        read_csv(content)


def test_a_bad_rows_message_quotes_at_most_forty_characters_a_cell():
    from core import LossMountainError
    from core.data_fit import read_csv

    with pytest.raises(LossMountainError) as caught:
        read_csv(b"1,2\n2,3\n" + b"a" * 5000 + b",1\n")
    assert len(str(caught.value)) < 200 and "`" + "a" * 40 + "…`" in str(caught.value)


def test_the_fits_loss_grid_over_ten_thousand_points_is_unchanged_and_taken_a_slab_at_a_time(monkeypatch):
    import numpy as np
    import torch

    from core import data_fit
    from core.data_fit import features, mse

    rng = np.random.default_rng(0)
    x, y = torch.tensor(rng.uniform(-3, 3, 10_000)), torch.tensor(rng.normal(size=10_000))
    inputs = features(x, "quadratic", 0.0)
    grid = torch.tensor(rng.normal(size=(81, 81, 3)))
    whole = ((grid @ inputs.T - y) ** 2).mean(dim=-1)  # the one-array way: 525 MB a temporary
    shapes = []
    real_cat = torch.cat
    monkeypatch.setattr(data_fit.torch, "cat", lambda parts: shapes.append([p.shape for p in parts]) or real_cat(parts))
    slabbed = mse(grid, inputs, y)
    assert torch.equal(slabbed, whole)
    # 400 coefficient rows (32 MB of predictions) at a time, not 6,561
    assert shapes and max(s[0] for s in shapes[0]) == 400


@pytest.mark.parametrize("count", [64, 256])
def test_the_sweep_from_the_issues_link_says_its_sentence_and_names_no_diverging_rate_fastest(count):
    from tests.pages import open_with_link

    link = {"surface": "custom", "formula": "50*x^y", "bound_x0": "0.1", "bound_x1": "5", "bound_y0": "0.1",
            "bound_y1": "5", "optimizers": "sgd", "steps": "500", "many_mode": "sweep", "sweep_low": "1e-05",
            "sweep_high": "0.0001", "sweep_count": str(count)}
    app = open_with_link("app.many", "many_page", link)
    assert not app.exception, [e.value for e in app.exception]
    assert any("**SGD**" in m.value for m in app.markdown)


def test_the_fastest_rate_is_one_that_ends_converged():
    from dataclasses import replace

    import numpy as np

    from core import get_surface
    from core.status import DIVERGED, STATUSES
    from core.sweep import lr_sweep

    sweep = lr_sweep(get_surface("bowl"), ["sgd"], (1.0, 1.0), 200, [0.05, 0.1, 0.2, 0.4])
    assert sweep.best_lr("sgd") == 0.4  # the biggest stride below the limit is fastest here
    # were the 0.4 ball to fly off after passing within the tolerance, it is not the fastest to converge
    statuses = sweep.statuses.copy()
    statuses[0, 3] = STATUSES.index(DIVERGED)
    assert replace(sweep, statuses=statuses).best_lr("sgd") == 0.2
    statuses[0, :] = STATUSES.index(DIVERGED)
    assert replace(sweep, statuses=statuses).best_lr("sgd") is None
    assert np.all(sweep.reached_at[0] >= 0)


EVIL = ["[x](https://evil.example) https://evil.example <img src=x onerror=alert(1)> javascript:alert(1)",
        "![i](https://evil.example/i.png) <script>alert(1)</script> <a href='https://evil.example'>a</a>",
        "`[x](https://evil.example)` ``` <b>bold</b> \\[x\\](javascript:alert(1)) www.evil.example"]


@pytest.mark.parametrize("evil", EVIL)
def test_no_part_of_a_links_notice_outside_a_code_span_comes_from_the_link(evil):
    import re

    from app.link import fields, read_link

    for key in [*fields(), evil]:
        for value in (evil, f"sgd,{evil}", f"1e309{evil}"):
            _, notices = read_link({key: value})
            for notice in notices:
                # what is outside code spans is rendered as Markdown: none of the link's text may be there
                outside = re.sub(r"`[^`]*`", "", notice)
                for piece in ("http", "www.", "<", ">", "[", "](", "javascript", "evil"):
                    assert piece not in outside, (key, notice)


@pytest.mark.parametrize("evil", EVIL)
def test_an_uploaded_files_cells_are_quoted_back_in_code_spans(evil):
    import re

    from core import LossMountainError
    from core.data_fit import read_csv

    text = f'1,2\n2,3\n"{evil.replace(chr(34), chr(39))}",1\n'
    with pytest.raises(LossMountainError) as caught:
        read_csv(text.encode())
    outside = re.sub(r"`[^`]*`", "", str(caught.value))
    assert not any(piece in outside for piece in ("http", "<", "[", "javascript", "evil")), str(caught.value)


def test_csv_cells_a_spreadsheet_would_run_are_neutralised_and_numbers_stay_numbers():
    from core.csv_safe import safe_row

    row = ['=HYPERLINK("https://evil.example")', "+1+1", "-cmd", "@SUM(A1)", "\tx", "-1.5", "-inf", "1e-3", 2.5, "adam"]
    assert safe_row(row) == ["'=HYPERLINK(\"https://evil.example\")", "'+1+1", "'-cmd", "'@SUM(A1)", "'\tx",
                             "-1.5", "-inf", "1e-3", 2.5, "adam"]


@pytest.mark.parametrize("text", ['x"""+y', "x\\+y", "x\n+y", "x'+y", 'x"+y', "x#+y"])
def test_a_formula_cannot_carry_quotes_backslashes_or_newlines_into_the_script(text):
    from core import LossMountainError
    from core.formula import parse_formula

    with pytest.raises(LossMountainError, match="cannot be used"):
        parse_formula(text)


def test_whatever_a_surfaces_title_holds_the_script_still_parses_and_keeps_it_in_its_docstring():
    import ast
    from dataclasses import replace

    from core import get_surface
    from core.codegen import training_script

    surface = replace(get_surface("bowl"), title='bowl """\nimport os  # \\" \'\'\'')
    script = training_script(surface, "sgd", 0.1, (1.0, 1.0), 3)
    tree = ast.parse(script)  # still Python, and nothing of the title outside the docstrings
    assert not [node for node in ast.walk(tree) if isinstance(node, ast.Import) and node.names[0].name == "os"]
    assert "import os #" in ast.get_docstring(tree)  # on one line, its spaces collapsed


def test_a_gif_that_overruns_the_cpu_deadline_is_refused_and_the_page_stays(monkeypatch):
    from app import work
    from tests.test_app import ROOT
    from streamlit.testing.v1 import AppTest

    app = AppTest.from_file(str(ROOT / "app" / "main.py"), default_timeout=120)
    app.session_state["explorer_tab"] = "🔗 Share and download"
    app.run()
    monkeypatch.setattr(work, "DEADLINE_S", 0.0)
    (make,) = [b for b in app.button if b.label == "Make an animated GIF"]
    make.click().run()
    assert not app.exception
    assert any("No GIF: this view stopped after 0 ms of CPU time" in e.value for e in app.error)
    assert app.markdown[0].value.startswith("### ")  # the rest of the page is still drawn


NASTY = "+".join(["sin(x^y^x)^cos(y^x^y)"] * 13)[:300].rstrip("+")  # twenty times Himmelblau's cost a ball-step
ON_IT = {"surface": "custom", "formula": NASTY, "bound_x0": "0.1", "bound_x1": "3", "bound_y0": "0.1",
         "bound_y1": "3", "steps": "2000"}
HEAVY_LINKS = [
    ("app.many", "many_page", {**ON_IT, "many_mode": "basins", "basin_resolution": "201", "optimizers": "sgd"}),
    ("app.many", "many_page", {**ON_IT, "many_mode": "swarm", "swarm_size": "1000", "optimizers": "sgd"}),
    ("app.many", "many_page", {**ON_IT, "many_mode": "sweep", "sweep_count": "256",
                               "optimizers": "sgd,momentum,adam,nadam,radam"}),
    ("app.many", "many_page", {**ON_IT, "many_mode": "race", "race_balls": "256",
                               "optimizers": "sgd,momentum,adam,nadam,radam,rprop,newton"}),
    ("app.explorer", "explorer_page", {**ON_IT, "optimizers": "sgd,momentum,adam,nadam,radam,rprop,newton,adamax"}),
    ("app.network", "network_page", {"net_steps": "2000", "net_resolution": "81", "net_seed": "77"}),
]


@pytest.fixture
def one_torch_thread():
    """The process's CPU time counts the work, not torch's second thread spinning while it waits for a
    core the other test worker holds: with two threads a race read 4.8 s alone, 8.9 s beside two busy
    loops, and 21 s in CI (stop 27), past the 20 s bound below, for the same work."""
    import torch

    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


@pytest.mark.parametrize("module, function, link", HEAVY_LINKS,
                         ids=[f"{f}-{link.get('many_mode', '')}" for _, f, link in HEAVY_LINKS])
def test_the_heaviest_links_finish_or_are_cut_within_the_deadline(module, function, link, one_torch_thread):
    import time

    from app.link import read_link
    from app.work import DEADLINE_S
    from tests.pages import open_page

    values, notices = read_link(link)
    assert not notices
    app = open_page(module, function)
    for key, value in values.items():
        app.session_state[key] = value
    began = time.process_time()
    app.run(timeout=300)
    assert not app.exception, [e.value for e in app.exception]
    # measured first, so cut to the budget (not stopped half way), with the probes on top
    assert time.process_time() - began < 2 * DEADLINE_S
    assert not any("this view stopped after" in e.value for e in app.error)
    if function == "explorer_page":  # its 121-rate ladder is over the budget or too big to keep: no preview
        assert view_payload(app).get("ladder") is None
        (why,) = [c.value for c in app.caption if c.value.startswith("No learning-rate preview for this scene")]
        # the ladder's timed cost is near the 6 s budget (5.8-6.2 s on a 2-core machine), its size
        # (8 optimizers x 2,000 steps x 121 rates, and the ghosts') always over 16 MB: either reason is true
        assert ("rates would take about" in why or "rates would hold about 76 MB on a server that keeps at most 16 MB"
                in why), why


def view_payload(app):
    from tests.pages import view_payload as payload

    return payload(app)
