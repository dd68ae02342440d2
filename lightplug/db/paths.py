"""File names in the database, exactly: also names whose bytes are not UTF-8.

In memory a path is a ``str`` as ``os.fsdecode`` gives it: a byte that is not UTF-8 is a lone
surrogate ``\\udcNN`` (``open()`` and ``os.fsencode`` give the same bytes back). SQLite text
must be UTF-8, so ``folders.path``/``name`` and ``instances.url``/``name``/``extension`` hold
``encode(path)``:

* such a byte ``NN`` is written as U+FFFD (the replacement character) followed by its two
  lowercase hex digits, ``bad\\udcffname.png`` -> ``bad\\ufffdffname.png`` (shown as ``bad�ffname.png``);
* a U+FFFD in a name is written twice;
* every other character is itself, so names that are UTF-8 (nearly all) are stored unchanged.

The code is per character and keeps ``/``, so a folder's stored path followed by ``/`` is a
prefix of the stored paths under it, as with the names themselves. ``decode`` reverses it.
"""

from __future__ import annotations

import re

MARK = "\ufffd"
_SPECIAL = re.compile("[\ufffd\udc80-\udcff]")
_ESCAPE = re.compile("\ufffd(\ufffd|[89a-f][0-9a-f])")


def _escaped(match: re.Match[str]) -> str:
    char = match.group()
    return MARK + MARK if char == MARK else f"{MARK}{ord(char) - 0xDC00:02x}"


def _unescaped(match: re.Match[str]) -> str:
    code = match.group(1)
    return MARK if code == MARK else chr(0xDC00 + int(code, 16))


def encode(path: str) -> str:
    """``path`` (an ``os.fsdecode`` string) as it is stored: valid UTF-8 text, reversible."""
    if path.isascii():
        return path
    encoded = _SPECIAL.sub(_escaped, path)
    try:
        encoded.encode("utf-8")
    except UnicodeEncodeError:
        raise ValueError(f"not a file name (a lone surrogate that os.fsdecode never gives): {path!r}") from None
    return encoded


def decode(text: str) -> str:
    """The path that ``encode`` stored as ``text``."""
    if text.isascii():
        return text
    return _ESCAPE.sub(_unescaped, text)
