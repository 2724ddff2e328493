// The `machine` module of midge's 32-bit unix port: what a board's machine
// module offers that makes sense in a process. idle() yields the CPU;
// soft_reset() raises SystemExit (the emulated board's REPL turns it into a
// soft reset); reset() ends the process, as power-cycling ends a board's run.
// Peripherals (Pin, I2S, I2C, UART) are not here: board glue for the emulated
// board (midge.boards.sim) provides stand-ins.

#include <sched.h>
#include <stdlib.h>

#include "py/runtime.h"

static mp_obj_t machine_idle(void) {
    sched_yield();
    return mp_const_none;
}
static MP_DEFINE_CONST_FUN_OBJ_0(machine_idle_obj, machine_idle);

static mp_obj_t machine_soft_reset(void) {
    mp_raise_type(&mp_type_SystemExit);
}
static MP_DEFINE_CONST_FUN_OBJ_0(machine_soft_reset_obj, machine_soft_reset);

static mp_obj_t machine_reset(void) {
    exit(0);
}
static MP_DEFINE_CONST_FUN_OBJ_0(machine_reset_obj, machine_reset);

static const mp_rom_map_elem_t machine_module_globals_table[] = {
    { MP_ROM_QSTR(MP_QSTR___name__), MP_ROM_QSTR(MP_QSTR_machine) },
    { MP_ROM_QSTR(MP_QSTR_idle), MP_ROM_PTR(&machine_idle_obj) },
    { MP_ROM_QSTR(MP_QSTR_soft_reset), MP_ROM_PTR(&machine_soft_reset_obj) },
    { MP_ROM_QSTR(MP_QSTR_reset), MP_ROM_PTR(&machine_reset_obj) },
};
static MP_DEFINE_CONST_DICT(machine_module_globals, machine_module_globals_table);

const mp_obj_module_t midge_module_machine = {
    .base = { &mp_type_module },
    .globals = (mp_obj_dict_t *)&machine_module_globals,
};
MP_REGISTER_EXTENSIBLE_MODULE(MP_QSTR_machine, midge_module_machine);
