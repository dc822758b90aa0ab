"""Loss Mountain's core: surfaces, real torch.optim descent and Plotly figures (no Streamlit)."""

from .descent import MAX_STEPS, Run, descend, descend_many
from .errors import LossMountainError
from .optimizers import OPTIMIZERS, OptimizerSpec, get_optimizer
from .surfaces import SURFACES, Surface, get_surface

__all__ = [
    "MAX_STEPS", "OPTIMIZERS", "SURFACES", "LossMountainError", "OptimizerSpec", "Run",
    "Surface", "descend", "descend_many", "get_optimizer", "get_surface",
]
