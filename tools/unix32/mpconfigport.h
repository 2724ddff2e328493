// midge's 32-bit MicroPython: what it enables. A board's shape (32-bit ints and
// pointers, 30-bit small ints, single-precision floats, viper and native code for
// x86) around MicroPython's py/ core, with our own modules where MicroPython's
// extmod/ would be (not in the PyPI source distribution we build from).

#include <stdint.h>
#include <sys/types.h>

#define MICROPY_CONFIG_ROM_LEVEL (MICROPY_CONFIG_ROM_LEVEL_EXTRA_FEATURES)

// -- the board's shape
#if defined(__arm__)
// the ARM test bed (built with arm-linux-gnueabihf-gcc -mthumb, run under qemu-arm):
// viper, native and asm_thumb code are a Cortex-M's Thumb code
#define MICROPY_EMIT_THUMB                  (1)
#define MICROPY_EMIT_INLINE_THUMB           (1)
#define MICROPY_MAKE_POINTER_CALLABLE(p)    ((void *)((mp_uint_t)(p) | 1))
#define MICROPY_BANNER_MACHINE              "midge 32-bit unix port (ARM Thumb)"
#define MICROPY_HW_MCU_NAME                 "arm"
#else
#define MICROPY_EMIT_X86                    (1)
#define MICROPY_MAKE_POINTER_CALLABLE(p)    (p)
#define MICROPY_BANNER_MACHINE              "midge 32-bit unix port (i386)"
#define MICROPY_HW_MCU_NAME                 "i386"
#endif
#define MICROPY_OBJ_REPR                    (MICROPY_OBJ_REPR_A)
#define MICROPY_LONGINT_IMPL                (MICROPY_LONGINT_IMPL_MPZ)
#define MICROPY_FLOAT_IMPL                  (MICROPY_FLOAT_IMPL_FLOAT)
#define MICROPY_ENABLE_GC                   (1)
#define MICROPY_GC_SPLIT_HEAP               (0)
#define MICROPY_STACK_CHECK                 (1)
#define MICROPY_PERSISTENT_CODE_LOAD        (1)
// Native code (viper, asm, .mpy native text) goes on the GC heap as on a board, tracked
// as MicroPython tracks it there; exec.c can put it in pages of its own instead.
void mp_port_alloc_exec(size_t min_size, void **ptr, size_t *size);
void mp_port_free_exec(void *ptr, size_t size);
#define MP_PLAT_ALLOC_EXEC(min_size, ptr, size) mp_port_alloc_exec(min_size, ptr, size)
#define MP_PLAT_FREE_EXEC(ptr, size)        mp_port_free_exec(ptr, size)
#define MICROPY_PERSISTENT_CODE_TRACK_FUN_DATA (1)
#define MICROPY_PERSISTENT_CODE_TRACK_BSS_RODATA (0)
#define MICROPY_ENABLE_EMERGENCY_EXCEPTION_BUF (1)
#define MICROPY_EMERGENCY_EXCEPTION_BUF_SIZE (256)
#define MICROPY_KBD_EXCEPTION               (1)
#define MICROPY_ENABLE_SCHEDULER            (1)
#define MICROPY_HELPER_REPL                 (0)
#define MICROPY_USE_INTERNAL_PRINTF         (0)
#define MICROPY_ALLOC_PATH_MAX              (4096)
#define MICROPY_ERROR_REPORTING             (MICROPY_ERROR_REPORTING_DETAILED)
#define MICROPY_ENABLE_SOURCE_LINE          (1)
#define MICROPY_WARNINGS                    (1)
#define MICROPY_PY_BUILTINS_HELP            (0)
#define MICROPY_PY_BUILTINS_INPUT           (0)
#define MICROPY_PY_SYS_PLATFORM             "linux"
#define MICROPY_PY_SYS_PATH_ARGV_DEFAULTS   (0)
#define MICROPY_PY_SYS_EXIT                 (1)
#define MICROPY_PY_SYS_STDFILES             (1)
#define MICROPY_PY_SYS_STDIO_BUFFER         (1)
#define MICROPY_PY_SYS_MAXSIZE              (1)
#define MICROPY_PY_SYS_ATEXIT               (0)
#define MICROPY_PY_SYS_SETTRACE             (0)
#define MICROPY_PY_IO                       (1)
#define MICROPY_PY_IO_IOBASE                (1)
#define MICROPY_PY_THREAD                   (0)
#define MICROPY_PY_JSON_SEPARATORS          (1)
#define MICROPY_STREAMS_POSIX_API           (1)

// -- file reading for imports: our own mp_reader_new_file (vfs.c) over our VFS
#define MICROPY_READER_VFS                  (1)
#define MICROPY_ENABLE_EXTERNAL_IMPORT      (1)

// -- MicroPython's extmod/ is not there: these are ours (os, vfs, time, select,
// json, binascii, hashlib) or absent
#define MICROPY_VFS                         (0)
#define MICROPY_PY_OS                       (0)
#define MICROPY_PY_TIME                     (0)
#define MICROPY_PY_SELECT                   (0)
#define MICROPY_PY_JSON                     (1)  // ours (modjson.c); py/ prints JSON for it
#define MICROPY_PY_BINASCII                 (0)
#define MICROPY_PY_HASHLIB                  (0)
#define MICROPY_PY_RANDOM                   (0)
#define MICROPY_PY_RE                       (0)
#define MICROPY_PY_HEAPQ                    (0)
#define MICROPY_PY_UCTYPES                  (0)
#define MICROPY_PY_DEFLATE                  (0)
#define MICROPY_PY_FRAMEBUF                 (0)
#define MICROPY_PY_ASYNCIO                  (0)
#define MICROPY_PY_PLATFORM                 (0)
#define MICROPY_PY_MACHINE                  (0)
#define MICROPY_PY_CMATH                    (0)

// -- types
typedef int mp_int_t;
typedef unsigned int mp_uint_t;
typedef long long mp_off_t;
#define MP_SSIZE_MAX (0x7fffffff)

#define MP_PLAT_PRINT_STRN(str, len) mp_hal_stdout_tx_strn(str, len)
#define MP_STATE_PORT MP_STATE_VM

// the GC heap is mapped executable (main.c): viper and native code live on it, as on rp2/stm32
#define MICROPY_HEAP_SIZE_DEFAULT (2 * 1024 * 1024)

#define MICROPY_HW_BOARD_NAME "midge 32-bit unix port"

#include <alloca.h>
