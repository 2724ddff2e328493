// The filesystem of midge's 32-bit unix port (see vfs.h): the mount table, path
// resolution, the native VfsPosix, the `vfs` module, the builtin open(), and
// what the importer needs (mp_import_stat, mp_reader_new_file).

#include <dirent.h>
#include <stdio.h>
#include <errno.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include "py/builtin.h"
#include "py/mperrno.h"
#include "py/objstr.h"
#include "py/reader.h"
#include "py/runtime.h"
#include "py/stream.h"
#include "vfs.h"

// mounts: a list of (path, filesystem) tuples; cwd: the current folder (a str) while anything is mounted
MP_REGISTER_ROOT_POINTER(mp_obj_t midge_vfs_mounts);
MP_REGISTER_ROOT_POINTER(mp_obj_t midge_vfs_cwd);

static mp_obj_list_t *mount_list(void) {
    mp_obj_t mounts = MP_STATE_VM(midge_vfs_mounts);
    return mounts == MP_OBJ_NULL ? NULL : MP_OBJ_TO_PTR(mounts);
}

static bool mounted(void) {
    mp_obj_list_t *mounts = mount_list();
    return mounts != NULL && mounts->len > 0;
}

// `path` made absolute against the current folder, with "." and ".." resolved and no repeated "/"
static mp_obj_t absolute(const char *path) {
    vstr_t whole;
    vstr_init(&whole, 64);
    if (path[0] != '/') {
        vstr_add_str(&whole, mp_obj_str_get_str(MP_STATE_VM(midge_vfs_cwd)));
        vstr_add_char(&whole, '/');
    }
    vstr_add_str(&whole, path);
    vstr_t out;
    vstr_init(&out, whole.len + 1);
    const char *p = vstr_null_terminated_str(&whole);
    while (*p) {
        while (*p == '/') {
            p++;
        }
        const char *end = strchr(p, '/');
        size_t n = end ? (size_t)(end - p) : strlen(p);
        if (n == 0 || (n == 1 && p[0] == '.')) {
            // nothing
        } else if (n == 2 && p[0] == '.' && p[1] == '.') {
            while (out.len > 0 && out.buf[out.len - 1] != '/') {
                out.len--;
            }
            if (out.len > 0) {
                out.len--;
            }
        } else {
            vstr_add_char(&out, '/');
            vstr_add_strn(&out, p, n);
        }
        p += n;
    }
    if (out.len == 0) {
        vstr_add_char(&out, '/');
    }
    vstr_clear(&whole);
    return mp_obj_new_str_from_vstr(&out);
}

mp_obj_t midge_vfs_resolve(mp_obj_t path, mp_obj_t *inner) {
    const char *text = mp_obj_str_get_str(path);
    if (!mounted()) {
        *inner = path;
        return MP_OBJ_NULL;
    }
    mp_obj_t whole = absolute(text);
    size_t len;
    const char *abs = mp_obj_str_get_data(whole, &len);
    mp_obj_list_t *mounts = mount_list();
    mp_obj_t best = MP_OBJ_NULL;
    size_t best_len = 0;
    bool found = false;
    for (size_t i = 0; i < mounts->len; i++) {
        mp_obj_t *entry;
        mp_obj_get_array_fixed_n(mounts->items[i], 2, &entry);
        size_t mlen;
        const char *mpath = mp_obj_str_get_data(entry[0], &mlen);
        size_t match = (mlen == 1) ? 0 : mlen;  // "/" matches every path
        if (match <= len && strncmp(abs, mpath, match) == 0 && (abs[match] == '/' || abs[match] == '\0')) {
            if (!found || match >= best_len) {
                best = entry[1];
                best_len = match;
                found = true;
            }
        }
    }
    if (!found) {
        *inner = whole;
        return MP_OBJ_NULL;
    }
    *inner = best_len == len ? MP_OBJ_NEW_QSTR(MP_QSTR__slash_) : mp_obj_new_str(abs + best_len, len - best_len);
    return best;
}

mp_obj_t midge_vfs_call(mp_obj_t fs, qstr name, size_t n, const mp_obj_t *args) {
    mp_obj_t call[2 + 3];
    mp_load_method(fs, name, call);
    for (size_t i = 0; i < n; i++) {
        call[2 + i] = args[i];
    }
    return mp_call_method_n_kw(n, 0, call);
}

// -- the host filesystem

