"""Publish detections over MQTT with ``umqtt.simple``, reconnecting with backoff.

Board glue makes the client (Wi-Fi already up) and hands it over::

    from umqtt.simple import MQTTClient
    client = MQTTClient("midge-01", "broker.local", keepalive=60)
    pub = Publisher(client, b"midge/midge-01/det")
    pub.publish(b'{"label":"yes","score":231}', time.ticks_ms())

``publish`` connects on first use. On any OSError it drops the connection and
waits ``backoff_ms`` (doubling up to ``max_backoff_ms``) before the next
attempt; messages offered in between are counted in ``dropped`` and not
queued, so a dead broker costs one failed attempt per backoff period and never
stalls the pipeline for long (umqtt's socket calls block; keep the broker on
the LAN or give the client a short socket timeout where supported).
"""

from midge.sensors._clock import ticks_add, ticks_diff


class Publisher:
    def __init__(self, client, topic, backoff_ms=1000, max_backoff_ms=60000):
        self._client = client
        self.topic = topic
        self._min = backoff_ms
        self._max = max_backoff_ms
        self._backoff = backoff_ms
        self._retry_at = None
        self.connected = False
        self.dropped = 0
        self.sent = 0

    def publish(self, msg, now_ms, retain=False):
        """Send ``msg`` (bytes/str); True if it went out, False if dropped."""
        if not self.connected:
            if self._retry_at is not None and ticks_diff(now_ms, self._retry_at) < 0:
                self.dropped += 1
                return False
            try:
                self._client.connect()
                self.connected = True
            except OSError:
                self._fail(now_ms)
                self.dropped += 1
                return False
        try:
            self._client.publish(self.topic, msg, retain)
        except OSError:
            self._fail(now_ms)
            self.dropped += 1
            return False
        self._backoff = self._min
        self.sent += 1
        return True

    def _fail(self, now_ms):
        if self.connected:
            try:
                self._client.disconnect()
            except OSError:
                pass
        self.connected = False
        self._retry_at = ticks_add(now_ms, self._backoff)
        self._backoff = min(self._backoff * 2, self._max)
