"""``lightplug.pytest_plugin`` (entry point ``pytest11``): the fixtures plugin authors use, run in a
pytest of their own (pytester, in a subprocess)."""

from __future__ import annotations

pytest_plugins = ["pytester"]

AUTHOR_TESTS = '''
import pytest
from lightplug import BaseOperator, OperatorResult, hookimpl


class Shout(BaseOperator):
    name = "shout"
    description = "Count images, loudly."

    def execute(self, *, session, context, parameters):
        count = session.db.execute("select count(*) from instances").fetchone()[0]
        return OperatorResult(success=True, message=f"{count} IMAGES")


class Module:
    @staticmethod
    @hookimpl
    def register_operators(register):
        register(Shout())


@pytest.mark.lightplug_plugins("hello")
def test_fixtures(lightplug_images, lightplug_project, lightplug_run, lightplug_cli, lightplug_plugin):
    assert len(list(lightplug_images.rglob("*.*"))) >= 6
    assert lightplug_run("hello.greet", "--name", "Ada")["message"] == "Hello Ada!"
    lightplug_plugin("loud", Module)
    images = len(lightplug_cli.json("-C", lightplug_project, "images", "list"))
    assert lightplug_run("loud.shout")["message"] == f"{images} IMAGES"
    ops = {o["id"] for o in lightplug_cli.json("-C", lightplug_project, "ops", "list")}
    assert {"hello.greet", "loud.shout"} <= ops and not any(i.startswith("dedup.") for i in ops)


def test_the_cache_is_private():
    import os
    assert "lightplug-cache" in os.environ["LIGHTPLUG_CACHE_DIR"]
'''


def test_plugin_authors_get_fixtures(pytester):
    pytester.makepyfile(test_author=AUTHOR_TESTS)
    result = pytester.runpytest_subprocess("-q", "-p", "no:cacheprovider")
    result.assert_outcomes(passed=2)
