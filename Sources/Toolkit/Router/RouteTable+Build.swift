/// The trie while routes are added: class nodes keyed by segment shape, flattened by
/// `RouteTable.init(_:configuration:)` once every registration is checked.
private final class BuilderNode {
    let shape: PatternSegment?
    var children: [BuilderNode] = []
    /// slot → (route index, label, location) of the registration that took it.
    var methods: [Int: (route: Int, label: String, location: String)] = [:]
    var mount: (route: Int, label: String, location: String)?

    init(shape: PatternSegment?) { self.shape = shape }

    func child(_ shape: PatternSegment) -> BuilderNode {
        if let existing = children.first(where: { $0.shape == shape }) { return existing }
        let node = BuilderNode(shape: shape)
        children.append(node)
        return node
    }

    /// Precedence among siblings: literal · affixed (longest literals first) · int · uuid · str · catch-all.
    var rank: (Int, Int, [UInt8]) {
        switch shape {
        case .literal(let bytes)?: (0, bytes.count, bytes)
        case .parameter(_, let kind, let prefix, let suffix)? where !prefix.isEmpty || !suffix.isEmpty:
            (1, -(prefix.count + suffix.count) * 4 + Int(kind.rawValue), prefix + [0] + suffix)
        case .parameter(_, .int, _, _)?: (2, 0, [])
        case .parameter(_, .uuid, _, _)?: (3, 0, [])
        case .parameter?: (4, 0, [])
        case .catchAll?: (5, 0, [])
        case nil: (0, 0, [])
        }
    }

    static func precedes(_ a: BuilderNode, _ b: BuilderNode) -> Bool {
        let (x, y) = (a.rank, b.rank)
        if x.0 != y.0 { return x.0 < y.0 }
        if x.1 != y.1 { return x.1 < y.1 }
        return x.2.lexicographicallyPrecedes(y.2)
    }
}

