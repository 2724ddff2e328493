// The `binascii` module of midge's 32-bit unix port: hexlify, unhexlify,
// a2b_base64 and b2a_base64 (RFC 4648 base64), the calls deploy, pull, collect
// and mpremote make.

#include <string.h>

#include "py/objstr.h"
#include "py/runtime.h"

static const char b64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

static mp_obj_t binascii_hexlify(size_t n_args, const mp_obj_t *args) {
    mp_buffer_info_t in;
    mp_get_buffer_raise(args[0], &in, MP_BUFFER_READ);
    const char *sep = n_args > 1 ? mp_obj_str_get_str(args[1]) : NULL;
    vstr_t v;
    vstr_init(&v, in.len * 3);
    static const char digits[] = "0123456789abcdef";
    for (size_t i = 0; i < in.len; i++) {
        if (sep && i) {
            vstr_add_str(&v, sep);
        }
        byte b = ((const byte *)in.buf)[i];
        vstr_add_byte(&v, digits[b >> 4]);
        vstr_add_byte(&v, digits[b & 15]);
    }
    return mp_obj_new_bytes_from_vstr(&v);
}
static MP_DEFINE_CONST_FUN_OBJ_VAR_BETWEEN(binascii_hexlify_obj, 1, 2, binascii_hexlify);

static int hex_value(byte c) {
    if (c >= '0' && c <= '9') {
        return c - '0';
    }
    c |= 0x20;
    if (c >= 'a' && c <= 'f') {
        return c - 'a' + 10;
    }
    mp_raise_ValueError(MP_ERROR_TEXT("non-hex digit"));
}

static mp_obj_t binascii_unhexlify(mp_obj_t data) {
    mp_buffer_info_t in;
    mp_get_buffer_raise(data, &in, MP_BUFFER_READ);
    if (in.len & 1) {
        mp_raise_ValueError(MP_ERROR_TEXT("odd-length string"));
    }
    vstr_t v;
    vstr_init_len(&v, in.len / 2);
    const byte *p = in.buf;
    for (size_t i = 0; i < in.len / 2; i++) {
        v.buf[i] = (hex_value(p[2 * i]) << 4) | hex_value(p[2 * i + 1]);
    }
    return mp_obj_new_bytes_from_vstr(&v);
}
static MP_DEFINE_CONST_FUN_OBJ_1(binascii_unhexlify_obj, binascii_unhexlify);

static mp_obj_t binascii_a2b_base64(mp_obj_t data) {
    mp_buffer_info_t in;
    mp_get_buffer_raise(data, &in, MP_BUFFER_READ);
    vstr_t v;
    vstr_init(&v, in.len / 4 * 3 + 3);
    unsigned acc = 0;
    int bits = 0;
    int pad = 0;
    size_t sextets = 0;
    for (size_t i = 0; i < in.len; i++) {
        byte c = ((const byte *)in.buf)[i];
        const char *at = c ? strchr(b64, c) : NULL;
        if (c == '=') {
            pad++;
            continue;
        }
        if (at == NULL) {
            continue;  // line breaks and other non-alphabet bytes are skipped
        }
        if (pad) {
            mp_raise_ValueError(MP_ERROR_TEXT("incorrect padding"));
        }
        acc = (acc << 6) | (unsigned)(at - b64);
        bits += 6;
        sextets++;
        if (bits >= 8) {
            bits -= 8;
            vstr_add_byte(&v, (acc >> bits) & 0xff);
        }
    }
    if ((sextets + pad) % 4 != 0 || sextets % 4 == 1) {
        mp_raise_ValueError(MP_ERROR_TEXT("incorrect padding"));
    }
    return mp_obj_new_bytes_from_vstr(&v);
}
static MP_DEFINE_CONST_FUN_OBJ_1(binascii_a2b_base64_obj, binascii_a2b_base64);

static mp_obj_t binascii_b2a_base64(size_t n_args, const mp_obj_t *args, mp_map_t *kw) {
    mp_buffer_info_t in;
    mp_get_buffer_raise(args[0], &in, MP_BUFFER_READ);
    mp_map_elem_t *nl = mp_map_lookup(kw, MP_OBJ_NEW_QSTR(MP_QSTR_newline), MP_MAP_LOOKUP);
    bool newline = nl == NULL || mp_obj_is_true(nl->value);
    vstr_t v;
    vstr_init(&v, (in.len + 2) / 3 * 4 + 1);
    const byte *p = in.buf;
    size_t i = 0;
    for (; i + 2 < in.len; i += 3) {
        unsigned w = (p[i] << 16) | (p[i + 1] << 8) | p[i + 2];
        vstr_add_byte(&v, b64[w >> 18]);
        vstr_add_byte(&v, b64[(w >> 12) & 63]);
        vstr_add_byte(&v, b64[(w >> 6) & 63]);
        vstr_add_byte(&v, b64[w & 63]);
    }
    if (i < in.len) {
        unsigned w = p[i] << 16;
        if (i + 1 < in.len) {
            w |= p[i + 1] << 8;
        }
        vstr_add_byte(&v, b64[w >> 18]);
        vstr_add_byte(&v, b64[(w >> 12) & 63]);
        vstr_add_byte(&v, i + 1 < in.len ? b64[(w >> 6) & 63] : '=');
        vstr_add_byte(&v, '=');
    }
    if (newline) {
        vstr_add_byte(&v, '\n');
    }
    return mp_obj_new_bytes_from_vstr(&v);
}
static MP_DEFINE_CONST_FUN_OBJ_KW(binascii_b2a_base64_obj, 1, binascii_b2a_base64);

static const mp_rom_map_elem_t binascii_module_globals_table[] = {
    { MP_ROM_QSTR(MP_QSTR___name__), MP_ROM_QSTR(MP_QSTR_binascii) },
    { MP_ROM_QSTR(MP_QSTR_hexlify), MP_ROM_PTR(&binascii_hexlify_obj) },
    { MP_ROM_QSTR(MP_QSTR_unhexlify), MP_ROM_PTR(&binascii_unhexlify_obj) },
    { MP_ROM_QSTR(MP_QSTR_a2b_base64), MP_ROM_PTR(&binascii_a2b_base64_obj) },
    { MP_ROM_QSTR(MP_QSTR_b2a_base64), MP_ROM_PTR(&binascii_b2a_base64_obj) },
};
static MP_DEFINE_CONST_DICT(binascii_module_globals, binascii_module_globals_table);

const mp_obj_module_t midge_module_binascii = {
    .base = { &mp_type_module },
    .globals = (mp_obj_dict_t *)&binascii_module_globals,
};
MP_REGISTER_EXTENSIBLE_MODULE(MP_QSTR_binascii, midge_module_binascii);
