import Testing
@testable import RingwayWebSocketCodec

/// One input to the connection machine.
enum MachineStep: CustomStringConvertible {
    case peer([UInt8])
    case appClose(UInt16, String)
    case closeTimerFired
    case readEnded
    case transportClosed
    case ping([UInt8])
    case pingTimeoutFired

    var description: String {
        switch self {
        case .peer(let bytes): "peer(\(bytes.count) bytes)"
        case .appClose(let code, _): "appClose(\(code))"
        case .closeTimerFired: "closeTimerFired"
        case .readEnded: "readEnded"
        case .transportClosed: "transportClosed"
        case .ping: "ping"
        case .pingTimeoutFired: "pingTimeoutFired"
        }
    }
}

typealias Action = WebSocketConnection.Action

/// Runs `step` and returns the actions it produced.
func apply(_ step: MachineStep, to machine: inout WebSocketConnection) -> [Action] {
    var actions: [Action] = []
    switch step {
    case .peer(let bytes): bytes.withUnsafeBytes { _ = machine.received($0) { actions.append($0) } }
    case .appClose(let code, let reason): machine.close(code: code, reason: reason) { actions.append($0) }
    case .closeTimerFired: machine.closeTimerFired { actions.append($0) }
    case .readEnded: machine.readEnded { actions.append($0) }
    case .transportClosed: machine.transportClosed { actions.append($0) }
    case .ping(let payload): machine.ping(payload) { actions.append($0) }
    case .pingTimeoutFired: machine.pingTimeoutFired { actions.append($0) }
    }
    return actions
}

/// A server's close frame, built by hand.
func serverClose(_ code: UInt16, _ reason: String = "") -> [UInt8] {
    [0x88, UInt8(2 + reason.utf8.count)] + closePayload(code, Array(reason.utf8))
}

/// A machine case: `setup` brings it to a state, then `step` must produce exactly `actions` and
/// leave it in `state`.
struct MachineCase: CustomStringConvertible, Sendable {
    var name: String
    var setup: [MachineStepBox]
    var step: MachineStepBox
    var actions: [Action]
    var state: WebSocketConnection.State
    var limits = WebSocketLimits()

    var description: String { name }
}

/// `MachineStep` holds only value payloads; boxed so the case table is `Sendable`.
struct MachineStepBox: Sendable {
    let make: @Sendable () -> MachineStep
    init(_ step: @autoclosure @escaping @Sendable () -> MachineStep) { make = step }
}

private let toLocalClosing = [MachineStepBox(.appClose(1000, ""))]
private let toRemoteClosing = [MachineStepBox(.peer(clientFrame(.close, closePayload(1000))))]