mp_obj_t midge_host_stat(const char *host_path) {
    struct stat st;
    if (stat(host_path, &st) != 0) {
        midge_raise_errno();
    }
    mp_obj_tuple_t *t = MP_OBJ_TO_PTR(mp_obj_new_tuple(10, NULL));
    t->items[0] = mp_obj_new_int_from_uint(st.st_mode);
    t->items[1] = mp_obj_new_int_from_ull(st.st_ino);
    t->items[2] = mp_obj_new_int_from_ull(st.st_dev);
    t->items[3] = mp_obj_new_int_from_uint(st.st_nlink);
    t->items[4] = mp_obj_new_int_from_uint(st.st_uid);
    t->items[5] = mp_obj_new_int_from_uint(st.st_gid);
    t->items[6] = mp_obj_new_int_from_ll(st.st_size);
    t->items[7] = mp_obj_new_int_from_ll(st.st_atime);
    t->items[8] = mp_obj_new_int_from_ll(st.st_mtime);
    t->items[9] = mp_obj_new_int_from_ll(st.st_ctime);
    return MP_OBJ_FROM_PTR(t);
}

mp_obj_t midge_host_statvfs(const char *host_path) {
    struct statvfs sb;
    if (statvfs(host_path, &sb) != 0) {
        midge_raise_errno();
    }
    mp_obj_tuple_t *t = MP_OBJ_TO_PTR(mp_obj_new_tuple(10, NULL));
    t->items[0] = mp_obj_new_int_from_uint(sb.f_bsize);
    t->items[1] = mp_obj_new_int_from_uint(sb.f_frsize);
    t->items[2] = mp_obj_new_int_from_ull(sb.f_blocks);
    t->items[3] = mp_obj_new_int_from_ull(sb.f_bfree);
    t->items[4] = mp_obj_new_int_from_ull(sb.f_bavail);
    t->items[5] = mp_obj_new_int_from_ull(sb.f_files);
    t->items[6] = mp_obj_new_int_from_ull(sb.f_ffree);
    t->items[7] = mp_obj_new_int_from_ull(sb.f_favail);
    t->items[8] = mp_obj_new_int_from_uint(sb.f_flag);
    t->items[9] = mp_obj_new_int_from_uint(sb.f_namemax);
    return MP_OBJ_FROM_PTR(t);
}

// os.ilistdir's iterator over a host folder: (name, type, inode) per entry
typedef struct _ilistdir_obj_t {
    mp_obj_base_t base;
    mp_fun_1_t iternext;
    DIR *dir;
} ilistdir_obj_t;

static mp_obj_t ilistdir_next(mp_obj_t self_in) {
    ilistdir_obj_t *self = MP_OBJ_TO_PTR(self_in);
    for (;;) {
        if (self->dir == NULL) {
            return MP_OBJ_STOP_ITERATION;
        }
        struct dirent *e = readdir(self->dir);
        if (e == NULL) {
            closedir(self->dir);
            self->dir = NULL;
            return MP_OBJ_STOP_ITERATION;
        }
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0) {
            continue;
        }
        mp_obj_tuple_t *t = MP_OBJ_TO_PTR(mp_obj_new_tuple(3, NULL));
        t->items[0] = mp_obj_new_str(e->d_name, strlen(e->d_name));
        t->items[1] = MP_OBJ_NEW_SMALL_INT(e->d_type == DT_DIR ? 0x4000 : e->d_type == DT_REG ? 0x8000 : 0);
        t->items[2] = mp_obj_new_int_from_uint(e->d_ino);
        return MP_OBJ_FROM_PTR(t);
    }
}

mp_obj_t midge_host_ilistdir(const char *host_path) {
    DIR *dir = opendir(*host_path ? host_path : ".");
    if (dir == NULL) {
        midge_raise_errno();
    }
    ilistdir_obj_t *it = mp_obj_malloc(ilistdir_obj_t, &mp_type_polymorph_iter);
    it->iternext = ilistdir_next;
    it->dir = dir;
    return MP_OBJ_FROM_PTR(it);
}

// -- VfsPosix: a host folder as a filesystem (root "" or None: the host's root)

typedef struct _vfs_posix_obj_t {
    mp_obj_base_t base;
    mp_obj_t root;  // str without a trailing "/"
} vfs_posix_obj_t;

