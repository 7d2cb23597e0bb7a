/// The path parameters a walk found: up to 8 (start, end) offsets into `rawPath`, kept in a
/// fixed tuple so that a lookup needs no heap memory.
struct Captures: Sendable {
    private(set) var count = 0
    private var spans: (UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64) = (0, 0, 0, 0, 0, 0, 0, 0)

    @inline(__always)
    mutating func push(_ start: Int, _ end: Int) {
        // Invariant: count < 8, since a route has at most `RoutePattern.maxParameters`
        // parameters and a walk holds the captures of one route's ancestors only.
        withUnsafeMutableBytes(of: &spans) {
            $0.storeBytes(of: UInt64(truncatingIfNeeded: start) << 32 | UInt64(truncatingIfNeeded: end), toByteOffset: count &* 8, as: UInt64.self)
        }
        count &+= 1
    }

    @inline(__always)
    mutating func pop() { count &-= 1 }

    func span(_ index: Int) -> (start: Int, end: Int) {
        precondition(index >= 0 && index < count)
        let packed = withUnsafeBytes(of: spans) { $0.load(fromByteOffset: index &* 8, as: UInt64.self) }
        return (Int(packed >> 32), Int(packed & 0xFFFF_FFFF))
    }
}

/// What a lookup found.
struct RouteMatch: Sendable {
    enum Kind: Sendable, Equatable {
        /// `route` takes the request; `captures` are its parameters.
        case route
        /// The application mounted as `route` takes it.
        case mount
        /// The path has routes, none for this method: `allowed` is their method mask.
        case methodNotAllowed
        /// The path has only WebSocket routes and the request is plain HTTP.
        case upgradeRequired
        case notFound
    }

    var kind: Kind
    var route: Int32 = -1
    var allowed: UInt64 = 0
    var captures = Captures()
}

extension RouteTable {
    /// Finds what takes `method`'s slot on `rawPath`, walking after `rootPath` when the path
    /// starts with it. Allocates nothing.
    func lookup(slot: Int, rawPath: [UInt8], rootPath: String) -> RouteMatch {
        rawPath.withUnsafeBufferPointer { path in lookup(slot: slot, path: path, rootPath: rootPath) }
    }

    func lookup(slot: Int, path: UnsafeBufferPointer<UInt8>, rootPath: String) -> RouteMatch {
        let start = rootPath.isEmpty ? 0 : Self.remainderStart(path, rootPath: rootPath)
        let position: Int
        if start == path.count && start > 0 {
            position = start  // `/admin` under root path `/admin`: the remainder is `/`
        } else if start < path.count && path[start] == UInt8(ascii: "/") {
            position = start + 1
        } else {
            return RouteMatch(kind: .notFound)
        }
        let slotBit: UInt64 = slot >= 0 ? 1 << UInt64(slot) : 0
        return nodes.withUnsafeBufferPointer { nodes in
            literals.withUnsafeBufferPointer { literals in
                leaves.withUnsafeBufferPointer { leaves in
                    handlers.withUnsafeBufferPointer { handlers in
                        var walker = Walker(nodes: nodes, literals: literals, leaves: leaves, handlers: handlers, path: path, slotBit: slotBit)
                        var route = walker.walk(0, position)
                        if route < 0, nodes[0].mount >= 0 {
                            route = nodes[0].mount
                            walker.mounted = true
                        }
                        if route >= 0 {
                            return RouteMatch(kind: walker.mounted ? .mount : .route, route: route, captures: walker.captures)
                        }
                        let allowed = walker.allowed
                        if allowed == 0 { return RouteMatch(kind: .notFound) }
                        if slot == Self.webSocketSlot { return RouteMatch(kind: .notFound, allowed: allowed) }
                        if allowed & ~Self.webSocketBit == 0 { return RouteMatch(kind: .upgradeRequired, allowed: allowed) }
                        return RouteMatch(kind: .methodNotAllowed, allowed: allowed)
                    }
                }
            }
        }
    }

