// The filesystem of midge's 32-bit unix port (vfs.c, file.c, modos.c).
//
// With nothing mounted, paths are the host's (tests run device code on host
// files). `vfs.mount(obj, "/x")` mounts a filesystem object, as on a board: a
// native `vfs.VfsPosix(root)` (a host folder), or any Python object with the
// VFS methods (open, ilistdir, stat, statvfs, mkdir, rmdir, remove, rename,
// chdir, getcwd, mount, umount): the emulated board's flash and `mpremote
// mount`'s remote folder are such objects. Then every path is resolved against
// the current directory and the longest mount it lies in; a path under no mount
// is the host's.

#ifndef MIDGE_UNIX32_VFS_H
#define MIDGE_UNIX32_VFS_H

#include "py/obj.h"

extern const mp_obj_type_t midge_type_vfs_posix;
extern const mp_obj_type_t midge_type_fileio;
extern const mp_obj_type_t midge_type_textio;

// The filesystem object holding `path` (MP_OBJ_NULL: the host's), and the path
// inside it (for a mount: absolute, starting with "/"; for the host: as given).
mp_obj_t midge_vfs_resolve(mp_obj_t path, mp_obj_t *inner);

// midge_vfs_resolve, with the host's filesystem as a VfsPosix object for MP_OBJ_NULL.
mp_obj_t midge_vfs_resolve_or_host(mp_obj_t path, mp_obj_t *inner);

// Call `name` on filesystem object `fs` with `n` arguments.
mp_obj_t midge_vfs_call(mp_obj_t fs, qstr name, size_t n, const mp_obj_t *args);

// The host path of `path` inside a VfsPosix (its root prepended to absolute paths).
const char *midge_vfs_posix_host_path(mp_obj_t vfs_posix, mp_obj_t path);

// vfs.mount and vfs.umount, which os also offers (as boards' os does; mpremote mount uses it).
MP_DECLARE_CONST_FUN_OBJ_KW(midge_vfs_mount_obj);
MP_DECLARE_CONST_FUN_OBJ_1(midge_vfs_umount_obj);

// Raise OSError with the current errno.
NORETURN void midge_raise_errno(void);

// A file object on host file `host_path` opened with `mode` ("r", "wb", "a+", ...).
mp_obj_t midge_file_open(const char *host_path, mp_obj_t mode);

// A file object on an open file descriptor (the std streams).
mp_obj_t midge_file_from_fd(int fd, bool text);

// os.chdir and os.getcwd: the current folder, in the mounted filesystems or the host's.
void midge_vfs_chdir(mp_obj_t path);
mp_obj_t midge_vfs_getcwd(void);

// The host filesystem's operations, shared by VfsPosix and os with nothing mounted.
mp_obj_t midge_host_ilistdir(const char *host_path);
mp_obj_t midge_host_stat(const char *host_path);
mp_obj_t midge_host_statvfs(const char *host_path);

#endif
