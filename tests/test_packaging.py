"""The packaging test: build the wheel, install it into a fresh virtualenv, and run the
installed console script in isolated mode (`python -I`) from a directory outside the tree.

In-process CliRunner tests hide packaging bugs: pytest and the other test modules have
already imported what a command forgets to import (issue 20.1: `importlib.util`), and an
editable install sees files the wheel leaves out. Here nothing of the source tree is on the
path. The fresh venv has no pip and no system site-packages; the dependencies come from the
running interpreter's site directories through one .pth line each (a directory listed in a
.pth is only put on sys.path: its own .pth files, such as an editable scrapegate, are not
processed), so the test needs no network and runs in seconds in a plain CI virtualenv too.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import sysconfig
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

import pytest

REPO = Path(__file__).resolve().parents[1]
pytestmark = pytest.mark.slow


@dataclass
class Installed:
    python: Path
    script: Path  # the console script the wheel installed
    wheel: Path
    cwd: Path  # a directory outside the repository, holding copies of the example jobs
    env: dict[str, str]

    def run(self, *args: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
        """`python -I <venv>/bin/scrapegate ARGS`, from outside the tree."""
        return subprocess.run([str(self.python), "-I", str(self.script), *args], cwd=self.cwd, env=self.env,
                              capture_output=True, text=True, timeout=timeout)


def _dependency_dirs() -> list[str]:
    """The running interpreter's site directories, never the source tree."""
    dirs = [p for p in sys.path if p.endswith(("site-packages", "dist-packages")) and Path(p).is_dir()]
    return [d for d in dict.fromkeys(dirs) if not Path(d).resolve().is_relative_to(REPO)]


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Installed]:
    root = tmp_path_factory.mktemp("packaging")
    # Build from a copy of the tracked tree: a build in REPO would leave build/ and egg-info behind.
    src = root / "src"
    files = subprocess.run(["git", "ls-files", "-z"], cwd=REPO, capture_output=True, text=True, check=True).stdout
    for name in filter(None, files.split("\0")):
        if (REPO / name).is_file():
            (src / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(REPO / name, src / name)
    wheels = root / "wheels"
    built = subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q",
                            "-w", str(wheels), str(src)], capture_output=True, text=True)
    assert built.returncode == 0, f"wheel build failed (the dev extra needs setuptools>=70.1):\n{built.stderr}"
    [wheel] = list(wheels.glob("scrapegate-*.whl"))
    venv = root / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    py = venv / "bin" / "python"
    purelib = subprocess.run([str(py), "-I", "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                             capture_output=True, text=True, check=True).stdout.strip()
    Path(purelib, "_scrapegate_test_deps.pth").write_text("".join(d + "\n" for d in _dependency_dirs()))
    subprocess.run([sys.executable, "-m", "pip", "--python", str(py), "install", "-q", "--no-deps", str(wheel)],
                   check=True, capture_output=True)
    cwd = root / "elsewhere"
    cwd.mkdir()
    shutil.copytree(REPO / "examples" / "jobs", cwd / "jobs")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTHON", "SCRAPEGATE_"))}
    env["SCRAPEGATE_HOME"] = str(root / "state")
    env["SCRAPEGATE_LEDGER"] = str(root / "ledger.db")
    yield Installed(py, venv / "bin" / "scrapegate", wheel, cwd, env)


def test_the_wheel_ships_the_policies_and_no_top_level_adapters(installed: Installed) -> None:
    names = zipfile.ZipFile(installed.wheel).namelist()
    assert any(n.startswith("gate/policies/scrapegate/") and n.endswith(".rego") for n in names)
    assert any(n.startswith("gate/adapters/") for n in names)
    assert not any(n.startswith("adapters/") for n in names), "a top-level adapters package must not ship"
    probe = subprocess.run([str(installed.python), "-I", "-c", "import adapters"], cwd=installed.cwd,
                           env=installed.env, capture_output=True, text=True)
    assert "No module named 'adapters'" in probe.stderr


def test_the_installed_package_is_the_wheel_not_the_tree(installed: Installed) -> None:
    code = "import gate, gate.engines.policy_set as p; print(gate.__file__); print(p.shipped_policies_dir())"
    out = subprocess.run([str(installed.python), "-I", "-c", code], cwd=installed.cwd, env=installed.env,
                         capture_output=True, text=True, check=True).stdout.splitlines()
    venv = str(installed.python.parent.parent)
    assert out[0].startswith(venv) and out[1].startswith(venv), out
    assert sysconfig.get_paths()["purelib"] != venv


def test_bare_command_and_help_exit_0(installed: Installed) -> None:
    for args in (["--help"], ["-h"]):
        result = installed.run(*args)
        assert result.returncode == 0, (args, result.stderr)
        assert "Traceback" not in result.stderr, (args, result.stderr)
        assert "Usage: scrapegate" in result.stdout, (args, result.stdout, result.stderr)
        assert "  check " in result.stdout and "  policy " in result.stdout
    # A bare group prints its help: on stderr with exit 2 from click 8.2 on, stdout and 0 before.
    bare = installed.run()
    assert "Traceback" not in bare.stderr, bare.stderr
    assert "Usage: scrapegate" in bare.stdout + bare.stderr and "  check " in bare.stdout + bare.stderr
    assert bare.returncode in (0, 2)
    version = installed.run("--version")
    assert version.returncode == 0 and version.stdout.startswith("scrapegate "), version


def _subcommands(installed: Installed) -> list[list[str]]:
    """Every command and sub-command, as the installed package lists them (a child process)."""
    code = ("import click; from gate.cli import cli\n"
            "ctx = click.Context(cli)\n"
            "for name in cli.list_commands(ctx):\n"
            "    cmd = cli.get_command(ctx, name); print(name)\n"
            "    if isinstance(cmd, click.Group):\n"
            "        for sub in cmd.list_commands(click.Context(cmd)): print(name, sub)\n")
    out = subprocess.run([str(installed.python), "-I", "-c", code], cwd=installed.cwd, env=installed.env,
                         capture_output=True, text=True, check=True).stdout
    return [line.split() for line in out.splitlines()]


def test_every_subcommand_help_exits_0_in_isolated_mode(installed: Installed) -> None:
    commands = _subcommands(installed)
    assert ["check"] in commands and ["policy", "test"] in commands and ["ledger", "verify"] in commands
    for command in commands:
        result = installed.run(*command, "--help")
        assert result.returncode == 0, (command, result.stderr)
        assert "Traceback" not in result.stderr, (command, result.stderr)
        assert f"Usage: scrapegate {' '.join(command)}" in result.stdout, (command, result.stdout)


def test_check_of_the_examples_from_another_directory(installed: Installed) -> None:
    """The README's quick start, `scrapegate check examples/jobs/`, on the installed wheel."""
    both = installed.run("check", "jobs/")
    assert both.returncode == 1, both.stdout + both.stderr
    assert "Traceback" not in both.stderr
    assert "eu_ai_act.art5_1e" in both.stdout and "gdpr.art9_prohibited" in both.stdout
    allowed = installed.run("check", "jobs/price-monitoring.yaml")
    assert allowed.returncode == 0, allowed.stdout + allowed.stderr
    assert "2 allowed, 0 denied" in allowed.stdout
    bad = installed.cwd / "bad.yaml"
    bad.write_text((installed.cwd / "jobs" / "price-monitoring.yaml").read_text()
                   .replace("price_monitoring", "face_search"))
    result = installed.run("check", "bad.yaml")
    assert result.returncode == 2, result.stdout + result.stderr
    assert "bad.yaml" in result.stderr and "spec.purpose.category: 'face_search' is not one of:" in result.stderr
    assert "Traceback" not in result.stderr
