"""Shell completion (bash, zsh, fish) of commands, operator ids and their options, answered from the
plugin metadata cache by the installed console script."""

from __future__ import annotations

ONLY = {"LIGHTPLUG_PLUGINS": "hello,fo"}


def _complete(lp, tmp_path, shell: str, words: str, cword: int | None = None):
    env = {**ONLY, "_LIGHTPLUG_COMPLETE": f"complete_{shell}"}
    if shell == "bash":
        env.update(COMP_WORDS=words, COMP_CWORD=str(cword if cword is not None else len(words.split()) - 1))
    else:
        env["_TYPER_COMPLETE_ARGS"] = words
        if shell == "fish":
            env["_TYPER_COMPLETE_FISH_ACTION"] = "get-args"
    done = lp(cwd=tmp_path, extra_env=env)
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_commands_operator_ids_and_options_complete(lp, tmp_path):
    assert lp("init", ".", cwd=tmp_path, extra_env=ONLY).returncode == 0
    assert {"import", "images"} <= set(_complete(lp, tmp_path, "bash", "lightplug im").split())
    assert set(_complete(lp, tmp_path, "bash", "lightplug run fo.").split()) == {"fo.count_images"}
    assert "hello.greet" in _complete(lp, tmp_path, "bash", "lightplug run ", 2).split()
    zsh = _complete(lp, tmp_path, "zsh", "lightplug run fo.count_images --li")
    assert "--limit" in zsh and "How many to count at most" in zsh
    fish = _complete(lp, tmp_path, "fish", "lightplug run hello.greet --na")
    assert "--name" in fish
    # the script for a named shell (detection of the calling shell is Typer's and is turned off here)
    shown = lp("--show-completion", "bash", cwd=tmp_path,
               extra_env={**ONLY, "_TYPER_COMPLETE_TEST_DISABLE_SHELL_DETECTION": "1"})
    assert shown.returncode == 0 and "_LIGHTPLUG_COMPLETE" in shown.stdout
