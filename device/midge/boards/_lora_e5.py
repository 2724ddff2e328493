"""A Seeed LoRa-E5 (Wio-E5, STM32WLE5) LoRaWAN modem on a UART, driven by its
AT commands: the modem is joined to the network (OTAA keys stored in it with
``AT+ID``/``AT+KEY`` beforehand) and ``send`` uplinks one payload with
``AT+MSGHEX="..."`` (unconfirmed) on ``port``.

    modem = LoraE5(machine.UART(1, 9600, tx=Pin(43), rx=Pin(44)))
    modem.join()
    modem.send(payload)         # bytes, at most 51 for DR0 in EU868
"""

import time

_HEX = b"0123456789ABCDEF"


class LoraE5:
    def __init__(self, uart, port=8, timeout_ms=10000):
        self._uart = uart
        self.port = port
        self.timeout_ms = timeout_ms
        self._line = bytearray(2 * 64 + 16)

    def _command(self, text, until, timeout_ms=None):
        uart = self._uart
        while uart.any():
            uart.read()
        uart.write(text)
        deadline = time.ticks_add(time.ticks_ms(), timeout_ms or self.timeout_ms)
        seen = b""
        while time.ticks_diff(deadline, time.ticks_ms()) > 0:
            chunk = uart.read()
            if chunk:
                seen += chunk
                if until in seen:
                    return seen
                if b"ERROR" in seen:
                    break
            time.sleep_ms(20)
        raise OSError("LoRa-E5: %r got %r" % (text, seen))

    def join(self):
        self._command(b"AT+PORT=%d\r\n" % self.port, b"+PORT")
        self._command(b"AT+JOIN\r\n", b"Network joined", 20000)

    def send(self, payload):
        """Uplink ``payload`` (bytes-like, up to 64 bytes) as hex."""
        line = self._line
        n = len(payload)
        line[0:11] = b'AT+MSGHEX="'
        for i in range(n):
            line[11 + 2 * i] = _HEX[payload[i] >> 4]
            line[12 + 2 * i] = _HEX[payload[i] & 15]
        end = 11 + 2 * n
        line[end:end + 3] = b'"\r\n'
        self._command(bytes(line[:end + 3]), b"Done")


def on_uart(uart_id, params, tx, rx):
    """A joined modem on UART ``uart_id``: pins ``params["tx"]``/``["rx"]`` (else
    ``tx``/``rx``, the board's default wiring), LoRaWAN port ``params["port"]`` (8)."""
    from machine import UART, Pin
    modem = LoraE5(UART(uart_id, 9600, tx=Pin(params.get("tx", tx)), rx=Pin(params.get("rx", rx))),
                   port=params.get("port", 8))
    modem.join()
    return modem
