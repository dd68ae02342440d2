"""``lightplug run OP``: one sub-command per operator, built when it is asked for."""

from __future__ import annotations

import inspect
from pathlib import Path
from typing import Any, Optional

import typer
from typer.core import TyperGroup

from ..specs import ActionSpec, selection_decls
from . import params as P
from .common import EXIT_FAILED, EXIT_OK, HELP_MARKUP, fail, open_project, print_json, state, stderr
from .interrupt import interrupted


class OperatorGroup(TyperGroup):
    """A group whose sub-commands are the operators and actions of the current project.

    Listing them (``run --help``, shell completion) reads the plugin metadata cache; running one
    imports and starts only the plugin that provides it.
    """

    def list_commands(self, ctx: Any) -> list[str]:
        from ..loading import listing
        from .common import try_open_project

        return sorted(s.qualified for s in listing(try_open_project(ctx)).specs)

    def get_command(self, ctx: Any, cmd_name: str) -> Any:
        from ..catalog import LookupFailed
        from ..loading import Refused, runnable
        from .common import try_open_project

        try:
            spec = runnable(try_open_project(ctx), cmd_name)
        except Refused as exc:
            if ctx.resilient_parsing:
                return None
            fail(str(exc), exc.code)
        except LookupFailed as exc:
            if ctx.resilient_parsing:
                return None
            if state(ctx).project is None and "no operator" in str(exc):
                from ..project import ProjectNotFound, resolve_root

                try:
                    resolve_root(state(ctx).project_option)
                except ProjectNotFound as missing:
                    fail(f"{exc} ({missing})")
            fail(str(exc))
        return build_command(spec)

    def resolve_command(self, ctx: Any, args: list[str]) -> Any:
        cmd = self.get_command(ctx, args[0])
        return cmd.name, cmd, args[1:]


app = typer.Typer(cls=OperatorGroup, no_args_is_help=True,
                  help="Run an operator or action: `lightplug run OP [--param-name VALUE ...]`.")


def build_command(spec: ActionSpec) -> Any:
    """A Typer command for ``spec``: one option per parameter plus selection and output options."""
    sub = typer.Typer(add_completion=False, rich_markup_mode=HELP_MARKUP)
    options: list[tuple[str, Any]] = []
    signature = [
        inspect.Parameter("ctx", inspect.Parameter.POSITIONAL_OR_KEYWORD, annotation=typer.Context)]
    for i, p in enumerate(spec.params):
        if p.clashes or any(p.option == o for o, _ in options):
            continue  # reachable through --param only
        ident = f"p{i}"
        decls = [f"{p.option}/--no-{p.option[2:]}"] if p.kind == "bool" else [p.option]
        help_text = p.description + (f" [default: {p.as_json()['default']!r}]"
                                          if p.default is not None else "")
        signature.append(inspect.Parameter(ident, inspect.Parameter.KEYWORD_ONLY, annotation=P.annotation(p),
                                           default=typer.Option(None, *decls, help=help_text,
                                                                show_default=False, min=p.min, max=p.max)))
        options.append((p.option, (ident, p)))

    taken = {o for o, _ in options} | {"--no-" + p.option[2:] for _, (_, p) in options if p.kind == "bool"}

    def select(option: str, help_text: str, **kw: Any) -> Any:
        decls = selection_decls(option, taken)
        note = "" if option in decls else f" ({option} is this operator's parameter)"
        return typer.Option(kw.pop("default", None), *decls, help=help_text + note, **kw)

    fixed = [
        ("ids", Optional[str], select("--ids", "Image ids, e.g. 1,2,5-7.")),
        ("sha1", list[str], select("--sha1", "Every copy of the image with this SHA-1 (repeatable).", default=[])),
        ("folder", list[Path], select("--folder", "Images under this folder (repeatable).", default=[])),
        ("tag", list[str], select("--tag", "Images with this tag, VALUE or PROPERTY:VALUE (repeatable).", default=[])),
        ("from_run", Optional[str], select("--from-run", "The groups of an earlier run (GROUP: number or name).",
                                           metavar="RUN[:GROUP]")),
        ("param", list[str], typer.Option([], "--param", metavar="NAME=VALUE", help="Set any parameter (repeatable).")),
        ("no_input", bool, typer.Option(False, "--no-input", help="Never prompt; use defaults.")),
        ("interactive", bool, typer.Option(False, "--interactive", help="On a terminal, ask for every parameter "
                                           "not given (default: only required ones that have no value).")),
        ("as_json", bool, typer.Option(False, "--json", help="Print the result as JSON.")),
        ("verbose", bool, typer.Option(False, "--verbose", "-v", help="Show tracebacks of errors.")),
        ("report", Optional[Path], typer.Option(None, "--report", metavar="FILE", help="Also write the run's HTML "
                                                "report, as `lightplug report RUN --html FILE` does.")),
    ]
    if "annotation" in spec.scopes:
        fixed[5:5] = [
            ("annotation_ids", Optional[str], select(
                "--annotation-ids", "Annotation ids, e.g. 1,2,5-7 (see `lightplug annotations list`).")),
            ("annotation_collection", Optional[str], select(
                "--annotation-collection", "The annotations of this annotation collection (name or id).",
                metavar="NAME")),
        ]
    for ident, ann, default in fixed:
        signature.append(inspect.Parameter(ident, inspect.Parameter.KEYWORD_ONLY, annotation=ann, default=default))
    by_ident = dict(v for _, v in options)

    def command(ctx: typer.Context, **kwargs: Any) -> None:
        run(ctx, spec, by_ident, kwargs)

    command.__signature__ = inspect.Signature(signature)  # type: ignore[attr-defined]
    command.__doc__ = spec.description or spec.qualified
    sub.command(spec.qualified)(command)
    return typer.main.get_command(sub)


