// Where the port puts native code (viper, asm_thumb, the native text of .mpy files).
//
// By default on the GC heap, as a board without an executable-memory allocator does
// (rp2, nrf, stm32), so heap measurements count it. With MICROPY_EXEC_PAGES set in the
// environment, in anonymous pages of its own, outside the heap: qemu-arm write-protects
// every page that holds translated guest code and takes a fault on each write to it, so
// a model's tensors sharing a page with kernel code can slow a run a hundredfold.
// Instruction counts (midge_host.thumbcount) set it; nothing that measures the heap may.

#include <stdlib.h>
#include <sys/mman.h>

#include "py/runtime.h"

static int exec_pages(void) {
    static int chosen = -1;
    if (chosen < 0) {
        chosen = getenv("MICROPY_EXEC_PAGES") != NULL;
    }
    return chosen;
}

void mp_port_alloc_exec(size_t min_size, void **ptr, size_t *size) {
    if (!exec_pages()) {
        *ptr = m_new(byte, min_size);
        *size = min_size;
        return;
    }
    void *pages = mmap(NULL, min_size ? min_size : 1, PROT_READ | PROT_WRITE | PROT_EXEC,
        MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (pages == MAP_FAILED) {
        m_malloc_fail(min_size);
    }
    *ptr = pages;
    *size = min_size;
}

void mp_port_free_exec(void *ptr, size_t size) {
    if (!exec_pages()) {
        m_del(byte, ptr, size);
        return;
    }
    munmap(ptr, size ? size : 1);
}
