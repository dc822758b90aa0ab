"""`python -m core`: list the surfaces, print a descent path as CSV or JSON, or its PyTorch script."""

from __future__ import annotations

import argparse
import csv
import json
import sys
from collections.abc import Sequence
from typing import TextIO

from .cli_many import MANY_COMMANDS, add_many_commands, run_many
from .csv_safe import safe_row
from .codegen import training_script
from .descent import MAX_STEPS, Run, descend
from .errors import LossMountainError
from .optimizers import HYPERPARAMETERS, OPTIMIZERS, TUNABLE, every_optimizer, get_optimizer
from .schedules import SCHEDULES
from .custom import DEFAULT_BOUNDS, formula_surface
from .surfaces import SURFACES, Surface, get_surface
from .verdict import Verdict, verdict

CSV_HEADER = ("step", "x", "y", "loss", "grad_x", "grad_y", "evaluations")


class _OneLineParser(argparse.ArgumentParser):
    """argparse, but a mistake is one line on stderr and exit status 2, without the usage dump."""

    def error(self, message: str) -> None:  # type: ignore[override]
        self.exit(2, f"{self.prog}: error: {message}\n")


def _scene_arguments() -> argparse.ArgumentParser:
    """The flags every run shares: the mountain, the start, the steps and the training loop."""
    shared = argparse.ArgumentParser(add_help=False)
    mountain = shared.add_mutually_exclusive_group(required=True)
    mountain.add_argument("--surface", metavar="NAME", choices=list(SURFACES),
                          help=f"one of: {', '.join(SURFACES)}")
    mountain.add_argument("--expr", metavar="FORMULA",
                          help='your own f(x, y), for example "x^2 + 3*sin(y)" (quote it)')
    shared.add_argument("--bounds", type=float, nargs=4, metavar=("X0", "X1", "Y0", "Y1"),
                        help="with --expr: the x and y ranges (default: -5 5 -5 5)")
    shared.add_argument("--start", type=float, nargs=2, metavar=("X", "Y"),
                        help="start point (default: the surface's suggested one)")
    shared.add_argument("--steps", type=int, default=100, metavar="N",
                        help=f"optimizer steps, 1 to {MAX_STEPS} (default: 100)")
    shared.add_argument("--no-zero-grad", action="store_true",
                        help="never call optimizer.zero_grad(): p.grad accumulates, as in the bug")
    shared.add_argument("--schedule", default="constant", metavar="NAME", choices=list(SCHEDULES),
                        help=f"learning-rate schedule, one of: {', '.join(SCHEDULES)} (default: constant)")
    shared.add_argument("--clip-norm", type=float, metavar="MAX",
                        help="clip p.grad to this norm before each step (clip_grad_norm_)")
    return shared


def _optimizer_arguments() -> argparse.ArgumentParser:
    """One optimizer, its learning rate and its hyperparameters."""
    shared = argparse.ArgumentParser(add_help=False)
    shared.add_argument("--optimizer", required=True, metavar="NAME",
                        help=f"one of: {', '.join(OPTIMIZERS)}, or any of pytorch-optimizer's that "
                             "`python -m core optimizers` lists (lion, adabelief, madgrad, …)")
    shared.add_argument("--lr", type=float, metavar="LR",
                        help="learning rate (default: the surface's suggested one)")
    tuning = shared.add_argument_group("optimizer hyperparameters (the optimizer's defaults unless given)")
    tuning.add_argument("--hp", action="append", default=[], metavar="NAME=VALUE",
                        help="a pytorch-optimizer optimizer's own setting, e.g. --hp weight_decay=0.01 "
                             "--hp betas=0.9,0.99 (repeatable; `python -m core optimizers` shows each one's)")
    for name, h in HYPERPARAMETERS.items():
        flag, users = f"--{name.replace('_', '-')}", _users(name)
        if h.kind == "switch":
            tuning.add_argument(flag, dest=name, action=argparse.BooleanOptionalAction, default=None, help=users)
        elif h.kind == "pair":
            tuning.add_argument(flag, dest=name, type=float, nargs=2, metavar=tuple(part[0] for part in h.parts),
                                help=f"{users}: " + ", ".join(f"{part} {low:g} to {high:g}" for part, low, high in h.parts))
        elif h.kind == "choice":
            tuning.add_argument(flag, dest=name, choices=[str(c).lower() for c in h.choices], help=users)
        else:
            tuning.add_argument(flag, dest=name, type=int if h.kind == "whole" else float, metavar="V",
                                help=f"{users}: {h.bounds[0]:g} to {h.bounds[1]:g}")
    return shared


