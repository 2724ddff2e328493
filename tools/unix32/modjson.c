// The `json` module of midge's 32-bit unix port: dump/dumps (MicroPython's
// object printers in their JSON mode, with `separators`) and load/loads (a
// recursive-descent parser of RFC 8259 JSON into dict, list, str, int, float,
// True, False and None).

#include <string.h>

#include "py/cstack.h"
#include "py/objstr.h"
#include "py/parsenum.h"
#include "py/runtime.h"
#include "py/stream.h"

// -- writing

static void dump_to(mp_obj_t obj, const mp_print_t *base, size_t n_args, const mp_obj_t *args, mp_map_t *kw) {
    mp_print_ext_t print;
    print.base = *base;
    print.item_separator = ", ";
    print.key_separator = ": ";
    mp_map_elem_t *seps = mp_map_lookup(kw, MP_OBJ_NEW_QSTR(MP_QSTR_separators), MP_MAP_LOOKUP);
    if (seps && seps->value != mp_const_none) {
        mp_obj_t *pair;
        mp_obj_get_array_fixed_n(seps->value, 2, &pair);
        print.item_separator = mp_obj_str_get_str(pair[0]);
        print.key_separator = mp_obj_str_get_str(pair[1]);
    }
    mp_obj_print_helper(&print.base, obj, PRINT_JSON);
}

static mp_obj_t json_dumps(size_t n_args, const mp_obj_t *args, mp_map_t *kw) {
    vstr_t vstr;
    mp_print_t print;
    vstr_init_print(&vstr, 16, &print);
    dump_to(args[0], &print, n_args, args, kw);
    return mp_obj_new_str_from_vstr(&vstr);
}
static MP_DEFINE_CONST_FUN_OBJ_KW(json_dumps_obj, 1, json_dumps);

static mp_obj_t json_dump(size_t n_args, const mp_obj_t *args, mp_map_t *kw) {
    mp_get_stream_raise(args[1], MP_STREAM_OP_WRITE);
    mp_print_t print = {MP_OBJ_TO_PTR(args[1]), mp_stream_write_adaptor};
    dump_to(args[0], &print, n_args, args, kw);
    return mp_const_none;
}
static MP_DEFINE_CONST_FUN_OBJ_KW(json_dump_obj, 2, json_dump);

// -- reading

typedef struct _json_in_t {
    const char *p;
    const char *end;
    // The text object, on the C stack while parsing: the GC marks a block only
    // through a pointer to its start, and p soon points inside the text's data,
    // so a text that nothing else holds (json.load's read()) would be freed
    // mid-parse by the allocations the parse makes.
    mp_obj_t text;
} json_in_t;

NORETURN static void syntax_error(void) {
    mp_raise_ValueError(MP_ERROR_TEXT("syntax error in JSON"));
}

static void skip_space(json_in_t *in) {
    while (in->p < in->end && (*in->p == ' ' || *in->p == '\t' || *in->p == '\n' || *in->p == '\r')) {
        in->p++;
    }
}

static char peek(json_in_t *in) {
    skip_space(in);
    return in->p < in->end ? *in->p : '\0';
}

static void expect(json_in_t *in, const char *word) {
    size_t n = strlen(word);
    if ((size_t)(in->end - in->p) < n || strncmp(in->p, word, n) != 0) {
        syntax_error();
    }
    in->p += n;
}

static int hex4(json_in_t *in) {
    if (in->end - in->p < 4) {
        syntax_error();
    }
    int v = 0;
    for (int i = 0; i < 4; i++) {
        char c = *in->p++;
        v <<= 4;
        if (c >= '0' && c <= '9') {
            v |= c - '0';
        } else if ((c | 0x20) >= 'a' && (c | 0x20) <= 'f') {
            v |= (c | 0x20) - 'a' + 10;
        } else {
            syntax_error();
        }
    }
    return v;
}

static void add_utf8(vstr_t *v, unsigned cp) {
    if (cp < 0x80) {
        vstr_add_byte(v, cp);
    } else if (cp < 0x800) {
        vstr_add_byte(v, 0xc0 | (cp >> 6));
        vstr_add_byte(v, 0x80 | (cp & 0x3f));
    } else if (cp < 0x10000) {
        vstr_add_byte(v, 0xe0 | (cp >> 12));
        vstr_add_byte(v, 0x80 | ((cp >> 6) & 0x3f));
        vstr_add_byte(v, 0x80 | (cp & 0x3f));
    } else {
        vstr_add_byte(v, 0xf0 | (cp >> 18));
        vstr_add_byte(v, 0x80 | ((cp >> 12) & 0x3f));
        vstr_add_byte(v, 0x80 | ((cp >> 6) & 0x3f));
        vstr_add_byte(v, 0x80 | (cp & 0x3f));
    }
}

