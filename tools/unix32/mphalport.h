// The hardware abstraction of midge's 32-bit unix port (hal.c): stdio on file
// descriptors 0 and 1, ticks from CLOCK_MONOTONIC, no pins.

#include <unistd.h>

// no machine.Pin here: without this, py/mphal.h would pull in extmod/virtpin.h
#define mp_hal_pin_obj_t int

// text output is not cooked (\n stays \n), as on the unix port: the emulated
// board's REPL cooks what it prints itself
#define mp_hal_stdout_tx_strn_cooked(str, len) ((void)mp_hal_stdout_tx_strn(str, len))

static inline mp_uint_t mp_hal_ticks_cpu(void) {
    return 0;
}
#define mp_hal_ticks_cpu mp_hal_ticks_cpu

void mp_hal_set_interrupt_char(int c);
