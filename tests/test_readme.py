"""The README's examples, run as written: every `$ .venv/bin/python -m core …` line exits 0 and prints what
the README shows of its output, and every commented result of the Python example is what it says."""

import re
import shlex
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text()
BLOCKS = re.findall(r"```(console|python)\n(.*?)```", README, re.S)


def _commands() -> list[tuple[str, list[str]]]:
    """Each console command with the output lines the README shows under it."""
    found = []
    for kind, body in BLOCKS:
        if kind != "console":
            continue
        for chunk in re.split(r"^(?=\$ )", body, flags=re.M):
            if chunk.startswith("$ "):
                command, *shown = chunk.rstrip("\n").split("\n")
                found.append((command[2:].split("  #")[0].strip(), shown))
    return found


@pytest.mark.parametrize("command, shown", _commands(), ids=lambda value: str(value)[:60])
def test_each_command_runs_and_prints_what_the_readme_shows(command, shown):
    args = shlex.split(command)
    assert args[:3] == [".venv/bin/python", "-m", "core"]  # the environment `make run` builds
    result = subprocess.run([sys.executable, *args[1:]], cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    printed = result.stdout.splitlines()
    # the README may leave lines out with "…": the rest must appear, in order
    at = 0
    for line in (line for line in shown if "…" not in line):
        while at < len(printed) and printed[at] != line:
            at += 1
        assert at < len(printed), f"{command!r} did not print {line!r}"
        at += 1


def test_the_python_example_gives_the_results_in_its_comments():
    (body,) = [body for kind, body in BLOCKS if kind == "python"]
    scope: dict = {}
    claims = 0
    for line in body.splitlines():
        code, _, claim = line.partition("  # ")
        code = code.replace(".show()", "")  # no browser window in a test
        if not claim.strip():
            exec(code, scope)  # noqa: S102 -- the README's own example, not user input
            continue
        value = eval(code, scope)  # noqa: S307 -- likewise
        text = repr(value).replace("np.float64(", "").replace(")", "") if "np." in repr(value) else repr(value)
        expected = claim.strip()
        if expected.endswith("…"):
            assert text.startswith(expected[:-1]), (code, text)
        else:
            assert text == expected, (code, text)
        claims += 1
    assert claims >= 4
