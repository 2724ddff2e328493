"""A detection model's objects on every responder: each object of a frame is one
detection, with its centroid on the serial line and in the MQTT message, its class
in the flash log and one count per class in the LoRaWAN uplink (decoded with the
labels midge.labels says it counts: every class, never the background). A camera
model has no audio window for the clip responder: that is refused by name."""

import json

from midge_host.lorawan import decode_for

META = {"task": "detection", "labels": ["background", "circle", "square"], "sample_rate": 0, "channels": 1,
        "sensor": "camera"}

CODE = """
import json
from umqtt.simple import MQTTClient
from midge.app_respond import Responders
from midge.respond import log

class Modem:
    sent = []
    def send(self, payload):
        Modem.sent.append(bytes(payload))

class glue:
    client = None
    @staticmethod
    def mqtt_client(params):
        glue.client = MQTTClient("t", params["broker"])
        return glue.client
    @staticmethod
    def lorawan_modem(params):
        return Modem()

folder = {folder!r}
confs = [{{"kind": "serial"}}, {{"kind": "log", "path": folder + "/log/d.bin"}},
         {{"kind": "mqtt", "broker": "b", "device": "t", "outbox": folder + "/outbox"}}, {{"kind": "lorawan", "interval_s": 1, "width": 4}}]
r = Responders(confs, {meta}, glue, folder + "/boot")
frame = bytearray(16)
for t, objects in ((500, ((1, 230, 12, 20), (2, 200, 60, 44), (1, 180, 80, 80))), (1000, ((2, 250, 8, 8),))):
    for index, score, x, y in objects:
        r.detection(index, ("background", "circle", "square")[index], score, t, frame, x, y)
    r.window(objects[0][0], objects[0][1], t)
r.window(0, 0, 1500)
print(json.dumps({{"mqtt": [m.decode() if isinstance(m, bytes) else m for _, m in glue.client.published],
                  "uplinks": [p.hex() for p in Modem.sent],
                  "log": [list(log.unpack_detection(p)) for p in log.records(folder + "/log/d.bin")]}}))
"""


def test_every_object_reaches_every_responder_with_its_place(sensor_python, tmp_path):
    out = sensor_python(CODE.format(folder=str(tmp_path), meta=json.dumps(META))).check().splitlines()
    serial = [json.loads(line) for line in out if '"ev":"det"' in line.replace(" ", "")]
    assert [(d["label"], d["x"], d["y"]) for d in serial] == [("circle", 12, 20), ("square", 60, 44),
                                                            ("circle", 80, 80), ("square", 8, 8)]
    got = json.loads(out[-1])
    assert [(m["label"], m["x"], m["y"]) for m in map(json.loads, got["mqtt"])] == [
        (d["label"], d["x"], d["y"]) for d in serial]
    assert [(index, boot, seq) for _, index, _, boot, seq in got["log"]] == [(1, 0, 0), (2, 0, 1), (1, 0, 2), (2, 0, 3)]
    assert [(m["boot"], m["seq"]) for m in map(json.loads, got["mqtt"])] == [(0, 0), (0, 1), (0, 2), (0, 3)]
    (uplink,) = got["uplinks"]
    assert decode_for(bytes.fromhex(uplink), META)["by_label"] == {"circle": 2, "square": 2}


def test_a_camera_model_refuses_the_clip_responder(sensor_python, tmp_path):
    code = ("from midge.app_respond import Responders\n"
            f"Responders([{{'kind': 'clip', 'dir': {str(tmp_path)!r}}}], {json.dumps(META)}, None)")
    result = sensor_python(code)
    assert result.returncode != 0 and "a camera model has no window of samples to clip" in result.output
