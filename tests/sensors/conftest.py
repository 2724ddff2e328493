import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))

from fake_runner import KINDS, runner  # noqa: E402


@pytest.fixture(params=KINDS)
def sensor_python(request):
    """A runner ``(code, heapsize=None) -> RunResult`` with the fakes importable, for each way device code runs."""
    return runner(request.param)
