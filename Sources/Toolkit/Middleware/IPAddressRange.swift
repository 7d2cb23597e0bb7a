/// A numeric IPv4 or IPv6 address as 128 bits; IPv4 (and IPv4-mapped IPv6, `::ffff:a.b.c.d`)
/// as the mapped form, so `127.0.0.1` and `::ffff:127.0.0.1` are the same address.
struct IPAddress: Hashable, Sendable {
    var high: UInt64
    var low: UInt64

    /// Whether this is an IPv4 address (mapped).
    var isV4: Bool { high == 0 && low >> 32 == 0xFFFF }

    init(high: UInt64, low: UInt64) {
        self.high = high
        self.low = low
    }

    init(v4: UInt32) {
        self.init(high: 0, low: 0xFFFF << 32 | UInt64(v4))
    }

    /// Parses `a.b.c.d` or an RFC 4291 IPv6 text form (`::1`, `fe80::1%eth0`, `::ffff:1.2.3.4`,
    /// `[::1]`); nil for anything else (host names included).
    init?(_ text: some StringProtocol) {
        var text = Substring(text)
        if text.hasPrefix("["), text.hasSuffix("]") { text = text.dropFirst().dropLast() }
        if let zone = text.firstIndex(of: "%") { text = text[..<zone] }  // a link-local zone names no address bits
        if let v4 = Self.parseV4(text) {
            self.init(v4: v4)
        } else if let (high, low) = Self.parseV6(text) {
            self.init(high: high, low: low)
        } else {
            return nil
        }
    }

    static func parseV4(_ text: Substring) -> UInt32? {
        let parts = text.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 4 else { return nil }
        var value: UInt32 = 0
        for part in parts {
            // Decimal only, no leading zeros (`010` would be octal to inet_aton).
            guard (1...3).contains(part.count), part.utf8.allSatisfy({ (0x30...0x39).contains($0) }),
                  part.count == 1 || part.first != "0", let octet = UInt32(part), octet <= 255 else { return nil }
            value = value << 8 | octet
        }
        return value
    }

    static func parseV6(_ text: Substring) -> (UInt64, UInt64)? {
        guard text.contains(":"), text.utf8.count <= 45 else { return nil }
        let halves = text.split(separator: "::", maxSplits: 2, omittingEmptySubsequences: false)
        guard halves.count <= 2 else { return nil }
        func groups(_ part: Substring, allowV4Tail: Bool) -> [UInt16]? {
            if part.isEmpty { return [] }
            let pieces = part.split(separator: ":", omittingEmptySubsequences: false)
            var result: [UInt16] = []
            for (index, piece) in pieces.enumerated() {
                if allowV4Tail, index == pieces.count - 1, piece.contains(".") {
                    guard let v4 = parseV4(piece) else { return nil }
                    result += [UInt16(v4 >> 16), UInt16(v4 & 0xFFFF)]
                } else {
                    guard (1...4).contains(piece.count), let group = UInt16(piece, radix: 16),
                          piece.utf8.allSatisfy({ $0 != UInt8(ascii: "+") && $0 != UInt8(ascii: "-") }) else { return nil }
                    result.append(group)
                }
            }
            return result
        }
        var all: [UInt16]
        if halves.count == 2 {
            guard let head = groups(halves[0], allowV4Tail: false), let tail = groups(halves[1], allowV4Tail: true),
                  head.count + tail.count <= 7 else { return nil }
            all = head + [UInt16](repeating: 0, count: 8 - head.count - tail.count) + tail
        } else {
            guard let only = groups(halves[0], allowV4Tail: true), only.count == 8 else { return nil }
            all = only
        }
        var high: UInt64 = 0
        var low: UInt64 = 0
        for group in all[0..<4] { high = high << 16 | UInt64(group) }
        for group in all[4..<8] { low = low << 16 | UInt64(group) }
        return (high, low)
    }
}

/// An address block: an address and a prefix length (`10.0.0.0/8`, `fd00::/8`, one address `/32` or `/128`).
struct IPAddressRange: Hashable, Sendable {
    let network: IPAddress
    /// Leading bits that must match, of 128 (an IPv4 `/n` is stored as `/(96 + n)`).
    let prefixLength: Int

    /// Parses `address` or `address/length`; the address's bits past the prefix are ignored.
    init?(_ text: some StringProtocol) {
        let parts = text.split(separator: "/", maxSplits: 1, omittingEmptySubsequences: false)
        guard let address = IPAddress(parts[0]) else { return nil }
        let maximum = address.isV4 ? 32 : 128
        var length = maximum
        if parts.count == 2 {
            guard parts[1].utf8.allSatisfy({ (0x30...0x39).contains($0) }), let given = Int(parts[1]), given <= maximum else { return nil }
            length = given
        }
        prefixLength = length + (address.isV4 ? 96 : 0)
        network = Self.masked(address, prefixLength)
    }

    func contains(_ address: IPAddress) -> Bool {
        Self.masked(address, prefixLength) == network
    }

    private static func masked(_ address: IPAddress, _ length: Int) -> IPAddress {
        func mask(_ bits: Int) -> UInt64 { bits <= 0 ? 0 : bits >= 64 ? .max : ~(UInt64.max >> UInt64(bits)) }
        return IPAddress(high: address.high & mask(length), low: address.low & mask(length - 64))
    }
}
