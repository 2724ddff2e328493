"""Serial JSON lines, LED blink patterns, WAV clips (atomic), MQTT backoff,
duty cycling and the watchdog wrapper, through the fakes."""

import json
import wave


def test_json_lines(sensor_python):
    code = """
import sys
from midge.respond.serial import JsonLines
out = JsonLines()
out.detection("yes", 231, 12345)
out.status(12346, dropped=0)
"""
    lines = sensor_python(code).check().splitlines()
    assert lines[0] == '{"t":12345,"ev":"det","label":"yes","score":231}' or \
        json.loads(lines[0]) == {"t": 12345, "ev": "det", "label": "yes", "score": 231}
    assert " " not in lines[0]
    assert json.loads(lines[1]) == {"t": 12346, "ev": "status", "dropped": 0}


def test_led_patterns_are_non_blocking(sensor_python):
    code = """
from machine import Pin
from midge.respond.led import Blinker
pin = Pin(21, Pin.OUT)
led = Blinker(pin, {"yes": (100, 50, 2)}, active_low=True)
led.show("no", 0)
led.show("yes", 0)
states = []
for t in range(0, 400, 10):
    led.update(t)
    states.append(pin.value())
print(''.join(str(s) for s in states), int(led.busy))
"""
    out, busy = sensor_python(code).check().split()
    # active low: 0 = lit. on 0..100, off 100..150, on 150..250, then off
    assert out == "0" * 10 + "1" * 5 + "0" * 10 + "1" * 15
    assert busy == "0"


def test_wav_clip_is_atomic(sensor_python, tmp_path):
    path = tmp_path / "clip.wav"
    code = f"""
import os
from array import array
from midge.respond.clip import WavWriter
w = WavWriter({str(path)!r}, 16000)
w.write(array('h', range(-100, 100)))
w.write(array('h', [7] * 50), 10)
print(sorted(os.listdir({str(tmp_path)!r})))
w.close()
print(sorted(os.listdir({str(tmp_path)!r})))
"""
    lines = sensor_python(code).check().splitlines()
    assert lines == ["['clip.wav.tmp']", "['clip.wav']"]
    with wave.open(str(path)) as w:
        assert (w.getframerate(), w.getnchannels(), w.getsampwidth(), w.getnframes()) == (16000, 1, 2, 210)


def test_mqtt_backoff_never_stalls(sensor_python, tmp_path):
    code = f"""
from umqtt.simple import MQTTClient
from midge.respond.mqtt import Publisher
from midge.respond.outbox import Outbox
c = MQTTClient("midge-01", "broker.local")
pub = Publisher(c, Outbox({str(tmp_path)!r}, 4096), b"midge/det", backoff_ms=1000, max_backoff_ms=4000)
pub.outbox.push(b"a")
print(pub.pump(0), c.connects)
MQTTClient.broker_up = False
res = []
for t in (10, 500, 1100, 1200, 3200, 7300):
    pub.outbox.push(b"b")
    res.append(pub.pump(t))
print(res, c.connects, pub.outbox.pending)
MQTTClient.broker_up = True
print(pub.pump(20000), pub.pump(20001), len(c.published), pub.sent)
"""
    lines = sensor_python(code).check().splitlines()
    assert lines[0] == "1 1"
    # the first connect is up: 10 publishes and fails (retry at 1010), 500 waits, 1100 connect
    # fails (retry 3100), 1200 waits, 3200 fails (retry 7200), 7300 fails; nothing is lost
    assert lines[1] == "[0, 0, 0, 0, 0, 0] 4 6"
    assert lines[2] == "4 2 7 7"  # at most 4 a call (burst), then the rest


def test_duty_cycle_and_watchdog(sensor_python):
    code = """
import machine
from midge.respond.power import DutyCycle, Watchdog
dog = Watchdog(machine.WDT(timeout=8000))
duty = DutyCycle(machine.lightsleep, period_ms=60000, awake_ms=5000, max_sleep_ms=7000)
t = 0
while duty.awake(t):
    dog.window()
    t += 1000
print(t, dog.windows, duty.rest(t, dog), machine.slept[:2], len(machine.slept), dog._wdt.feeds)
print(duty.awake(60000), duty.awake(64999), duty.awake(65000))
"""
    lines = sensor_python(code).check().splitlines()
    assert lines[0] == "5000 5 55000 [('light', 7000), ('light', 7000)] 8 13"
    assert lines[1] == "True True False"