def _values(spec: ActionSpec, by_ident: dict, kwargs: dict) -> dict[str, Any]:
    values: dict[str, Any] = {}
    for ident, p in by_ident.items():
        if kwargs.get(ident) is not None:
            values[p.name] = P.check(p, kwargs[ident])
    by_name = {p.name: p for p in spec.params} | {p.option[2:]: p for p in spec.params}
    for item in kwargs["param"]:
        name, sep, text = item.partition("=")
        p = by_name.get(name) or by_name.get(name.replace("_", "-"))
        if not sep or p is None:
            known = ", ".join(p.name for p in spec.params) or "none"
            fail(f"--param {item!r}: use NAME=VALUE with NAME one of: {known}")
        values[p.name] = P.convert_text(p, text)
    ask = P.interactive(kwargs["no_input"])
    for p in spec.params:
        if p.name in values:
            continue
        needed = p.default in (None, "") and (p.required or p.secret)  # a credential is asked for too
        if ask and (kwargs["interactive"] or needed):
            values[p.name] = P.check(p, P.prompt(p))
        elif p.default is not None:
            values[p.name] = P.check(p, p.default) if p.convert else p.default
        elif p.required:
            fail(f"missing required parameter {p.option} ({p.name}) of {spec.name!r}: "
                 f"pass {p.option} VALUE or --param {p.name}=VALUE")
        else:
            values[p.name] = None
    return values


def run(ctx: typer.Context, spec: ActionSpec, by_ident: dict, kwargs: dict) -> None:
    """Convert parameters, resolve the selection, execute, render, exit with the right code."""
    from ..runner import RunInterrupted, RunRefused, execute
    from .render import render_result
    from .selection import resolve_selection

    from .common import output
    from .show_cmds import check_target, write_html

    verbose = kwargs["verbose"] or output.verbose
    if kwargs["report"] is not None:
        check_target(kwargs["report"])
    project = open_project(ctx)
    values = _values(spec, by_ident, kwargs)
    selection = resolve_selection(project, kwargs)
    try:  # the console is made only if the run queues tasks (rich's console costs ~20-40 ms to import)
        result = execute(project, spec, values, selection, console=stderr, verbose=verbose)
    except RunRefused as exc:
        fail(str(exc))
    except RunInterrupted as stop:
        interrupted(f"run {stop.result['run_id']}: {stop.result['message']}")
    if kwargs["as_json"]:
        print_json(result)
    else:
        render_result(result, verbose=verbose)
    if kwargs["report"] is not None:
        write_html(project, str(result["run_id"]), kwargs["report"])
    raise typer.Exit(EXIT_OK if result["success"] else EXIT_FAILED)