    /// Where the path continues after `rootPath` (compared decoded, ending at a segment
    /// boundary), or 0 when the path does not start with it.
    ///
    /// When the whole root path is not a prefix, its tails that start at a `/` are tried,
    /// longest first: Ringway's server passes its configured root path without prefixing
    /// `path` (unlike uvicorn ≥ 0.26), so under `--root-path /app` a mount at `/admin` hands
    /// its child `rootPath = "/app/admin"` with a path starting at `/admin`.
    static func remainderStart(_ path: UnsafeBufferPointer<UInt8>, rootPath: String) -> Int {
        func compare(_ root: UnsafeBufferPointer<UInt8>) -> Int {
            let rootCount = root.last == UInt8(ascii: "/") ? root.count - 1 : root.count
            var from = 0
            while from < rootCount {
                if let start = matchedPrefix(root, from, rootCount) { return start }
                from += 1
                while from < rootCount && root[from] != UInt8(ascii: "/") { from += 1 }
            }
            return 0
        }
        func matchedPrefix(_ root: UnsafeBufferPointer<UInt8>, _ from: Int, _ rootCount: Int) -> Int? {
            var index = 0
            for position in from..<rootCount {
                guard index < path.count else { return nil }
                let (byte, next) = PercentDecodedBytes.step(path, index, path.count)
                guard byte == root[position] else { return nil }
                index = next
            }
            return index == path.count || path[index] == UInt8(ascii: "/") ? index : nil
        }
        if let start = rootPath.utf8.withContiguousStorageIfAvailable(compare) { return start }
        return Array(rootPath.utf8).withUnsafeBufferPointer(compare)  // a bridged string: rare
    }
}

/// One walk over the flattened trie. The buffers are the table's arrays and the request's
/// path, valid for the walk (it runs inside their `withUnsafeBufferPointer` calls); every
/// index into them comes from the table's own offsets, which the build made in range.
struct Walker {
    let nodes: UnsafeBufferPointer<RouteTable.Node>
    let literals: UnsafeBufferPointer<UInt8>
    let leaves: UnsafeBufferPointer<RouteTable.Leaf>
    let handlers: UnsafeBufferPointer<UInt32>
    let path: UnsafeBufferPointer<UInt8>
    /// The request method's bit (0: a method no route names).
    let slotBit: UInt64
    var captures = Captures()
    /// The method masks of leaves that matched the path but not the method.
    var allowed: UInt64 = 0
    var mounted = false

    /// The route for the segments from `position` (the start of a segment) under node
    /// `index`, or −1. Children are tried in precedence order; a failed child's captures are
    /// dropped and the next is tried (backtracking, bounded by the depth of the routes).
    mutating func walk(_ index: Int, _ position: Int) -> Int32 {
        let end = path.count
        var segmentEnd = position
        var hasPercent = false
        while segmentEnd < end {
            let byte = path[segmentEnd]
            if byte == UInt8(ascii: "/") { break }
            if byte == UInt8(ascii: "%") { hasPercent = true }
            segmentEnd &+= 1
        }
        let node = nodes[index]
        var child = Int(node.firstChild)
        let last = child + Int(node.childCount)
        if !hasPercent && node.literalChildCount > Self.linearLiteralLimit {
            // Many literal siblings and a segment to compare as is: binary search (at most one
            // literal equals the segment), then the parameter children as usual.
            let found = findLiteral(child, child + Int(node.literalChildCount), position, segmentEnd)
            if found >= 0 {
                let route = descend(found, segmentEnd)
                if route >= 0 { return route }
            }
            child += Int(node.literalChildCount)
        }
        while child < last {
            let candidate = nodes[child]
            switch candidate.kind {
            case .literal:
                if matchesLiteral(candidate, position, segmentEnd, hasPercent) {
                    let route = descend(child, segmentEnd)
                    if route >= 0 { return route }
                }
            case .catchAll:
                captures.push(position, end)
                let route = leafRoute(candidate)
                if route >= 0 { return route }
                captures.pop()
            case .str, .int, .uuid:
                let value = parameter(candidate, position, segmentEnd, hasPercent)
                if value.start >= 0 {
                    captures.push(value.start, value.end)
                    let route = descend(child, segmentEnd)
                    if route >= 0 { return route }
                    captures.pop()
                }
            }
            child &+= 1
        }
        return -1
    }

    /// Above this many literal siblings, lookups binary-search them.
    static let linearLiteralLimit: UInt16 = 8

    /// The literal child in `low..<high` equal to `path[start..<end]` (no `%` in it), or −1;
    /// the children are sorted by length, then bytes.
    func findLiteral(_ low: Int, _ high: Int, _ start: Int, _ end: Int) -> Int {
        var low = low
        var high = high
        let count = end &- start
        while low < high {
            let middle = (low &+ high) >> 1
            let candidate = nodes[middle]
            var order = Int(candidate.literalCount) &- count
            if order == 0 {
                let bytes = literal(Int(candidate.literalStart), count)
                var offset = 0
                while offset < count {
                    order = Int(bytes[offset]) &- Int(path[start &+ offset])
                    if order != 0 { break }
                    offset &+= 1
                }
            }
            if order == 0 { return middle }
            if order < 0 { low = middle &+ 1 } else { high = middle }
        }
        return -1
    }

