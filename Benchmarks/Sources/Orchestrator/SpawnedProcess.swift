import CSpawn
import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// A child process started with posix_spawn, reaped with `waitpid`: the subset of Foundation's
/// `Process` the orchestrator uses (id, running, exit status, wait).
final class SpawnedProcess {
    /// The child's process id.
    let processIdentifier: pid_t
    /// Exit status, or the signal number for a signalled child, once reaped.
    private var exitStatus: Int32?

    /// Spawns `command` (an executable path, or a name looked up on `PATH`) with `environment`
    /// added to this process's; the three descriptors become its standard streams (the caller
    /// keeps and closes its own copies).
    init(
        _ command: [String], directory: URL?, environment: [String: String],
        standardInput: Int32, standardOutput: Int32, standardError: Int32
    ) throws {
        guard let executable = command.first else { throw ChildProcess.LaunchError(description: "empty command") }
        let path = ChildProcess.resolve(executable)
        let merged = ProcessInfo.processInfo.environment.merging(environment) { _, added in added }
        let arguments = [path] + command.dropFirst()
        let variables = merged.map { "\($0.key)=\($0.value)" }
        var pid: pid_t = 0
        let result = withCStrings(arguments) { argv in
            withCStrings(variables) { envp in
                ringway_spawn(path, argv, envp, directory?.path, standardInput, standardOutput, standardError, &pid)
            }
        }
        guard result == 0 else {
            throw ChildProcess.LaunchError(description: "cannot start \(command.joined(separator: " ")): \(String(cString: strerror(result)))")
        }
        processIdentifier = pid
    }

    deinit {
        // Never leave a zombie: a child still running is the owner's to stop (ServerProcess does).
        reap(blocking: false)
    }

    /// Whether the child has not exited yet.
    var isRunning: Bool {
        reap(blocking: false)
        return exitStatus == nil
    }

    /// The exit status (or signal number); -1 while the child runs.
    var terminationStatus: Int32 {
        reap(blocking: false)
        return exitStatus ?? -1
    }

    /// Blocks until the child exits.
    func waitUntilExit() { reap(blocking: true) }

    private func reap(blocking: Bool) {
        guard exitStatus == nil else { return }
        var raw: Int32 = 0
        var reaped: pid_t
        repeat { reaped = waitpid(processIdentifier, &raw, blocking ? 0 : WNOHANG) } while reaped < 0 && errno == EINTR
        guard reaped == processIdentifier else {
            if reaped < 0 { exitStatus = -1 }  // ECHILD: reaped elsewhere; nothing left to wait for
            return
        }
        // <sys/wait.h>'s WIFEXITED/WEXITSTATUS/WTERMSIG are macros Swift does not import.
        let signal = raw & 0x7f
        exitStatus = signal == 0 ? (raw >> 8) & 0xff : signal
    }
}

/// Runs `body` with `strings` as a NULL-terminated array of C strings that live for the call.
private func withCStrings<R>(_ strings: [String], _ body: ([UnsafeMutablePointer<CChar>?]) -> R) -> R {
    // strdup'd copies, freed after `body`: posix_spawn copies argv and envp into the child.
    let pointers = strings.map { strdup($0) } + [nil]
    defer { for pointer in pointers { free(pointer) } }
    return body(pointers)
}
