// File objects of midge's 32-bit unix port: FileIO (bytes) and TextIOWrapper
// (str) on a POSIX file descriptor, with MicroPython's stream methods (read,
// readinto, readline, write, seek, tell, flush, close, iteration, with-blocks),
// and sys.stdin / stdout / stderr on fds 0, 1, 2 with their `.buffer`.

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <string.h>
#include <unistd.h>

#include "py/builtin.h"
#include "py/mperrno.h"
#include "py/runtime.h"
#include "py/stream.h"
#include "vfs.h"

typedef struct _file_obj_t {
    mp_obj_base_t base;
    int fd;
} file_obj_t;

NORETURN void midge_raise_errno(void) {
    mp_raise_OSError(errno);
}

static void file_print(const mp_print_t *print, mp_obj_t self_in, mp_print_kind_t kind) {
    file_obj_t *self = MP_OBJ_TO_PTR(self_in);
    mp_printf(print, "<io.%s %d>", mp_obj_get_type_str(self_in), self->fd);
}

static mp_uint_t file_read(mp_obj_t self_in, void *buf, mp_uint_t size, int *errcode) {
    file_obj_t *self = MP_OBJ_TO_PTR(self_in);
    if (self->fd < 0) {
        *errcode = MP_EBADF;
        return MP_STREAM_ERROR;
    }
    for (;;) {
        ssize_t n = read(self->fd, buf, size);
        if (n >= 0) {
            return n;
        }
        if (errno != EINTR) {
            *errcode = errno;
            return MP_STREAM_ERROR;
        }
        mp_handle_pending(true);
    }
}

static mp_uint_t file_write(mp_obj_t self_in, const void *buf, mp_uint_t size, int *errcode) {
    file_obj_t *self = MP_OBJ_TO_PTR(self_in);
    if (self->fd < 0) {
        *errcode = MP_EBADF;
        return MP_STREAM_ERROR;
    }
    for (;;) {
        ssize_t n = write(self->fd, buf, size);
        if (n >= 0) {
            return n;
        }
        if (errno != EINTR) {
            *errcode = errno;
            return MP_STREAM_ERROR;
        }
        mp_handle_pending(true);
    }
}

static mp_uint_t file_ioctl(mp_obj_t self_in, mp_uint_t request, uintptr_t arg, int *errcode) {
    file_obj_t *self = MP_OBJ_TO_PTR(self_in);
    if (self->fd < 0 && request != MP_STREAM_CLOSE) {
        *errcode = MP_EBADF;
        return MP_STREAM_ERROR;
    }
    switch (request) {
        case MP_STREAM_FLUSH:
            return 0;
        case MP_STREAM_SEEK: {
            struct mp_stream_seek_t *s = (struct mp_stream_seek_t *)arg;
            off_t at = lseek(self->fd, s->offset, s->whence);
            if (at < 0) {
                *errcode = errno;
                return MP_STREAM_ERROR;
            }
            s->offset = at;
            return 0;
        }
        case MP_STREAM_CLOSE:
            if (self->fd > STDERR_FILENO) {
                close(self->fd);
            }
            self->fd = -1;
            return 0;
        case MP_STREAM_GET_FILENO:
            return self->fd;
        case MP_STREAM_POLL: {
            struct pollfd p = {self->fd, 0, 0};
            if (arg & MP_STREAM_POLL_RD) {
                p.events |= POLLIN;
            }
            if (arg & MP_STREAM_POLL_WR) {
                p.events |= POLLOUT;
            }
            if (poll(&p, 1, 0) < 0) {
                *errcode = errno;
                return MP_STREAM_ERROR;
            }
            mp_uint_t ready = 0;
            if (p.revents & POLLIN) {
                ready |= MP_STREAM_POLL_RD;
            }
            if (p.revents & POLLOUT) {
                ready |= MP_STREAM_POLL_WR;
            }
            if (p.revents & POLLERR) {
                ready |= MP_STREAM_POLL_ERR;
            }
            if (p.revents & POLLHUP) {
                ready |= MP_STREAM_POLL_HUP | (arg & MP_STREAM_POLL_RD);
            }
            return ready;
        }
        default:
            *errcode = MP_EINVAL;
            return MP_STREAM_ERROR;
    }
}

static mp_obj_t file_fileno(mp_obj_t self_in) {
    file_obj_t *self = MP_OBJ_TO_PTR(self_in);
    return MP_OBJ_NEW_SMALL_INT(self->fd);
}
static MP_DEFINE_CONST_FUN_OBJ_1(file_fileno_obj, file_fileno);

