/*
 * insn_count: a qemu TCG plugin that counts the guest instructions a program executes.
 *
 *     qemu-arm -plugin insn_count.so,out=PATH program ARGS
 *
 * At exit it writes the total, a decimal number and a newline, to PATH (or, without
 * out=, "insns N" to stderr), so the count never mixes with the program's own output.
 * Each instruction counts once whatever its cycles; an IT block's skipped instructions
 * count too. The count is added when a translation block starts, so a block left early
 * (a fault, a signal) counts whole. One counter for all vCPUs, not atomic: meant for
 * single-threaded programs such as midge's MicroPython port.
 *
 * Built with the host gcc by tools/unix32/build.py --thumb; qemu 7.2 (plugin API
 * version 1) ships no header, so the few API items used are declared here.
 */

#include <stdint.h>
#include <stdio.h>
#include <string.h>

#define EXPORT __attribute__((visibility("default")))

typedef uint64_t qemu_plugin_id_t;
typedef struct qemu_info_t qemu_info_t;  /* not read */
struct qemu_plugin_tb;

enum { INLINE_ADD_U64 = 0 };  /* enum qemu_plugin_op: QEMU_PLUGIN_INLINE_ADD_U64 */

typedef void (*tb_trans_cb)(qemu_plugin_id_t id, struct qemu_plugin_tb *tb);
typedef void (*atexit_cb)(qemu_plugin_id_t id, void *userdata);

void qemu_plugin_register_vcpu_tb_trans_cb(qemu_plugin_id_t id, tb_trans_cb cb);
size_t qemu_plugin_tb_n_insns(const struct qemu_plugin_tb *tb);
void qemu_plugin_register_vcpu_tb_exec_inline(struct qemu_plugin_tb *tb, int op, void *ptr, uint64_t imm);
void qemu_plugin_register_atexit_cb(qemu_plugin_id_t id, atexit_cb cb, void *userdata);

EXPORT int qemu_plugin_version = 1;

static uint64_t executed;
static const char *out_path;

static void on_translate(qemu_plugin_id_t id, struct qemu_plugin_tb *tb)
{
    qemu_plugin_register_vcpu_tb_exec_inline(tb, INLINE_ADD_U64, &executed, qemu_plugin_tb_n_insns(tb));
}

static void report(qemu_plugin_id_t id, void *userdata)
{
    if (!out_path) {
        fprintf(stderr, "insns %llu\n", (unsigned long long)executed);
        return;
    }
    FILE *out = fopen(out_path, "w");
    if (!out || fprintf(out, "%llu\n", (unsigned long long)executed) < 0 || fclose(out)) {
        fprintf(stderr, "insn_count: cannot write %s\n", out_path);
    }
}

EXPORT int qemu_plugin_install(qemu_plugin_id_t id, const qemu_info_t *info, int argc, char **argv)
{
    for (int i = 0; i < argc; i++) {
        if (strncmp(argv[i], "out=", 4) == 0 && argv[i][4]) {
            out_path = strdup(argv[i] + 4);  /* qemu frees argv after install */
        } else {
            fprintf(stderr, "insn_count: unknown argument %s (expected out=PATH)\n", argv[i]);
            return -1;
        }
    }
    qemu_plugin_register_vcpu_tb_trans_cb(id, on_translate);
    qemu_plugin_register_atexit_cb(id, report, NULL);
    return 0;
}
