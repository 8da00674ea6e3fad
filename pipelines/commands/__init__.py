"""`stagetruth` commands beyond the core load path, one module per topic.

Each module here imports `app` (and the shared console and error handling) from pipelines.cli
and registers its commands with `@app.command()`. pipelines.cli calls `register_all()`, which
imports every module in this package, so adding a command needs no edit anywhere else.
"""

from __future__ import annotations

import importlib
import pkgutil


def register_all() -> None:
    for module in sorted(m.name for m in pkgutil.iter_modules(__path__)):
        importlib.import_module(f"{__name__}.{module}")
