"""pytorch-optimizer's optimizers as OptimizerSpecs, from the package's own registry.

scripts/library_optimizers.py probes every name `get_supported_optimizers()` lists and writes
core/library_optimizers.json: how each steps (backward, backward with create_graph=True, or a
closure), whether one instance moves many balls as alone (elementwise), whether it draws random
numbers, its family and colour. Here each is built with `load_optimizer(name)`, under the registry's
name (a name torch.optim's own optimizers already use gets "po-" in front). Importing the package
takes over a second, so nothing is loaded until a library optimizer is asked for.
"""

from __future__ import annotations

import functools
import inspect
import json
import math
from pathlib import Path
from typing import Any

from .optimizers import OptimizerSpec

LISTING = Path(__file__).with_name("library_optimizers.json")
PREFIX = "po-"


@functools.cache
def listing() -> dict:
    """The probe's record: {"version", "offered": [...], "rest": [...]}."""
    return json.loads(LISTING.read_text())


def names_here(taken: set[str]) -> dict[str, str]:
    """Our name for each offered registry name (prefixed where `taken` already has it)."""
    return {item["name"]: (PREFIX + item["name"] if item["name"] in taken else item["name"])
            for item in listing()["offered"]}


@functools.cache
def library_specs(taken: frozenset[str]) -> dict[str, OptimizerSpec]:
    """Every offered optimizer as an OptimizerSpec, by our name for it."""
    from pytorch_optimizer import load_optimizer

    ours = names_here(set(taken))
    specs = {}
    for item in listing()["offered"]:
        cls = load_optimizer(item["name"])
        name = ours[item["name"]]
        label = cls.__name__ + (" (pytorch-optimizer)" if name.startswith(PREFIX) else "")
        specs[name] = OptimizerSpec(
            name, label, cls, item["color"], _blurb(cls), family=item["family"],
            closure=item["protocol"] == "closure", create_graph=item["protocol"] == "create_graph",
            elementwise=item["elementwise"], random=item["random"], library=item["name"], lr_name=item["lr_name"])
    return specs


def _blurb(cls) -> str:
    doc = inspect.getdoc(cls) or ""
    first = doc.strip().split("\n\n")[0].replace("\n", " ")
    return f"pytorch-optimizer's {cls.__name__}" + (f": {first}" if first else ".")


def signature_defaults(cls, lr_name: str) -> dict[str, Any]:
    """The constructor's defaults a learner may change: numbers, switches and pairs of numbers."""
    found = {}
    for name, parameter in inspect.signature(cls.__init__).parameters.items():
        value = parameter.default
        if name in ("self", "params", lr_name, "foreach", "maximize", "differentiable", "capturable", "fused") \
                or value is inspect.Parameter.empty:
            continue
        # exact types: an enum is an int too, but not a number a learner types
        if type(value) is bool:
            found[name] = value
        elif type(value) in (int, float) and math.isfinite(value):
            found[name] = value
        elif (type(value) is tuple and len(value) == 2 and all(type(v) in (int, float) for v in value)):
            found[name] = tuple(value)
    return found
