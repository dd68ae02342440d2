"""A tiny pseudo-terminal driver for prompt tests (standard library only)."""

from __future__ import annotations

import os
import pty
import select
import subprocess
import time


class Terminal:
    """Run a command with a pseudo-terminal as its standard input and output."""

    def __init__(self, argv: list[str], timeout: float = 30.0) -> None:
        self.master, slave = pty.openpty()
        env = {k: v for k, v in os.environ.items() if not k.startswith("LIGHTPLUG")}
        env.update({"COLUMNS": "200", "TERM": "dumb"})
        self.proc = subprocess.Popen(argv, stdin=slave, stdout=slave, stderr=slave, env=env, close_fds=True)
        os.close(slave)
        self.timeout = timeout
        self.buffer = ""

    def __enter__(self) -> "Terminal":
        return self

    def __exit__(self, *exc) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
        self.proc.wait()
        os.close(self.master)

    def _read(self, wait: float) -> bool:
        ready, _, _ = select.select([self.master], [], [], wait)
        if not ready:
            return False
        try:
            data = os.read(self.master, 4096)
        except OSError:
            return False
        self.buffer += data.decode(errors="replace")
        return bool(data)

    def expect(self, text: str) -> None:
        """Wait until ``text`` appears in the output (then forget the output up to it)."""
        deadline = time.monotonic() + self.timeout
        while text not in self.buffer:
            if time.monotonic() > deadline:
                raise AssertionError(f"did not see {text!r}; output so far: {self.buffer!r}")
            self._read(0.2)
        self.buffer = self.buffer[self.buffer.index(text) + len(text):]

    def send(self, text: str) -> None:
        os.write(self.master, text.encode())

    def read_all(self) -> str:
        """Everything printed until the program exits."""
        deadline = time.monotonic() + self.timeout
        while time.monotonic() < deadline:
            if not self._read(0.2) and self.proc.poll() is not None:
                break
        return self.buffer
