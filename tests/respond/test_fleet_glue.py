"""What board glue adds to midge.fleet's messages, through the fakes: the battery
(the Pico's VSYS on GPIO29 through its 1:3 divider; none on the Pico W, whose GPIO29
is the Wi-Fi chip's, nor on the XIAO unless a divider is wired and named) and the
UTC time (None until NTP set the clock; the emulated board always knows it)."""

import re

BATTERY = """
from machine import ADC
from midge.boards import pico, pico_w, xiao_esp32s3_sense as xiao
ADC.volts = {29: 4.2 / 3, 27: 3.7 / 2, 2: 3.9 / 2}
print(pico.battery_mv({}), pico_w.battery_mv({}), pico_w.battery_mv({"battery_pin": 27, "battery_ratio": 2}),
      xiao.battery_mv({}), xiao.battery_mv({"battery_pin": 2}))
"""


def test_battery_millivolts_per_board(sensor_python):
    pico, pico_w, pico_w_wired, xiao, xiao_wired = sensor_python(BATTERY).check().split()
    assert abs(int(pico) - 4200) <= 1 and abs(int(pico_w_wired) - 3700) <= 1 and pico_w == xiao == "None"
    assert int(xiao_wired) == 3900  # read_uv at 11 dB: at 0 dB it would saturate near 1.9 V


CLOCK = """
import ntptime
from midge.boards import _net, sim
print(_net.utc(), _net.set_clock({"ntp": ""}), ntptime.calls)
ntptime.fail = True
print(_net.set_clock({"ssid": "lab"}), _net.utc(), ntptime.calls)
ntptime.fail = False
print(_net.set_clock({"ntp": "time.lab"}), _net.utc(), ntptime.calls)
print(sim.utc())
"""


def test_utc_is_known_once_ntp_set_the_clock(sensor_python):
    lines = sensor_python(CLOCK).check().splitlines()
    assert lines[0] == "None False []"  # "" leaves the clock alone
    assert lines[1] == "False None ['pool.ntp.org']"  # a timeout: still unknown
    stamp = r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ"
    assert re.fullmatch(rf"True {stamp} \['pool.ntp.org', 'time.lab'\]", lines[2]), lines[2]
    assert re.fullmatch(stamp, lines[3]), lines[3]
