"""A simulated fleet of midge boards publishing to a broker, for tools/bench_hub.py.

``Fleet(port, devices, clients, epoch)``: ``devices`` boards (ids dev-0000...,
boot 0) spread round-robin over ``clients`` paho-mqtt connections (one per board
when they are equal), sending ``midge.fleet``'s messages as boards do: det at QoS 1,
health at QoS 0. ``t_ms`` is the publish time in ms since ``epoch`` (a ``time.time()``), as
if every board booted then: the hub stores it, so a row carries its publish time.

- ``field(seconds)``: detections at random (a Poisson process, one per
  ``DET_EVERY_S`` per board on average) and health every ``HEALTH_EVERY_S`` per board
  (from a random phase);
- ``burst(per_device)``: every board sends ``per_device`` detections at once;
- ``drain(timeout)``: wait until the broker acknowledged (PUBACK) every detection,
  those paho queued while the broker was away included; returns how many it did not.

``field`` and ``burst`` return {"keys": [...], "seconds": s}: what was published, as
("det", device, seq) and ("health", device, t_ms). ``serve(conn, **kwargs)`` runs a
Fleet in a child process, taking (method, args) from a multiprocessing pipe and
sending back the result.
"""

import random
import threading
import time

import paho.mqtt.client as mqtt

from midge import fleet

DET_EVERY_S = 5.0
HEALTH_EVERY_S = 60.0
LABELS = ("aedes_aegypti", "culex", "other")


class Fleet:
    def __init__(self, port, devices, clients, epoch, seed=13):
        self.epoch = epoch
        self.rng = random.Random(seed)
        self.devices = [f"dev-{i:04d}" for i in range(devices)]
        self.seq = dict.fromkeys(self.devices, 0)
        self.clients, self.sent, self.acked = [], [], []
        self.lock = threading.Lock()
        for i in range(clients):
            client = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, client_id=f"bench-fleet-{i}")
            client.reconnect_delay_set(1, 2)
            client.max_queued_messages_set(0)
            acked = set()
            client.on_publish = lambda c, u, mid, rc, props, acked=acked: self._ack(acked, mid)
            client.connect("127.0.0.1", port, keepalive=30)
            client.loop_start()
            self.clients.append(client)
            self.sent.append(set())
            self.acked.append(acked)

    def _ack(self, acked, mid):
        with self.lock:
            acked.add(mid)

    def _publish(self, index, topic, payload, qos):
        client = index % len(self.clients)
        mid = self.clients[client].publish(topic, payload, qos=qos).mid
        if qos:
            self.sent[client].add(mid)

    def _det(self, index):
        device = self.devices[index]
        seq = self.seq[device]
        self.seq[device] = seq + 1
        payload = fleet.det(device, 0, seq, self.rng.choice(LABELS), self.rng.randrange(128, 256), self._t_ms())
        self._publish(index, fleet.det_topic(device).decode(), payload, 1)
        return ("det", device, seq)

    def _health(self, index):
        device, t_ms = self.devices[index], self._t_ms()
        self._publish(index, fleet.health_topic(device).decode(),
                      fleet.health(device, 0, t_ms, battery_mv=3700, heap_free=40000, windows=t_ms // 136,
                                   outbox=0), 0)
        return ("health", device, t_ms)

    def _t_ms(self):
        return int((time.time() - self.epoch) * 1000)

    def field(self, seconds):
        events = []
        for index in range(len(self.devices)):
            t = self.rng.expovariate(1 / DET_EVERY_S)
            while t < seconds:
                events.append((t, index, self._det))
                t += self.rng.expovariate(1 / DET_EVERY_S)
            t = self.rng.uniform(0, HEALTH_EVERY_S)
            while t < seconds:
                events.append((t, index, self._health))
                t += HEALTH_EVERY_S
        events.sort(key=lambda e: e[0])
        start = time.monotonic()
        keys = []
        for t, index, send in events:
            delay = start + t - time.monotonic()
            if delay > 0:
                time.sleep(delay)
            keys.append(send(index))
        return {"keys": keys, "seconds": time.monotonic() - start}

    def burst(self, per_device):
        start = time.monotonic()
        keys = [self._det(index) for _ in range(per_device) for index in range(len(self.devices))]
        return {"keys": keys, "seconds": time.monotonic() - start}

    def drain(self, timeout):
        end = time.monotonic() + timeout
        while time.monotonic() < end and self._unacked():
            time.sleep(0.05)
        return self._unacked()

    def _unacked(self):
        with self.lock:
            return sum(len(sent - acked) for sent, acked in zip(self.sent, self.acked))

    def close(self):
        for client in self.clients:
            client.disconnect()
        for client in self.clients:
            client.loop_stop()


def serve(conn, **kwargs):
    sim = Fleet(**kwargs)
    conn.send("ready")
    try:
        while True:
            name, args = conn.recv()
            if name == "close":
                return
            conn.send(getattr(sim, name)(*args))
    finally:
        sim.close()
