"""LoRaWAN uplinks as The Things Stack's MQTT integration publishes them.

Topic ``v3/<application>@<tenant>/devices/<device>/up`` (``v3/<application>/devices/
<device>/up`` on The Things Stack Open Source); a JSON object with
``end_device_ids.device_id`` (the topic's device), ``received_at`` and
``uplink_message``: ``frm_payload`` (base64), ``f_port``, ``f_cnt`` and
``session_key_id``. The Things Stack leaves out fields whose value is 0, "" or false,
so a missing ``f_cnt`` or ``f_port`` is 0.

Idempotency key: (device, session, f_cnt). ``f_cnt`` restarts at 0 when a device
joins again (a new session: after a reset, a power cut, or a rejoin), so ``f_cnt``
alone would merge two sessions' uplinks; the session is the Join Server's
``session_key_id`` (a new one per join), else the ``dev_addr`` (ABP devices keep
theirs), else "". Within one session an f_cnt names one uplink: a re-delivered
message changes nothing.

- ``TOPIC``: the subscription; ``is_uplink_topic(topic)``;
- ``parse(topic, payload) -> Uplink or None``: None for an uplink without
  application payload (MAC commands only); ValueError naming what is wrong.
"""

import base64
import binascii
import json
from dataclasses import dataclass

from midge_host.hub import clock

TOPIC = "v3/+/devices/+/up"


@dataclass
class Uplink:
    device: str
    application: str
    session: str
    f_cnt: int
    f_port: int
    received_at: str
    payload: bytes


def is_uplink_topic(topic):
    parts = topic.split("/")
    return len(parts) == 5 and parts[0] == "v3" and parts[2] == "devices" and parts[4] == "up"


def _count(message, key):
    value = message.get(key, 0)
    if not isinstance(value, int) or isinstance(value, bool) or value < 0:
        raise ValueError(f"uplink_message.{key} must be an integer >= 0, got {value!r}")
    return value


def parse(topic, payload):
    if not is_uplink_topic(topic):
        raise ValueError(f"not a The Things Stack uplink topic: {topic!r} (v3/<app>@<tenant>/devices/<device>/up)")
    _, application, _, device, _ = topic.split("/")
    try:
        doc = json.loads(payload)
    except (ValueError, UnicodeError) as err:
        raise ValueError(f"payload is not JSON: {err}") from None
    if not isinstance(doc, dict) or not isinstance(doc.get("uplink_message"), dict):
        raise ValueError("not an uplink: no uplink_message object")
    ids = doc.get("end_device_ids") or {}
    if ids.get("device_id", device) != device:
        raise ValueError(f"device {ids.get('device_id')!r} in the payload, {device!r} in the topic")
    message = doc["uplink_message"]
    if "frm_payload" not in message:
        return None
    try:
        data = base64.b64decode(message["frm_payload"], validate=True)
    except (binascii.Error, TypeError, ValueError):
        raise ValueError(f"frm_payload is not base64: {message['frm_payload']!r}") from None
    when = doc.get("received_at") or message.get("received_at")
    return Uplink(device=device, application=application,
                  session=str(message.get("session_key_id") or ids.get("dev_addr") or ""),
                  f_cnt=_count(message, "f_cnt"), f_port=_count(message, "f_port"),
                  received_at=clock.normalize(when) if when else clock.now(), payload=data)
