"""One MQTT message into the store: ``Ingest(store, projects).handle(topic, payload)``.

Routes by topic: ``midge/<device>/det`` and ``/health`` are parsed with
``midge.fleet.parse`` (the one owner of the boards' format), ``v3/.../up`` with
``midge_host.hub.tts.parse`` and its payload with the LoRaWAN codec
(``midge_host.lorawan.decode``, labelled by ``midge_host.hub.projects``). A message
that does not parse is quarantined with its topic and the error, and counted; bad
input never raises. Database errors do raise: the caller must not acknowledge the
message (the broker delivers it again).

``handle(topic, payload, received_at=None)`` (bytes or str) returns what happened: "stored", "duplicate", "quarantined" or
"ignored" (an uplink without application payload); ``counts`` totals them.
``TOPICS``: the subscriptions that reach it.
"""

from midge import fleet
from midge_host import lorawan
from midge_host.errors import MidgeError
from midge_host.hub import clock, tts

TOPICS = (fleet.PREFIX + "+/det", fleet.PREFIX + "+/health", tts.TOPIC)


class Ingest:
    def __init__(self, store, projects):
        self.store = store
        self.projects = projects
        self.counts = {"stored": 0, "duplicate": 0, "quarantined": 0, "ignored": 0}

    def handle(self, topic, payload, received_at=None):
        if isinstance(topic, bytes):
            topic = topic.decode("utf-8", "replace")
        if isinstance(payload, str):
            payload = payload.encode()
        received_at = received_at or clock.now()
        try:
            outcome = self._store(topic, payload, received_at)
        except (ValueError, MidgeError) as err:
            self.store.quarantine(topic, payload, str(err), received_at)
            outcome = "quarantined"
        self.counts[outcome] += 1
        return outcome

    def _store(self, topic, payload, received_at):
        if tts.is_uplink_topic(topic):
            up = tts.parse(topic, payload)
            if up is None:
                return "ignored"
            decoded = lorawan.decode(up.payload)
            labels = self.projects.labels(up.device, len(decoded["counts"]))
            counts = {label: (count, saturated)
                      for label, count, saturated in zip(labels, decoded["counts"], decoded["saturated"])}
            new = self.store.uplink(up, decoded["width"], counts)
        else:
            kind, doc = fleet.parse(topic, payload)
            if kind == "det":
                new = self.store.detection(doc, received_at)
            else:
                new = self.store.health(doc, received_at)
        return "stored" if new else "duplicate"
