// midge's 32-bit MicroPython: the command line.
//
//   micropython32 [-X heapsize=N[w][K|M]] [-c CODE | FILE] [ARG...]
//
// as MicroPython's unix port takes them (the options midge's tools use). sys.path
// is "" (with -c) or FILE's folder, then MICROPYPATH's entries (colon-separated;
// default ".frozen"). The GC heap is one mapping of N bytes (default 2 MiB, as the 64-bit port),
// mapped executable so viper and native code can run from it, as on rp2 and
// stm32. SIGINT raises KeyboardInterrupt. Exit status: 0, SystemExit's code, or 1
// for an uncaught exception (its traceback on stderr).

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "py/builtin.h"
#include "py/compile.h"
#include "py/cstack.h"
#include "py/gc.h"
#include "py/mperrno.h"
#include "py/mphal.h"
#include "py/runtime.h"
#include "shared/runtime/gchelper.h"

#define STACK_LIMIT (256 * 1024)

static void sigint_handler(int signum) {
    (void)signum;
    mp_sched_keyboard_interrupt();
}

void gc_collect(void) {
    gc_collect_start();
    gc_helper_collect_regs_and_stack();
    gc_collect_end();
}

void nlr_jump_fail(void *val) {
    fprintf(stderr, "FATAL: uncaught NLR %p\n", val);
    exit(1);
}

static void print_stderr(void *data, const char *str, size_t len) {
    (void)data;
    ssize_t ignored = write(STDERR_FILENO, str, len);
    (void)ignored;
}

static const mp_print_t stderr_print = {NULL, print_stderr};

// The exit status for an uncaught exception: SystemExit's code, else 1 after its traceback.
static int uncaught(mp_obj_base_t *exc) {
    if (mp_obj_is_subclass_fast(MP_OBJ_FROM_PTR(exc->type), MP_OBJ_FROM_PTR(&mp_type_SystemExit))) {
        mp_obj_t code = mp_obj_exception_get_value(MP_OBJ_FROM_PTR(exc));
        if (code == mp_const_none) {
            return 0;
        }
        mp_int_t value;
        if (mp_obj_get_int_maybe(code, &value)) {
            return value & 0xff;
        }
        mp_obj_print_helper(&stderr_print, code, PRINT_STR);
        print_stderr(NULL, "\n", 1);
        return 1;
    }
    mp_obj_print_exception(&stderr_print, MP_OBJ_FROM_PTR(exc));
    return 1;
}

static int execute(const char *code, const char *path) {
    nlr_buf_t nlr;
    if (nlr_push(&nlr) == 0) {
        mp_lexer_t *lex = code ? mp_lexer_new_from_str_len(MP_QSTR__lt_stdin_gt_, code, strlen(code), 0)
                               : mp_lexer_new_from_file(qstr_from_str(path));
        qstr source_name = lex->source_name;
        if (path) {
            mp_store_global(MP_QSTR___file__, MP_OBJ_NEW_QSTR(source_name));
        }
        mp_parse_tree_t tree = mp_parse(lex, MP_PARSE_FILE_INPUT);
        mp_obj_t module_fun = mp_compile(&tree, source_name, false);
        mp_call_function_0(module_fun);
        mp_handle_pending(true);
        nlr_pop();
        return 0;
    }
    return uncaught((mp_obj_base_t *)nlr.ret_val);
}

static size_t parse_heapsize(const char *text) {
    char *end;
    double value = strtod(text, &end);
    size_t scale = 1;
    if (*end == 'w') {
        scale = sizeof(mp_uint_t);
        end++;
    }
    if (*end == 'K' || *end == 'k') {
        scale *= 1024;
        end++;
    } else if (*end == 'M' || *end == 'm') {
        scale *= 1024 * 1024;
        end++;
    }
    if (end == text || *end != '\0' || value <= 0) {
        fprintf(stderr, "micropython32: bad heapsize %s\n", text);
        exit(2);
    }
    return (size_t)(value * scale);
}

static void path_append(mp_obj_t list, const char *entry, size_t len) {
    mp_obj_list_append(list, mp_obj_new_str_via_qstr(entry, len));
}

static void set_path(const char *script) {
    mp_sys_path = mp_obj_new_list(0, NULL);
    mp_obj_list_init(MP_OBJ_TO_PTR(mp_sys_argv), 0);
    mp_obj_t path = mp_sys_path;
    if (script) {
        const char *slash = strrchr(script, '/');
        path_append(path, script, slash ? (size_t)(slash - script) : 0);
    } else {
        path_append(path, "", 0);
    }
    const char *env = getenv("MICROPYPATH");
    if (env == NULL) {
        env = ".frozen";
    }
    while (*env) {
        const char *colon = strchr(env, ':');
        size_t len = colon ? (size_t)(colon - env) : strlen(env);
        path_append(path, env, len);
        env += len + (colon ? 1 : 0);
    }
}

int main(int argc, char **argv) {
    mp_cstack_init_with_sp_here(STACK_LIMIT);
    size_t heapsize = MICROPY_HEAP_SIZE_DEFAULT;
    const char *code = NULL;
    const char *script = NULL;
    int a = 1;
    for (; a < argc; a++) {
        if (strcmp(argv[a], "-X") == 0 && a + 1 < argc) {
            a++;
            if (strncmp(argv[a], "heapsize=", 9) == 0) {
                heapsize = parse_heapsize(argv[a] + 9);
            }
        } else if (strcmp(argv[a], "-c") == 0 && a + 1 < argc) {
            code = argv[++a];
            a++;
            break;
        } else if (argv[a][0] == '-' && argv[a][1] != '\0') {
            fprintf(stderr, "micropython32: unknown option %s\n", argv[a]);
            return 2;
        } else {
            script = argv[a++];
            break;
        }
    }
    if (code == NULL && script == NULL) {
        fprintf(stderr, "usage: micropython32 [-X heapsize=N] [-c CODE | FILE] [ARG...]\n");
        return 2;
    }
    void *heap = mmap(NULL, heapsize, PROT_READ | PROT_WRITE | PROT_EXEC, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (heap == MAP_FAILED) {
        fprintf(stderr, "micropython32: cannot map a %u-byte heap: %s\n", (unsigned)heapsize, strerror(errno));
        return 1;
    }
    gc_init(heap, (char *)heap + heapsize);
    mp_init();
    set_path(script);
    mp_obj_list_append(mp_sys_argv, MP_OBJ_NEW_QSTR(qstr_from_str(script ? script : "-c")));
    for (; a < argc; a++) {
        mp_obj_list_append(mp_sys_argv, MP_OBJ_NEW_QSTR(qstr_from_str(argv[a])));
    }
    signal(SIGINT, sigint_handler);
    signal(SIGPIPE, SIG_IGN);
    int status = execute(code, script);
    mp_deinit();
    fflush(stdout);
    return status;
}
