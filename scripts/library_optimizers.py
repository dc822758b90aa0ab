"""Which of pytorch-optimizer's optimizers run here: probe every name in the package's own registry.

    python -m scripts.library_optimizers          # rewrite core/library_optimizers.json and the README's table

For each name `get_supported_optimizers()` lists, `load_optimizer(name)` gives the class; it is built on
one float64 parameter of 2 elements with only a learning rate, and stepped 12 times on Himmelblau's
function with the training loop (zero_grad, loss, backward, step). Where that fails it is tried with
`loss.backward(create_graph=True)` (a Hessian-vector method) and with `step(closure)`. An optimizer is
offered when a protocol leaves its parameter finite and moved. Besides, it is *elementwise* when one
instance over 5 balls (a (5, 2) tensor) moves each exactly as alone (40 steps at three rates; a path that leaves the finite numbers counts as not), and *random* when it draws from
torch's generator (two seeds, two paths). A class that is torch.optim's own is offered under
torch.optim's name already; the rest are listed with the reason.
"""

from __future__ import annotations

import colorsys
import inspect
import json
import re
import warnings
from pathlib import Path

import torch

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "core" / "library_optimizers.json"
README = ROOT / "README.md"
LR, STEPS = 1e-3, 12
ROWS = ((-1.5, 1.0), (0.3, -0.7), (2.0, 0.5), (-0.4, -1.2), (1.1, 1.8))
PROTOCOLS = ("backward", "create_graph", "closure")
# the families of the picker, by the package's module or the name (the package names no families)
FAMILY_BY_MODULE = {"sgd": "gradient descent", "dadapt": "learning-rate free", "schedulefree": "schedule-free",
                    "shampoo": "second-order", "apollo": "second-order", "sam": "sharpness-aware"}
FAMILY_BY_NAME = {
    "gradient descent": ("qhm", "aggmo", "pid", "sgdp", "accsgd", "srmm", "sgdw", "vsgd", "asgd", "sgdsai"),
    "sign-based": ("lion", "signsgd", "tiger", "dadaptlion", "emolynx", "ano"),
    "second-order": ("adahessian", "sophiah", "soap", "kron", "splus"),
    "learning-rate free": ("prodigy", "dowg", "dog", "mechanic", "cocob"),
    "layer-wise": ("lars", "lamb", "nero", "fromage", "novograd", "madgrad"),
}


def loss_of(p: torch.Tensor) -> torch.Tensor:
    """Himmelblau's four valleys (curved and steep enough that a rule coupling the balls shows)."""
    x, y = p[..., 0], p[..., 1]
    return (x**2 + y - 11) ** 2 + (x + y**2 - 7) ** 2


def lr_name(cls) -> str:
    """The keyword its learning rate goes by (AliG calls it max_lr)."""
    names = inspect.signature(cls.__init__).parameters
    return "lr" if "lr" in names or "max_lr" not in names else "max_lr"


def walk(cls, starts, protocol: str, seed: int = 0, lr: float = LR, steps: int = STEPS) -> torch.Tensor:
    torch.manual_seed(seed)
    p = torch.tensor(starts, dtype=torch.float64, requires_grad=True)
    optimizer = cls([p], **{lr_name(cls): lr})

    def closure():
        with torch.enable_grad():  # a step runs under no_grad; its closure must still differentiate
            optimizer.zero_grad()
            loss = loss_of(p).sum()
            loss.backward()
        return loss

    for _ in range(steps):
        if protocol == "closure":
            optimizer.step(closure)
            continue
        optimizer.zero_grad()
        loss_of(p).sum().backward(create_graph=protocol == "create_graph")
        optimizer.step()
    return p.detach().clone()


# what an error means here, in words (the message itself otherwise)
MEANINGS = (
    (r"Tensor.__contains__", "needs parameter groups marked use_muon (it is for matrices)"),
    (r"missing 1 required positional argument: '(\w+)'", "needs its own `{0}` (it has no default)"),
    (r"only supports 2D|over 2-dimensional", "matrices only (2-D parameters)"),
    (r"einops", "needs the einops package"),
    (r"expected dtype float .* double", "fails on float64 parameters"),
)


