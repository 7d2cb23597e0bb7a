// Swift-facing shim over liburing and the few Linux calls Swift's Glibc module hides
// behind _GNU_SOURCE. Swift imports liburing's static inline helpers directly; this header
// only adds what Swift cannot express (macros, flexible-array access, GNU extensions).
#ifndef RINGWAY_CURING_H
#define RINGWAY_CURING_H

#ifdef __linux__
// System headers first, with the feature macros Swift's Glibc module uses: liburing.h
// defines _XOPEN_SOURCE/_GNU_SOURCE, which would otherwise give fd_set and friends a
// different shape than SwiftGlibc's and make the two modules conflict.
#include <sys/select.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <sys/eventfd.h>
#include <sys/epoll.h>
#include <signal.h>
#include <stdint.h>
#include <stdbool.h>
#include <inttypes.h>
#include <time.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <liburing.h>

/// The io_uring_buf slot for index `i` in a provided-buffer ring (`bufs` is a flexible array).
static inline struct io_uring_buf *ringway_buf_ring_slot(struct io_uring_buf_ring *br, unsigned i) {
    return &br->bufs[i];
}

/// IORING_CQE_BUFFER_SHIFT as a function (macro in the header).
static inline unsigned ringway_cqe_buffer_id(unsigned flags) {
    return flags >> IORING_CQE_BUFFER_SHIFT;
}

/// IOSQE_BUFFER_SELECT (a macro expression Swift does not import).
static inline uint8_t ringway_sqe_buffer_select(void) { return IOSQE_BUFFER_SELECT; }

/// Copies up to `max` ready CQEs into `out` without advancing; returns the count.
/// (io_uring_for_each_cqe is a macro; io_uring_peek_batch_cqe is an exported function.)
static inline unsigned ringway_peek_cqes(struct io_uring *ring, struct io_uring_cqe **out, unsigned max) {
    return io_uring_peek_batch_cqe(ring, out, max);
}

/// Returns 1 when the kernel supports `opcode`, 0 when not, -1 when probing failed.
int ringway_uring_probe_opcode(struct io_uring *ring, int opcode);

/// accept4 with no address out-parameters (Swift cannot pass NULL for __SOCKADDR_ARG).
int ringway_accept4(int fd, int flags);

/// Names the calling thread (pthread_setname_np is a GNU extension).
void ringway_set_thread_name(const char *name);

/// CPUs in this process's affinity mask, or 0 when unknown (sched_getaffinity is GNU).
int ringway_affinity_cpu_count(void);

#endif // __linux__
#endif // RINGWAY_CURING_H
