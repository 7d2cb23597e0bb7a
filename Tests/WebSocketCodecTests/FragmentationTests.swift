import Testing
@testable import RingwayWebSocketCodec

/// Fragmented messages (RFC 6455 §5.4): reassembly, interleaved control frames, ordering rules.
@Suite struct FragmentationTests {
    @Test func textInThreeFragments() {
        let input = clientFrame(.text, "Hel", fin: false) + clientFrame(.continuation, "lo ", fin: false) + clientFrame(.continuation, "world")
        #expect(runAllSplits(input) == Outcome(events: [.text("Hello world")]))
    }

    @Test func binaryWithPingAndPongBetweenFragments() {
        let input = clientFrame(.binary, [1, 2], fin: false)
            + clientFrame(.ping, "are you there")
            + clientFrame(.continuation, [3], fin: false)
            + clientFrame(.pong, [])
            + clientFrame(.ping, [])
            + clientFrame(.continuation, [4, 5])
        let outcome = runAllSplits(input)
        #expect(outcome == Outcome(events: [.ping(Array("are you there".utf8)), .pong([]), .ping([]), .binary([1, 2, 3, 4, 5])]))
    }

    @Test func emptyFragments() {
        let input = clientFrame(.text, "", fin: false) + clientFrame(.continuation, "", fin: false) + clientFrame(.continuation, "")
            + clientFrame(.binary, [], fin: false) + clientFrame(.continuation, [7])
        #expect(runAllSplits(input) == Outcome(events: [.text(""), .binary([7])]))
    }

    @Test func oneFragmentPerByte() {
        let text = "fragmented into single bytes: ü€😀"
        let bytes = Array(text.utf8)
        var input = clientFrame(.text, [bytes[0]], fin: false)
        for (index, byte) in bytes.enumerated().dropFirst() {
            input += clientFrame(.continuation, [byte], fin: index == bytes.count - 1)
        }
        #expect(runAllSplits(input, stride: 7) == Outcome(events: [.text(text)]))
    }

    @Test func messagesFollowEachOther() {
        let input = clientFrame(.text, "a", fin: false) + clientFrame(.continuation, "b") + clientFrame(.binary, [1], fin: false) + clientFrame(.continuation, [2]) + clientFrame(.text, "c")
        #expect(runAllSplits(input) == Outcome(events: [.text("ab"), .binary([1, 2]), .text("c")]))
    }

    @Test func continuationWithoutMessage() {
        let error = expectFailure(clientFrame(.continuation, "x"), 1002)
        #expect(error?.reason == "continuation frame outside a message")
        expectFailure(clientFrame(.continuation, "x", fin: false), 1002)
        // After a complete message there is nothing to continue.
        let outcome = runAllSplits(clientFrame(.text, "done") + clientFrame(.continuation, "more"))
        #expect(outcome.events == [.text("done")])
        #expect(outcome.error?.closeCode == 1002)
    }

    @Test func newMessageWhileOneIsInProgress() {
        let error = expectFailure(clientFrame(.text, "a", fin: false) + clientFrame(.text, "b"), 1002)
        #expect(error?.reason == "new message before the fragmented one ended")
        expectFailure(clientFrame(.binary, [1], fin: false) + clientFrame(.text, "b"), 1002)
        expectFailure(clientFrame(.text, "a", fin: false) + clientFrame(.ping, []) + clientFrame(.binary, [1]), 1002)
    }

    @Test func closeBetweenFragmentsEndsTheStream() {
        let input = clientFrame(.text, "never", fin: false) + clientFrame(.close, closePayload(1000)) + clientFrame(.continuation, "finished")
        #expect(runAllSplits(input) == Outcome(events: [.close(code: 1000, reason: "")]))
    }

    @Test func errorInLaterFragmentAfterEarlierEvents() {
        let input = clientFrame(.text, "a", fin: false) + clientFrame(.ping, "p") + clientFrame(.continuation, "b", fin: false, rsv: rsv2)
        let outcome = runAllSplits(input)
        #expect(outcome.events == [.ping([0x70])])
        #expect(outcome.error?.closeCode == 1002)
    }
}
