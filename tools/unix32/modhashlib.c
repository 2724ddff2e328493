// The `hashlib` module of midge's 32-bit unix port: sha256 (FIPS 180-4), as
// MicroPython offers it: sha256([data]), .update(data), .digest(). `midge
// deploy`, `midge pull` and `mpremote sha256sum` hash files on the board with it.

#include <string.h>

#include "py/runtime.h"

typedef struct _sha256_obj_t {
    mp_obj_base_t base;
    uint32_t state[8];
    uint64_t length;  // bytes hashed so far
    uint8_t block[64];
    size_t used;  // bytes waiting in block
    bool done;
} sha256_obj_t;

static const uint32_t K[64] = {
    0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
    0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
    0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
    0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
    0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
    0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
    0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
    0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
};

static inline uint32_t rotr(uint32_t x, int n) {
    return (x >> n) | (x << (32 - n));
}

static void compress(sha256_obj_t *h, const uint8_t *b) {
    uint32_t w[64];
    for (int i = 0; i < 16; i++) {
        w[i] = ((uint32_t)b[4 * i] << 24) | ((uint32_t)b[4 * i + 1] << 16) | ((uint32_t)b[4 * i + 2] << 8) | b[4 * i + 3];
    }
    for (int i = 16; i < 64; i++) {
        uint32_t s0 = rotr(w[i - 15], 7) ^ rotr(w[i - 15], 18) ^ (w[i - 15] >> 3);
        uint32_t s1 = rotr(w[i - 2], 17) ^ rotr(w[i - 2], 19) ^ (w[i - 2] >> 10);
        w[i] = w[i - 16] + s0 + w[i - 7] + s1;
    }
    uint32_t a = h->state[0], bb = h->state[1], c = h->state[2], d = h->state[3];
    uint32_t e = h->state[4], f = h->state[5], g = h->state[6], hh = h->state[7];
    for (int i = 0; i < 64; i++) {
        uint32_t t1 = hh + (rotr(e, 6) ^ rotr(e, 11) ^ rotr(e, 25)) + ((e & f) ^ (~e & g)) + K[i] + w[i];
        uint32_t t2 = (rotr(a, 2) ^ rotr(a, 13) ^ rotr(a, 22)) + ((a & bb) ^ (a & c) ^ (bb & c));
        hh = g;
        g = f;
        f = e;
        e = d + t1;
        d = c;
        c = bb;
        bb = a;
        a = t1 + t2;
    }
    h->state[0] += a;
    h->state[1] += bb;
    h->state[2] += c;
    h->state[3] += d;
    h->state[4] += e;
    h->state[5] += f;
    h->state[6] += g;
    h->state[7] += hh;
}

static void absorb(sha256_obj_t *h, const uint8_t *data, size_t len) {
    h->length += len;
    while (len) {
        size_t n = 64 - h->used;
        if (n > len) {
            n = len;
        }
        memcpy(h->block + h->used, data, n);
        h->used += n;
        data += n;
        len -= n;
        if (h->used == 64) {
            compress(h, h->block);
            h->used = 0;
        }
    }
}

static mp_obj_t sha256_update(mp_obj_t self_in, mp_obj_t data) {
    sha256_obj_t *self = MP_OBJ_TO_PTR(self_in);
    if (self->done) {
        mp_raise_ValueError(MP_ERROR_TEXT("hash already digested"));
    }
    mp_buffer_info_t in;
    mp_get_buffer_raise(data, &in, MP_BUFFER_READ);
    absorb(self, in.buf, in.len);
    return mp_const_none;
}
static MP_DEFINE_CONST_FUN_OBJ_2(sha256_update_obj, sha256_update);

static mp_obj_t sha256_digest(mp_obj_t self_in) {
    sha256_obj_t *self = MP_OBJ_TO_PTR(self_in);
    if (!self->done) {
        uint64_t bits = self->length * 8;
        static const uint8_t pad[64] = {0x80};
        absorb(self, pad, self->used < 56 ? 56 - self->used : 120 - self->used);
        uint8_t tail[8];
        for (int i = 0; i < 8; i++) {
            tail[i] = bits >> (56 - 8 * i);
        }
        absorb(self, tail, 8);
        self->done = true;
    }
    uint8_t out[32];
    for (int i = 0; i < 8; i++) {
        out[4 * i] = self->state[i] >> 24;
        out[4 * i + 1] = self->state[i] >> 16;
        out[4 * i + 2] = self->state[i] >> 8;
        out[4 * i + 3] = self->state[i];
    }
    return mp_obj_new_bytes(out, 32);
}
static MP_DEFINE_CONST_FUN_OBJ_1(sha256_digest_obj, sha256_digest);

static mp_obj_t sha256_make_new(const mp_obj_type_t *type, size_t n_args, size_t n_kw, const mp_obj_t *args) {
    mp_arg_check_num(n_args, n_kw, 0, 1, false);
    sha256_obj_t *self = mp_obj_malloc(sha256_obj_t, type);
    static const uint32_t initial[8] = {0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a,
                                        0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19};
    memcpy(self->state, initial, sizeof(initial));
    self->length = 0;
    self->used = 0;
    self->done = false;
    if (n_args) {
        sha256_update(MP_OBJ_FROM_PTR(self), args[0]);
    }
    return MP_OBJ_FROM_PTR(self);
}

static const mp_rom_map_elem_t sha256_locals_dict_table[] = {
    { MP_ROM_QSTR(MP_QSTR_update), MP_ROM_PTR(&sha256_update_obj) },
    { MP_ROM_QSTR(MP_QSTR_digest), MP_ROM_PTR(&sha256_digest_obj) },
};
static MP_DEFINE_CONST_DICT(sha256_locals_dict, sha256_locals_dict_table);

static MP_DEFINE_CONST_OBJ_TYPE(
    sha256_type,
    MP_QSTR_sha256,
    MP_TYPE_FLAG_NONE,
    make_new, sha256_make_new,
    locals_dict, &sha256_locals_dict
    );

static const mp_rom_map_elem_t hashlib_module_globals_table[] = {
    { MP_ROM_QSTR(MP_QSTR___name__), MP_ROM_QSTR(MP_QSTR_hashlib) },
    { MP_ROM_QSTR(MP_QSTR_sha256), MP_ROM_PTR(&sha256_type) },
};
static MP_DEFINE_CONST_DICT(hashlib_module_globals, hashlib_module_globals_table);

const mp_obj_module_t midge_module_hashlib = {
    .base = { &mp_type_module },
    .globals = (mp_obj_dict_t *)&hashlib_module_globals,
};
MP_REGISTER_EXTENSIBLE_MODULE(MP_QSTR_hashlib, midge_module_hashlib);
