"""Real pip-installed plugin packages in a fresh environment (conftest ``installed_env``), driven through
the console script (conftest ``lp``)."""

from __future__ import annotations

import json
import sys
from pathlib import Path


def test_installed_greeting_operator_runs(installed_env, lp, tmp_path):
    assert lp("init", tmp_path, cwd=tmp_path).returncode == 0
    ops = lp("ops", "list", "--json", cwd=tmp_path)
    assert ops.returncode == 0
    assert {"GreetingOperator", "greet"} <= {o["name"] for o in json.loads(ops.stdout)}
    result = lp("run", "GreetingOperator", "--name", "Ada", "--no-input", cwd=tmp_path)
    assert result.returncode == 0 and result.stdout.strip() == "Hello Ada!"
    data = json.loads(lp("run", "GreetingOperator", "--name", "Ada", "--no-input", "--json", cwd=tmp_path).stdout)
    assert data["success"] is True and data["message"] == "Hello Ada!"
    # standard input is not a terminal: defaults, no prompt
    default = lp("run", "GreetingOperator", cwd=tmp_path)
    assert default.stdout.strip() == "Hello beautiful and smart person!"


def test_broken_plugin_is_reported_and_contained(installed_env, lp, tmp_path):
    lp("init", tmp_path, cwd=tmp_path)
    listed = lp("plugins", "list", "--json", cwd=tmp_path)
    assert listed.returncode == 0
    assert "plugin 'broken' failed at import" in listed.stderr
    plugins = {p["name"]: p for p in json.loads(listed.stdout)}
    assert plugins["broken"]["status"] == "failed" and "broken on purpose" in plugins["broken"]["error"]
    assert plugins["hello"]["status"] == "loaded" and plugins["hello"]["version"] == "0.1.0"
    assert plugins["greeting"]["distribution"] == "lightplug-example-greeting"


def test_plugin_limit_env(installed_env, lp, tmp_path):
    lp("init", tmp_path, cwd=tmp_path)
    none = lp("plugins", "list", "--json", cwd=tmp_path, extra_env={"LIGHTPLUG_PLUGINS": ""})
    assert json.loads(none.stdout) == [] and "broken" not in none.stderr
    only = lp("ops", "list", "--json", cwd=tmp_path, extra_env={"LIGHTPLUG_PLUGINS": "hello"})
    assert [o["id"] for o in json.loads(only.stdout)] == ["hello.greet"]
    missing = lp("run", "GreetingOperator", cwd=tmp_path, extra_env={"LIGHTPLUG_PLUGINS": "hello"})
    assert missing.returncode == 2


def test_prompts_on_a_real_terminal(installed_env, lp, tmp_path):
    """On a terminal, --interactive asks for every parameter not given (numbers re-asked until valid);
    without it only required parameters that have no value are asked."""
    sys.path.insert(0, str(Path(__file__).parent))
    import pexpect_like as pt

    lp("init", tmp_path, cwd=tmp_path)
    script = tmp_path / "script.py"
    script.write_text(
        "from dataclasses import dataclass\n"
        "from lightplug import BaseOperator, OperatorResult, IntParameter, BoolParameter, ChoiceParameter, "
        "StringParameter, operator_registry, start_cli\n"
        "@dataclass\nclass Ask(BaseOperator):\n    name: str = 'ask'\n"
        "    @property\n    def parameters(self):\n"
        "        return [StringParameter('who', default='you'), IntParameter('count', default=2, min=1, max=5),\n"
        "                BoolParameter('loud', default=False), ChoiceParameter('mode', default='a', choices=['a', 'b'])]\n"
        "    def execute(self, *, session, context, parameters):\n"
        "        return OperatorResult(True, repr(sorted(parameters.items())))\n"
        "operator_registry.register(Ask())\nstart_cli()\n")
    with pt.Terminal([str(installed_env / "python"), str(script), "-C", str(tmp_path), "run", "ask"]) as term:
        quiet = term.read_all()  # every parameter has a default: nothing is asked without --interactive
    assert "[('count', 2), ('loud', False), ('mode', 'a'), ('who', 'you')]" in quiet and "who" not in quiet.split("[")[0]
    with pt.Terminal([str(installed_env / "python"), str(script), "-C", str(tmp_path), "run", "ask",
                      "--interactive"]) as term:
        term.expect("who")
        term.send("Ada\n")
        term.expect("count")
        term.send("lots\n")
        term.expect("count")  # asked again
        term.send("9\n")
        term.expect("between")
        term.send("3\n")
        term.expect("loud")
        term.send("y\n")
        term.expect("mode")
        term.send("c\n")
        term.expect("not one of a, b")  # asked again
        term.send("b\n")
        output = term.read_all()
    assert "[('count', 3), ('loud', True), ('mode', 'b'), ('who', 'Ada')]" in output