static mp_obj_t vfs_posix_make_new(const mp_obj_type_t *type, size_t n_args, size_t n_kw, const mp_obj_t *args) {
    mp_arg_check_num(n_args, n_kw, 0, 1, false);
    vfs_posix_obj_t *self = mp_obj_malloc(vfs_posix_obj_t, type);
    size_t len = 0;
    const char *root = (n_args && args[0] != mp_const_none) ? mp_obj_str_get_data(args[0], &len) : "";
    while (len > 0 && root[len - 1] == '/') {
        len--;
    }
    self->root = mp_obj_new_str(root, len);
    return MP_OBJ_FROM_PTR(self);
}

const char *midge_vfs_posix_host_path(mp_obj_t self_in, mp_obj_t path) {
    vfs_posix_obj_t *self = MP_OBJ_TO_PTR(self_in);
    size_t rlen;
    const char *root = mp_obj_str_get_data(self->root, &rlen);
    const char *p = mp_obj_str_get_str(path);
    if (rlen == 0 || p[0] != '/') {
        return p;
    }
    vstr_t v;
    vstr_init(&v, rlen + strlen(p) + 1);
    vstr_add_strn(&v, root, rlen);
    vstr_add_str(&v, p);
    return vstr_null_terminated_str(&v);
}

#define HOST(self, path) midge_vfs_posix_host_path(self, path)

// the host's own filesystem, where nothing is mounted
static const vfs_posix_obj_t host_vfs = {{&midge_type_vfs_posix}, MP_OBJ_NEW_QSTR(MP_QSTR_)};

mp_obj_t midge_vfs_resolve_or_host(mp_obj_t path, mp_obj_t *inner) {
    mp_obj_t fs = midge_vfs_resolve(path, inner);
    return fs == MP_OBJ_NULL ? MP_OBJ_FROM_PTR(&host_vfs) : fs;
}

static mp_obj_t vfs_posix_mount(mp_obj_t self, mp_obj_t readonly, mp_obj_t mkfs) {
    return mp_const_none;
}
static MP_DEFINE_CONST_FUN_OBJ_3(vfs_posix_mount_obj, vfs_posix_mount);

static mp_obj_t vfs_posix_umount(mp_obj_t self) {
    return mp_const_none;
}
static MP_DEFINE_CONST_FUN_OBJ_1(vfs_posix_umount_obj, vfs_posix_umount);

static mp_obj_t vfs_posix_open(mp_obj_t self, mp_obj_t path, mp_obj_t mode) {
    return midge_file_open(HOST(self, path), mode);
}
static MP_DEFINE_CONST_FUN_OBJ_3(vfs_posix_open_obj, vfs_posix_open);

static mp_obj_t vfs_posix_ilistdir(mp_obj_t self, mp_obj_t path) {
    return midge_host_ilistdir(HOST(self, path));
}
static MP_DEFINE_CONST_FUN_OBJ_2(vfs_posix_ilistdir_obj, vfs_posix_ilistdir);

static mp_obj_t vfs_posix_stat(mp_obj_t self, mp_obj_t path) {
    return midge_host_stat(HOST(self, path));
}
static MP_DEFINE_CONST_FUN_OBJ_2(vfs_posix_stat_obj, vfs_posix_stat);

static mp_obj_t vfs_posix_statvfs(mp_obj_t self, mp_obj_t path) {
    return midge_host_statvfs(HOST(self, path));
}
static MP_DEFINE_CONST_FUN_OBJ_2(vfs_posix_statvfs_obj, vfs_posix_statvfs);

static mp_obj_t check(int result) {
    if (result != 0) {
        midge_raise_errno();
    }
    return mp_const_none;
}

static mp_obj_t vfs_posix_mkdir(mp_obj_t self, mp_obj_t path) {
    return check(mkdir(HOST(self, path), 0777));
}
static MP_DEFINE_CONST_FUN_OBJ_2(vfs_posix_mkdir_obj, vfs_posix_mkdir);

static mp_obj_t vfs_posix_rmdir(mp_obj_t self, mp_obj_t path) {
    return check(rmdir(HOST(self, path)));
}
static MP_DEFINE_CONST_FUN_OBJ_2(vfs_posix_rmdir_obj, vfs_posix_rmdir);

static mp_obj_t vfs_posix_remove(mp_obj_t self, mp_obj_t path) {
    return check(unlink(HOST(self, path)));
}
static MP_DEFINE_CONST_FUN_OBJ_2(vfs_posix_remove_obj, vfs_posix_remove);

