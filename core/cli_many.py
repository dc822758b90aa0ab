"""`python -m core sweep | basins | swarm | race`: many balls at once, printed as CSV or JSON."""

from __future__ import annotations

import argparse
import csv
import json
import sys
from typing import TextIO

import numpy as np

from .basin_figures import ending
from .csv_safe import safe_row
from .basins import Ends, basins
from .grid import DEFAULT_RESOLUTION
from .race import DEFAULT_BALLS, DEFAULT_TUNING_BALLS, TUNING_RATES, Race, fair_race
from .surfaces import Surface
from .status import STATUSES
from .sweep import DEFAULT_RATES, DEFAULT_TOLERANCE, lr_grid, lr_sweep
from .swarm import DEFAULT_SWARM, swarm

MANY_COMMANDS = ("sweep", "basins", "swarm", "race")


def add_many_commands(commands, scene: argparse.ArgumentParser, optimizer: argparse.ArgumentParser) -> None:
    """Add the sweep, basins and swarm subcommands to the CLI's subparsers."""
    output = argparse.ArgumentParser(add_help=False)
    output.add_argument("--format", choices=("csv", "json"), default="csv", help="output format (default: csv)")
    output.add_argument("--device", default="cpu", metavar="DEVICE",
                        help="where the tensors live: cpu (default), cuda, cuda:1, mps")
    # the flags a sweep and a race share: which optimizers, and what "reached" means
    many = argparse.ArgumentParser(add_help=False)
    many.add_argument("--optimizers", nargs="+", default=["sgd", "momentum", "adam"], metavar="NAME",
                      help="any of `python -m core optimizers` (default: sgd momentum adam)")
    many.add_argument("--tolerance", type=float, default=DEFAULT_TOLERANCE, metavar="F",
                      help="reached = the loss within this fraction of the way from the start's loss to the "
                           f"minimum (a sweep: at some step; a race: at the end) (default: {DEFAULT_TOLERANCE:g})")
    sweep = commands.add_parser(
        "sweep", parents=[scene, output, many], help="every optimizer at many learning rates: final loss and status",
        description="Run each optimizer from one start at many learning rates (a log grid); print one row "
                    "per optimizer and rate: final loss, steps to the tolerance, the step it converged from, the "
                    "diverged step and its status (the classifier every run uses).")
    sweep.add_argument("--lr-range", type=float, nargs=2, default=(1e-4, 10.0), metavar=("LOW", "HIGH"),
                       help="the learning rates' range (default: 1e-4 10)")
    sweep.add_argument("--rates", type=int, default=DEFAULT_RATES, metavar="N",
                       help=f"how many learning rates (default: {DEFAULT_RATES})")
    grid = commands.add_parser(
        "basins", parents=[scene, optimizer, output], help="which valley a ball from each start of a grid ends in",
        description="Start a ball at every point of a grid over the surface and print where each one ends.")
    grid.add_argument("--resolution", type=int, default=DEFAULT_RESOLUTION, metavar="N",
                      help=f"starts a side (default: {DEFAULT_RESOLUTION})")
    crowd = commands.add_parser(
        "swarm", parents=[scene, optimizer, output], help="many balls from random starts: where each one ends",
        description="Roll balls from random starts at once; print each ball's start, end and ending.")
    crowd.add_argument("--balls", type=int, default=DEFAULT_SWARM, metavar="N",
                       help=f"how many balls (default: {DEFAULT_SWARM})")
    crowd.add_argument("--seed", type=int, default=0, metavar="S", help="which random starts (default: 0)")
    race = commands.add_parser(
        "race", parents=[scene, output, many], help="a fair race: each optimizer tuned on the same budget, then raced",
        description="Tune each optimizer's learning rate on the same grid of rates and seeded tuning starts, race "
                    "them all from the same seeded starts, and print the ranking: the share of balls that end at "
                    "a global minimum, the median steps and loss evaluations to get there, the median final loss.")
    race.add_argument("--balls", type=int, default=DEFAULT_BALLS, metavar="N",
                      help=f"race balls per optimizer (default: {DEFAULT_BALLS})")
    race.add_argument("--tuning-balls", type=int, default=DEFAULT_TUNING_BALLS, metavar="N",
                      help=f"tuning balls per rate (default: {DEFAULT_TUNING_BALLS})")
    race.add_argument("--seed", type=int, default=0, metavar="S",
                      help="the race's starts (default: 0); the tuning starts use S + 1")
    race.add_argument("--rates", type=float, nargs="+", default=list(TUNING_RATES), metavar="LR",
                      help="the tuning budget: the rates every optimizer tries (default: 16, 1e-4 to 10)")


def _csv(out: TextIO, header: tuple[str, ...], rows) -> None:
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(safe_row(row) for row in rows)


def _number(value: float) -> float | None:
    return float(value) if np.isfinite(value) else None


