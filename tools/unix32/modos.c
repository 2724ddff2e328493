// The `os` module of midge's 32-bit unix port: the calls device code and
// mpremote make (ilistdir, listdir, stat, statvfs, mkdir, rmdir, remove,
// rename, chdir, getcwd, getenv, uname, sync, sep), each made by the
// filesystem the path lies in (vfs.h).

#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>

#include "genhdr/mpversion.h"
#include "py/mperrno.h"
#include "py/objtuple.h"
#include "py/runtime.h"
#include "vfs.h"

static mp_obj_t on_path(qstr op, mp_obj_t path) {
    mp_obj_t inner;
    mp_obj_t fs = midge_vfs_resolve_or_host(path, &inner);
    return midge_vfs_call(fs, op, 1, &inner);
}

static mp_obj_t os_ilistdir(size_t n_args, const mp_obj_t *args) {
    mp_obj_t path = n_args ? args[0] : MP_OBJ_NEW_QSTR(MP_QSTR_);
    if (mp_obj_str_get_str(path)[0] == '\0') {
        path = MP_OBJ_NEW_QSTR(MP_QSTR__dot_);
    }
    return on_path(MP_QSTR_ilistdir, path);
}
static MP_DEFINE_CONST_FUN_OBJ_VAR_BETWEEN(os_ilistdir_obj, 0, 1, os_ilistdir);

static mp_obj_t os_listdir(size_t n_args, const mp_obj_t *args) {
    mp_obj_t iter = mp_getiter(os_ilistdir(n_args, args), NULL);
    mp_obj_t names = mp_obj_new_list(0, NULL);
    mp_obj_t entry;
    while ((entry = mp_iternext(iter)) != MP_OBJ_STOP_ITERATION) {
        mp_obj_list_append(names, mp_obj_subscr(entry, MP_OBJ_NEW_SMALL_INT(0), MP_OBJ_SENTINEL));
    }
    return names;
}
static MP_DEFINE_CONST_FUN_OBJ_VAR_BETWEEN(os_listdir_obj, 0, 1, os_listdir);

#define PATH_OP(name) \
    static mp_obj_t os_##name(mp_obj_t path) { \
        return on_path(MP_QSTR_##name, path); \
    } \
    static MP_DEFINE_CONST_FUN_OBJ_1(os_##name##_obj, os_##name)

PATH_OP(stat);
PATH_OP(statvfs);
PATH_OP(mkdir);
PATH_OP(rmdir);
PATH_OP(remove);

static mp_obj_t os_rename(mp_obj_t old, mp_obj_t new) {
    mp_obj_t args[2];
    mp_obj_t fs = midge_vfs_resolve_or_host(old, &args[0]);
    if (midge_vfs_resolve_or_host(new, &args[1]) != fs) {
        mp_raise_OSError(MP_EXDEV);
    }
    return midge_vfs_call(fs, MP_QSTR_rename, 2, args);
}
static MP_DEFINE_CONST_FUN_OBJ_2(os_rename_obj, os_rename);

static mp_obj_t os_chdir(mp_obj_t path) {
    midge_vfs_chdir(path);
    return mp_const_none;
}
static MP_DEFINE_CONST_FUN_OBJ_1(os_chdir_obj, os_chdir);

static mp_obj_t os_getcwd(void) {
    return midge_vfs_getcwd();
}
static MP_DEFINE_CONST_FUN_OBJ_0(os_getcwd_obj, os_getcwd);

static mp_obj_t os_getenv(size_t n_args, const mp_obj_t *args) {
    const char *value = getenv(mp_obj_str_get_str(args[0]));
    if (value == NULL) {
        return n_args > 1 ? args[1] : mp_const_none;
    }
    return mp_obj_new_str(value, strlen(value));
}
static MP_DEFINE_CONST_FUN_OBJ_VAR_BETWEEN(os_getenv_obj, 1, 2, os_getenv);

static mp_obj_t os_sync(void) {
    return mp_const_none;
}
static MP_DEFINE_CONST_FUN_OBJ_0(os_sync_obj, os_sync);

static const qstr uname_fields[] = {MP_QSTR_sysname, MP_QSTR_nodename, MP_QSTR_release, MP_QSTR_version,
                                    MP_QSTR_machine};

static mp_obj_t os_uname(void) {
    mp_obj_t items[5] = {
        MP_OBJ_NEW_QSTR(MP_QSTR_linux), MP_OBJ_NEW_QSTR(MP_QSTR_linux),
        mp_obj_new_str(MICROPY_VERSION_STRING, strlen(MICROPY_VERSION_STRING)),
        mp_obj_new_str(MICROPY_BANNER_NAME_AND_VERSION, strlen(MICROPY_BANNER_NAME_AND_VERSION)),
        mp_obj_new_str(MICROPY_BANNER_MACHINE, strlen(MICROPY_BANNER_MACHINE)),
    };
    return mp_obj_new_attrtuple(uname_fields, 5, items);
}
static MP_DEFINE_CONST_FUN_OBJ_0(os_uname_obj, os_uname);

static const mp_rom_map_elem_t os_module_globals_table[] = {
    { MP_ROM_QSTR(MP_QSTR___name__), MP_ROM_QSTR(MP_QSTR_os) },
    { MP_ROM_QSTR(MP_QSTR_ilistdir), MP_ROM_PTR(&os_ilistdir_obj) },
    { MP_ROM_QSTR(MP_QSTR_listdir), MP_ROM_PTR(&os_listdir_obj) },
    { MP_ROM_QSTR(MP_QSTR_stat), MP_ROM_PTR(&os_stat_obj) },
    { MP_ROM_QSTR(MP_QSTR_statvfs), MP_ROM_PTR(&os_statvfs_obj) },
    { MP_ROM_QSTR(MP_QSTR_mkdir), MP_ROM_PTR(&os_mkdir_obj) },
    { MP_ROM_QSTR(MP_QSTR_rmdir), MP_ROM_PTR(&os_rmdir_obj) },
    { MP_ROM_QSTR(MP_QSTR_remove), MP_ROM_PTR(&os_remove_obj) },
    { MP_ROM_QSTR(MP_QSTR_unlink), MP_ROM_PTR(&os_remove_obj) },
    { MP_ROM_QSTR(MP_QSTR_rename), MP_ROM_PTR(&os_rename_obj) },
    { MP_ROM_QSTR(MP_QSTR_chdir), MP_ROM_PTR(&os_chdir_obj) },
    { MP_ROM_QSTR(MP_QSTR_getcwd), MP_ROM_PTR(&os_getcwd_obj) },
    { MP_ROM_QSTR(MP_QSTR_getenv), MP_ROM_PTR(&os_getenv_obj) },
    { MP_ROM_QSTR(MP_QSTR_sync), MP_ROM_PTR(&os_sync_obj) },
    { MP_ROM_QSTR(MP_QSTR_uname), MP_ROM_PTR(&os_uname_obj) },
    { MP_ROM_QSTR(MP_QSTR_mount), MP_ROM_PTR(&midge_vfs_mount_obj) },
    { MP_ROM_QSTR(MP_QSTR_umount), MP_ROM_PTR(&midge_vfs_umount_obj) },
    { MP_ROM_QSTR(MP_QSTR_sep), MP_ROM_QSTR(MP_QSTR__slash_) },
};
static MP_DEFINE_CONST_DICT(os_module_globals, os_module_globals_table);

const mp_obj_module_t midge_module_os = {
    .base = { &mp_type_module },
    .globals = (mp_obj_dict_t *)&os_module_globals,
};
MP_REGISTER_EXTENSIBLE_MODULE(MP_QSTR_os, midge_module_os);
