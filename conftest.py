"""Settings for every test under the repository (tests/ and builtin_plugins/*/tests/)."""

from __future__ import annotations

import pytest


@pytest.fixture(autouse=True, scope="session")
def _private_plugin_cache(tmp_path_factory):
    """Keep the plugin metadata cache of test runs out of the user's ~/.cache."""
    import os

    previous = os.environ.get("LIGHTPLUG_CACHE_DIR")
    os.environ["LIGHTPLUG_CACHE_DIR"] = str(tmp_path_factory.mktemp("plugin-cache"))
    yield
    if previous is None:
        os.environ.pop("LIGHTPLUG_CACHE_DIR", None)
    else:
        os.environ["LIGHTPLUG_CACHE_DIR"] = previous