static const mp_rom_map_elem_t file_locals_dict_table[] = {
    { MP_ROM_QSTR(MP_QSTR_fileno), MP_ROM_PTR(&file_fileno_obj) },
    { MP_ROM_QSTR(MP_QSTR_read), MP_ROM_PTR(&mp_stream_read_obj) },
    { MP_ROM_QSTR(MP_QSTR_readinto), MP_ROM_PTR(&mp_stream_readinto_obj) },
    { MP_ROM_QSTR(MP_QSTR_readline), MP_ROM_PTR(&mp_stream_unbuffered_readline_obj) },
    { MP_ROM_QSTR(MP_QSTR_readlines), MP_ROM_PTR(&mp_stream_unbuffered_readlines_obj) },
    { MP_ROM_QSTR(MP_QSTR_write), MP_ROM_PTR(&mp_stream_write_obj) },
    { MP_ROM_QSTR(MP_QSTR_seek), MP_ROM_PTR(&mp_stream_seek_obj) },
    { MP_ROM_QSTR(MP_QSTR_tell), MP_ROM_PTR(&mp_stream_tell_obj) },
    { MP_ROM_QSTR(MP_QSTR_flush), MP_ROM_PTR(&mp_stream_flush_obj) },
    { MP_ROM_QSTR(MP_QSTR_close), MP_ROM_PTR(&mp_stream_close_obj) },
    { MP_ROM_QSTR(MP_QSTR___del__), MP_ROM_PTR(&mp_stream_close_obj) },
    { MP_ROM_QSTR(MP_QSTR___enter__), MP_ROM_PTR(&mp_identity_obj) },
    { MP_ROM_QSTR(MP_QSTR___exit__), MP_ROM_PTR(&mp_stream___exit___obj) },
};
static MP_DEFINE_CONST_DICT(file_locals_dict, file_locals_dict_table);

static const mp_stream_p_t fileio_stream_p = {
    .read = file_read,
    .write = file_write,
    .ioctl = file_ioctl,
};

static const mp_stream_p_t textio_stream_p = {
    .read = file_read,
    .write = file_write,
    .ioctl = file_ioctl,
    .is_text = true,
};

MP_DEFINE_CONST_OBJ_TYPE(
    midge_type_fileio,
    MP_QSTR_FileIO,
    MP_TYPE_FLAG_ITER_IS_STREAM,
    print, file_print,
    protocol, &fileio_stream_p,
    locals_dict, &file_locals_dict
    );

// sys.stdin.buffer and its kin: the std text streams' binary twins
static const file_obj_t stdin_buffer_obj = {{&midge_type_fileio}, STDIN_FILENO};
static const file_obj_t stdout_buffer_obj = {{&midge_type_fileio}, STDOUT_FILENO};
static const file_obj_t stderr_buffer_obj = {{&midge_type_fileio}, STDERR_FILENO};

static void textio_attr(mp_obj_t self_in, qstr attr, mp_obj_t *dest) {
    file_obj_t *self = MP_OBJ_TO_PTR(self_in);
    if (dest[0] == MP_OBJ_NULL && attr == MP_QSTR_buffer && self->fd >= 0 && self->fd <= STDERR_FILENO) {
        static const file_obj_t *const buffers[] = {&stdin_buffer_obj, &stdout_buffer_obj, &stderr_buffer_obj};
        dest[0] = MP_OBJ_FROM_PTR(buffers[self->fd]);
        return;
    }
    if (dest[0] == MP_OBJ_NULL) {
        dest[1] = MP_OBJ_SENTINEL;  // not ours: the lookup continues in the locals dict
    }
}

MP_DEFINE_CONST_OBJ_TYPE(
    midge_type_textio,
    MP_QSTR_TextIOWrapper,
    MP_TYPE_FLAG_ITER_IS_STREAM,
    print, file_print,
    attr, textio_attr,
    protocol, &textio_stream_p,
    locals_dict, &file_locals_dict
    );

const file_obj_t mp_sys_stdin_obj = {{&midge_type_textio}, STDIN_FILENO};
const file_obj_t mp_sys_stdout_obj = {{&midge_type_textio}, STDOUT_FILENO};
const file_obj_t mp_sys_stderr_obj = {{&midge_type_textio}, STDERR_FILENO};

mp_obj_t midge_file_from_fd(int fd, bool text) {
    file_obj_t *o = mp_obj_malloc_with_finaliser(file_obj_t, text ? &midge_type_textio : &midge_type_fileio);
    o->fd = fd;
    return MP_OBJ_FROM_PTR(o);
}

mp_obj_t midge_file_open(const char *host_path, mp_obj_t mode_in) {
    const char *mode = mp_obj_str_get_str(mode_in);
    int flags = 0;
    bool text = true;
    int access = O_RDONLY;
    for (const char *m = mode; *m; m++) {
        switch (*m) {
            case 'r':
                access = O_RDONLY;
                break;
            case 'w':
                access = O_WRONLY;
                flags |= O_CREAT | O_TRUNC;
                break;
            case 'a':
                access = O_WRONLY;
                flags |= O_CREAT | O_APPEND;
                break;
            case 'x':
                access = O_WRONLY;
                flags |= O_CREAT | O_EXCL;
                break;
            case '+':
                access = O_RDWR;
                break;
            case 'b':
                text = false;
                break;
            case 't':
                text = true;
                break;
            default:
                mp_raise_msg_varg(&mp_type_ValueError, MP_ERROR_TEXT("invalid mode '%s'"), mode);
        }
    }
    int fd;
    for (;;) {
        fd = open(host_path, access | flags | O_CLOEXEC, 0644);
        if (fd >= 0) {
            break;
        }
        if (errno != EINTR) {
            midge_raise_errno();
        }
        mp_handle_pending(true);
    }
    return midge_file_from_fd(fd, text);
}