def _users(hyperparameter: str) -> str:
    """The optimizers (by CLI name) that take this hyperparameter."""
    return ", ".join(name for name, spec in OPTIMIZERS.items() if hyperparameter in TUNABLE[spec.cls])


def _build_parser() -> argparse.ArgumentParser:
    parser = _OneLineParser(
        prog="python -m core",
        description="Loss Mountain: gradient descent on 2-D loss surfaces with real torch.optim.",
    )
    commands = parser.add_subparsers(dest="command", required=True, parser_class=_OneLineParser)
    commands.add_parser("surfaces", help="list the surfaces with their bounds, start and minima")
    commands.add_parser("optimizers", help="list every optimizer: its name here, family and source")
    scene, optimizer = _scene_arguments(), _optimizer_arguments()
    shared = [scene, optimizer]
    run = commands.add_parser(
        "descend", parents=shared,
        help="print the path of one optimizer as CSV or JSON",
        description="Print one optimizer's path: one row per position, row 0 is the start.",
    )
    run.add_argument("--format", choices=("csv", "json"), default="csv",
                     help="output format (default: csv)")
    commands.add_parser(
        "code", parents=shared,
        help="print the runnable PyTorch script for these settings",
        description="Print a PyTorch script that, run on its own, prints the same path as descend.",
    )
    add_many_commands(commands, scene, optimizer)
    return parser


def _options(args: argparse.Namespace) -> dict:
    """The descent's keyword options from the parsed flags."""
    overrides = {}
    for name, h in HYPERPARAMETERS.items():
        value = getattr(args, name, None)
        if value is None:
            continue
        if h.kind == "pair":
            value = tuple(value)
        elif h.kind == "choice":
            value = next(c for c in h.choices if str(c).lower() == value)
        overrides[name] = value
    for pair in getattr(args, "hp", []):
        name, _, value = pair.partition("=")
        overrides[name.strip()] = _typed(value.strip())
    return dict(hyperparameters=overrides, schedule=args.schedule, clip_norm=args.clip_norm)


def _typed(value: str):
    """--hp's value as what it looks like: true/false, a whole number, a number, or two numbers."""
    if value.lower() in ("true", "false"):
        return value.lower() == "true"
    try:
        parts = [float(part) if any(c in part for c in ".eE") or part.lower() in ("inf", "nan") else int(part)
                 for part in value.split(",")]
    except ValueError:
        raise LossMountainError(f"--hp wants NAME=VALUE with a number, two numbers or true/false, got {value!r}") \
            from None
    return parts[0] if len(parts) == 1 else tuple(parts)


def _cell(value: float | None) -> str:
    # repr round-trips a float64 exactly, so scripts get the very numbers we computed
    return "" if value is None else repr(float(value))


def _rows(run: Run) -> list[dict[str, float | int | None]]:
    rows = []
    for step, ((x, y), loss) in enumerate(zip(run.positions, run.losses)):
        grad = run.grads[step] if step < len(run.grads) else (None, None)
        stepped = step < len(run.grads)
        rows.append({
            "step": step, "x": float(x), "y": float(y), "loss": float(loss),
            "grad_x": None if grad[0] is None else float(grad[0]),
            "grad_y": None if grad[1] is None else float(grad[1]),
            # how many times the step leaving this row evaluated the loss (L-BFGS's closure calls)
            "evaluations": (1 if run.evaluations is None else int(run.evaluations[step])) if stepped else None,
        })
    return rows


