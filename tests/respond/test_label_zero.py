"""Label 0 is a class like any other, on every responder: a project whose label 0
(aedes, the dengue vector) is real and whose last label is quiet. Its detections
reach the serial line, the LED, the flash log, the clips, MQTT and the LoRaWAN
uplink (decoded with the labels midge.labels says it counts); the quiet label
reaches none of them."""

import json

from midge_host.lorawan import decode_for

META = {"task": "classification", "labels": ["aedes", "albopictus", "other", "background"],
        "quiet_labels": ["background"], "sample_rate": 8000, "channels": 1}

CODE = """
import json, os
from array import array
from machine import Pin
from umqtt.simple import MQTTClient
from midge.app_respond import Responders
from midge.respond import log

class Modem:
    sent = []
    def send(self, payload):
        Modem.sent.append(bytes(payload))

class glue:
    pin = Pin(21, Pin.OUT)
    client = None
    @staticmethod
    def led(params):
        return glue.pin
    @staticmethod
    def mqtt_client(params):
        glue.client = MQTTClient("t", params["broker"])
        return glue.client
    @staticmethod
    def lorawan_modem(params):
        return Modem()

folder = {folder!r}
confs = [{{"kind": "serial"}}, {{"kind": "led", "patterns": {{"aedes": [50, 50, 1], "other": [50, 50, 2]}}}},
         {{"kind": "log", "path": folder + "/log/d.bin"}}, {{"kind": "clip", "dir": folder + "/clips"}},
         {{"kind": "mqtt", "broker": "b", "device": "t", "outbox": folder + "/outbox"}}, {{"kind": "lorawan", "interval_s": 1, "width": 4}}]
r = Responders(confs, {meta}, glue, folder + "/boot")
w = array('h', [7] * 80)
t = 0
for index, label in ((0, "aedes"), (0, "aedes"), (2, "other"), (0, "aedes")):
    t += 200
    r.detection(index, label, 200, t, w)
    r.window(index, 200, t)
r.window(3, 250, 1500)
print(json.dumps({{"mqtt": [m.decode() if isinstance(m, bytes) else m for _, m in glue.client.published],
                  "uplinks": [p.hex() for p in Modem.sent],
                  "log": [list(log.unpack_detection(p)) for p in log.records(folder + "/log/d.bin")],
                  "clips": sorted(os.listdir(folder + "/clips")),
                  "led": len(glue.pin.history)}}))
"""


def test_label_zero_reaches_every_responder(sensor_python, tmp_path):
    out = sensor_python(CODE.format(folder=str(tmp_path), meta=json.dumps(META))).check().splitlines()
    serial = [json.loads(line) for line in out if '"ev":"det"' in line.replace(" ", "")]
    assert [d["label"] for d in serial] == ["aedes", "aedes", "other", "aedes"]
    got = json.loads(out[-1])
    assert [json.loads(m)["label"] for m in got["mqtt"]] == ["aedes", "aedes", "other", "aedes"]
    assert [index for _, index, _, _, _ in got["log"]] == [0, 0, 2, 0]
    assert got["clips"] == ["aedes_0001.wav", "aedes_0002.wav", "aedes_0004.wav", "other_0003.wav"]
    assert got["led"] > 4  # the LED blinked for label 0 too
    (uplink,) = got["uplinks"]
    decoded = decode_for(bytes.fromhex(uplink), META)
    assert decoded["by_label"] == {"aedes": 3, "albopictus": 0, "other": 1}, decoded
