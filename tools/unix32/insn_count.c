/*
 * insn_count: a qemu TCG plugin that counts the guest instructions a program executes.
 *
 *     qemu-arm -plugin insn_count.so,out=PATH[,mix=MIXPATH] program ARGS
 *
 * At exit it writes the total, a decimal number and a newline, to PATH (or, without
 * out=, "insns N" to stderr), so the count never mixes with the program's own output.
 * With mix= it also writes the instruction mix to MIXPATH: one line per translated
 * instruction that ran, "COUNT<TAB>TAKEN<TAB>DISASSEMBLY" (qemu's disassembly, e.g.
 * "smlad r0, r1, r2, r0"), TAKEN the times the next block to run did not start right
 * after it (a branch taken; only a block's last instruction has any). An instruction
 * translated twice has two lines, to be summed by text. Counting the mix runs a callback
 * per block executed, so it is a few times slower than the plain count.
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
#include <stdlib.h>
#include <string.h>

#define EXPORT __attribute__((visibility("default")))

typedef uint64_t qemu_plugin_id_t;
typedef struct qemu_info_t qemu_info_t;  /* not read */
struct qemu_plugin_tb;
struct qemu_plugin_insn;

enum { INLINE_ADD_U64 = 0 };  /* enum qemu_plugin_op: QEMU_PLUGIN_INLINE_ADD_U64 */

typedef void (*tb_exec_cb)(unsigned int vcpu_index, void *userdata);
typedef void (*tb_trans_cb)(qemu_plugin_id_t id, struct qemu_plugin_tb *tb);
typedef void (*atexit_cb)(qemu_plugin_id_t id, void *userdata);

void qemu_plugin_register_vcpu_tb_trans_cb(qemu_plugin_id_t id, tb_trans_cb cb);
size_t qemu_plugin_tb_n_insns(const struct qemu_plugin_tb *tb);
void qemu_plugin_register_vcpu_tb_exec_inline(struct qemu_plugin_tb *tb, int op, void *ptr, uint64_t imm);
struct qemu_plugin_insn *qemu_plugin_tb_get_insn(const struct qemu_plugin_tb *tb, size_t idx);
char *qemu_plugin_insn_disas(const struct qemu_plugin_insn *insn);
uint64_t qemu_plugin_insn_vaddr(const struct qemu_plugin_insn *insn);
size_t qemu_plugin_insn_size(const struct qemu_plugin_insn *insn);
uint64_t qemu_plugin_tb_vaddr(const struct qemu_plugin_tb *tb);
void qemu_plugin_register_vcpu_tb_exec_cb(struct qemu_plugin_tb *tb, tb_exec_cb cb, int flags, void *userdata);
void qemu_plugin_register_vcpu_insn_exec_inline(struct qemu_plugin_insn *insn, int op, void *ptr, uint64_t imm);
void qemu_plugin_register_atexit_cb(qemu_plugin_id_t id, atexit_cb cb, void *userdata);

EXPORT int qemu_plugin_version = 1;

static uint64_t executed;
static const char *out_path;
static const char *mix_path;

/* One counter per translated instruction, in blocks that never move (qemu keeps the
 * counters' addresses in the translated code). */
struct site { uint64_t count; uint64_t taken; char *disas; };
enum { BLOCK_SITES = 4096 };
struct block { struct block *next; size_t used; struct site sites[BLOCK_SITES]; };
static struct block *blocks;

/* A translation block's start, the address after its last instruction, and that
 * instruction's site; the block that ran last. */
struct tb_info { uint64_t start, fallthrough; struct site *last; };
static struct tb_info *previous;
enum { CB_NO_REGS = 0 };  /* enum qemu_plugin_cb_flags: QEMU_PLUGIN_CB_NO_REGS */

static void on_tb_exec(unsigned int vcpu_index, void *userdata)
{
    struct tb_info *tb = userdata;
    if (previous && tb->start != previous->fallthrough) {
        previous->last->taken++;
    }
    previous = tb;
}

static struct site *new_site(void)
{
    if (!blocks || blocks->used == BLOCK_SITES) {
        struct block *fresh = calloc(1, sizeof *fresh);
        if (!fresh) {
            return NULL;
        }
        fresh->next = blocks;
        blocks = fresh;
    }
    return &blocks->sites[blocks->used++];
}

static void on_translate(qemu_plugin_id_t id, struct qemu_plugin_tb *tb)
{
    size_t n = qemu_plugin_tb_n_insns(tb);
    qemu_plugin_register_vcpu_tb_exec_inline(tb, INLINE_ADD_U64, &executed, n);
    if (!mix_path || !n) {
        return;
    }
    struct tb_info *info = calloc(1, sizeof *info);
    if (!info) {
        fprintf(stderr, "insn_count: out of memory for the instruction mix\n");
        exit(1);
    }
    info->start = qemu_plugin_tb_vaddr(tb);
    for (size_t i = 0; i < n; i++) {
        struct qemu_plugin_insn *insn = qemu_plugin_tb_get_insn(tb, i);
        struct site *site = new_site();
        if (!site) {
            fprintf(stderr, "insn_count: out of memory for the instruction mix\n");
            exit(1);
        }
        site->disas = qemu_plugin_insn_disas(insn);
        qemu_plugin_register_vcpu_insn_exec_inline(insn, INLINE_ADD_U64, &site->count, 1);
        info->last = site;
        info->fallthrough = qemu_plugin_insn_vaddr(insn) + qemu_plugin_insn_size(insn);
    }
    qemu_plugin_register_vcpu_tb_exec_cb(tb, on_tb_exec, CB_NO_REGS, info);
}

static void write_mix(void)
{
    FILE *out = fopen(mix_path, "w");
    int failed = !out;
    for (struct block *b = blocks; out && b; b = b->next) {
        for (size_t i = 0; i < b->used; i++) {
            struct site *site = &b->sites[i];
            if (site->count && fprintf(out, "%llu\t%llu\t%s\n", (unsigned long long)site->count,
                                       (unsigned long long)site->taken, site->disas ? site->disas : "?") < 0) {
                failed = 1;
            }
        }
    }
    if (failed || (out && fclose(out))) {
        fprintf(stderr, "insn_count: cannot write %s\n", mix_path);
    }
}

static void report(qemu_plugin_id_t id, void *userdata)
{
    if (mix_path) {
        write_mix();
    }
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
        } else if (strncmp(argv[i], "mix=", 4) == 0 && argv[i][4]) {
            mix_path = strdup(argv[i] + 4);
        } else {
            fprintf(stderr, "insn_count: unknown argument %s (expected out=PATH or mix=PATH)\n", argv[i]);
            return -1;
        }
    }
    qemu_plugin_register_vcpu_tb_trans_cb(id, on_translate);
    qemu_plugin_register_atexit_cb(id, report, NULL);
    return 0;
}
