// The `socket` module of midge's 32-bit unix port: IPv4 TCP and UDP client
// sockets, enough for micropython-lib's umqtt.simple on the emulated board.
// `getaddrinfo(host, port)` returns [(family, type, proto, "", (ip, port))];
// a socket is a stream (read, readinto, readline, write) with connect, send,
// recv, setblocking, settimeout (None: block; 0: non-blocking, reads return
// None; t > 0: each wait ends in OSError(ETIMEDOUT) after t seconds), close
// and fileno. Writes never raise SIGPIPE (MSG_NOSIGNAL): a closed peer is
// OSError(EPIPE), as on a board.

#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <poll.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "py/mperrno.h"
#include "py/runtime.h"
#include "py/stream.h"

typedef struct _socket_obj_t {
    mp_obj_base_t base;
    int fd;
    int timeout_ms;  // -1: blocking
} socket_obj_t;

static const mp_obj_type_t socket_type;

static void sockaddr_of(mp_obj_t addr, struct sockaddr_in *sa) {
    mp_obj_t *items;
    mp_obj_get_array_fixed_n(addr, 2, &items);
    memset(sa, 0, sizeof(*sa));
    sa->sin_family = AF_INET;
    sa->sin_port = htons(mp_obj_get_int(items[1]));
    if (inet_pton(AF_INET, mp_obj_str_get_str(items[0]), &sa->sin_addr) != 1) {
        mp_raise_ValueError(MP_ERROR_TEXT("address must be (IPv4 address, port): use getaddrinfo"));
    }
}

// Wait until the socket can do `events`; 0, or an errno (ETIMEDOUT, EAGAIN).
static int await_ready(socket_obj_t *self, short events) {
    if (self->timeout_ms < 0) {
        return 0;
    }
    struct pollfd p = {self->fd, events, 0};
    for (;;) {
        int n = poll(&p, 1, self->timeout_ms);
        if (n > 0) {
            return 0;
        }
        if (n == 0) {
            return self->timeout_ms ? MP_ETIMEDOUT : MP_EAGAIN;
        }
        if (errno != EINTR) {
            return errno;
        }
        mp_handle_pending(true);
    }
}

