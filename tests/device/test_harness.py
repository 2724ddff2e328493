"""The device test harness itself: unix port runs, viper switch, heap limits,
and the device self-test under every runner."""

import pytest


def test_run_mpy_returns_stdout_stderr_and_exit_code(run_mpy):
    ok = run_mpy(code="import sys; print('out'); sys.stderr.write('err\\n')")
    assert (ok.returncode, ok.stdout, ok.stderr) == (0, "out\n", "err\n")
    bad = run_mpy(code="raise ValueError('boom')")
    assert bad.returncode == 1
    assert "ValueError: boom" in bad.output


def test_device_package_is_on_micropypath(run_mpy):
    result = run_mpy(code="import midge; print(midge.__version__)")
    assert result.check().strip()


@pytest.mark.parametrize("viper", [True, False])
def test_viper_switch(run_mpy, viper):
    result = run_mpy(code="from midge import fast; print(fast.VIPER)", viper=viper)
    assert result.check().strip() == str(viper)


def test_heapsize_mimics_a_small_board(run_mpy):
    code = "b = bytearray(200 * 1024); print('allocated')"
    assert run_mpy(code=code, heapsize="1M").check().strip() == "allocated"
    small = run_mpy(code=code, heapsize="64K")
    assert small.returncode != 0
    assert "MemoryError" in small.output


def test_cpython_has_no_viper(device_python):
    result = device_python(code="from midge import fast; print(fast.VIPER)")
    expected = "True" if getattr(device_python, "kind", "") in ("unix-viper", "unix32", "thumb") else "False"
    assert result.check().strip() == expected


@pytest.mark.parametrize("arch", ["armv6m", "armv7emsp"])
def test_the_thumb_test_bed_runs_a_cortex_m_s_code(run_mpy, tmp_path, arch):
    """The ARM Thumb test bed (make setup) is 32-bit and runs viper and
    asm_thumb code compiled by mpy-cross for a Cortex-M0+ (Pico) and M4F."""
    from midge_host.crosscompile import cross_compile
    from midge_host.unixport import thumb_executable
    assert thumb_executable(), "make setup builds the Thumb test bed (gcc-arm-linux-gnueabihf, qemu-user)"
    (tmp_path / "k.py").write_text(
        "import micropython\n"
        "@micropython.viper\n"
        "def wrap(a: int) -> int:\n"
        "    return (a << 30) >> 30\n"
        "@micropython.asm_thumb\n"
        "def add1(r0):\n"
        "    add(r0, r0, 1)\n")
    assert cross_compile(tmp_path / "k.py", arch, tmp_path / "k.mpy").ok
    (tmp_path / "k.py").unlink()
    code = "import sys; sys.path.insert(0, %r); import k; print(sys.maxsize, k.wrap(3), k.add1(41))" % str(tmp_path)
    assert run_mpy(code=code, executable=thumb_executable()).check().split() == [str(2**31 - 1), "-1", "42"]


def test_selftest_passes_everywhere(device_python):
    result = device_python(code="import sys, midge.selftest as s; sys.exit(s.run())")
    out = result.check()
    assert "selftest: 3 passed, 0 failed" in out
    assert "FAIL" not in out


def test_crc_paths_agree_on_edge_cases(device_python):
    code = (
        "from midge import crc\n"
        "for data in (b'', b'\\x00', b'\\xff' * 300, bytes(range(256))):\n"
        "    assert crc.crc16(data) == crc._crc16_plain(data), data\n"
        "print(hex(crc.crc16(bytes(range(256)))), hex(crc.crc16(b'6789', crc.crc16(b'12345'))))\n"
    )
    assert device_python(code=code).check().split() == ["0x3fbd", "0x29b1"]


def test_long_arguments_are_refused_before_the_unix_port_aborts(run_mpy):
    from midge_host.unixport import MAX_ARG_BYTES

    ok = run_mpy(code="import sys; print(len(sys.argv[1]))", args=["x" * MAX_ARG_BYTES])
    assert ok.check().strip() == str(MAX_ARG_BYTES)
    with pytest.raises(ValueError, match="pass the data in a file"):
        run_mpy(code="pass", args=["x" * (MAX_ARG_BYTES + 1)])


def test_json_load_survives_collections_mid_parse(device_python, tmp_path):
    """json.load parses text that only the parser holds: a collection during the
    parse must not free it (the 32-bit port's json once lost it whenever a
    collection came after the first 16 bytes: 'syntax error in JSON')."""
    doc = {"labels": ["label%d" % i for i in range(200)], "values": list(range(300)), "nested": {"a": [1.5, None]}}
    path = tmp_path / "doc.json"
    import json
    path.write_text(json.dumps(doc))
    code = ("import gc, json\n"
            "if hasattr(gc, 'threshold'):\n"
            "    gc.threshold(64)\n"
            "with open(%r) as f:\n"
            "    d = json.load(f)\n"
            "print(len(d['labels']), d['labels'][199], sum(d['values']), d['nested'])\n") % str(path)
    out = device_python(code=code).check().strip()
    assert out == "200 label199 44850 {'a': [1.5, None]}"