static mp_obj_t vfs_posix_rename(mp_obj_t self, mp_obj_t old, mp_obj_t new) {
    return check(rename(HOST(self, old), HOST(self, new)));
}
static MP_DEFINE_CONST_FUN_OBJ_3(vfs_posix_rename_obj, vfs_posix_rename);

static mp_obj_t vfs_posix_chdir(mp_obj_t self, mp_obj_t path) {
    return check(chdir(HOST(self, path)));
}
static MP_DEFINE_CONST_FUN_OBJ_2(vfs_posix_chdir_obj, vfs_posix_chdir);

static mp_obj_t vfs_posix_getcwd(mp_obj_t self_in) {
    vfs_posix_obj_t *self = MP_OBJ_TO_PTR(self_in);
    char buf[MICROPY_ALLOC_PATH_MAX + 1];
    if (getcwd(buf, sizeof(buf)) == NULL) {
        midge_raise_errno();
    }
    size_t rlen;
    const char *root = mp_obj_str_get_data(self->root, &rlen);
    const char *cwd = buf;
    if (rlen && strncmp(buf, root, rlen) == 0 && (buf[rlen] == '/' || buf[rlen] == '\0')) {
        cwd = buf[rlen] ? buf + rlen : "/";
    }
    return mp_obj_new_str(cwd, strlen(cwd));
}
static MP_DEFINE_CONST_FUN_OBJ_1(vfs_posix_getcwd_obj, vfs_posix_getcwd);

static const mp_rom_map_elem_t vfs_posix_locals_dict_table[] = {
    { MP_ROM_QSTR(MP_QSTR_mount), MP_ROM_PTR(&vfs_posix_mount_obj) },
    { MP_ROM_QSTR(MP_QSTR_umount), MP_ROM_PTR(&vfs_posix_umount_obj) },
    { MP_ROM_QSTR(MP_QSTR_open), MP_ROM_PTR(&vfs_posix_open_obj) },
    { MP_ROM_QSTR(MP_QSTR_ilistdir), MP_ROM_PTR(&vfs_posix_ilistdir_obj) },
    { MP_ROM_QSTR(MP_QSTR_stat), MP_ROM_PTR(&vfs_posix_stat_obj) },
    { MP_ROM_QSTR(MP_QSTR_statvfs), MP_ROM_PTR(&vfs_posix_statvfs_obj) },
    { MP_ROM_QSTR(MP_QSTR_mkdir), MP_ROM_PTR(&vfs_posix_mkdir_obj) },
    { MP_ROM_QSTR(MP_QSTR_rmdir), MP_ROM_PTR(&vfs_posix_rmdir_obj) },
    { MP_ROM_QSTR(MP_QSTR_remove), MP_ROM_PTR(&vfs_posix_remove_obj) },
    { MP_ROM_QSTR(MP_QSTR_rename), MP_ROM_PTR(&vfs_posix_rename_obj) },
    { MP_ROM_QSTR(MP_QSTR_chdir), MP_ROM_PTR(&vfs_posix_chdir_obj) },
    { MP_ROM_QSTR(MP_QSTR_getcwd), MP_ROM_PTR(&vfs_posix_getcwd_obj) },
};
static MP_DEFINE_CONST_DICT(vfs_posix_locals_dict, vfs_posix_locals_dict_table);

MP_DEFINE_CONST_OBJ_TYPE(
    midge_type_vfs_posix,
    MP_QSTR_VfsPosix,
    MP_TYPE_FLAG_NONE,
    make_new, vfs_posix_make_new,
    locals_dict, &vfs_posix_locals_dict
    );

// -- the vfs module