// Receive (POLLIN) or send (POLLOUT) up to `size` bytes, waiting at most the timeout.
static mp_uint_t socket_transfer(mp_obj_t self_in, void *buf, mp_uint_t size, short events, int *errcode) {
    socket_obj_t *self = MP_OBJ_TO_PTR(self_in);
    if (self->fd < 0) {
        *errcode = MP_EBADF;
        return MP_STREAM_ERROR;
    }
    for (;;) {
        int err = await_ready(self, events);
        if (err) {
            *errcode = err;
            return MP_STREAM_ERROR;
        }
        ssize_t n = events == POLLIN ? recv(self->fd, buf, size, 0) : send(self->fd, buf, size, MSG_NOSIGNAL);
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

static mp_uint_t socket_read(mp_obj_t self_in, void *buf, mp_uint_t size, int *errcode) {
    return socket_transfer(self_in, buf, size, POLLIN, errcode);
}

static mp_uint_t socket_write(mp_obj_t self_in, const void *buf, mp_uint_t size, int *errcode) {
    return socket_transfer(self_in, (void *)buf, size, POLLOUT, errcode);
}

static mp_uint_t socket_ioctl(mp_obj_t self_in, mp_uint_t request, uintptr_t arg, int *errcode) {
    socket_obj_t *self = MP_OBJ_TO_PTR(self_in);
    switch (request) {
        case MP_STREAM_CLOSE:
            if (self->fd >= 0) {
                close(self->fd);
                self->fd = -1;
            }
            return 0;
        case MP_STREAM_GET_FILENO:
            return self->fd;
        case MP_STREAM_POLL: {
            struct pollfd p = {self->fd, 0, 0};
            p.events = ((arg & MP_STREAM_POLL_RD) ? POLLIN : 0) | ((arg & MP_STREAM_POLL_WR) ? POLLOUT : 0);
            if (poll(&p, 1, 0) < 0) {
                *errcode = errno;
                return MP_STREAM_ERROR;
            }
            return ((p.revents & POLLIN) ? MP_STREAM_POLL_RD : 0) | ((p.revents & POLLOUT) ? MP_STREAM_POLL_WR : 0)
                   | ((p.revents & POLLERR) ? MP_STREAM_POLL_ERR : 0)
                   | ((p.revents & POLLHUP) ? MP_STREAM_POLL_HUP | (arg & MP_STREAM_POLL_RD) : 0);
        }
        default:
            *errcode = MP_EINVAL;
            return MP_STREAM_ERROR;
    }
}

static mp_obj_t socket_make_new(const mp_obj_type_t *type, size_t n_args, size_t n_kw, const mp_obj_t *args) {
    mp_arg_check_num(n_args, n_kw, 0, 3, false);
    int family = n_args > 0 ? mp_obj_get_int(args[0]) : AF_INET;
    int kind = n_args > 1 ? mp_obj_get_int(args[1]) : SOCK_STREAM;
    int proto = n_args > 2 ? mp_obj_get_int(args[2]) : 0;
    if (family != AF_INET) {
        mp_raise_ValueError(MP_ERROR_TEXT("only AF_INET sockets"));
    }
    int fd = socket(family, kind | SOCK_CLOEXEC, proto);
    if (fd < 0) {
        mp_raise_OSError(errno);
    }
    socket_obj_t *o = mp_obj_malloc_with_finaliser(socket_obj_t, type);
    o->fd = fd;
    o->timeout_ms = -1;
    return MP_OBJ_FROM_PTR(o);
}

static socket_obj_t *open_socket(mp_obj_t self_in) {
    socket_obj_t *self = MP_OBJ_TO_PTR(self_in);
    if (self->fd < 0) {
        mp_raise_OSError(MP_EBADF);
    }
    return self;
}

static mp_obj_t socket_connect(mp_obj_t self_in, mp_obj_t addr) {
    socket_obj_t *self = open_socket(self_in);
    struct sockaddr_in sa;
    sockaddr_of(addr, &sa);
    while (connect(self->fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
        if (errno != EINTR) {
            mp_raise_OSError(errno);
        }
        mp_handle_pending(true);
    }
    return mp_const_none;
}
static MP_DEFINE_CONST_FUN_OBJ_2(socket_connect_obj, socket_connect);

static mp_obj_t socket_send(mp_obj_t self_in, mp_obj_t data) {
    mp_buffer_info_t buf;
    mp_get_buffer_raise(data, &buf, MP_BUFFER_READ);
    int err;
    mp_uint_t n = socket_write(MP_OBJ_FROM_PTR(open_socket(self_in)), buf.buf, buf.len, &err);
    if (n == MP_STREAM_ERROR) {
        mp_raise_OSError(err);
    }
    return MP_OBJ_NEW_SMALL_INT(n);
}
static MP_DEFINE_CONST_FUN_OBJ_2(socket_send_obj, socket_send);

static mp_obj_t socket_recv(mp_obj_t self_in, mp_obj_t size_in) {
    vstr_t vstr;
    vstr_init_len(&vstr, mp_obj_get_int(size_in));
    int err;
    mp_uint_t n = socket_read(MP_OBJ_FROM_PTR(open_socket(self_in)), vstr.buf, vstr.len, &err);
    if (n == MP_STREAM_ERROR) {
        vstr_clear(&vstr);
        mp_raise_OSError(err);
    }
    vstr.len = n;
    return mp_obj_new_bytes_from_vstr(&vstr);
}
static MP_DEFINE_CONST_FUN_OBJ_2(socket_recv_obj, socket_recv);

static mp_obj_t socket_settimeout(mp_obj_t self_in, mp_obj_t seconds) {
    socket_obj_t *self = open_socket(self_in);
    self->timeout_ms = seconds == mp_const_none ? -1 : (int)(mp_obj_get_float(seconds) * 1000);
    return mp_const_none;
}
static MP_DEFINE_CONST_FUN_OBJ_2(socket_settimeout_obj, socket_settimeout);

static mp_obj_t socket_setblocking(mp_obj_t self_in, mp_obj_t flag) {
    open_socket(self_in)->timeout_ms = mp_obj_is_true(flag) ? -1 : 0;
    return mp_const_none;
}
static MP_DEFINE_CONST_FUN_OBJ_2(socket_setblocking_obj, socket_setblocking);

static mp_obj_t socket_fileno(mp_obj_t self_in) {
    return MP_OBJ_NEW_SMALL_INT(((socket_obj_t *)MP_OBJ_TO_PTR(self_in))->fd);
}
static MP_DEFINE_CONST_FUN_OBJ_1(socket_fileno_obj, socket_fileno);

static const mp_rom_map_elem_t socket_locals_dict_table[] = {
    { MP_ROM_QSTR(MP_QSTR_connect), MP_ROM_PTR(&socket_connect_obj) },
    { MP_ROM_QSTR(MP_QSTR_send), MP_ROM_PTR(&socket_send_obj) },
    { MP_ROM_QSTR(MP_QSTR_recv), MP_ROM_PTR(&socket_recv_obj) },
    { MP_ROM_QSTR(MP_QSTR_settimeout), MP_ROM_PTR(&socket_settimeout_obj) },
    { MP_ROM_QSTR(MP_QSTR_setblocking), MP_ROM_PTR(&socket_setblocking_obj) },
    { MP_ROM_QSTR(MP_QSTR_fileno), MP_ROM_PTR(&socket_fileno_obj) },
    { MP_ROM_QSTR(MP_QSTR_read), MP_ROM_PTR(&mp_stream_read_obj) },
    { MP_ROM_QSTR(MP_QSTR_readinto), MP_ROM_PTR(&mp_stream_readinto_obj) },
    { MP_ROM_QSTR(MP_QSTR_readline), MP_ROM_PTR(&mp_stream_unbuffered_readline_obj) },
    { MP_ROM_QSTR(MP_QSTR_write), MP_ROM_PTR(&mp_stream_write_obj) },
    { MP_ROM_QSTR(MP_QSTR_close), MP_ROM_PTR(&mp_stream_close_obj) },
    { MP_ROM_QSTR(MP_QSTR___del__), MP_ROM_PTR(&mp_stream_close_obj) },
};
static MP_DEFINE_CONST_DICT(socket_locals_dict, socket_locals_dict_table);

static const mp_stream_p_t socket_stream_p = {
    .read = socket_read,
    .write = socket_write,
    .ioctl = socket_ioctl,
};

static MP_DEFINE_CONST_OBJ_TYPE(
    socket_type,
    MP_QSTR_socket,
    MP_TYPE_FLAG_NONE,
    make_new, socket_make_new,
    protocol, &socket_stream_p,
    locals_dict, &socket_locals_dict
    );

static mp_obj_t socket_getaddrinfo(size_t n_args, const mp_obj_t *args) {
    struct addrinfo hints = {0};
    hints.ai_family = AF_INET;
    hints.ai_socktype = n_args > 3 ? mp_obj_get_int(args[3]) : 0;
    struct addrinfo *found;
    int err = getaddrinfo(mp_obj_str_get_str(args[0]), NULL, &hints, &found);
    if (err) {
        mp_raise_msg_varg(&mp_type_OSError, MP_ERROR_TEXT("getaddrinfo %s: %s"), mp_obj_str_get_str(args[0]),
            gai_strerror(err));
    }
    mp_obj_t out = mp_obj_new_list(0, NULL);
    for (struct addrinfo *a = found; a != NULL; a = a->ai_next) {
        char ip[INET_ADDRSTRLEN];
        inet_ntop(AF_INET, &((struct sockaddr_in *)a->ai_addr)->sin_addr, ip, sizeof(ip));
        mp_obj_t addr[2] = {mp_obj_new_str(ip, strlen(ip)), args[1]};
        mp_obj_t entry[5] = {MP_OBJ_NEW_SMALL_INT(a->ai_family), MP_OBJ_NEW_SMALL_INT(a->ai_socktype),
                             MP_OBJ_NEW_SMALL_INT(a->ai_protocol), MP_OBJ_NEW_QSTR(MP_QSTR_),
                             mp_obj_new_tuple(2, addr)};
        mp_obj_list_append(out, mp_obj_new_tuple(5, entry));
    }
    freeaddrinfo(found);
    return out;
}
static MP_DEFINE_CONST_FUN_OBJ_VAR_BETWEEN(socket_getaddrinfo_obj, 2, 6, socket_getaddrinfo);

static const mp_rom_map_elem_t socket_module_globals_table[] = {
    { MP_ROM_QSTR(MP_QSTR___name__), MP_ROM_QSTR(MP_QSTR_socket) },
    { MP_ROM_QSTR(MP_QSTR_socket), MP_ROM_PTR(&socket_type) },
    { MP_ROM_QSTR(MP_QSTR_getaddrinfo), MP_ROM_PTR(&socket_getaddrinfo_obj) },
    { MP_ROM_QSTR(MP_QSTR_AF_INET), MP_ROM_INT(AF_INET) },
    { MP_ROM_QSTR(MP_QSTR_SOCK_STREAM), MP_ROM_INT(SOCK_STREAM) },
    { MP_ROM_QSTR(MP_QSTR_SOCK_DGRAM), MP_ROM_INT(SOCK_DGRAM) },
};
static MP_DEFINE_CONST_DICT(socket_module_globals, socket_module_globals_table);

const mp_obj_module_t midge_module_socket = {
    .base = { &mp_type_module },
    .globals = (mp_obj_dict_t *)&socket_module_globals,
};
MP_REGISTER_EXTENSIBLE_MODULE(MP_QSTR_socket, midge_module_socket);  // (also `usocket`, as umqtt imports it)
