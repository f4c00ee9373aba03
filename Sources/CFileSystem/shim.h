// File-system calls that Swift's Glibc module does not export. Helpers are prefixed `cfs_`.
#ifndef SWITCHYARD_CFILESYSTEM_SHIM_H
#define SWITCHYARD_CFILESYSTEM_SHIM_H

#ifdef __linux__
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <unistd.h>

// syncfs(2): writes back every dirty page of the file system holding `fd` and flushes the device cache, in one
// call (Linux only). Returns 0, or -1 with errno set.
static inline int cfs_syncfs(int fd) { return syncfs(fd); }
#endif

#endif
