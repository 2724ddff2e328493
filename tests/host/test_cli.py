"""CLI conventions: main(argv) -> int, `midge: message` for user errors, tracebacks for bugs."""

import subprocess
import sys
from pathlib import Path

import pytest

from midge_host import __version__, cli
from midge_host.errors import MidgeError


def test_version(capsys):
    with pytest.raises(SystemExit) as exc:
        cli.main(["--version"])
    assert exc.value.code == 0
    assert capsys.readouterr().out.strip() == f"midge {__version__}"


def test_no_command_prints_usage_and_fails(capsys):
    assert cli.main([]) == 2
    assert "usage: midge" in capsys.readouterr().err


def _fake_command(behaviour):
    class Fake:
        @staticmethod
        def register(sub):
            sub.add_parser("fake").set_defaults(func=behaviour)
    return Fake


def test_user_error_is_one_line_with_hint(monkeypatch, capsys):
    def fail(args):
        raise MidgeError("port ./vb does not exist", hint="start one with `midge sim --port ./vb`")

    monkeypatch.setattr(cli, "COMMANDS", ["fake"])
    monkeypatch.setattr(cli.importlib, "import_module", lambda name: _fake_command(fail))
    assert cli.main(["fake"]) == 1
    err = capsys.readouterr().err.splitlines()
    assert err == ["midge: port ./vb does not exist", "midge: hint: start one with `midge sim --port ./vb`"]


def test_bugs_keep_their_traceback(monkeypatch):
    def crash(args):
        raise ZeroDivisionError("a bug")

    monkeypatch.setattr(cli, "COMMANDS", ["fake"])
    monkeypatch.setattr(cli.importlib, "import_module", lambda name: _fake_command(crash))
    with pytest.raises(ZeroDivisionError):
        cli.main(["fake"])


def test_console_script_is_installed():
    script = Path(sys.executable).with_name("midge")
    out = subprocess.run([str(script), "--version"], capture_output=True, text=True, timeout=60)
    assert out.returncode == 0 and out.stdout.startswith("midge ")


def test_a_closed_pipe_ends_quietly(tmp_path):
    """`midge new x --template motion | true`: the reader is gone before midge writes."""
    script = Path(sys.executable).with_name("midge")
    proc = subprocess.Popen([str(script), "new", str(tmp_path / "x"), "--template", "motion"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    proc.stdout.close()
    err = proc.stderr.read().decode()
    assert proc.wait(timeout=60) == 141
    assert "Traceback" not in err and "BrokenPipe" not in err, err
    assert (tmp_path / "x" / "midge.toml").is_file()