extension RouteTable {
    /// Checks every registration (collecting all problems) and flattens the trie.
    convenience init(_ registrations: [RouteRegistration], configuration: RouterConfiguration) throws(RouterError) {
        var problems: [RouterError.Problem] = []
        var routes: [RouteEntry] = []
        var customSlots: [String: Int] = [:]
        var slotNames = Self.standardMethods
        var descriptions: [RouteDescription] = []
        let root = BuilderNode(shape: nil)

        for registration in registrations {
            func report(_ kind: RouterError.Problem.Kind) {
                problems.append(RouterError.Problem(kind: kind, route: registration.label, location: registration.location))
            }
            let slot: Int
            var text = registration.pattern
            switch registration.target {
            case .http(let method):
                guard Self.isToken(method.rawValue) else { report(.badMethod); continue }
                if let known = Self.standardMethods.firstIndex(of: method.rawValue) {
                    slot = known
                } else if let custom = customSlots[method.rawValue] {
                    slot = custom
                } else {
                    guard slotNames.count < Self.webSocketSlot else { report(.tooManyMethods); continue }
                    slot = slotNames.count
                    customSlots[method.rawValue] = slot
                    slotNames.append(method.rawValue)
                }
            case .websocket:
                slot = Self.webSocketSlot
            case .mount:
                slot = -1
                while text.count > 1 && text.hasSuffix("/") { text.removeLast() }
            }
            let pattern: RoutePattern
            do {
                pattern = try RoutePattern(parsing: text)
            } catch {
                report(.malformed(error))
                continue
            }
            var segments = pattern.segments
            if case .mount = registration.target {
                // "/" mounts at the root; "/admin" at the node of "admin".
                if segments == [.literal([])] { segments = [] }
                guard segments.allSatisfy({ if case .literal = $0 { true } else { false } }) else { report(.mountNotStatic); continue }
            }
            var node = root
            for segment in segments { node = node.child(segment.shape) }

            let index = routes.count
            switch registration.target {
            case .mount:
                if let other = node.mount {
                    report(.mountConflict(with: other.label, at: other.location))
                    continue
                }
                node.mount = (index, registration.label, registration.location)
            case .http, .websocket:
                if let other = node.methods[slot] {
                    report(.conflict(with: other.label, at: other.location))
                    continue
                }
                node.methods[slot] = (index, registration.label, registration.location)
            }
            let isMount: Bool = if case .mount = registration.target { true } else { false }
            let info = RouteInfo(pattern: isMount ? (text == "/" ? "" : text) : pattern.text, names: pattern.parameterNames,
                                 bodyLimit: registration.bodyLimit, mountPrefix: isMount ? (text == "/" ? "" : text) : "")
            routes.append(RouteEntry(app: registration.app, info: info,
                                     setsValue: !pattern.parameterNames.isEmpty || registration.bodyLimit != nil))
            let shownMethod: String = switch registration.target {
            case .http(let httpMethod): httpMethod.rawValue
            case .websocket: "WS"
            case .mount: "MOUNT"
            }
            descriptions.append(RouteDescription(method: shownMethod, pattern: info.pattern.isEmpty ? "/" : info.pattern,
                                                 location: registration.location))
        }

        // A mount and a catch-all on one node would both take every path below it.
        var pending = [root]
        while let node = pending.popLast() {
            if let mount = node.mount, let catchAll = node.children.first(where: { if case .catchAll? = $0.shape { true } else { false } }),
               let route = catchAll.methods.values.min(by: { $0.route < $1.route }) {
                problems.append(RouterError.Problem(kind: .mountConflict(with: route.label, at: route.location),
                                                    route: mount.label, location: mount.location))
            }
            pending += node.children
        }
        guard problems.isEmpty else { throw RouterError(problems: problems) }

        // Flatten breadth-first, so that each node's children are contiguous.
        var nodes: [Node] = [Node()]
        var literals: [UInt8] = []
        var leaves: [Leaf] = []
        var handlers: [UInt32] = []
        var queue: [(builder: BuilderNode, index: Int)] = [(root, 0)]
        var head = 0
        while head < queue.count {
            let (builder, index) = queue[head]
            head += 1
            if configuration.headFromGet, builder.methods[1] == nil, let get = builder.methods[0] {
                builder.methods[1] = get
            }
            if !builder.methods.isEmpty {
                var mask: UInt64 = 0
                let base = UInt32(handlers.count)
                for slot in builder.methods.keys.sorted() {
                    mask |= 1 << UInt64(slot)
                    handlers.append(UInt32(builder.methods[slot]!.route))
                }
                nodes[index].leaf = Int32(leaves.count)
                leaves.append(Leaf(methodMask: mask, handlerBase: base))
            }
            if let mount = builder.mount { nodes[index].mount = Int32(mount.route) }
            let children = builder.children.sorted(by: BuilderNode.precedes)
            nodes[index].firstChild = UInt32(nodes.count)
            nodes[index].childCount = UInt16(children.count)
            nodes[index].literalChildCount = UInt16(children.filter { if case .literal? = $0.shape { true } else { false } }.count)
            for child in children {
                var node = Node()
                node.literalStart = UInt32(literals.count)
                switch child.shape {
                case .literal(let bytes)?:
                    node.kind = .literal
                    node.literalCount = UInt16(bytes.count)
                    literals += bytes
                case .parameter(_, let kind, let prefix, let suffix)?:
                    node.kind = switch kind {
                    case .str: .str
                    case .int: .int
                    case .uuid: .uuid
                    }
                    node.literalCount = UInt16(prefix.count)
                    node.suffixCount = UInt16(suffix.count)
                    literals += prefix + suffix
                case .catchAll?:
                    node.kind = .catchAll
                case nil:
                    break
                }
                queue.append((child, nodes.count))
                nodes.append(node)
            }
        }
        self.init(nodes: nodes, literals: literals, leaves: leaves, handlers: handlers, routes: routes,
                  customSlots: customSlots, slotNames: slotNames, configuration: configuration, descriptions: descriptions)
    }

    /// RFC 9110 `token`: one or more tchars.
    static func isToken(_ method: String) -> Bool {
        !method.isEmpty && method.utf8.allSatisfy { byte in
            switch byte {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0")...UInt8(ascii: "9"): true
            default: Array("!#$%&'*+-.^_`|~".utf8).contains(byte)
            }
        }
    }
}
