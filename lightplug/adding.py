"""``lightplug plugins add``: register a plugin as Panoptic users have it, without writing packaging.

A plugin folder (``__init__.py`` declaring ``plugin_class``, its modules, maybe a
``requirements.txt``) or an installed package without lightplug's entry point gets a small
distribution of its own in the environment lightplug runs in: a ``.dist-info`` folder declaring
the entry point (group ``lightplug``) and, for a folder, a ``.pth`` file putting the folder's
parent on ``sys.path``. pip lists it as ``lightplug-added-NAME`` and ``pip uninstall`` removes it.
"""

from __future__ import annotations

import re
import sysconfig
from importlib import metadata
from pathlib import Path


class AddError(ValueError):
    """The plugin cannot be added; the message says why and what to do."""


def distribution_name(name: str) -> str:
    return f"lightplug-added-{name.replace('_', '-')}"


def _module_of_folder(folder: Path) -> str:
    if not (folder / "__init__.py").is_file():
        raise AddError(f"{folder} has no __init__.py; a plugin folder is a Python package "
                       "(its __init__.py declares plugin_class)")
    if not folder.name.isidentifier():
        raise AddError(f"{folder.name!r} is not a Python package name; rename the folder")
    return folder.name


def module_of_package(package: str) -> str:
    """The top-level module of installed distribution ``package``."""
    try:
        dist = metadata.distribution(package)
    except metadata.PackageNotFoundError:
        raise AddError(f"no installed package {package!r}; install it first or give a folder") from None
    top = (dist.read_text("top_level.txt") or "").split()
    if not top:
        top = sorted({Path(str(f)).parts[0] for f in dist.files or []
                      if str(f).endswith(".py") and not str(f).startswith("..") and "/" in str(f)})
    names = [t for t in top if t.isidentifier() and not t.startswith("_")]
    if len(names) != 1:
        raise AddError(f"cannot tell which module of {package!r} is the plugin ({', '.join(names) or 'none'}); "
                       "give its folder instead")
    return names[0]


def register(name: str, module: str, folder: Path | None = None) -> Path:
    """Write the distribution that declares entry point ``name = module``; returns its dist-info."""
    if not re.fullmatch(r"[A-Za-z][A-Za-z0-9_]{0,40}", name):
        raise AddError(f"{name!r} is not a plugin name: letters, digits and _ (give --name)")
    site = Path(sysconfig.get_paths()["purelib"])
    dist = distribution_name(name)
    info = site / f"{dist.replace('-', '_')}-0.dist-info"
    if info.exists():
        raise AddError(f"a plugin named {name!r} was added already; remove it with: "
                       f"lightplug plugins uninstall {dist}")
    info.mkdir(parents=True)
    files = [info / "METADATA", info / "entry_points.txt", info / "INSTALLER", info / "RECORD"]
    (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {dist}\nVersion: 0\n"
                                   f"Summary: lightplug plugin {name} added from {folder or module}\n")
    (info / "entry_points.txt").write_text(f"[lightplug]\n{name} = {module}\n")
    (info / "INSTALLER").write_text("lightplug\n")
    if folder is not None:
        pth = site / f"{dist.replace('-', '_')}.pth"
        pth.write_text(str(folder.resolve().parent) + "\n")
        files.append(pth)
    (info / "RECORD").write_text("".join(f"{p.relative_to(site)},,\n" for p in files))
    return info


def add_folder(folder: Path, name: str | None = None) -> tuple[str, Path]:
    """Register plugin folder ``folder`` (``name``: its entry-point name, default the folder's)."""
    module = _module_of_folder(folder.resolve())
    return (name or module), register(name or module, module, folder)
