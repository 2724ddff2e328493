"""Publish over MQTT with ``umqtt.simple``: an outbox drained with QoS 1, other
messages with QoS 0, reconnecting with backoff.

Board glue makes the client (Wi-Fi already up) and hands it over::

    from umqtt.simple import MQTTClient
    client = MQTTClient("trap-01", "broker.local", keepalive=60)
    pub = Publisher(client, Outbox("/outbox"), b"midge/trap-01/det", timeout_s=3)
    pub.outbox.push(payload)
    pub.pump(time.ticks_ms())

``pump(now_ms)`` sends at most ``burst`` waiting messages of the outbox, oldest
first, each with QoS 1: umqtt's ``publish`` returns once the broker's PUBACK
arrived, and only then is the message popped, so a message whose PUBACK never
came is sent again after the reconnect. ``send(topic, msg, now_ms)`` publishes
one message with QoS 0 (not queued). Both connect when needed. On any error
the connection is dropped and no attempt is made for ``backoff_ms`` (doubling up
to ``max_backoff_ms``), so a dead broker costs one failed attempt per backoff
period. Each socket wait is bounded by ``timeout_s`` (set on umqtt's ``sock``
before every publish: umqtt makes a new socket per connect and leaves it
blocking); connecting is bounded by the network stack (a refused or unreachable
broker fails at once). With ``keepalive_s``, an idle connection is pinged every
half keepalive so the broker keeps it. ``report(what, err)``, when given, hears
of each failure. ``now_ms`` is any ticks-style clock (the app passes stream
time).
"""

from midge.sensors._clock import ticks_add, ticks_diff


class Publisher:
    def __init__(self, client, outbox, topic, timeout_s=None, keepalive_s=0, backoff_ms=1000,
                 max_backoff_ms=60000, burst=4, report=None):
        self._client = client
        self.outbox = outbox
        self.topic = topic
        self._timeout = timeout_s
        self._ping_ms = keepalive_s * 500
        self._min = backoff_ms
        self._max = max_backoff_ms
        self._backoff = backoff_ms
        self._burst = burst
        self._report = report
        self._retry_at = None
        self._last = 0  # when the last packet went out
        self.connected = False
        self.sent = 0
        self.failures = 0

    def _ready(self, now_ms):
        if self.connected:
            return True
        if self._retry_at is not None and ticks_diff(now_ms, self._retry_at) < 0:
            return False
        try:
            self._client.connect()
        except Exception as err:  # OSError, or umqtt's MQTTException (e.g. bad credentials)
            self._fail(now_ms, "connect", err)
            return False
        self.connected = True
        self._last = now_ms
        return True

    def _arm(self):
        sock = getattr(self._client, "sock", None)
        if sock is not None and self._timeout:
            sock.settimeout(self._timeout)

    def pump(self, now_ms):
        """Send up to ``burst`` outbox messages with QoS 1; returns how many went out."""
        outbox = self.outbox
        if not outbox.pending:
            if self.connected and self._ping_ms and ticks_diff(now_ms, self._last) >= self._ping_ms:
                self._arm()
                try:
                    self._client.ping()
                except Exception as err:
                    self._fail(now_ms, "ping", err)
                    return 0
                self._last = now_ms
            return 0
        if not self._ready(now_ms):
            return 0
        done = 0
        while done < self._burst:
            msg = outbox.peek()
            if msg is None:
                break
            self._arm()
            try:
                self._client.publish(self.topic, msg, False, 1)
            except Exception as err:
                self._fail(now_ms, "publish", err)
                break
            outbox.pop()
            done += 1
        if done:
            self._sent(now_ms, done)
        return done

    def send(self, topic, msg, now_ms):
        """Publish ``msg`` on ``topic`` with QoS 0; False if it could not go out now."""
        if not self._ready(now_ms):
            return False
        self._arm()
        try:
            self._client.publish(topic, msg, False, 0)
        except Exception as err:
            self._fail(now_ms, "publish", err)
            return False
        self._sent(now_ms, 1)
        return True

    def _sent(self, now_ms, n):
        self.sent += n
        self._last = now_ms
        self._backoff = self._min

    def _fail(self, now_ms, what, err):
        self.failures += 1
        if self.connected:
            try:
                self._client.disconnect()
            except Exception:
                pass  # the connection is gone already
        sock = getattr(self._client, "sock", None)
        if sock is not None:
            sock.close()  # (umqtt leaves a failed connect's socket open)
        self.connected = False
        self._retry_at = ticks_add(now_ms, self._backoff)
        self._backoff = min(self._backoff * 2, self._max)
        if self._report is not None:
            self._report(what, err)