let machineCases: [MachineCase] = [
    // open
    MachineCase(name: "open: ping → pong with its payload", setup: [], step: .init(.peer(clientFrame(.ping, [1, 2]))),
                actions: [.write([0x8A, 0x02, 1, 2])], state: .open),
    MachineCase(name: "open: text → delivered", setup: [], step: .init(.peer(clientFrame(.text, "hi"))),
                actions: [.deliver(.text("hi"))], state: .open),
    MachineCase(name: "open: binary → delivered", setup: [], step: .init(.peer(clientFrame(.binary, [9]))),
                actions: [.deliver(.binary([9]))], state: .open),
    MachineCase(name: "open: unsolicited pong → nothing", setup: [], step: .init(.peer(clientFrame(.pong, [1]))),
                actions: [], state: .open),
    MachineCase(name: "open: peer's close → echo of its code, close, disconnect", setup: [],
                step: .init(.peer(clientFrame(.close, closePayload(4001, Array("bye".utf8))))),
                actions: [.write(serverClose(4001)), .closeTransport(graceful: true), .disconnected(code: 4001, reason: "bye")],
                state: .remoteClosing),
    MachineCase(name: "open: peer's empty close → empty echo, 1005", setup: [], step: .init(.peer(clientFrame(.close, []))),
                actions: [.write([0x88, 0x00]), .closeTransport(graceful: true), .disconnected(code: 1005, reason: "")],
                state: .remoteClosing),
    MachineCase(name: "open: app close → close frame, timer armed", setup: [], step: .init(.appClose(1000, "done")),
                actions: [.write(serverClose(1000, "done")), .armCloseTimer], state: .localClosing),
    MachineCase(name: "open: unmasked frame → fail 1002", setup: [], step: .init(.peer(clientFrame(.text, Array("x".utf8), masked: false))),
                actions: [.write(serverClose(1002, "client frame not masked")), .closeTransport(graceful: true),
                          .disconnected(code: 1002, reason: "client frame not masked")], state: .closed),
    MachineCase(name: "open: invalid UTF-8 → fail 1007", setup: [], step: .init(.peer(clientFrame(.text, [0xFF]))),
                actions: [.write(serverClose(1007, "text message is not valid UTF-8")), .closeTransport(graceful: true),
                          .disconnected(code: 1007, reason: "text message is not valid UTF-8")], state: .closed),
    MachineCase(name: "open: frame over the limit → fail 1009", setup: [], step: .init(.peer(clientFrame(.binary, [1, 2, 3, 4, 5]))),
                actions: [.write(serverClose(1009, "frame over the size limit")), .closeTransport(graceful: true),
                          .disconnected(code: 1009, reason: "frame over the size limit")], state: .closed,
                limits: WebSocketLimits(maxFrameBytes: 4, maxMessageBytes: 4)),
    MachineCase(name: "open: close timer (stale) → nothing", setup: [], step: .init(.closeTimerFired), actions: [], state: .open),
    MachineCase(name: "open: read ended → abortive close, 1006", setup: [], step: .init(.readEnded),
                actions: [.closeTransport(graceful: false), .disconnected(code: 1006, reason: "")], state: .closed),
    MachineCase(name: "open: transport closed → 1006", setup: [], step: .init(.transportClosed),
                actions: [.disconnected(code: 1006, reason: "")], state: .closed),
    // localClosing
    MachineCase(name: "localClosing: peer's close completes it", setup: toLocalClosing,
                step: .init(.peer(clientFrame(.close, closePayload(1000)))),
                actions: [.cancelCloseTimer, .closeTransport(graceful: true), .disconnected(code: 1000, reason: "")], state: .closed),
    MachineCase(name: "localClosing: ping still answered", setup: toLocalClosing, step: .init(.peer(clientFrame(.ping, [7]))),
                actions: [.write([0x8A, 0x01, 7])], state: .localClosing),
    MachineCase(name: "localClosing: data dropped", setup: toLocalClosing, step: .init(.peer(clientFrame(.text, "late"))),
                actions: [], state: .localClosing),
    MachineCase(name: "localClosing: close timeout → abortive close, 1006", setup: toLocalClosing, step: .init(.closeTimerFired),
                actions: [.closeTransport(graceful: false), .disconnected(code: 1006, reason: "close handshake timed out")], state: .closed),
    MachineCase(name: "localClosing: second app close → nothing", setup: toLocalClosing, step: .init(.appClose(1001, "")),
                actions: [], state: .localClosing),
    MachineCase(name: "localClosing: protocol error → no second close frame", setup: toLocalClosing,
                step: .init(.peer(clientFrame(.text, Array("x".utf8), masked: false))),
                actions: [.cancelCloseTimer, .closeTransport(graceful: true), .disconnected(code: 1002, reason: "client frame not masked")],
                state: .closed),
    MachineCase(name: "localClosing: read ended → timer cancelled, abortive close", setup: toLocalClosing, step: .init(.readEnded),
                actions: [.cancelCloseTimer, .closeTransport(graceful: false), .disconnected(code: 1006, reason: "")], state: .closed),
    // remoteClosing
    MachineCase(name: "remoteClosing: later bytes ignored", setup: toRemoteClosing, step: .init(.peer(clientFrame(.ping, [1]))),
                actions: [], state: .remoteClosing),
    MachineCase(name: "remoteClosing: app close → nothing", setup: toRemoteClosing, step: .init(.appClose(1000, "")),
                actions: [], state: .remoteClosing),
    MachineCase(name: "remoteClosing: read ended → closed, reported once", setup: toRemoteClosing, step: .init(.readEnded),
                actions: [], state: .closed),
    MachineCase(name: "remoteClosing: transport closed → closed", setup: toRemoteClosing, step: .init(.transportClosed),
                actions: [], state: .closed),
    // keepalive
    MachineCase(name: "open: keepalive ping written", setup: [], step: .init(.ping([0, 0, 0, 1])),
                actions: [.write([0x89, 0x04, 0, 0, 0, 1])], state: .open),
    MachineCase(name: "open: ping unanswered → fail 1011", setup: [.init(.ping([1]))], step: .init(.pingTimeoutFired),
                actions: [.write(serverClose(1011, "keepalive ping timeout")), .closeTransport(graceful: true),
                          .disconnected(code: 1011, reason: "keepalive ping timeout")], state: .closed),
    MachineCase(name: "open: ping answered → timeout does nothing", setup: [.init(.ping([1])), .init(.peer(clientFrame(.pong, [1])))],
                step: .init(.pingTimeoutFired), actions: [], state: .open),
    MachineCase(name: "localClosing: no keepalive ping", setup: toLocalClosing, step: .init(.ping([1])), actions: [], state: .localClosing),
]

