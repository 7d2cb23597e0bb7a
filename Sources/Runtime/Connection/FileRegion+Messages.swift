#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The file regions `http.response.pathsend` and `http.response.zerocopysend` name, checked
/// and opened the same way for the live server and the in-memory test client.
extension FileRegion {
    /// The whole regular file at `path` (`http.response.pathsend`), opened read-only; the
    /// region owns the descriptor.
    package static func pathsend(_ path: String) throws(PathsendError) -> FileRegion {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw PathsendError(path: path, errno: errno) }
        var info = stat()
        guard fstat(fd, &info) == 0 else {
            let code = errno
            _ = close(fd)
            throw PathsendError(path: path, errno: code)
        }
        guard (info.st_mode & S_IFMT) == S_IFREG else {
            _ = close(fd)
            throw PathsendError(path: path, errno: EISDIR)
        }
        return FileRegion(descriptor: fd, offset: 0, count: Int(info.st_size), closesDescriptor: true)
    }

    /// The range an `http.response.zerocopysend` message names, on a duplicate of `file`
    /// that the region owns (the application keeps `file`). A nil `offset` starts at the file
    /// position and moves it past the range; a nil `count` runs to the end of the file.
    package static func zerocopysend(file: Int32, offset: UInt64?, count: UInt64?) throws(ZerocopysendError) -> FileRegion {
        var info = stat()
        guard fstat(file, &info) == 0 else { throw ZerocopysendError(file: file, reason: .unusableDescriptor(errno: errno)) }
        guard (info.st_mode & S_IFMT) == S_IFREG else { throw ZerocopysendError(file: file, reason: .notARegularFile) }
        let size = UInt64(info.st_size)
        let start: UInt64
        if let offset {
            start = offset
        } else {
            let position = lseek(file, 0, SEEK_CUR)
            guard position >= 0 else { throw ZerocopysendError(file: file, reason: .unusableDescriptor(errno: errno)) }
            start = UInt64(position)
        }
        guard start <= size else { throw ZerocopysendError(file: file, reason: .rangeBeyondEnd(size: size)) }
        let length = count ?? size - start
        guard length <= size - start else { throw ZerocopysendError(file: file, reason: .rangeBeyondEnd(size: size)) }
        // A duplicate shares the file position but the region never uses it (sendfile is
        // given explicit offsets), so the application may move or close `file` freely.
        let duplicate = fcntl(file, F_DUPFD_CLOEXEC, 0)
        guard duplicate >= 0 else { throw ZerocopysendError(file: file, reason: .unusableDescriptor(errno: errno)) }
        if offset == nil { _ = lseek(file, off_t(start + length), SEEK_SET) }
        // Both fit: a regular file's size is an off_t.
        return FileRegion(descriptor: duplicate, offset: Int64(start), count: Int(length), closesDescriptor: true)
    }
}