static mp_obj_t parse_string(json_in_t *in) {
    in->p++;  // the opening quote
    vstr_t v;
    vstr_init(&v, 16);
    for (;;) {
        if (in->p >= in->end) {
            syntax_error();
        }
        char c = *in->p++;
        if (c == '"') {
            break;
        }
        if (c != '\\') {
            vstr_add_byte(&v, c);
            continue;
        }
        if (in->p >= in->end) {
            syntax_error();
        }
        c = *in->p++;
        switch (c) {
            case 'b':
                c = '\b';
                break;
            case 'f':
                c = '\f';
                break;
            case 'n':
                c = '\n';
                break;
            case 'r':
                c = '\r';
                break;
            case 't':
                c = '\t';
                break;
            case 'u': {
                unsigned cp = hex4(in);
                if (cp >= 0xd800 && cp < 0xdc00 && in->end - in->p >= 6 && in->p[0] == '\\' && in->p[1] == 'u') {
                    in->p += 2;
                    unsigned low = hex4(in);
                    cp = 0x10000 + ((cp - 0xd800) << 10) + (low - 0xdc00);
                }
                add_utf8(&v, cp);
                continue;
            }
            case '"':
            case '\\':
            case '/':
                break;
            default:
                syntax_error();
        }
        vstr_add_byte(&v, c);
    }
    return mp_obj_new_str_from_vstr(&v);
}

static mp_obj_t parse_number(json_in_t *in) {
    const char *start = in->p;
    bool is_float = false;
    if (in->p < in->end && *in->p == '-') {
        in->p++;
    }
    while (in->p < in->end) {
        char c = *in->p;
        if (c >= '0' && c <= '9') {
            in->p++;
        } else if (c == '.' || c == 'e' || c == 'E' || ((c == '+' || c == '-') && (in->p[-1] | 0x20) == 'e')) {
            is_float = true;
            in->p++;
        } else {
            break;
        }
    }
    size_t len = in->p - start;
    if (len == 0 || (len == 1 && *start == '-')) {
        syntax_error();
    }
    return is_float ? mp_parse_num_float(start, len, false, NULL) : mp_parse_num_integer(start, len, 10, NULL);
}

static mp_obj_t parse_value(json_in_t *in) {
    mp_cstack_check();
    char c = peek(in);
    switch (c) {
        case '{': {
            in->p++;
            mp_obj_t dict = mp_obj_new_dict(0);
            if (peek(in) == '}') {
                in->p++;
                return dict;
            }
            for (;;) {
                if (peek(in) != '"') {
                    syntax_error();
                }
                mp_obj_t key = parse_string(in);
                if (peek(in) != ':') {
                    syntax_error();
                }
                in->p++;
                mp_obj_dict_store(dict, key, parse_value(in));
                c = peek(in);
                in->p++;
                if (c == '}') {
                    return dict;
                }
                if (c != ',') {
                    syntax_error();
                }
            }
        }
        case '[': {
            in->p++;
            mp_obj_t list = mp_obj_new_list(0, NULL);
            if (peek(in) == ']') {
                in->p++;
                return list;
            }
            for (;;) {
                mp_obj_list_append(list, parse_value(in));
                c = peek(in);
                in->p++;
                if (c == ']') {
                    return list;
                }
                if (c != ',') {
                    syntax_error();
                }
            }
        }
        case '"':
            return parse_string(in);
        case 't':
            expect(in, "true");
            return mp_const_true;
        case 'f':
            expect(in, "false");
            return mp_const_false;
        case 'n':
            expect(in, "null");
            return mp_const_none;
        default:
            if (c == '-' || (c >= '0' && c <= '9')) {
                return parse_number(in);
            }
            syntax_error();
    }
}

static mp_obj_t json_loads(mp_obj_t text) {
    size_t len;
    const char *data = mp_obj_str_get_data(text, &len);
    json_in_t in = {data, data + len, text};
    mp_obj_t value = parse_value(&in);
    if (peek(&in) != '\0') {
        syntax_error();
    }
    return value;
}
static MP_DEFINE_CONST_FUN_OBJ_1(json_loads_obj, json_loads);

static mp_obj_t json_load(mp_obj_t stream) {
    mp_obj_t read[2];
    mp_load_method(stream, MP_QSTR_read, read);
    return json_loads(mp_call_method_n_kw(0, 0, read));
}
static MP_DEFINE_CONST_FUN_OBJ_1(json_load_obj, json_load);

static const mp_rom_map_elem_t json_module_globals_table[] = {
    { MP_ROM_QSTR(MP_QSTR___name__), MP_ROM_QSTR(MP_QSTR_json) },
    { MP_ROM_QSTR(MP_QSTR_dump), MP_ROM_PTR(&json_dump_obj) },
    { MP_ROM_QSTR(MP_QSTR_dumps), MP_ROM_PTR(&json_dumps_obj) },
    { MP_ROM_QSTR(MP_QSTR_load), MP_ROM_PTR(&json_load_obj) },
    { MP_ROM_QSTR(MP_QSTR_loads), MP_ROM_PTR(&json_loads_obj) },
};
static MP_DEFINE_CONST_DICT(json_module_globals, json_module_globals_table);

const mp_obj_module_t midge_module_json = {
    .base = { &mp_type_module },
    .globals = (mp_obj_dict_t *)&json_module_globals,
};
MP_REGISTER_EXTENSIBLE_MODULE(MP_QSTR_json, midge_module_json);
