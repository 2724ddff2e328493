// The `uctypes` module of midge's 32-bit unix port: the subset midge uses to
// view bytes in place, as boards' uctypes does. addressof(buf) gives a buffer's
// address; struct(addr, (ARRAY, INT8 | n)) (or UINT8 | n) is an n-item array at
// that address: indexable (bounds-checked, item assignment too) and a buffer.
// Any other layout raises NotImplementedError naming it.

#include "py/runtime.h"

#define LAYOUT_ARRAY (2 << 28)
#define ITEM_UINT8 (0)
#define ITEM_INT8 (1 << 24)
#define LENGTH_MASK ((1 << 24) - 1)

typedef struct {
    mp_obj_base_t base;
    byte *addr;
    size_t len;
    bool is_signed;
} uctypes_array_obj_t;

static mp_obj_t uctypes_array_subscr(mp_obj_t self_in, mp_obj_t index, mp_obj_t value) {
    uctypes_array_obj_t *self = MP_OBJ_TO_PTR(self_in);
    if (value == MP_OBJ_NULL) {
        return MP_OBJ_NULL;  // no delete
    }
    if (!mp_obj_is_small_int(index)) {
        mp_raise_TypeError(MP_ERROR_TEXT("uctypes array index must be an int"));
    }
    mp_int_t i = MP_OBJ_SMALL_INT_VALUE(index);
    if (i < 0 || (size_t)i >= self->len) {
        mp_raise_msg(&mp_type_IndexError, MP_ERROR_TEXT("struct: index out of range"));
    }
    if (value == MP_OBJ_SENTINEL) {
        byte b = self->addr[i];
        return MP_OBJ_NEW_SMALL_INT(self->is_signed ? (mp_int_t)(int8_t)b : (mp_int_t)b);
    }
    self->addr[i] = (byte)mp_obj_get_int(value);
    return mp_const_none;
}

static mp_int_t uctypes_array_get_buffer(mp_obj_t self_in, mp_buffer_info_t *info, mp_uint_t flags) {
    uctypes_array_obj_t *self = MP_OBJ_TO_PTR(self_in);
    info->buf = self->addr;
    info->len = self->len;
    info->typecode = self->is_signed ? 'b' : 'B';
    return 0;
}

static MP_DEFINE_CONST_OBJ_TYPE(
    uctypes_array_type,
    MP_QSTR_struct,
    MP_TYPE_FLAG_NONE,
    subscr, uctypes_array_subscr,
    buffer, uctypes_array_get_buffer
    );

static mp_obj_t uctypes_addressof(mp_obj_t buf) {
    mp_buffer_info_t info;
    mp_get_buffer_raise(buf, &info, MP_BUFFER_READ);
    return mp_obj_new_int_from_uint((uintptr_t)info.buf);
}
static MP_DEFINE_CONST_FUN_OBJ_1(uctypes_addressof_obj, uctypes_addressof);

static mp_obj_t uctypes_struct(size_t n_args, const mp_obj_t *args) {
    size_t n;
    mp_obj_t *desc;
    if (!mp_obj_is_type(args[1], &mp_type_tuple)) {
        mp_raise_msg(&mp_type_NotImplementedError, MP_ERROR_TEXT("this uctypes views only (ARRAY, INT8 | n) or (ARRAY, UINT8 | n)"));
    }
    mp_obj_tuple_get(args[1], &n, &desc);
    mp_int_t item = n == 2 ? mp_obj_get_int(desc[1]) : -1;
    if (n != 2 || mp_obj_get_int(desc[0]) != LAYOUT_ARRAY || item < 0
        || ((item & ~LENGTH_MASK) != ITEM_INT8 && (item & ~LENGTH_MASK) != ITEM_UINT8)) {
        mp_raise_msg(&mp_type_NotImplementedError, MP_ERROR_TEXT("this uctypes views only (ARRAY, INT8 | n) or (ARRAY, UINT8 | n)"));
    }
    uctypes_array_obj_t *o = mp_obj_malloc(uctypes_array_obj_t, &uctypes_array_type);
    o->addr = (byte *)(uintptr_t)mp_obj_get_int_truncated(args[0]);
    o->len = item & LENGTH_MASK;
    o->is_signed = (item & ~LENGTH_MASK) == ITEM_INT8;
    return MP_OBJ_FROM_PTR(o);
}
static MP_DEFINE_CONST_FUN_OBJ_VAR_BETWEEN(uctypes_struct_obj, 2, 3, uctypes_struct);

static const mp_rom_map_elem_t uctypes_module_globals_table[] = {
    { MP_ROM_QSTR(MP_QSTR___name__), MP_ROM_QSTR(MP_QSTR_uctypes) },
    { MP_ROM_QSTR(MP_QSTR_addressof), MP_ROM_PTR(&uctypes_addressof_obj) },
    { MP_ROM_QSTR(MP_QSTR_struct), MP_ROM_PTR(&uctypes_struct_obj) },
    { MP_ROM_QSTR(MP_QSTR_ARRAY), MP_ROM_INT(LAYOUT_ARRAY) },
    { MP_ROM_QSTR(MP_QSTR_INT8), MP_ROM_INT(ITEM_INT8) },
    { MP_ROM_QSTR(MP_QSTR_UINT8), MP_ROM_INT(ITEM_UINT8) },
};
static MP_DEFINE_CONST_DICT(uctypes_module_globals, uctypes_module_globals_table);

const mp_obj_module_t midge_module_uctypes = {
    .base = { &mp_type_module },
    .globals = (mp_obj_dict_t *)&uctypes_module_globals,
};
MP_REGISTER_MODULE(MP_QSTR_uctypes, midge_module_uctypes);