// vfs.mount(fs, path, *, readonly=False), or vfs.mount() for [(fs, path), ...]
static mp_obj_t vfs_mount(size_t n_args, const mp_obj_t *pos, mp_map_t *kw) {
    if (n_args == 0) {
        mp_obj_t out = mp_obj_new_list(0, NULL);
        mp_obj_list_t *mounts = mount_list();
        for (size_t i = 0; mounts && i < mounts->len; i++) {
            mp_obj_t *entry;
            mp_obj_get_array_fixed_n(mounts->items[i], 2, &entry);
            mp_obj_t pair[2] = {entry[1], entry[0]};
            mp_obj_list_append(out, mp_obj_new_tuple(2, pair));
        }
        return out;
    }
    mp_arg_check_num(n_args, kw->used, 2, 2, true);
    mp_map_elem_t *ro = mp_map_lookup(kw, MP_OBJ_NEW_QSTR(MP_QSTR_readonly), MP_MAP_LOOKUP);
    mp_obj_t fs = pos[0];
    if (!mounted()) {
        MP_STATE_VM(midge_vfs_cwd) = MP_OBJ_NEW_QSTR(MP_QSTR__slash_);
    }
    mp_obj_t whole = absolute(mp_obj_str_get_str(pos[1]));
    mp_obj_list_t *mounts = mount_list();
    for (size_t i = 0; mounts && i < mounts->len; i++) {
        mp_obj_t *entry;
        mp_obj_get_array_fixed_n(mounts->items[i], 2, &entry);
        if (mp_obj_equal(entry[0], whole)) {
            mp_raise_OSError(MP_EPERM);
        }
    }
    mp_obj_t args[2] = {ro ? mp_obj_new_bool(mp_obj_is_true(ro->value)) : mp_const_false, mp_const_false};
    midge_vfs_call(fs, MP_QSTR_mount, 2, args);
    if (mounts == NULL) {
        MP_STATE_VM(midge_vfs_mounts) = mp_obj_new_list(0, NULL);
    }
    mp_obj_t entry[2] = {whole, fs};
    mp_obj_list_append(MP_STATE_VM(midge_vfs_mounts), mp_obj_new_tuple(2, entry));
    return mp_const_none;
}
MP_DEFINE_CONST_FUN_OBJ_KW(midge_vfs_mount_obj, 0, vfs_mount);

// vfs.umount(path or fs)
static mp_obj_t vfs_umount(mp_obj_t what) {
    mp_obj_list_t *mounts = mount_list();
    mp_obj_t whole = mp_obj_is_str(what) ? absolute(mp_obj_str_get_str(what)) : MP_OBJ_NULL;
    for (size_t i = 0; mounts && i < mounts->len; i++) {
        mp_obj_t *entry;
        mp_obj_get_array_fixed_n(mounts->items[i], 2, &entry);
        if (whole != MP_OBJ_NULL ? mp_obj_equal(entry[0], whole) : entry[1] == what) {
            mp_obj_t fs = entry[1];
            mp_obj_list_remove(MP_OBJ_FROM_PTR(mounts), mounts->items[i]);
            midge_vfs_call(fs, MP_QSTR_umount, 0, NULL);
            return mp_const_none;
        }
    }
    mp_raise_OSError(MP_EINVAL);
}
MP_DEFINE_CONST_FUN_OBJ_1(midge_vfs_umount_obj, vfs_umount);

static const mp_rom_map_elem_t vfs_module_globals_table[] = {
    { MP_ROM_QSTR(MP_QSTR___name__), MP_ROM_QSTR(MP_QSTR_vfs) },
    { MP_ROM_QSTR(MP_QSTR_mount), MP_ROM_PTR(&midge_vfs_mount_obj) },
    { MP_ROM_QSTR(MP_QSTR_umount), MP_ROM_PTR(&midge_vfs_umount_obj) },
    { MP_ROM_QSTR(MP_QSTR_VfsPosix), MP_ROM_PTR(&midge_type_vfs_posix) },
};
static MP_DEFINE_CONST_DICT(vfs_module_globals, vfs_module_globals_table);

const mp_obj_module_t midge_module_vfs = {
    .base = { &mp_type_module },
    .globals = (mp_obj_dict_t *)&vfs_module_globals,
};
MP_REGISTER_MODULE(MP_QSTR_vfs, midge_module_vfs);

// -- open(), and the importer's access to files

static mp_obj_t open_path(mp_obj_t path, mp_obj_t mode) {
    mp_obj_t inner;
    mp_obj_t fs = midge_vfs_resolve(path, &inner);
    if (fs == MP_OBJ_NULL) {
        return midge_file_open(mp_obj_str_get_str(inner), mode);
    }
    if (mp_obj_is_type(fs, &midge_type_vfs_posix)) {
        return midge_file_open(midge_vfs_posix_host_path(fs, inner), mode);
    }
    mp_obj_t args[2] = {inner, mode};
    return midge_vfs_call(fs, MP_QSTR_open, 2, args);
}