def write_csv(run: Run, out: TextIO) -> None:
    """Write a Run as CSV with header step,x,y,loss,grad_x,grad_y."""
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(CSV_HEADER)
    for row in _rows(run):
        writer.writerow(safe_row([row["step"], *(_cell(row[key]) for key in CSV_HEADER[1:-1]),
                                  "" if row["evaluations"] is None else row["evaluations"]]))


def run_record(run: Run, result: Verdict | None = None) -> dict:
    """A Run as the CLI's JSON object: the settings, diverged_at, the outcome (status, cause and
    sentence, when `result` is given) and the rows."""
    record = {
        "surface": run.surface, "optimizer": run.optimizer, "lr": run.lr,
        "start": list(run.start), "steps": run.steps, "zero_grad": run.zero_grad,
        "diverged_at": run.diverged_at,
    }
    if result is not None:
        record["outcome"] = result.record()
    return record | {"rows": _rows(run)}


def write_json(run: Run, out: TextIO, result: Verdict | None = None) -> None:
    """Write a Run as one JSON object: the settings, diverged_at, its outcome and the rows."""
    json.dump(run_record(run, result), out, indent=1)
    out.write("\n")


def _print_surfaces(out: TextIO) -> None:
    for surface in SURFACES.values():
        (x0, x1), (y0, y1) = surface.bounds
        minima = ", ".join(f"({x:.6g}, {y:.6g})" for x, y in surface.minima)
        out.write(
            f"{surface.name:<11} {surface.formula}\n"
            f"{'':<11} x in [{x0:g}, {x1:g}], y in [{y0:g}, {y1:g}]; "
            f"start ({surface.start[0]:g}, {surface.start[1]:g}); lr {surface.lr:g}; "
            f"minimum {surface.min_value:.6g} at {minima}\n"
        )


def _print_optimizers(out: TextIO) -> None:
    for name, spec in every_optimizer().items():
        settings = ", ".join(f"{key}={value!r}" for key, value in spec.defaults().items())
        out.write(f"{name:<16} {spec.family:<18} {spec.class_path:<40} {settings}\n")


def _surface(args: argparse.Namespace) -> Surface:
    if args.expr is None:
        if args.bounds is not None:
            raise LossMountainError("--bounds goes with --expr; a named surface has its own bounds")
        return get_surface(args.surface)
    bounds = DEFAULT_BOUNDS if args.bounds is None else (args.bounds[:2], args.bounds[2:])
    return formula_surface(args.expr, bounds)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the CLI; returns the exit status (2 for a usage or input problem)."""
    parser = _build_parser()
    args = parser.parse_args(argv)
    if args.command == "surfaces":
        _print_surfaces(sys.stdout)
        return 0
    if args.command == "optimizers":
        _print_optimizers(sys.stdout)
        return 0
    try:
        surface = _surface(args)
        if args.command in MANY_COMMANDS:
            return run_many(args, surface, _options(args) if args.command != "sweep" else {}, sys.stdout)
    except LossMountainError as error:
        parser.exit(2, f"{parser.prog} {args.command}: error: {error}\n")
    settings = (surface, args.optimizer, surface.lr if args.lr is None else args.lr,
                surface.start if args.start is None else args.start, args.steps, not args.no_zero_grad)
    try:
        if args.command == "code":
            sys.stdout.write(training_script(*settings, **_options(args)))
            return 0
        run = descend(*settings, **_options(args))
    except LossMountainError as error:
        parser.exit(2, f"{parser.prog} {args.command}: error: {error}\n")
    result = verdict(run, surface)
    if args.format == "json":
        write_json(run, sys.stdout, result)
    else:
        write_csv(run, sys.stdout)
    if run.diverged_at is not None:
        # the advice comes from the verdict's counterfactual, not from a rule of thumb
        sys.stderr.write(f"{get_optimizer(run.optimizer).label} {result.sentence} "
                         f"(printed the {len(run.positions)} finite rows)\n")
    return 0