    /// Past the segment node `index` matched: its leaf at the end of the path, else its
    /// children; its mount when neither takes the request.
    @inline(__always)
    mutating func descend(_ index: Int, _ segmentEnd: Int) -> Int32 {
        let node = nodes[index]
        let route = segmentEnd == path.count ? leafRoute(node) : walk(index, segmentEnd &+ 1)
        if route >= 0 { return route }
        if node.mount >= 0 {
            mounted = true
            return node.mount
        }
        return -1
    }

    /// The route of the request's method at `node`'s leaf, or −1 (noting the leaf's methods).
    @inline(__always)
    mutating func leafRoute(_ node: RouteTable.Node) -> Int32 {
        guard node.leaf >= 0 else { return -1 }
        let leaf = leaves[Int(node.leaf)]
        guard leaf.methodMask & slotBit != 0 else {
            allowed |= leaf.methodMask
            return -1
        }
        return Int32(handlers[Int(leaf.handlerBase) + (leaf.methodMask & (slotBit &- 1)).nonzeroBitCount])
    }

    @inline(__always)
    func literal(_ start: Int, _ count: Int) -> UnsafeBufferPointer<UInt8> {
        UnsafeBufferPointer(rebasing: literals[start..<(start + count)])
    }

    @inline(__always)
    func matchesLiteral(_ node: RouteTable.Node, _ start: Int, _ end: Int, _ hasPercent: Bool) -> Bool {
        let count = Int(node.literalCount)
        let bytes = literal(Int(node.literalStart), count)
        guard hasPercent else {
            guard end &- start == count else { return false }
            var offset = 0
            while offset < count {
                if path[start &+ offset] != bytes[offset] { return false }
                offset &+= 1
            }
            return true
        }
        return PercentDecodedBytes.equal(path, start, end, bytes)
    }

    /// The raw span of a parameter's value in the segment `start..<end`, or (−1, −1).
    func parameter(_ node: RouteTable.Node, _ start: Int, _ end: Int, _ hasPercent: Bool) -> (start: Int, end: Int) {
        var valueStart = start
        var valueEnd = end
        let prefixCount = Int(node.literalCount)
        let suffixCount = Int(node.suffixCount)
        if prefixCount != 0 || suffixCount != 0 {
            let prefix = literal(Int(node.literalStart), prefixCount)
            let suffix = literal(Int(node.literalStart) + prefixCount, suffixCount)
            let decoded = hasPercent ? PercentDecodedBytes.decodedCount(path, start, end) : end - start
            guard decoded > prefixCount + suffixCount else { return (-1, -1) }
            valueStart = hasPercent ? PercentDecodedBytes.rawIndex(path, from: start, end, afterDecoded: prefixCount) : start + prefixCount
            valueEnd = hasPercent
                ? PercentDecodedBytes.rawIndex(path, from: valueStart, end, afterDecoded: decoded - prefixCount - suffixCount)
                : end - suffixCount
            guard PercentDecodedBytes.equal(path, start, valueStart, prefix),
                  PercentDecodedBytes.equal(path, valueEnd, end, suffix) else { return (-1, -1) }
        }
        let accepted = switch node.kind {
        case .int: Self.isInt(path, valueStart, valueEnd)
        case .uuid: Self.isUUID(path, valueStart, valueEnd)
        default: valueEnd > valueStart
        }
        return accepted ? (valueStart, valueEnd) : (-1, -1)
    }

    /// 1–19 decimal digits (decoded) whose value fits `Int64`.
    static func isInt(_ path: UnsafeBufferPointer<UInt8>, _ start: Int, _ end: Int) -> Bool {
        var index = start
        var value: Int64 = 0
        var digits = 0
        while index < end {
            let (byte, next) = PercentDecodedBytes.step(path, index, end)
            let digit = byte &- UInt8(ascii: "0")
            guard digit < 10 else { return false }
            let (times, overflow) = value.multipliedReportingOverflow(by: 10)
            let (sum, overflowAdd) = times.addingReportingOverflow(Int64(digit))
            guard !overflow, !overflowAdd else { return false }
            value = sum
            digits += 1
            index = next
        }
        return digits > 0 && digits <= 19
    }

    /// 8-4-4-4-12 hex digits (decoded), either case.
    static func isUUID(_ path: UnsafeBufferPointer<UInt8>, _ start: Int, _ end: Int) -> Bool {
        var index = start
        var position = 0
        while index < end {
            let (byte, next) = PercentDecodedBytes.step(path, index, end)
            switch position {
            case 8, 13, 18, 23: guard byte == UInt8(ascii: "-") else { return false }
            case 36...: return false
            default: guard PercentDecodedBytes.hexValue(byte) != nil else { return false }
            }
            position += 1
            index = next
        }
        return position == 36
    }
}
