"""LoRaWAN payload v1: device encoder, host decoder and the TTN JavaScript
decoder agree; sizes, saturation and errors."""

import json
import shutil
import subprocess

import pytest

from midge_host.errors import MidgeError
from midge_host.lorawan import JS_DECODER, decode

CASES = [([3, 0], 4), ([15, 16], 4), ([0, 1, 2, 3, 4, 5, 6, 7], 8), ([1], 1), ([300, 5, 9], 8), ([5, 6, 7], 3)]


def encode_on(runner):
    code = f"""
from midge.respond.lorawan import encode
out = bytearray(16)
for counts, width in {CASES!r}:
    n = encode(counts, width, out)
    print(bytes(out[:n]).hex())
"""
    return [bytes.fromhex(line) for line in runner(code).check().splitlines()]


def test_round_trip(sensor_python):
    for (counts, width), payload in zip(CASES, encode_on(sensor_python)):
        got = decode(payload)
        top = (1 << width) - 1
        assert got["counts"] == [min(c, top) for c in counts]
        assert got["saturated"] == [c >= top for c in counts]
        assert len(payload) == 1 + (len(counts) * width + 7) // 8


def test_two_classes_fit_two_bytes(sensor_python):
    payload = encode_on(sensor_python)[0]
    assert payload == bytes([0b01_001_011, 0x30])
    assert decode(payload, labels=["aedes", "culex"])["by_label"] == {"aedes": 3, "culex": 0}


def test_decoder_errors():
    with pytest.raises(MidgeError, match="version 2"):
        decode(bytes([0x80, 0]))
    with pytest.raises(MidgeError, match="has 2 bytes, got 3"):
        decode(bytes([0b01_001_011, 0, 0]))


def test_javascript_decoder_agrees(sensor_python):
    node = shutil.which("node")
    if not node:
        pytest.skip("node is not installed: the JavaScript decoder was not run")
    payloads = encode_on(sensor_python)
    script = JS_DECODER + "\nconst p = %s;\nconsole.log(JSON.stringify(p.map(b => decodeUplink({bytes: b}).data)));" % (
        json.dumps([list(p) for p in payloads]))
    out = json.loads(subprocess.run([node, "-e", script], capture_output=True, text=True, check=True).stdout)
    assert out == [decode(p) for p in payloads]