/// The WebSocket connection machine, state by event, without sockets.
@Suite struct ConnectionMachineTests {
    @Test(arguments: machineCases)
    func transition(_ test: MachineCase) {
        var machine = WebSocketConnection(limits: test.limits)
        for step in test.setup { _ = apply(step.make(), to: &machine) }
        let actions = apply(test.step.make(), to: &machine)
        #expect(actions == test.actions)
        #expect(machine.state == test.state)
    }

    /// Every input after the end produces nothing, and the disconnect is reported once.
    @Test(arguments: [MachineStep.readEnded, .transportClosed, .closeTimerFired, .appClose(1000, ""), .ping([1]), .pingTimeoutFired,
                      .peer(clientFrame(.text, "x"))].map { step in MachineStepBox(step) })
    func closedIsTerminal(_ step: MachineStepBox) {
        var machine = WebSocketConnection()
        _ = apply(.readEnded, to: &machine)
        #expect(apply(step.make(), to: &machine) == [])
        #expect(machine.state == .closed)
    }

    @Test func messagesOnlyWhileOpen() throws {
        var machine = WebSocketConnection()
        var buffer: [UInt8] = []
        try machine.send(text: "hi", into: &buffer)
        try machine.send(binary: [1], into: &buffer)
        #expect(buffer == [0x81, 0x02, 0x68, 0x69, 0x82, 0x01, 1])
        _ = apply(.appClose(1000, ""), to: &machine)
        buffer = []
        #expect(throws: WebSocketConnectionError(state: .localClosing)) { try machine.send(text: "late", into: &buffer) }
        #expect(throws: WebSocketConnectionError(state: .localClosing)) { try machine.checkCanSend() }
        #expect(buffer.isEmpty, "nothing is framed for a refused message")

        var echoed = WebSocketConnection()
        _ = apply(toRemoteClosing[0].make(), to: &echoed)
        #expect(throws: WebSocketConnectionError(state: .remoteClosing)) { try echoed.send(binary: [1], into: &buffer) }
        _ = apply(.transportClosed, to: &echoed)
        #expect(throws: WebSocketConnectionError(state: .closed)) { try echoed.send(binary: [1], into: &buffer) }
        #expect(buffer.isEmpty)
    }

    /// Bytes after a close frame in the same read are not looked at.
    @Test func bytesAfterPeersCloseIgnored() {
        var machine = WebSocketConnection()
        let actions = apply(.peer(clientFrame(.close, closePayload(1000)) + clientFrame(.text, "after")), to: &machine)
        #expect(actions == [.write(serverClose(1000)), .closeTransport(graceful: true), .disconnected(code: 1000, reason: "")])
    }

    /// The client role masks what it sends (a fresh key per frame) and reads unmasked frames.
    @Test func clientRole() throws {
        var machine = WebSocketConnection(role: .client)
        var buffer: [UInt8] = []
        try machine.send(text: "hello", into: &buffer)
        #expect(buffer[0] == 0x81 && buffer[1] == 0x80 | 5, "masked text frame")
        var server = WebSocketDecoder()
        var events: [WebSocketEvent] = []
        try feed(&server, buffer[...]) { events.append($0) }
        #expect(events == [.text("hello")])

        let actions = apply(.peer([0x89, 0x01, 7]), to: &machine)
        guard case .write(let pong) = actions.first, actions.count == 1 else {
            Issue.record("expected one pong, got \(actions)")
            return
        }
        events = []
        try feed(&server, pong[...]) { events.append($0) }
        #expect(events == [.pong([7])])
        #expect(apply(.peer(clientFrame(.ping, [1])), to: &machine).last == .disconnected(code: 1002, reason: "server frame masked"))
    }
}
