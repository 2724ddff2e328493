// The `select` module of midge's 32-bit unix port: `select.poll()` over any
// stream (its MP_STREAM_POLL ioctl), as mpremote's mount and the emulated board
// use it on sys.stdin.buffer. Waiting sleeps in poll(2) on the streams' file
// descriptors, a millisecond at a time, so KeyboardInterrupt ends it.

#include <poll.h>

#include "py/mphal.h"
#include "py/runtime.h"
#include "py/stream.h"

typedef struct _poll_obj_t {
    mp_obj_base_t base;
    mp_obj_t registered;  // dict: stream -> event mask
} poll_obj_t;

static mp_obj_t poll_register(size_t n_args, const mp_obj_t *args) {
    poll_obj_t *self = MP_OBJ_TO_PTR(args[0]);
    mp_obj_t mask = n_args > 2 ? args[2] : MP_OBJ_NEW_SMALL_INT(MP_STREAM_POLL_RD | MP_STREAM_POLL_WR);
    mp_get_stream_raise(args[1], MP_STREAM_OP_IOCTL);
    mp_obj_dict_store(self->registered, args[1], mask);
    return mp_const_none;
}
static MP_DEFINE_CONST_FUN_OBJ_VAR_BETWEEN(poll_register_obj, 2, 3, poll_register);

static mp_obj_t poll_unregister(mp_obj_t self_in, mp_obj_t stream) {
    poll_obj_t *self = MP_OBJ_TO_PTR(self_in);
    mp_obj_dict_delete(self->registered, stream);
    return mp_const_none;
}
static MP_DEFINE_CONST_FUN_OBJ_2(poll_unregister_obj, poll_unregister);

static mp_obj_t poll_modify(mp_obj_t self_in, mp_obj_t stream, mp_obj_t mask) {
    poll_obj_t *self = MP_OBJ_TO_PTR(self_in);
    mp_obj_dict_store(self->registered, stream, mask);
    return mp_const_none;
}
static MP_DEFINE_CONST_FUN_OBJ_3(poll_modify_obj, poll_modify);

// (stream, events) for every registered stream that has one of its events now
static mp_obj_t ready_now(poll_obj_t *self) {
    mp_obj_t out = mp_obj_new_list(0, NULL);
    mp_map_t *map = mp_obj_dict_get_map(self->registered);
    for (size_t i = 0; i < map->alloc; i++) {
        if (!mp_map_slot_is_filled(map, i)) {
            continue;
        }
        mp_obj_t stream = map->table[i].key;
        mp_uint_t mask = mp_obj_get_int(map->table[i].value);
        const mp_stream_p_t *p = mp_get_stream(stream);
        int err = 0;
        mp_uint_t ready = p->ioctl(stream, MP_STREAM_POLL, mask, &err);
        if (ready == MP_STREAM_ERROR) {
            ready = MP_STREAM_POLL_ERR;
        }
        ready &= mask | MP_STREAM_POLL_ERR | MP_STREAM_POLL_HUP;
        if (ready) {
            mp_obj_t pair[2] = {stream, MP_OBJ_NEW_SMALL_INT(ready)};
            mp_obj_list_append(out, mp_obj_new_tuple(2, pair));
        }
    }
    return out;
}

// poll(timeout_ms=-1): [(stream, events), ...], empty after the timeout
static mp_obj_t poll_poll(size_t n_args, const mp_obj_t *args) {
    poll_obj_t *self = MP_OBJ_TO_PTR(args[0]);
    mp_int_t timeout = n_args > 1 && args[1] != mp_const_none ? mp_obj_get_int(args[1]) : -1;
    mp_uint_t start = mp_hal_ticks_ms();
    for (;;) {
        mp_obj_t ready = ready_now(self);
        if (mp_obj_get_int(mp_obj_len(ready)) > 0) {
            return ready;
        }
        if (timeout >= 0 && (mp_int_t)(mp_hal_ticks_ms() - start) >= timeout) {
            return ready;
        }
        poll(NULL, 0, 1);
        mp_handle_pending(true);
    }
}
static MP_DEFINE_CONST_FUN_OBJ_VAR_BETWEEN(poll_poll_obj, 1, 3, poll_poll);

static mp_obj_t poll_ipoll(size_t n_args, const mp_obj_t *args) {
    return mp_getiter(poll_poll(n_args > 2 ? 2 : n_args, args), NULL);
}
static MP_DEFINE_CONST_FUN_OBJ_VAR_BETWEEN(poll_ipoll_obj, 1, 3, poll_ipoll);

static const mp_rom_map_elem_t poll_locals_dict_table[] = {
    { MP_ROM_QSTR(MP_QSTR_register), MP_ROM_PTR(&poll_register_obj) },
    { MP_ROM_QSTR(MP_QSTR_unregister), MP_ROM_PTR(&poll_unregister_obj) },
    { MP_ROM_QSTR(MP_QSTR_modify), MP_ROM_PTR(&poll_modify_obj) },
    { MP_ROM_QSTR(MP_QSTR_poll), MP_ROM_PTR(&poll_poll_obj) },
    { MP_ROM_QSTR(MP_QSTR_ipoll), MP_ROM_PTR(&poll_ipoll_obj) },
};
static MP_DEFINE_CONST_DICT(poll_locals_dict, poll_locals_dict_table);

static MP_DEFINE_CONST_OBJ_TYPE(
    poll_type,
    MP_QSTR_poll,
    MP_TYPE_FLAG_NONE,
    locals_dict, &poll_locals_dict
    );

static mp_obj_t select_poll(void) {
    poll_obj_t *self = mp_obj_malloc(poll_obj_t, &poll_type);
    self->registered = mp_obj_new_dict(0);
    return MP_OBJ_FROM_PTR(self);
}
static MP_DEFINE_CONST_FUN_OBJ_0(select_poll_obj, select_poll);

static const mp_rom_map_elem_t select_module_globals_table[] = {
    { MP_ROM_QSTR(MP_QSTR___name__), MP_ROM_QSTR(MP_QSTR_select) },
    { MP_ROM_QSTR(MP_QSTR_poll), MP_ROM_PTR(&select_poll_obj) },
    { MP_ROM_QSTR(MP_QSTR_POLLIN), MP_ROM_INT(MP_STREAM_POLL_RD) },
    { MP_ROM_QSTR(MP_QSTR_POLLOUT), MP_ROM_INT(MP_STREAM_POLL_WR) },
    { MP_ROM_QSTR(MP_QSTR_POLLERR), MP_ROM_INT(MP_STREAM_POLL_ERR) },
    { MP_ROM_QSTR(MP_QSTR_POLLHUP), MP_ROM_INT(MP_STREAM_POLL_HUP) },
};
static MP_DEFINE_CONST_DICT(select_module_globals, select_module_globals_table);

const mp_obj_module_t midge_module_select = {
    .base = { &mp_type_module },
    .globals = (mp_obj_dict_t *)&select_module_globals,
};
MP_REGISTER_EXTENSIBLE_MODULE(MP_QSTR_select, midge_module_select);
