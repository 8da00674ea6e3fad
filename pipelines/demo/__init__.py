"""Demo data: a seeded, simulated hiring history written as a Greenhouse Harvest export, and (generate_stack)
as every system around the ATS holds it, with ground truth beside the data."""

from .greenhouse_export import generate
from .stack import generate_stack

__all__ = ["generate", "generate_stack"]