// open(path, mode="r", ...): buffering and encoding are accepted and ignored
static mp_obj_t builtin_open(size_t n_args, const mp_obj_t *pos, mp_map_t *kw) {
    mp_obj_t mode = n_args > 1 ? pos[1] : MP_OBJ_NEW_QSTR(MP_QSTR_r);
    mp_map_elem_t *m = mp_map_lookup(kw, MP_OBJ_NEW_QSTR(MP_QSTR_mode), MP_MAP_LOOKUP);
    if (m) {
        mode = m->value;
    }
    return open_path(pos[0], mode);
}
MP_DEFINE_CONST_FUN_OBJ_KW(mp_builtin_open_obj, 1, builtin_open);

mp_import_stat_t mp_import_stat(const char *path) {
    nlr_buf_t nlr;
    mp_import_stat_t result = MP_IMPORT_STAT_NO_EXIST;
    if (nlr_push(&nlr) == 0) {
        mp_obj_t inner;
        mp_obj_t fs = midge_vfs_resolve(mp_obj_new_str(path, strlen(path)), &inner);
        mp_obj_t st;
        if (fs == MP_OBJ_NULL) {
            st = midge_host_stat(mp_obj_str_get_str(inner));
        } else {
            st = midge_vfs_call(fs, MP_QSTR_stat, 1, &inner);
        }
        mp_obj_t *items;
        mp_obj_get_array_fixed_n(st, 10, &items);
        mp_int_t mode = mp_obj_get_int(items[0]);
        result = (mode & 0x4000) ? MP_IMPORT_STAT_DIR : MP_IMPORT_STAT_FILE;
        nlr_pop();
    } else if (mp_obj_is_subclass_fast(MP_OBJ_FROM_PTR(((mp_obj_base_t *)nlr.ret_val)->type),
                                       MP_OBJ_FROM_PTR(&mp_type_MemoryError))) {
        // out of memory is not "no such module": a board's importer stats without
        // allocating, and runs out of memory reading the module instead
        nlr_jump(nlr.ret_val);
    }
    return result;
}

// the importer reads .py and .mpy files through any stream, in 256-byte pieces
typedef struct _stream_reader_t {
    mp_obj_t file;
    uint16_t len;
    uint16_t pos;
    byte buf[256];
} stream_reader_t;

static mp_uint_t stream_reader_readbyte(void *data) {
    stream_reader_t *r = data;
    if (r->pos == r->len) {
        int err;
        mp_uint_t n = mp_stream_rw(r->file, r->buf, sizeof(r->buf), &err, MP_STREAM_RW_READ | MP_STREAM_RW_ONCE);
        if (err) {
            mp_raise_OSError(err);
        }
        if (n == 0) {
            return MP_READER_EOF;
        }
        r->len = n;
        r->pos = 0;
    }
    return r->buf[r->pos++];
}

static void stream_reader_close(void *data) {
    stream_reader_t *r = data;
    mp_stream_close(r->file);
    m_del_obj(stream_reader_t, r);
}

void mp_reader_new_file(mp_reader_t *reader, qstr filename) {
    mp_obj_t file = open_path(MP_OBJ_NEW_QSTR(filename), MP_OBJ_NEW_QSTR(MP_QSTR_rb));
    stream_reader_t *r = m_new_obj(stream_reader_t);
    r->file = file;
    r->len = 0;
    r->pos = 0;
    reader->data = r;
    reader->readbyte = stream_reader_readbyte;
    reader->close = stream_reader_close;
}

// os.chdir / os.getcwd need the current folder (vfs.c owns it)
void midge_vfs_chdir(mp_obj_t path) {
    if (!mounted()) {
        check(chdir(mp_obj_str_get_str(path)));
        return;
    }
    mp_obj_t inner;
    mp_obj_t fs = midge_vfs_resolve(path, &inner);
    mp_obj_t whole = absolute(mp_obj_str_get_str(path));
    if (fs != MP_OBJ_NULL) {
        midge_vfs_call(fs, MP_QSTR_chdir, 1, &inner);
    } else {
        check(chdir(mp_obj_str_get_str(whole)));
    }
    MP_STATE_VM(midge_vfs_cwd) = whole;
}

mp_obj_t midge_vfs_getcwd(void) {
    if (mounted()) {
        return MP_STATE_VM(midge_vfs_cwd);
    }
    char buf[MICROPY_ALLOC_PATH_MAX + 1];
    if (getcwd(buf, sizeof(buf)) == NULL) {
        midge_raise_errno();
    }
    return mp_obj_new_str(buf, strlen(buf));
}
