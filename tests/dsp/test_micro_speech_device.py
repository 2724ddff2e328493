"""micro_speech frontend on the device side: zero heap growth per frame in the
steady state (unix port, viper and plain), and clear errors."""

from pathlib import Path

import pytest

SCRIPTS = Path(__file__).parent / "device_scripts"


@pytest.mark.parametrize("viper", [True, False])
def test_steady_state_frames_allocate_nothing(run_mpy, viper):
    code = f"import sys\nsys.path.append({str(SCRIPTS)!r})\nimport frontend_cost\nfrontend_cost.run(150)\n"
    fields = run_mpy(code=code, viper=viper).check().split()
    assert fields[:2] == ["alloc", "0"], fields


def test_wrong_frame_length_is_a_clear_error(device_python):
    code = (
        "from array import array\nfrom midge.dsp.micro_speech import MicroSpeechFrontend\n"
        "try:\n    MicroSpeechFrontend().process(array('h', bytearray(2 * 512)))\n"
        "except ValueError as e:\n    print(e)\n"
    )
    assert "micro_speech frame must be 480 int16 samples, got 512" in device_python(code=code).check()
