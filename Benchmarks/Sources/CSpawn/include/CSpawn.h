// posix_spawn with a working directory and close-from for the orchestrator's child processes:
// Swift's Glibc module does not export the GNU file actions (addchdir_np, addclosefrom_np),
// and Foundation's Process is not used (it over-reads /proc/self/fd in Swift 6.3.1 on Linux).
#pragma once
#include <sys/types.h>

/// Spawns `path` with `argv` and `envp` (NULL-terminated), its standard input, output and error
/// duplicated from `stdin_fd`, `stdout_fd` and `stderr_fd`, in `directory` when not NULL, with every
/// other descriptor closed. Returns 0 and the child's id in `pid`, or an errno value.
int ringway_spawn(const char *path, char *const argv[], char *const envp[], const char *directory,
                  int stdin_fd, int stdout_fd, int stderr_fd, pid_t *pid);
