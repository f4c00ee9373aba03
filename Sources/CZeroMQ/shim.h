#ifndef SWITCHYARD_CZEROMQ_SHIM_H
#define SWITCHYARD_CZEROMQ_SHIM_H

#include <zmq.h>
#include <errno.h>
#include <sys/eventfd.h>
#include <unistd.h>
#include <stdint.h>

/// eventfd(2) is not exported by Swift's Glibc module; this wrapper is.
static inline int czmq_eventfd(unsigned int initval, int flags) { return eventfd(initval, flags); }

/// Current errno, read in C so Swift never races a later libc call.
static inline int czmq_errno(void) { return errno; }

/// A non-blocking, close-on-exec eventfd used to wake a thread blocked in zmq_poll; -1 with errno on failure.
static inline int czmq_wake_fd_create(void) { return eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC); }

/// Makes the eventfd readable; EAGAIN (counter saturated) still leaves it readable, so it is ignored.
static inline void czmq_wake_fd_signal(int fd) {
    uint64_t one = 1;
    while (write(fd, &one, sizeof one) < 0 && errno == EINTR) {}
}

/// Makes the eventfd unreadable again; EAGAIN (already clear) is fine.
static inline void czmq_wake_fd_clear(int fd) {
    uint64_t value;
    while (read(fd, &value, sizeof value) < 0 && errno == EINTR) {}
}

/// close(2) without importing Glibc into Swift for one call.
static inline int czmq_close_fd(int fd) { return close(fd); }

#endif