def _reason(error: Exception) -> str:
    text = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
    for pattern, meaning in MEANINGS:
        found = re.search(pattern, text)
        if found:
            return meaning.format(*found.groups())
    return re.sub(r"\s+", " ", f"{type(error).__name__}: {text}")[:160]


def probe(name: str, cls) -> dict:
    if cls.__module__.startswith("torch.optim"):
        return {"name": name, "class": cls.__name__, "reason": f"it is torch.optim.{cls.__name__}: offered as that"}
    params = list(inspect.signature(cls.__init__).parameters)
    if len(params) > 1 and params[1] == "model":
        return {"name": name, "class": cls.__name__, "reason": "takes a whole nn.Module, not a parameter"}
    errors = []
    for protocol in PROTOCOLS:
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                moved = walk(cls, ROWS[0], protocol)
        except Exception as error:  # noqa: BLE001 -- any failure is a reason to report, not to stop
            errors.append(_reason(error))
            continue
        if not bool(torch.isfinite(moved).all()):
            errors.append(f"left the finite numbers at lr {LR:g}")
            continue
        if bool((moved == torch.tensor(ROWS[0], dtype=torch.float64)).all()):
            errors.append("never moves a 2-element parameter (it trains low-rank or chosen weights)")
            continue
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            random = not torch.equal(moved, walk(cls, ROWS[0], protocol, seed=1))
            # three rates, 40 steps: a rule that couples the balls (a norm over the whole tensor, a switch
            # on a global test) has time to show
            elementwise = not random and all(
                torch.equal(walk(cls, ROWS, protocol, lr=lr, steps=40),
                            torch.stack([walk(cls, row, protocol, lr=lr, steps=40) for row in ROWS]))
                for lr in (1e-4, 1e-3, 1e-2))
        return {"name": name, "class": cls.__name__, "module": cls.__module__, "protocol": protocol,
                "lr_name": lr_name(cls), "random": random, "elementwise": elementwise}
    return {"name": name, "class": cls.__name__, "reason": "; ".join(dict.fromkeys(errors))}


def family(name: str, module: str) -> str:
    for group, names in FAMILY_BY_NAME.items():
        if name in names:
            return group
    return FAMILY_BY_MODULE.get(module.rsplit(".", 1)[-1], "adaptive")


def color(k: int) -> str:
    """The k-th colour of a golden-angle walk round the hue circle, dark enough for a white map."""
    r, g, b = colorsys.hls_to_rgb((k * 0.381966) % 1.0, 0.38 + 0.1 * (k % 3), 0.6 + 0.15 * (k % 2))
    return "#{:02x}{:02x}{:02x}".format(*(round(255 * v) for v in (r, g, b)))


def table(rest: list[dict]) -> str:
    rows = [f"| `{item['name']}` | {item['class']} | {item['reason'].replace('|', '/')} |" for item in rest]
    return "\n".join(["| name | class | why it is not offered |", "|---|---|---|", *rows])


def survey() -> dict:
    """{"version", "offered": [...], "rest": [...]}: every registry name probed, in the registry's order."""
    from importlib.metadata import version

    from pytorch_optimizer import get_supported_optimizers, load_optimizer

    offered, rest = [], []
    for name in get_supported_optimizers():
        found = probe(name, load_optimizer(name))
        (offered if "reason" not in found else rest).append(found)
    for k, item in enumerate(offered):
        item["family"] = family(item["name"], item["module"])
        item["color"] = color(k)
    return {"version": version("pytorch-optimizer"), "offered": offered, "rest": rest}


def main() -> None:
    found = survey()
    offered, rest, __version__ = found["offered"], found["rest"], found["version"]
    OUT.write_text(json.dumps(found, indent=1) + "\n")
    text = README.read_text()
    start, end = "<!-- library-rest:start -->", "<!-- library-rest:end -->"
    if start in text:
        head, _, tail = text.partition(start)
        text = head + start + "\n" + table(rest) + "\n" + end + tail.partition(end)[2]
        README.write_text(text)
    print(f"pytorch-optimizer {__version__}: {len(offered)} offered, {len(rest)} not")


if __name__ == "__main__":
    main()
