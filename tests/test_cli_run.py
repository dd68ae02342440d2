"""ops list/show and run: options, --param, defaults, required parameters, exit codes."""

from __future__ import annotations

import json


def test_ops_list_and_show(cli, project):
    ops = cli.json("-C", project, "ops", "list")
    greet = next(o for o in ops if o["id"] == "hello.greet")
    assert greet["dialect"] == "operator" and greet["scopes"] == ["root"]
    shown = cli.json("-C", project, "ops", "show", "greet")
    param = shown["parameters"][0]
    assert param == {"name": "name", "option": "--name", "type": "str", "default": "beautiful and smart person",
                     "required": True, "description": "your name", "choices": None, "min": None, "max": None}
    human = cli("-C", project, "ops", "show", "hello.greet")
    assert "--name" in human.stdout and "your name" in human.stdout


def test_run_greet_with_option_param_and_default(cli, project):
    result = cli("-C", project, "run", "greet", "--name", "Ada", "--no-input")
    assert result.exit_code == 0 and result.stdout.strip() == "Hello Ada!"
    data = cli.json("-C", project, "run", "hello.greet", "--param", "name=Bob")
    assert data["success"] is True and data["message"] == "Hello Bob!" and data["run_id"] >= 1
    default = cli.json("-C", project, "run", "greet", "--no-input")
    assert default["message"] == "Hello beautiful and smart person!"


def test_unknown_operator_names_the_closest(cli, project):
    result = cli("-C", project, "run", "gret")
    assert result.exit_code == 2 and "greet" in result.output


def test_bad_param_usage_is_exit_2(cli, project):
    assert cli("-C", project, "run", "greet", "--param", "nope=1").exit_code == 2
    assert cli("-C", project, "run", "greet", "--param", "name").exit_code == 2
    assert cli("-C", project, "run", "greet", "--unknown", "x").exit_code == 2


def test_run_outside_project_is_exit_2(cli, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = cli("run", "greet", "--no-input")
    assert result.exit_code == 2 and "lightplug init" in result.output


def test_root_scope_receives_selection(cli, project):
    # LightlyStudio hands a ROOT operator the current view as its filter (was: refused, exit 2)
    result = cli.json("-C", project, "run", "greet", "--ids", "1", "--no-input", "--json")
    assert result["scope"] == "root" and result["selection"]


def test_runs_are_recorded(cli, project):
    cli("-C", project, "run", "greet", "--name", "Ada", "--no-input")
    runs = cli.json("-C", project, "runs", "list")
    assert runs[0]["operator"] == "hello.greet" and runs[0]["status"] == "success"
    assert runs[0]["parameters"] == {"name": "Ada"}
    shown = cli.json("-C", project, "runs", "show", str(runs[0]["id"]))
    assert shown["result"]["message"] == "Hello Ada!" and shown["duration"] >= 0
    assert cli("-C", project, "runs", "show", "999").exit_code == 2


def test_script_registered_operator_with_typed_params(cli, project):
    from dataclasses import dataclass

    from lightplug import (BaseOperator, BoolParameter, ChoiceParameter, FloatParameter, IntParameter,
                           OperatorResult, OperatorScope, operator_registry)

    @dataclass
    class Typed(BaseOperator):
        name: str = "typed"

        @property
        def parameters(self):
            return [IntParameter("count", default=2, min=1, max=5), FloatParameter("ratio", default=0.5),
                    BoolParameter("loud", default=False), ChoiceParameter("mode", default="a", choices=["a", "b"]),
                    IntParameter("needed", required=True)]

        @property
        def supported_scopes(self):
            return [OperatorScope.ROOT, OperatorScope.IMAGE]

        def execute(self, *, session, context, parameters):
            ids = context.context_filter.sample_ids if context.context_filter else None
            return OperatorResult(success=parameters["count"] != 3, message=json.dumps({**parameters, "ids": ids}))

    from lightplug.cli import app
    from lightplug.host import get_host, reset_host
    from typer.testing import CliRunner

    def run(*args):
        reset_host()
        operator_registry.register(Typed())
        get_host()
        return CliRunner().invoke(app, ["-C", str(project), "run", "typed", *args])

    ok = run("--count", "4", "--ratio", "0.25", "--loud", "--mode", "b", "--needed", "7", "--ids", "1-2")
    assert ok.exit_code == 0, ok.output
    assert json.loads(ok.stdout) == {"count": 4, "ratio": 0.25, "loud": True, "mode": "b", "needed": 7, "ids": [1, 2]}
    assert run("--needed", "1", "--param", "loud=yes", "--param", "mode=a").exit_code == 0
    assert run("--no-input").exit_code == 2  # missing required
    assert run("--needed", "1", "--count", "9").exit_code == 2  # above max
    assert run("--needed", "1", "--param", "count=0").exit_code == 2  # below min
    assert run("--needed", "x").exit_code == 2
    assert run("--needed", "1", "--mode", "c").exit_code == 2
    assert run("--needed", "1", "--param", "loud=maybe").exit_code == 2
    failed = run("--needed", "1", "--count", "3")
    assert failed.exit_code == 1  # the operator reported failure
    reset_host()


def test_testing_helper_limits_plugins(tmp_path):
    from lightplug.testing import PluginCli

    cli = PluginCli(plugins="hello")
    root = cli.init(tmp_path / "p")
    assert [o["id"] for o in cli.json("-C", root, "ops", "list")] == ["hello.greet"]
    assert cli.run(root, "greet", "--name", "Ada")["message"] == "Hello Ada!"
    assert "LIGHTPLUG_PLUGINS" not in __import__("os").environ
