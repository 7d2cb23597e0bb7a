#define _GNU_SOURCE
#include "CURing.h"

#ifdef __linux__
#include <pthread.h>
#include <sched.h>
#include <stdlib.h>

int ringway_uring_probe_opcode(struct io_uring *ring, int opcode) {
    struct io_uring_probe *probe = io_uring_get_probe_ring(ring);
    if (!probe) return -1;
    int supported = io_uring_opcode_supported(probe, opcode);
    io_uring_free_probe(probe);
    return supported;
}

int ringway_accept4(int fd, int flags) {
    return accept4(fd, NULL, NULL, flags);
}

void ringway_set_thread_name(const char *name) {
    pthread_setname_np(pthread_self(), name);
}

int ringway_affinity_cpu_count(void) {
    cpu_set_t set;
    CPU_ZERO(&set);
    if (sched_getaffinity(0, sizeof(set), &set) != 0) return 0;
    return CPU_COUNT(&set);
}
#endif
