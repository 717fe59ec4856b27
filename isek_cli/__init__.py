"""isek: a city's integrated urban development concept (ISEK) as plain-text plan files.

The Python API (see docs/python-api.md)::

    import isek_cli
    plan = isek_cli.open_plan("plan")
    plan.status(2024)

Names are imported on first use, so ``isek --version`` stays instant.
"""

from .version import __version__

__all__ = ["IsekError", "Plan", "PlanInvalid", "Portfolio", "PortfolioInvalid", "UnknownId", "__version__",
           "open_plan", "open_portfolio"]

_LAZY = {"open_plan": "api", "Plan": "api", "IsekError": "errors", "PlanInvalid": "errors", "UnknownId": "errors",
         "open_portfolio": "api", "Portfolio": "portfolio.core", "PortfolioInvalid": "portfolio.core"}


def __getattr__(name: str):
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'isek_cli' has no attribute '{name}'")
    from importlib import import_module

    value = getattr(import_module(f".{module}", __name__), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
