"""pytorch-optimizer's optimizers: the offered list is what the package's registry gives today, and each
offered optimizer's path through core equals its own plain loop with the same package, bit for bit."""

from pathlib import Path

import numpy as np
import pytest
import torch

from core import descend, descend_many, get_surface
from core.batch import descend_batch
from core.codegen import training_script
from core.library import listing
from core.optimizers import OPTIMIZERS, get_optimizer, library_optimizers
from scripts.library_optimizers import survey, table
from scripts_run import run_scripts

ROOT = Path(__file__).resolve().parent.parent
SPECS = library_optimizers()
SURFACE = get_surface("himmelblau")
START, LR, STEPS = (0.5, -0.5), 1e-3, 8


def test_the_listing_is_what_the_registry_gives_now_and_the_readme_shows_the_rest():
    from pytorch_optimizer import get_supported_optimizers

    fresh = survey()
    assert fresh == listing()  # regenerate with python -m scripts.library_optimizers
    offered, rest = fresh["offered"], fresh["rest"]
    assert len(offered) >= 100 and fresh["version"] == "4.1.0"
    assert sorted(item["name"] for item in offered + rest) == sorted(get_supported_optimizers())
    assert all(item["reason"] for item in rest)
    readme = (ROOT / "README.md").read_text()
    assert table(rest) in readme


def plain_loop(spec, lr, start, steps):
    """The loop as the package's README writes it, for each of the three ways a step reads the loss."""
    from pytorch_optimizer import load_optimizer

    if spec.random:
        torch.manual_seed(0)
    p = torch.tensor(start, dtype=torch.float64, requires_grad=True)
    optimizer = load_optimizer(spec.library)([p], **{spec.lr_name: lr})
    positions = [p.detach().clone()]

    def closure():
        with torch.enable_grad():
            optimizer.zero_grad()
            loss = SURFACE(p)
            loss.backward()
        return loss

    for _ in range(steps):
        if spec.closure:
            optimizer.step(closure)
        else:
            optimizer.zero_grad()
            SURFACE(p).backward(create_graph=spec.create_graph)
            optimizer.step()
            if spec.create_graph:
                p.grad = p.grad.detach()
        positions.append(p.detach().clone())
    return torch.stack(positions).numpy()


def test_every_offered_optimizer_in_one_shared_pass_equals_its_own_plain_loop():
    with np.errstate(all="ignore"):
        runs = descend_many(SURFACE, list(SPECS), LR, START, STEPS)
    for run in runs:
        expected = plain_loop(SPECS[run.optimizer], LR, START, STEPS)
        kept = len(run.positions)
        np.testing.assert_array_equal(run.positions, expected[:kept], err_msg=run.optimizer)
        assert kept == STEPS + 1 or not np.isfinite(expected[kept]).all(), run.optimizer


def test_every_offered_optimizers_generated_script_prints_its_path(tmp_path):
    printed_all = run_scripts(tmp_path, [training_script(SURFACE, name, LR, START, 5) for name in SPECS])
    for name, printed in zip(SPECS, printed_all):
        rows = np.array([[float(v) for v in line.split(",")[1:3]] for line in printed.splitlines()[1:]])
        run = descend(SURFACE, name, LR, START, 5)
        np.testing.assert_array_equal(rows, run.positions, err_msg=name)


def test_the_elementwise_ones_move_many_balls_in_one_instance_exactly_as_alone():
    starts = np.array([(0.5, -0.5), (-3.0, 2.5), (4.0, -4.0)])
    for name, spec in SPECS.items():
        if not spec.batches:  # AliG steps with a closure, AdaHessian keeps the graph: one instance per ball
            continue
        batch = descend_batch(SURFACE, name, LR, starts, 6)
        for k, start in enumerate(starts):
            alone = descend(SURFACE, name, LR, start, 6)
            np.testing.assert_array_equal(batch.positions[:len(alone.positions), k], alone.positions, err_msg=name)


def test_names_settings_and_refusals():
    assert "po-adadelta" in SPECS and SPECS["po-adadelta"].library == "adadelta"  # torch's keeps "adadelta"
    assert get_optimizer("adadelta") is OPTIMIZERS["adadelta"]
    lion = get_optimizer("lion")
    assert lion.family == "sign-based" and lion.defaults()["betas"] == (0.9, 0.99)
    assert lion.settings({"betas": (0.8, 0.9)})["betas"] == (0.8, 0.9)
    run = descend(SURFACE, "lion", 0.1, START, 3, hyperparameters={"betas": (0.8, 0.9)})
    assert run.hyperparameters["betas"] == (0.8, 0.9)
    from core import LossMountainError

    with pytest.raises(LossMountainError, match="Lion has no hyperparameter 'momentum'"):
        lion.settings({"momentum": 0.9})
    with pytest.raises(LossMountainError, match="betas must be two numbers"):
        lion.settings({"betas": 0.9})
    assert {SPECS[n].family for n in ("adahessian", "sophiah")} == {"second-order"}
    assert SPECS["adahessian"].create_graph and SPECS["alig"].closure and SPECS["adahessian"].random


def test_a_namesake_of_a_torch_optimizer_sweeps_by_its_own_rule_not_torchs():
    from core.ballwise import has_ballwise_rule
    from core.sweep import lr_sweep

    spec = get_optimizer("po-radam")  # pytorch-optimizer's RAdam: another class, another rule
    assert not has_ballwise_rule(spec) and has_ballwise_rule(get_optimizer("radam"))
    sweep = lr_sweep(SURFACE, ["po-radam"], START, 6, np.array([1e-3, 1e-1]), paths=True)
    for lr in (1e-3, 1e-1):
        np.testing.assert_array_equal(sweep.run("po-radam", lr).positions, descend(SURFACE, "po-radam", lr, START, 6).positions)
