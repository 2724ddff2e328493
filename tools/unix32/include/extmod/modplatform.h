// Stand-in for MicroPython's extmod/modplatform.h, which py/modsys.c includes:
// this port has no `platform` module (MICROPY_PY_PLATFORM is 0), so nothing is needed.
