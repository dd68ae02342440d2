"""Turning CLI text and prompts into the values an operator or action receives."""

from __future__ import annotations

import sys
from typing import Any, Literal, Optional

import typer

from ..specs import ParamSpec
from .common import fail

_TRUE = {"1", "true", "yes", "y", "on"}
_FALSE = {"0", "false", "no", "n", "off"}


def annotation(spec: ParamSpec) -> Any:
    """The Typer annotation of the option for ``spec``."""
    if spec.kind == "int":
        return Optional[int]
    if spec.kind == "float":
        return Optional[float]
    if spec.kind == "bool":
        return Optional[bool]
    if spec.choices:
        return Optional[Literal[tuple(spec.choices)]]
    return Optional[str]


def convert_text(spec: ParamSpec, text: str) -> Any:
    """Convert ``--param NAME=TEXT`` to the parameter's type, or exit 2 saying why."""
    try:
        if spec.kind == "int":
            value: Any = int(text)
        elif spec.kind == "float":
            value = float(text)
        elif spec.kind == "bool":
            if text.lower() not in _TRUE | _FALSE:
                raise ValueError("expected true or false")
            value = text.lower() in _TRUE
        else:
            value = text
    except ValueError as exc:
        fail(f"invalid value {text!r} for {spec.option} ({spec.kind}): {exc}")
    return check(spec, value)


def check(spec: ParamSpec, value: Any) -> Any:
    """Validate bounds, choices and files; exit 2 with a clear message when ``value`` is wrong."""
    from ..specs import ParameterError

    try:
        return spec.validate(value)
    except ParameterError as exc:
        fail(str(exc))


def interactive(no_input: bool) -> bool:
    """Whether to prompt: a terminal on stdin and no ``--no-input``."""
    return not no_input and sys.stdin.isatty()


def prompt(spec: ParamSpec) -> Any:
    """Ask for ``spec`` with a prompt suited to its type (re-asking until the value is valid)."""
    label = spec.name + (f" ({spec.description})" if spec.description else "")
    default = spec.default
    if spec.kind == "bool":
        return typer.confirm(label, default=bool(default), err=True)
    if spec.kind in ("int", "float"):
        number_type = int if spec.kind == "int" else float
        while True:
            value = typer.prompt(label, type=number_type, default=default, err=True)
            if (spec.min is None or value >= spec.min) and (spec.max is None or value <= spec.max):
                return value
            typer.echo(f"Error: enter a value between {spec.min} and {spec.max}.", err=True)
    if spec.choices:
        return prompt_choice(spec.choices, label, default)
    if spec.kind == "table":
        return prompt_table(spec, label)
    if spec.secret:
        value = typer.prompt(label, default="", show_default=False, hide_input=True, err=True)
        return value or default
    if default is None and not spec.required:
        value = typer.prompt(label, default="", show_default=False, err=True)
        return value or None
    return typer.prompt(label, default=default, err=True)


def prompt_choice(choices: list, label: str, default: Any) -> Any:
    """Ask for one of ``choices`` (shown after the label), re-asking until the answer is one."""
    by_text = {str(c): c for c in choices}
    shown = f"{label} [{'/'.join(by_text)}]"
    while True:
        answer = typer.prompt(shown, default=str(default) if default in choices else None, err=True)
        if str(answer).strip() in by_text:
            return by_text[str(answer).strip()]
        typer.echo(f"Error: {answer!r} is not one of {', '.join(by_text)}.", err=True)


def prompt_table(spec: ParamSpec, label: str) -> Any:
    """Ask for a table row by row, cell by cell; an empty first cell ends it (none: the default)."""
    columns = spec.columns or []
    typer.echo(f"{label}: one row at a time; leave {columns[0].name if columns else 'the first cell'} "
               "empty to finish" + (" (or to keep the default)" if spec.default else ""), err=True)
    rows: list[dict[str, Any]] = []
    while columns:
        row: dict[str, Any] = {}
        for i, column in enumerate(columns):
            shown = f"  row {len(rows) + 1} {column.name}" + (f" ({column.description})" if column.description else "")
            if column.kind == "bool":
                row[column.name] = typer.confirm(shown, default=bool(column.default), err=True)
                continue
            text = typer.prompt(shown, default="" if column.default is None else str(column.default),
                                show_default=column.default is not None, err=True)
            if i == 0 and text == "":
                return rows or spec.default or []
            row[column.name] = text
        rows.append(row)
    return rows
