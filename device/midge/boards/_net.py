"""Network glue shared by Wi-Fi boards (and the emulated board): join Wi-Fi and make
an MQTT client.

``mqtt_client(params)`` uses micropython-lib's ``umqtt.simple`` (on a board:
``mpremote mip install umqtt.simple``) and, with ``ssid``, ``network.WLAN``.
Params (the mqtt responder's in midge.json): ``ssid``, ``password``,
``connect_timeout_s`` (15) for Wi-Fi; ``broker``, ``port`` (1883, 8883 with
TLS), ``client_id`` (default ``device``, else "midge"), ``keepalive`` (60),
``user`` and ``key`` (the broker's login), ``tls`` (an ``ssl.SSLContext`` handed
to umqtt, which needs umqtt.simple 1.4 or later) and ``ca`` (a CA certificate
file on the board: the broker's certificate is verified against it; without it
the connection is encrypted but the broker is not authenticated); ``ntp`` (an NTP
server, "pool.ntp.org" by default when Wi-Fi is joined; "" leaves the clock alone).

``utc()`` is the board's UTC time as midge.fleet's ``time`` once NTP set the clock
(``set_clock``), else None: a board's clock starts at its epoch at power-on.
"""

import time

_clock_set = False


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


def set_clock(params):
    """Set the board's clock from ``params["ntp"]`` (default pool.ntp.org); True once set."""
    global _clock_set
    host = params.get("ntp", "pool.ntp.org")
    if not host:
        return False
    try:
        import ntptime
        ntptime.host = host
        ntptime.settime()
    except Exception:  # no ntptime, DNS or a timeout (OSError), a malformed reply: the time stays unknown
        return False
    _clock_set = True
    return True


def utc():
    """UTC now (``YYYY-MM-DDTHH:MM:SSZ``) once ``set_clock`` succeeded, else None."""
    if not _clock_set:
        return None
    from midge.fleet import utc_text
    return utc_text(time.gmtime())


def tls_context(params):
    """The ``ssl.SSLContext`` for ``params``: verifying against ``ca`` when given."""
    import ssl
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    if params.get("ca"):
        ctx.load_verify_locations(cafile=params["ca"])
    else:
        ctx.verify_mode = ssl.CERT_NONE  # type: ignore[attr-defined]  # (MicroPython has it; its stubs do not)
    return ctx


def mqtt_client(params):
    """An ``umqtt.simple.MQTTClient`` for ``params`` (Wi-Fi joined first when ``ssid`` is given)."""
    if params.get("ssid"):
        wifi(params)
    if params.get("ssid") or params.get("ntp"):
        set_clock(params)
    try:
        from umqtt.simple import MQTTClient
    except ImportError:
        raise ValueError("the mqtt responder needs umqtt.simple: mpremote mip install umqtt.simple")
    tls = params.get("tls", False)
    user = params.get("user")
    return MQTTClient(params.get("client_id") or params.get("device", "midge"), params["broker"],
                      port=params.get("port", 8883 if tls else 1883), user=user,
                      password=params.get("key", "") if user else None, keepalive=params.get("keepalive", 60),
                      ssl=tls_context(params) if tls else None)
