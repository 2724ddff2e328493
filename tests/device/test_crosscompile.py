"""Every device module cross-compiles for the boards' architectures, and the
check catches the 32-bit viper hazard that the x64 unix port hides."""

from pathlib import Path

import pytest

from midge_host.crosscompile import BOARD_ARCHS, cross_compile, device_sources
from midge_host.paths import device_dir

HAZARD = Path(__file__).parent / "fixtures" / "viper_hazard.py"


def test_device_package_has_modules():
    assert len(device_sources(device_dir())) >= 3


@pytest.mark.parametrize("arch", BOARD_ARCHS)
def test_every_device_module_cross_compiles(arch, tmp_path):
    failures = []
    for src in device_sources(device_dir(), arch):
        result = cross_compile(src, arch, tmp_path / "out.mpy")
        if not result.ok:
            failures.append(f"{src.relative_to(device_dir())}: {result.message.splitlines()[-1]}")
    assert not failures, f"mpy-cross -march={arch} failed:\n" + "\n".join(failures)


def test_thumb_modules_are_arm_only(tmp_path):
    """asm_thumb modules compile for ARM only (mpy-cross refuses them for Xtensa) and a
    package for another arch leaves them out."""
    thumb = [p for p in device_sources(device_dir()) if p.name.endswith("_thumb.py")]
    assert thumb and not any(p.name.endswith("_thumb.py") for p in device_sources(device_dir(), "xtensawin"))
    assert not cross_compile(thumb[0], "xtensawin", tmp_path / "x.mpy").ok


def test_unix_port_hides_the_viper_hazard(run_mpy):
    # On x64 the constant is a small int: the hazard runs and prints 2**31-1.
    result = run_mpy(path=HAZARD)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == str(2**31 - 1)


@pytest.mark.parametrize("arch", ["armv6m", "armv7emsp", "xtensawin"])
def test_cross_compile_catches_the_viper_hazard(arch, tmp_path):
    result = cross_compile(HAZARD, arch, tmp_path / "hazard.mpy")
    assert not result.ok
    assert "ViperTypeError" in result.message
