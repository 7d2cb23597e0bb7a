// epoll for the load generator: Swift's Glibc module does not export <sys/epoll.h>.
#pragma once
#include <sys/epoll.h>
