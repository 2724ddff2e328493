"""Fake ``umqtt.simple.MQTTClient`` (connect / publish / disconnect).

Test hooks: ``MQTTClient.broker_up`` (False: connect and publish raise
OSError); ``published`` lists (topic, msg) pairs; ``connects`` counts attempts."""


class MQTTClient:
    broker_up = True

    def __init__(self, client_id, server, port=0, user=None, password=None, keepalive=0, ssl=None, ssl_params={}):
        self.client_id = client_id
        self.server = server
        self.published = []
        self.connects = 0
        self._up = False

    def connect(self, clean_session=True):
        self.connects += 1
        if not MQTTClient.broker_up:
            raise OSError(113)  # EHOSTUNREACH
        self._up = True
        return 0

    def disconnect(self):
        self._up = False

    def publish(self, topic, msg, retain=False, qos=0):
        if not (self._up and MQTTClient.broker_up):
            self._up = False
            raise OSError(104)  # ECONNRESET
        self.published.append((topic, msg))
