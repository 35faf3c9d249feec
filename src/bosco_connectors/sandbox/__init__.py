"""The local fake API for demos, tests, fault injection and benchmarks."""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any, Iterable

from .server import Fault, FakeApi, FakeRequest, FakeResponse, FaultPlan, VendorApp
from .world import World

if TYPE_CHECKING:
    from ..framework.connector import Connector


def app_for(connector: "Connector", **world: Any) -> VendorApp:
    """Instantiate the fake vendor app a connector names, with world options (seed, size...)."""
    if not connector.sandbox:
        raise LookupError(f"source {connector.name} has no fake API")
    module, _, attr = connector.sandbox.partition(":")
    if attr == f"app_for_{connector.name}" and module.endswith(".generated"):
        from .generated import GeneratedApp

        return GeneratedApp(connector=connector, **world)  # this object's declarations, not a namesake's
    return getattr(import_module(module), attr)(**world)


def serve(connectors: Iterable["Connector"], *, faults: FaultPlan | None = None, latency: float = 0.0,
          port: int = 0, record: bool = True, **world: Any) -> FakeApi:
    """Start one fake API serving every given connector's vendor app (`port` 0: any free port)."""
    apps = [app_for(c, **world) for c in connectors if c.sandbox]
    return FakeApi(apps, faults=faults, latency=latency, port=port, record=record).start()


def sandbox_config(api: FakeApi, connector: "Connector") -> dict[str, Any]:
    """Config that points `connector` at its app on a running fake API."""
    for prefix, app in api.apps.items():
        generated = getattr(app, "source", None) == connector.name  # a fake generated from the declarations
        if generated or type(app).__module__ + ":" + type(app).__name__ == connector.sandbox:
            return app.source_config(api.url(prefix))  # type: ignore[attr-defined]
    raise LookupError(f"fake API does not serve {connector.name}")


__all__ = ["Fault", "FakeApi", "FakeRequest", "FakeResponse", "FaultPlan", "VendorApp", "World", "app_for", "serve", "sandbox_config"]