def _classes(ends: Ends) -> list[dict]:
    return [{"label": label, "ending": ending(ends, label), "share": float(np.mean(ends.labels == label))}
            for label in sorted(set(ends.labels.tolist()))]


def run_many(args: argparse.Namespace, surface: Surface, options: dict, out: TextIO) -> int:
    """Run the sweep, basins or swarm command for parsed `args`; prints to `out`, returns 0."""
    start = surface.start if args.start is None else args.start
    zero_grad = not args.no_zero_grad
    if args.command == "race":
        return _print_race(args, surface, out)
    if args.command == "sweep":
        low, high = args.lr_range
        result = lr_sweep(surface, args.optimizers, start, args.steps, lr_grid(low, high, args.rates), zero_grad,
                          schedule=args.schedule, clip_norm=args.clip_norm, tolerance=args.tolerance,
                          device=args.device)
        rows = [(name, repr(float(lr)), _number(result.losses[-1, k, i]), int(result.reached_at[k, i]),
                 int(result.converged_at[k, i]), int(result.diverged_at[k, i]), STATUSES[result.statuses[k, i]])
                for k, name in enumerate(result.optimizers) for i, lr in enumerate(result.lrs)]
        header = ("optimizer", "lr", "final_loss", "reached_at", "converged_at", "diverged_at", "status")
        summary = {"surface": surface.name, "start": list(result.start), "steps": result.steps,
                   "tolerance": result.tolerance,
                   "best_lr": {name: result.best_lr(name) for name in result.optimizers}}
    else:
        lr = surface.lr if args.lr is None else args.lr
        if args.command == "basins":
            result = basins(surface, args.optimizer, lr, args.steps, args.resolution, zero_grad, device=args.device,
                            **options)
            gx, gy = np.meshgrid(result.xs, result.ys)
            labels = result.ends.labels
            rows = [(repr(float(x)), repr(float(y)), int(label), ending(result.ends, int(label)))
                    for x, y, label in zip(gx.ravel(), gy.ravel(), labels)]
            header = ("start_x", "start_y", "label", "ending")
            summary = {"surface": surface.name, "optimizer": result.optimizer, "lr": result.lr,
                       "steps": result.steps, "far_valley_share": result.far_valley_share,
                       "classes": _classes(result.ends)}
        else:
            result = swarm(surface, args.optimizer, lr, args.steps, args.balls, args.seed, zero_grad,
                           device=args.device, **options)
            final = np.where(result.diverged_at >= 0, np.nan, 0)[:, None] + result.positions[-1]
            rows = [(k, *(repr(float(v)) for v in result.positions[0, k]), *(_number(v) for v in final[k]),
                     _number(result.losses[-1, k]), int(result.diverged_at[k]),
                     ending(result.ends, int(result.ends.labels[k]))) for k in range(len(final))]
            header = ("ball", "start_x", "start_y", "end_x", "end_y", "final_loss", "diverged_at", "ending")
            summary = {"surface": surface.name, "optimizer": result.optimizer, "lr": result.lr,
                       "steps": result.steps, "seed": result.seed, "classes": _classes(result.ends)}
    if args.format == "json":
        json.dump({**summary, "rows": [dict(zip(header, row)) for row in rows]}, out, indent=1)
        out.write("\n")
    else:
        _csv(out, header, rows)
    return 0


def race_settings(race: Race) -> dict:
    """What makes a race reproducible: the surface, steps, seeds, budget, criterion and tolerance."""
    return {"surface": race.surface, "steps": race.steps, "balls": race.balls, "seed": race.seed,
            "tuning_balls": race.tuning_balls, "tuning_seed": race.tuning_seed, "rates": list(race.rates),
            "tolerance": race.tolerance, "criterion": race.criterion}


def _print_race(args: argparse.Namespace, surface: Surface, out: TextIO) -> int:
    if "lbfgs" in args.optimizers:
        sys.stderr.write("L-BFGS runs one optimizer instance per ball, up to a second each: this race takes "
                         "minutes\n")
    if args.no_zero_grad or args.schedule != "constant" or args.clip_norm is not None or args.start is not None:
        sys.stderr.write("a race runs the plain loop (zero_grad, constant rate, no clipping) from seeded starts: "
                         "--no-zero-grad, --schedule, --clip-norm and --start are not used\n")
    race = fair_race(surface, args.optimizers, args.steps, args.balls, args.seed, rates=args.rates,
                     tuning_balls=args.tuning_balls, tolerance=args.tolerance)
    rows = race.rows()
    if args.format == "json":
        json.dump({**race_settings(race), "rows": rows}, out, indent=1)
        out.write("\n")
        return 0
    header = tuple(rows[0])
    _csv(out, header, [[_cell(row[key]) for key in header] for row in rows])
    return 0


def _cell(value) -> str:
    if value is None:
        return ""
    return repr(float(value)) if isinstance(value, float) else str(value)
