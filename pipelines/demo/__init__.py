"""Demo data: a seeded, simulated hiring history written as a Greenhouse Harvest export."""

from .greenhouse_export import generate

__all__ = ["generate"]
