"""Fake ``umqtt.simple.MQTTClient`` (connect / publish / ping / disconnect).

Test hooks: ``MQTTClient.broker_up`` (False: connect and publish raise
OSError); ``MQTTClient.lose_pubacks`` (that many QoS 1 publishes reach the broker,
then raise OSError as if the PUBACK never came); ``published`` lists (topic, msg)
pairs as the broker got them, ``qos`` their QoS; ``connects`` counts attempts,
``pings`` pings."""


class MQTTClient:
    broker_up = True
    lose_pubacks = 0

    def __init__(self, client_id, server, port=0, user=None, password=None, keepalive=0, ssl=None):
        self.client_id = client_id
        self.server = server
        self.published = []
        self.qos = []
        self.connects = 0
        self.pings = 0
        self._up = False

    def connect(self, clean_session=True):
        self.connects += 1
        if not MQTTClient.broker_up:
            raise OSError(113)  # EHOSTUNREACH
        self._up = True
        return 0

    def disconnect(self):
        self._up = False

    def ping(self):
        if not (self._up and MQTTClient.broker_up):
            raise OSError(104)
        self.pings += 1

    def publish(self, topic, msg, retain=False, qos=0):
        if not (self._up and MQTTClient.broker_up):
            self._up = False
            raise OSError(104)  # ECONNRESET
        self.published.append((topic, bytes(msg)))
        self.qos.append(qos)
        if qos == 1 and MQTTClient.lose_pubacks:
            MQTTClient.lose_pubacks -= 1
            raise OSError(110)  # ETIMEDOUT waiting for the PUBACK
