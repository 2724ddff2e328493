"""Network glue shared by Wi-Fi boards: join Wi-Fi and make an MQTT client.

``mqtt_client(params)`` uses ``network.WLAN`` and micropython-lib's
``umqtt.simple`` (``mpremote mip install umqtt.simple``). Params: ``ssid``,
``password``, ``broker``, ``port`` (1883), ``client_id``, ``keepalive`` (60),
``user``, ``key``, ``connect_timeout_s`` (15).
"""

import time


def wifi(params):
    """Join ``params["ssid"]``; returns the WLAN once it has an address."""
    import network
    wlan = network.WLAN(network.STA_IF)
    wlan.active(True)
    if not wlan.isconnected():
        wlan.connect(params["ssid"], params.get("password", ""))
        deadline = time.ticks_add(time.ticks_ms(), 1000 * params.get("connect_timeout_s", 15))
        while not wlan.isconnected():
            if time.ticks_diff(deadline, time.ticks_ms()) < 0:
                raise OSError("Wi-Fi %r not joined; check ssid/password in midge.json" % params["ssid"])
            time.sleep_ms(100)
    return wlan


def mqtt_client(params):
    """An ``umqtt.simple.MQTTClient`` for ``params`` (Wi-Fi joined first when ``ssid`` is given)."""
    if params.get("ssid"):
        wifi(params)
    try:
        from umqtt.simple import MQTTClient
    except ImportError:
        raise ValueError("the mqtt responder needs umqtt.simple: mpremote mip install umqtt.simple")
    return MQTTClient(params.get("client_id", "midge"), params["broker"], port=params.get("port", 1883),
                      user=params.get("user"), password=params.get("key"),
                      keepalive=params.get("keepalive", 60))
